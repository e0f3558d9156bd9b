"""Cells from sufficient statistics vs the literal rows: gradient cost and ESS/s, side by side, one family a row.

Each example has 5000 rows on two categorical predictors (5 × 4 = 20 cells), Normal(0, 1) priors on their effects. The literal side is the spec sampled
with the `cells` pass off (`optimize={"cells": False}`), the collapsed side with every pass (the default); both
through `dagspec.sample` (PyMC's NUTS), 2 chains × 1000 draws after 1000 tuning steps, the same seed. Gradient
cost: the median time of one call of the log density and its gradient, as NUTS calls it.

    python bench/cells.py            # prints a Markdown table (bench/RESULTS.md, section "Cells")
"""

from __future__ import annotations

import sys
import time
import timeit

import arviz as az
import numpy as np
import pandas as pd
from pymc.blocking import DictToArrayBijection

import dagspec

ROWS, SEED = 5000, 1
PREDICTORS = "node g : categorical\nnode t : categorical\n"


def _data(rng):
    g, t = rng.integers(0, 5, ROWS), rng.integers(0, 4, ROWS)
    eta = 0.4 * g - 0.3 * t
    return pd.DataFrame(
        {
            "g": g,
            "t": t,
            "duration": rng.gamma(3.0, np.exp(1 + eta) / 3.0),
            "wait": rng.exponential(np.exp(eta)),
            "income": rng.lognormal(2 + eta, 0.6),
            "share": rng.beta(8 / (1 + np.exp(-eta)), 8 / (1 + np.exp(eta))),
            "score": rng.normal(eta, np.exp(-0.5 + 0.2 * t)),
        }
    )


EXAMPLES = {
    "Gamma durations": "node duration ~ Gamma\ng, t -> duration\nobserved g, t, duration\n",
    "Exponential waits": "node wait ~ Exponential\ng, t -> wait\nobserved g, t, wait\n",
    "LogNormal incomes": "node income ~ LogNormal\ng, t -> income\nobserved g, t, income\n",
    "Beta shares": "node share ~ Beta\ng, t -> share\nobserved g, t, share\n",
    "Normal scores, t -> score.sigma": "node score ~ Normal\ng, t -> score\nt -> score.sigma\nobserved g, t, score\n",
}


def _spec(text: str, outcome: str):
    """The example on g and t, with weakly informative priors on the effects (the defaults' Normal(0, 10) leaves a
    long ridge between the intercept and the full sets of levels, the same on both sides)."""
    priors = f"prior g -> {outcome} ~ Normal(0, 1)\nprior t -> {outcome} ~ Normal(0, 1)\n"
    return dagspec.parse(PREDICTORS + text + priors)


def _gradient_seconds(model) -> float:
    function = model.logp_dlogp_function(ravel_inputs=True)
    function.set_extra_values({})
    x = DictToArrayBijection.map(model.initial_point()).data
    calls = 200
    return min(timeit.repeat(lambda: function(x), number=calls, repeat=5)) / calls


def _run(spec, data, optimize, names):
    start = time.perf_counter()
    idata = dagspec.sample(spec, data, draws=1000, tune=1000, chains=2, random_seed=SEED, optimize=optimize)
    seconds = time.perf_counter() - start
    ess = az.ess(idata, var_names=names, method="bulk")
    return idata, seconds, min(float(ess[n].min()) for n in names)


def _agreement(a, b, names) -> float:
    """The largest gap between the two posterior means, in Monte Carlo standard errors."""
    gaps = []
    for n in names:
        se = np.hypot(az.mcse(a, var_names=[n])[n].values, az.mcse(b, var_names=[n])[n].values)
        diff = a.posterior[n].mean(("chain", "draw")).values - b.posterior[n].mean(("chain", "draw")).values
        gaps.append(float(np.max(np.abs(diff) / se)))
    return max(gaps)


def main() -> None:
    data = _data(np.random.default_rng(SEED))
    print(
        "| example | cells | literal µs/grad | collapsed µs/grad | literal s | ESS/s | collapsed s | ESS/s | ESS/s gain "
        "| agreement (MCSE) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, text in EXAMPLES.items():
        spec = _spec(text, text.split()[1])
        literal_model = spec.build(data, optimize={"cells": False})
        names = [rv.name for rv in literal_model.free_RVs]
        collapsed_model = spec.build(data)
        cells = next((n for n in spec.plan(data, optimize=True).notes if "collapsed" in n), "")
        assert cells, f"{label}: not collapsed"
        grads = [_gradient_seconds(m) * 1e6 for m in (literal_model, collapsed_model)]
        # both with NUTS: what the collapse does to its gradient and mixing (independence Metropolis-Hastings would
        # take these models from both sides alike)
        literal, lit_s, lit_ess = _run(spec, data, {"cells": False, "independence": False}, names)
        collapsed, col_s, col_ess = _run(spec, data, {"independence": False}, names)
        print(
            f"| {label} | {cells.split(' cells')[0].split()[-1]} | {grads[0]:.0f} | {grads[1]:.0f} | {lit_s:.1f} | "
            f"{lit_ess / lit_s:.1f} | {col_s:.1f} | {col_ess / col_s:.1f} | {(col_ess / col_s) / (lit_ess / lit_s):.2f}× "
            f"| {_agreement(literal, collapsed, names):.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
