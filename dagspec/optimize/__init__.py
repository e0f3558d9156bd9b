"""A Plan → an equivalent, better-conditioned Plan: the same posterior, user names kept as deterministics.

Passes (each can be switched off by name, run in this order): `linear` (centre numeric predictors, QR when they
are correlated), `whiten` (regressions on categorical effects with fixed priors sampled in a whitened basis),
`pools` (non-centred hierarchical pools where the data per group are weak, judged on the rows), `cells` (outcomes
with only categorical terms → one term per cell: Binomial or Poisson counts, or the log density of the rows of
many families from per-cell sufficient statistics, optimize/cell_stats.py), `normal` (Normal likelihoods of fixed
data from sufficient statistics), `batch` (many like Normal regressions as one vectorised likelihood), `covariance`
(LKJ priors sampled in log standard deviations and partial correlations, optimize/covariance.py).
Distributional models (`x -> y.sigma`) get the `cells` pass alone. Two more
switches are not passes: `exact` (where the literal model's posterior can be drawn without MCMC,
optimize/exact.py, `sample` does so, and the plan's notes say so) and `independence` (where the posterior is close
to its Laplace approximation, `sample` draws it by independence Metropolis-Hastings instead of NUTS,
backends/independence.py).
"""

from __future__ import annotations

from ..families import FAMILIES
from ..plan import LikelihoodVar, Plan
from .batch import vectorise_regressions
from .cells import collapse_cells
from .covariance import sample_scales_and_correlations
from .exact import exact_draws
from .linear import reparameterise_linear
from .normal import use_sufficient_statistics
from .order import reorder
from .pools import choose_pool_parameterisation
from .whiten import whiten_categorical_effects

PASSES = {
    "linear": reparameterise_linear,
    "whiten": whiten_categorical_effects,
    "pools": choose_pool_parameterisation,
    "cells": collapse_cells,
    "normal": use_sufficient_statistics,
    "batch": vectorise_regressions,
    "covariance": sample_scales_and_correlations,
}
EXACT, INDEPENDENCE = "exact", "independence"
OPTIMIZATIONS = (*PASSES, EXACT, INDEPENDENCE)


def enabled(options) -> dict[str, bool]:
    """`options` (True: all, False: none, or {name: bool}) → whether each optimization is on."""
    if options is False:
        return dict.fromkeys(OPTIMIZATIONS, False)
    chosen = dict.fromkeys(OPTIMIZATIONS, True)
    if isinstance(options, dict):
        unknown = set(options) - set(OPTIMIZATIONS)
        if unknown:
            raise ValueError(f"unknown optimization(s) {sorted(unknown)}; known: {sorted(OPTIMIZATIONS)}")
        chosen.update(options)
    return chosen


def model_passes(options):
    """`options` for a plan that is only built or sampled: the passes it selects, without the exact-draw analysis
    (which only adds notes to the plan)."""
    return False if options is False else {**enabled(options), EXACT: False}


def for_scripts(options):
    """`options` for a plan a generated script writes out: without `batch`, whose matrices stack each outcome's
    columns (a script keeps one readable likelihood per outcome, the same model), and without `covariance`, whose
    coordinates are dagspec's own transform (a script keeps PyMC's LKJCholeskyCov, the same posterior)."""
    return False if options is False else {**enabled(options), "batch": False, "covariance": False}


def optimize(plan: Plan, options=True) -> Plan:
    """Apply the passes `options` selects: True (all), False (none), or {pass name: bool}."""
    if options is False:
        return plan
    likelihoods = [e for e in plan.entries if isinstance(e, LikelihoodVar)]
    kept = (
        "imputed values"
        if any(e.imputed is not None and e.imputed.se is None for e in likelihoods)
        else "values measured with error"
        if any(e.imputed is not None for e in likelihoods)
        else "weighted rows"
        if any(e.weights for e in likelihoods)
        else None
    )
    if kept:
        plan.notes.append(f"none: the passes do not rewrite models with {kept} yet")
        return plan
    switches = enabled(options)
    if any(FAMILIES[e.family].categorical for e in likelihoods):
        plan.notes.append("none: the passes do not rewrite categorical outcomes yet")
        return plan
    if any(e.predicted for e in likelihoods):
        plan.notes.append(
            "cells only: the other passes do not rewrite distributional models (edges into a likelihood's "
            "parameters) yet"
        )
        if switches["cells"]:
            collapse_cells(plan)
            plan.entries = reorder(plan.entries)
        return plan
    if switches[EXACT]:  # read on the literal plan, before the passes change it
        exact = exact_draws(plan)
        plan.notes.extend(exact.notes() if exact else [])
    for name, run in PASSES.items():
        if switches[name]:
            run(plan)
    plan.entries = reorder(plan.entries)
    return plan
