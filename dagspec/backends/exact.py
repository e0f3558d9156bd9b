"""Exact-draw structure (optimize/exact.py) → independent posterior draws as InferenceData, without MCMC."""

from __future__ import annotations

import numpy as np
import pymc as pm
import xarray as xr

from ..optimize.exact import ExactDraws
from ..plan import DerivedVar, Plan, RandomVariable
from .gaussian import gaussian_draws
from .predictive import quiet
from .pymc import build_model


def exact_sample(plan: Plan, exact: ExactDraws, draws: int, chains: int, random_seed=None, nuts: dict | None = None):
    """Independent draws of every free parameter and derived quantity of the literal plan, as InferenceData
    (chain, draw, ...); gaussian.CannotDraw when a Gaussian block cannot be drawn so (then use NUTS).
    `nuts`: options for pm.sample where a block's scales are sampled with NUTS (tune, target_accept, ...)."""
    rng = np.random.default_rng(random_seed)
    model = build_model(plan)
    stats = None
    if exact.blocks is not None:
        values, stats = gaussian_draws(plan, model, exact.blocks, draws, chains, rng, nuts or {})
    else:
        values = {
            name: rng.beta(a, b, size=(chains, draws) + np.shape(a)) for name, (a, b) in (exact.updates or {}).items()
        }
    idata = posterior_from_draws(plan, model, values, draws, chains, rng)
    if stats is not None:  # the NUTS run of a block's scales: its divergences and tree depths are the ones to check
        del idata.sample_stats
        idata.add_groups(sample_stats=stats)
    return idata


def posterior_from_draws(plan: Plan, model: pm.Model, values: dict[str, np.ndarray], draws: int, chains: int, rng):
    """InferenceData of every free parameter and derived quantity, from independent posterior draws of some
    (chain, draw, ...): the others are drawn given them (ancestrally from their priors when none are given)."""
    import arviz as az

    names = [
        e.name
        for e in plan.entries
        if (isinstance(e, RandomVariable) and e.observed is None)
        or (isinstance(e, DerivedVar) and e.name in model.named_vars)
    ]
    names += [v.name for v in model.deterministics if v.name not in names]  # e.g. an LKJ prior's correlations
    rest = [n for n in names if n not in values]
    with model, quiet():
        if rest and not values:  # the prior is the posterior: ancestral draws
            drawn = pm.sample_prior_predictive(draws=draws * chains, var_names=rest, random_seed=rng).prior
        elif rest:
            dims = {
                n: model.named_vars_to_dims.get(n) or tuple(f"{n}_dim_{i}" for i in range(v.ndim - 2))
                for n, v in values.items()
            }
            known = xr.Dataset(
                {n: (("chain", "draw", *dims[n]), v) for n, v in values.items()},
                coords={d: list(model.coords[d]) for n in dims for d in dims[n] if d in model.coords},
            )
            drawn = pm.sample_posterior_predictive(
                known, var_names=rest, random_seed=rng, progressbar=False
            ).posterior_predictive
    for name in rest:
        array = drawn[name].values
        values[name] = array.reshape((chains, draws) + array.shape[2:])
    return az.from_dict(
        posterior={n: values[n] for n in names},
        coords={k: v for k, v in model.coords.items() if v is not None},
        dims={n: list(model.named_vars_to_dims.get(n, ())) for n in names},
        sample_stats={"diverging": np.zeros((chains, draws), dtype=bool)},
    )
