"""A Spec + data → posterior draws as arviz.InferenceData, through PyMC's NUTS."""
from __future__ import annotations

import pymc as pm


def sample(spec, data=None, draws: int = 1000, tune: int = 1000, chains: int = 4, random_seed=None,
           progressbar: bool = False, **kwargs):
    model = spec.build(data)
    with model:
        kwargs.setdefault("idata_kwargs", {"log_likelihood": True})
        return pm.sample(draws=draws, tune=tune, chains=chains, random_seed=random_seed,
                         progressbar=progressbar, **kwargs)
