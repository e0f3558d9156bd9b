"""dagspec: .dag text → checked causal model → PyMC model; the public API."""
from __future__ import annotations

from .causal.api import adjustment_sets, d_separated, explain, implied_independencies
from .diagnostics import DagspecError, Diagnostic
from .spec import Spec, load, parse

__all__ = ["DagspecError", "Diagnostic", "Spec", "adjustment_sets", "d_separated", "do", "explain",
           "implied_independencies", "load", "parse", "sample"]
__version__ = "0.1.0"


def sample(spec, data=None, draws: int = 1000, tune: int = 1000, chains: int = 4, random_seed=None,
           sampler: str | None = None, optimize=True, **kwargs):
    """Sample a spec's posterior with NUTS; returns arviz.InferenceData.

    `spec` is a Spec or a path to a .dag file; `data` and `optimize` as in `Spec.build`. `sampler` is one of
    "pymc", "nutpie", "numpyro", "blackjax" (default: the fastest installed). Extra keyword arguments go to
    `pymc.sample` (e.g. `target_accept`, `cores`).
    """
    from .backends.sample import sample as _sample

    if not isinstance(spec, Spec):
        spec = load(spec)
    return _sample(spec, data, draws=draws, tune=tune, chains=chains, random_seed=random_seed, sampler=sampler,
                   optimize=optimize, **kwargs)


def do(spec, idata, interventions: dict, data=None, outcomes=None, random_seed=None):
    """Posterior predictive distributions of outcomes under do(node = value), through the fitted path model.

    `interventions` maps node names to values (level names for categorical nodes). Returns InferenceData
    with the outcomes in `posterior_predictive`; the average causal effect of x on y is the difference of
    y's means under two interventions, e.g. do(x=1) minus do(x=0).
    """
    from .backends.intervene import do as _do

    if not isinstance(spec, Spec):
        spec = load(spec)
    return _do(spec, idata, interventions, data=data, outcomes=outcomes, random_seed=random_seed)
