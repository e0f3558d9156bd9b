"""A Plan → an equivalent, better-conditioned Plan: the same posterior, user names kept as deterministics.

Passes (each can be switched off by name): `linear` (centre numeric predictors, QR when they are
correlated), `cells` (Bernoulli/Binomial outcomes with only categorical terms → Binomial counts per cell),
`whiten` (Normal regressions on categorical effects with fixed priors sampled in a whitened basis), `pools`
(non-centred hierarchical pools where the data per group are weak), `normal` (Normal likelihoods of fixed
data from sufficient statistics).
"""
from __future__ import annotations

from ..plan import Plan
from .cells import collapse_cells
from .linear import reparameterise_linear
from .normal import use_sufficient_statistics
from .order import reorder
from .pools import choose_pool_parameterisation
from .whiten import whiten_categorical_effects

PASSES = {
    "linear": reparameterise_linear,
    "whiten": whiten_categorical_effects,
    "cells": collapse_cells,
    "pools": choose_pool_parameterisation,
    "normal": use_sufficient_statistics,
}


def optimize(plan: Plan, options=True) -> Plan:
    """Apply the passes `options` selects: True (all), False (none), or {pass name: bool}."""
    if options is False:
        return plan
    enabled = dict.fromkeys(PASSES, True)
    if isinstance(options, dict):
        unknown = set(options) - set(PASSES)
        if unknown:
            raise ValueError(f"unknown optimization(s) {sorted(unknown)}; known: {sorted(PASSES)}")
        enabled.update(options)
    for name, run in PASSES.items():
        if enabled[name]:
            run(plan)
    plan.entries = reorder(plan.entries)
    return plan
