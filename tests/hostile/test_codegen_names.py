"""Issue 13: a generated script's own names (mu_<node>, eta, X_, Q_, <g>_levels, data, ...) never collide with a
user's, and user names that are Python builtins or keywords do not break the script.

The corpus of adversarial names is every name the script of TEMPLATE assigns (so it grows with codegen), every
builtin and every Python keyword the grammar accepts as a name. Each becomes a random variable of the spec that
a late variable reads, after every helper of the script has been assigned: a collision changes the log density.
"""
import ast
import builtins
import keyword

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec.check.declarations import RESERVED

from generated_scripts import assert_same_log_density, run_script

# Every construct that makes codegen write names of its own: several outcomes (mu_y, eta_k), categorical columns
# (g_levels, g_codes), a pool, an LKJ prior (chol_corr), and, optimized, QR (X_y, Q_y), Binomial cells (cells_k)
# and sufficient statistics (Z_z, b_hat_z).
TEMPLATE = """\
node g : categorical(levels = ["a", "b", "c"])
node t : categorical(levels = ["u", "v"])
node y ~ Normal
node k ~ Binomial(n = 10)
node w ~ Normal
node v ~ Normal(intercept = none)
node z ~ Normal
x1, x2 -> y
g -> k
g -> w
t -> v by g
x1 -> z
observed x1, x2, y, g, t, k, w, v, z from "data.csv"
prior pool_mean ~ Normal(0, 1)
prior pool_sd ~ HalfNormal(1)
prior g -> w ~ Normal(pool_mean, pool_sd)
prior chol ~ LKJCholeskyCov(eta = 2, sd = Exponential(1))
prior t -> v by g ~ MvNormal(mu = [0, 0], chol = chol)
"""
TERMS_PER_LET = 40  # a sum nests one level per term (DS114 stops at 100)


def _data(rows=60) -> pd.DataFrame:
    rng = np.random.default_rng(13)
    x1 = rng.normal(size=rows)
    return pd.DataFrame({
        "x1": x1, "x2": x1 + 0.3 * rng.normal(size=rows), "g": rng.choice(["a", "b", "c"], rows),
        "t": rng.choice(["u", "v"], rows), "y": 1 + x1 + rng.normal(size=rows), "k": rng.binomial(10, 0.4, rows),
        "w": rng.normal(size=rows), "v": rng.normal(size=rows), "z": rng.normal(size=rows)})


def _assigned(source: str) -> list[str]:
    """Every name an assignment in the script binds, once per binding."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.withitem):
            targets = [node.optional_vars] if node.optional_vars else []
        else:
            targets = [node.target] if isinstance(node, ast.AugAssign) else []
        names += [n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


def _valid_name(name: str) -> bool:
    return name.isidentifier() and name not in RESERVED and "__" not in name and name.isascii()


def _corpus() -> list[str]:
    template = dagspec.parse(TEMPLATE)
    own = set(template.checked.nodes) | set(template.parameters)
    helpers = set()
    for optimize in (False, True):
        for target in ("pymc", "pymc3"):
            helpers |= set(_assigned(template.to_source(target, _data(), optimize)))
    helpers |= {"mu", "eta", "X_", "Q_", "data_1", "data_2", "chol_packed", "pm", "np", "pd", "az", "pt", "tt",
                "sys", "Path"}
    pymc_own = {"chol_corr", "chol_stds"}  # names PyMC gives the LKJ prior's parts: DS206 (tested below)
    names = (helpers - own - pymc_own) | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)
    return sorted(n for n in names if _valid_name(n))


CORPUS = _corpus()
CHUNKS = [CORPUS[i:i + 60] for i in range(0, len(CORPUS), 60)]


def adversarial_spec(names: list[str]) -> str:
    """TEMPLATE with a random variable per name, summed by `let`s that a last variable reads (after the likelihoods:
    `z_sigma` is the last parameter the template generates)."""
    lines = [f"{name} ~ Normal(0, 1)" for name in names] + [TEMPLATE]
    parts = []
    for i in range(0, len(names), TERMS_PER_LET):
        parts.append(f"total_{len(parts) + 1}")
        lines.append(f"let {parts[-1]} = " + " + ".join(names[i:i + TERMS_PER_LET]) + " + z_sigma")
    lines.append(f"late_check ~ Normal({' + '.join(parts)}, 1)")
    return "\n".join(lines) + "\n"


def test_the_corpus_covers_helpers_builtins_and_keywords():
    for name in ("mu_y", "eta_k", "X_y", "Q_y", "R_inv_y", "g_levels", "g_codes", "cells_k", "Z_z", "b_hat_z",
                 "data", "coords", "model", "HERE", "print", "len", "range", "float", "class", "None",
                 "lambda", "match"):
        assert name in CORPUS


@pytest.mark.parametrize("target", ["pymc", "pymc3"])
@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_no_script_name_is_bound_twice_or_shadows_a_builtin(target, optimize):
    spec = dagspec.parse(adversarial_spec(CORPUS))
    source = spec.to_source(target, _data(), optimize)
    assigned = _assigned(source)
    imports = {alias.asname or alias.name for node in ast.walk(ast.parse(source))
               if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    assert not set(assigned) & (set(dir(builtins)) | imports)
    model_variables = {}  # PyMC name → the identifier assigned the variable
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args:
            first = node.value.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and isinstance(node.targets[0], ast.Name):
                model_variables[first.value] = node.targets[0].id
    for name in CORPUS:
        assert assigned.count(model_variables[name]) == 1, f"{name} is assigned as {model_variables[name]!r} and reassigned"


@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
@pytest.mark.parametrize("chunk", range(len(CHUNKS)))
def test_scripts_of_adversarial_names_build_the_same_model(chunk, optimize, tmp_path):
    (tmp_path / "spec.dag").write_text(adversarial_spec(CHUNKS[chunk]))
    _data().to_csv(tmp_path / "data.csv", index=False)
    spec = dagspec.load(tmp_path / "spec.dag")
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", optimize=optimize, output=script))
    assert_same_log_density(spec.build(optimize=optimize), run_script(script))


def test_a_user_variable_named_like_a_helper_keeps_its_value(tmp_path):
    """The issue's case: with two outcomes codegen writes mu_x, which overwrote the user's mu_x, so the
    intercept's prior mean became a 1000-vector."""
    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.normal(size=30), "x": rng.normal(size=30), "y": rng.normal(size=30)}).to_csv(
        tmp_path / "data.csv", index=False)
    (tmp_path / "two.dag").write_text('a -> x\na -> y\nobserved a, x, y from "data.csv"\nmu_x ~ Normal(0, 1)\n'
                                      "prior y.intercept ~ Normal(mu_x, 1)\n")
    spec = dagspec.load(tmp_path / "two.dag")
    script = tmp_path / "model.py"
    script.write_text(spec.to_source(output=script))
    assert "mu_x_ = " in script.read_text()  # the helper gives way: user names keep their spelling
    model = run_script(script)
    assert model["y_intercept"].type.ndim == 0
    assert_same_log_density(spec.build(optimize=False), model)


def test_names_with_a_double_underscore_are_dagspec_s_own():
    """A user's `b__z` was silently replaced by the non-centred pool's `b__z` (the user's variable vanished)."""
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("node g : categorical\ng -> y\nprior g -> y ~ Normal(0, 1) as b\nb__z ~ Normal(0, 1)\n"
                      "observed g, y")
    (found,) = info.value.diagnostics
    assert (found.code, found.span.line, found.span.column) == ("DS111", 4, 1)


@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_a_data_node_named_like_the_outcome_s_container(optimize):
    """An outcome's data container was `y_obs`: a data node `y_obs` crashed the literal build (duplicate name) and
    vanished from the optimized one."""
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"x": rng.normal(size=20), "y_obs": rng.normal(size=20), "y": rng.normal(size=20)})
    spec = dagspec.parse("node y ~ Normal\nx -> y\ny_obs -> y\nobserved x, y, y_obs")
    model = spec.build(data, optimize=optimize)
    assert np.array_equal(model["y_obs"].get_value(), data["y_obs"])
    assert np.array_equal(model["y__obs"].get_value(), data["y"])
    assert "b_y_obs_y" in model.named_vars


@pytest.mark.parametrize("part", ["corr", "stds"])
def test_a_user_name_equal_to_an_lkj_prior_s_parts_is_a_clash(part):
    """PyMC names an LKJ prior's correlations and scales `<name>_corr`, `<name>_stds`: a user's variable of that
    name crashed the build (duplicate name)."""
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(f"chol_{part} ~ Normal(0, 1)\nprior chol ~ LKJCholeskyCov(eta = 2, sd = Exponential(1), n = 2)")
    (found,) = info.value.diagnostics
    assert (found.code, found.span.line, found.span.column) == ("DS206", 2, 7)
    assert f"'chol_{part}'" in found.message
