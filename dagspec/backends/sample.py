"""A Spec + data → posterior draws as arviz.InferenceData, with the chosen NUTS implementation."""
from __future__ import annotations

import importlib.util

import pymc as pm

from ..diagnostics import error

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
    model = spec.build(data, optimize=optimize)
    with model:
        if sampler == "pymc":
            kwargs.setdefault("idata_kwargs", {"log_likelihood": True})
        return pm.sample(draws=draws, tune=tune, chains=chains, random_seed=random_seed,
                         progressbar=progressbar, nuts_sampler=sampler, **kwargs)
