"""dagspec: .dag text → checked causal model → PyMC model; the public API."""
from __future__ import annotations

from .diagnostics import DagspecError, Diagnostic
from .spec import Spec, load, parse

__all__ = ["DagspecError", "Diagnostic", "Spec", "load", "parse", "sample"]
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
