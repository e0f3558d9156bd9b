"""Which NUTS mass matrix for the gallery's hierarchical GLMs (those the independence sampler leaves to NUTS):
PyMC's diagonal adaptation (dagspec's default) against a dense one (`adapt_full`), on dagspec's optimized model,
2 chains x 1000 draws after 1000 tuning steps, the same seed (SEED, default 1) for both, each run's wall time
including PyMC's initialisation. dagspec keeps the diagonal: bench/notes/glm.md has the runs and why.

    SEED=2 python bench/mass_matrix.py [MODEL ...]   # prints a Markdown table
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from pathlib import Path

import arviz as az
import pymc as pm

import dagspec
from dagspec.backends.pymc import build_model
from dagspec.backends.sample import passes_for_mcmc, posterior_plan

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("reedfrogs_m13_2", "chimpanzees_m13_4")
SEED = int(os.environ.get("SEED", 1))
INITS = ("jitter+adapt_diag", "jitter+adapt_full")


def run(name: str, init: str) -> tuple[float, float, int, float]:
    """Wall seconds, min bulk ESS over the user's variables, divergences, gradients per draw."""
    spec = dagspec.load(ROOT / "specs" / "gallery" / f"{name}.dag")
    model = build_model(passes_for_mcmc(posterior_plan(spec), True))
    names = [v.name for v in model.free_RVs + model.deterministics if "__" not in v.name]
    start = time.perf_counter()
    with model:
        idata = pm.sample(draws=1000, tune=1000, chains=2, cores=2, init=init, random_seed=SEED, progressbar=False)
    seconds = time.perf_counter() - start
    ess = float(az.ess(idata, var_names=names).to_array().min())
    stats = idata.sample_stats
    return seconds, ess, int(stats["diverging"].sum()), float(stats["n_steps"].mean())


def main(names) -> None:
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    for name in names:
        run(name, INITS[0])  # PyTensor's compile cache warm for both
    print("| model | mass matrix | s | min bulk ESS | ESS/s | divergences | gradients per draw |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in names:
        for init in INITS:
            seconds, ess, divergences, gradients = run(name, init)
            print(
                f"| {name} | {init.split('_')[-1]} | {seconds:.1f} | {ess:.0f} | {ess / seconds:.1f} | {divergences} "
                f"| {gradients:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:] or MODELS)
