"""Helpers for the hostile-input tests of generated scripts: a corpus of adversarial names, running a script
in-process, comparing log densities.

The corpus is every name the scripts of TEMPLATE assign (so it grows with codegen), every builtin and every Python
keyword the grammar accepts as a name. In `adversarial_spec` each becomes a random variable that a late variable
reads, after every helper of the script has been assigned: a name collision changes the log density.
"""

import ast
import builtins
import keyword
import runpy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec.check.declarations import RESERVED


def run_script(path: Path):
    """Execute a generated script as a module (not as __main__, so it builds its model but does not sample)."""
    saved, sys.argv = sys.argv, [str(path)]  # as if run with no arguments
    try:
        return runpy.run_path(str(path), run_name="generated")["model"]
    finally:
        sys.argv = saved


def assert_same_log_density(ours, theirs, seed=0, points=5):
    """The two PyMC models have the same free variables and the same log density at random points."""
    assert sorted(ours.initial_point()) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(seed)
    for _ in range(points):
        point = {k: v + rng.normal(0, 0.5, np.shape(v)) for k, v in ours.initial_point().items()}
        assert theirs_logp(point) == pytest.approx(ours_logp(point), rel=1e-8)


# Every construct that makes codegen write names of its own: several outcomes (mu_y, eta_k), categorical columns
# (g_levels, g_codes), a pool, an LKJ prior (chol_corr), and, optimized, QR (X_y, Q_y), Binomial cells (cells_k)
# and sufficient statistics (Z_z, b_hat_z); literal, imputed values (missing_rows, m_likelihood: the optimizer
# leaves such a model as written) and, for PyMC 5, a censored outcome (upper_d, d_censored_logp). `z` comes last,
# so `z_sigma` is the last parameter.
TEMPLATE = """\
node g : categorical(levels = ["a", "b", "c"])
node t : categorical(levels = ["u", "v"])
node y ~ Normal
node k ~ Binomial(n = 10)
node w ~ Normal
node v ~ Normal(intercept = none)
{extra}node z ~ Normal
x1, x2 -> y
g -> k
g -> w
t -> v by g
x1 -> z
observed x1, x2, y, g, t, k, w, v, z{observed_extra} from "data.csv"
prior pool_mean ~ Normal(0, 1)
prior pool_sd ~ HalfNormal(1)
prior g -> w ~ Normal(pool_mean, pool_sd)
prior chol ~ LKJCholeskyCov(eta = 2, sd = Exponential(1))
prior t -> v by g ~ MvNormal(mu = [0, 0], chol = chol)
"""
TERMS_PER_LET = 40  # a sum nests one level per term (DS114 stops at 100)


def template(target: str = "pymc", optimize: bool = False) -> str:
    """TEMPLATE for a target and optimization: PyMC3 scripts cannot hold a censored outcome (DS448)."""
    extra, observed = "", ""
    if not optimize:
        extra, observed = "node m ~ Normal(missing = impute)\nx1 -> m\n", ", m"
    if not optimize and target == "pymc":
        extra, observed = extra + "node c\nnode d ~ Weibull(censored = c)\nx1 -> d\n", observed + ", d, c"
    return TEMPLATE.format(extra=extra, observed_extra=observed)


def adversarial_data(rows=60) -> pd.DataFrame:
    rng = np.random.default_rng(13)
    x1 = rng.normal(size=rows)
    m = rng.normal(size=rows)
    m[::7] = np.nan  # imputed
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x1 + 0.3 * rng.normal(size=rows),
            "g": rng.choice(["a", "b", "c"], rows),
            "t": rng.choice(["u", "v"], rows),
            "y": 1 + x1 + rng.normal(size=rows),
            "k": rng.binomial(10, 0.4, rows),
            "w": rng.normal(size=rows),
            "v": rng.normal(size=rows),
            "z": rng.normal(size=rows),
            "m": m,
            "d": rng.weibull(1.5, rows),
            "c": rng.choice([0, 1, -1], rows, p=[0.7, 0.2, 0.1]),
        }
    )


def assigned_names(source: str) -> list[str]:
    """Every module-level name the script binds (by assignment, `with ... as` or `def`), once per binding; the
    names inside a function are its own."""
    names: list[str] = []
    stack: list[ast.AST] = [ast.parse(source)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef):
            names.append(node.name)
            continue
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        else:
            targets = []
        names += [n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)]
        stack.extend(ast.iter_child_nodes(node))
    return names


def _valid_name(name: str) -> bool:
    return name.isidentifier() and name not in RESERVED and "__" not in name and name.isascii()


def _corpus() -> list[str]:
    own, helpers = set(), set()
    for target in ("pymc", "pymc3"):
        for optimize in (False, True):
            spec = dagspec.parse(template(target, optimize))
            own |= set(spec.checked.nodes) | set(spec.parameters) | {"m_missing"}  # the imputed values: DS206
            source = spec.to_source(target, adversarial_data(), optimize)
            helpers |= set(assigned_names(source))
    helpers |= set("mu eta X_ Q_ data_1 data_2 pm np pd az pt tt sys Path".split())
    pymc_own = {"chol_corr", "chol_stds"}  # names PyMC gives the LKJ prior's parts: DS442
    names = (helpers - own - pymc_own) | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)
    return sorted(n for n in names if _valid_name(n))


CORPUS = _corpus()
CHUNKS = [CORPUS[i : i + 60] for i in range(0, len(CORPUS), 60)]


def adversarial_spec(names: list[str], target: str = "pymc", optimize: bool = False) -> str:
    """The template with a random variable per name, summed by `let`s that a last variable reads (after the
    likelihoods: `z_sigma` is the last parameter the template generates)."""
    lines = [f"{name} ~ Normal(0, 1)" for name in names] + [template(target, optimize)]
    parts = []
    for i in range(0, len(names), TERMS_PER_LET):
        parts.append(f"total_{len(parts) + 1}")
        lines.append(f"let {parts[-1]} = " + " + ".join(names[i : i + TERMS_PER_LET]) + " + z_sigma")
    lines.append(f"late_check ~ Normal({' + '.join(parts)}, 1)")
    return "\n".join(lines) + "\n"
