"""A Spec + data → posterior draws as arviz.InferenceData, with the chosen NUTS implementation."""
from __future__ import annotations

import importlib.util

import pymc as pm

from ..diagnostics import error
from .predict import STATISTICS_ATTR, statistics_attribute
from .pymc import build_model

# Fastest first: the default is the first one installed.
SAMPLERS = ("nutpie", "numpyro", "blackjax", "pymc")
_MODULES = {"nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"), "blackjax": ("blackjax", "jax"), "pymc": ()}
_EXTRAS = {"nutpie": "nutpie", "numpyro": "numpyro", "blackjax": "blackjax"}


def installed_samplers() -> list[str]:
    return [name for name in SAMPLERS if all(importlib.util.find_spec(m) for m in _MODULES[name])]


def default_sampler() -> str:
    return installed_samplers()[0]


def resolve_sampler(sampler: str | None) -> str:
    if sampler is None:
        return default_sampler()
    if sampler not in SAMPLERS:
        raise error("DS601", sampler=sampler, why="is not a sampler dagspec knows",
                    hint="samplers: " + ", ".join(SAMPLERS))
    if sampler not in installed_samplers():
        raise error("DS601", sampler=sampler, why="is not installed",
                    hint=f"pip install 'dagspec[{_EXTRAS[sampler]}]', or use one of: " + ", ".join(installed_samplers()))
    return sampler


def sample(spec, data=None, draws: int = 1000, tune: int = 1000, chains: int = 4, random_seed=None,
           sampler: str | None = None, optimize=True, progressbar: bool = False, **kwargs):
    sampler = resolve_sampler(sampler)
    plan = spec.plan(data, optimize)
    model = build_model(plan)
    with model:
        if sampler == "pymc":
            # Not the optimized model's log-likelihood: it may be per Binomial cell rather than per row, and PyMC
            # cannot compute it for variables with initial values (NotImplementedError). dagspec.log_likelihood
            # and dagspec.loo compute it per row with the literal model.
            kwargs.setdefault("idata_kwargs", {"log_likelihood": False})
        idata = pm.sample(draws=draws, tune=tune, chains=chains, random_seed=random_seed,
                          progressbar=progressbar, nuts_sampler=sampler, **kwargs)
    idata.posterior.attrs[STATISTICS_ATTR] = statistics_attribute(plan)  # how predictions transform new rows
    return idata
