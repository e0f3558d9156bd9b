"""InferenceData → sampler health warnings in plain words (divergences, R-hat, ESS, tree depth) with remedies."""

from __future__ import annotations

import numpy as np

from ..diagnostics import Diagnostic, finding
from .summary import arviz_quiet

ESS_PER_CHAIN = 100  # bulk ESS below 100 per chain (400 for the default 4 chains) is too noisy (Vehtari et al.)
R_HAT_LIMIT = 1.01


def health_warnings(idata, names: list[str] | None = None) -> list[Diagnostic]:
    """Divergences, tree-depth hits, R-hat above 1.01 and low bulk ESS of `names` (default: every posterior
    variable without `__` in its name), each as a warning diagnostic with a remedy."""
    import arviz as az

    found: list[Diagnostic] = []
    stats = idata.sample_stats
    if "diverging" in stats:
        divergent = int(np.asarray(stats["diverging"]).sum())
        if divergent:
            found.append(_warning("DS602", divergent=divergent))
    for name in ("reached_max_treedepth", "maxdepth_reached"):
        if name in stats:
            hits = int(np.asarray(stats[name]).sum())
            if hits:
                found.append(_warning("DS603", hits=hits))
    if names is None:
        names = [v for v in idata.posterior.data_vars if "__" not in v]
    if names:
        with arviz_quiet():
            summary = az.summary(idata, var_names=names, kind="diagnostics")
        chains = idata.posterior.sizes.get("chain", 1)
        high = summary[summary["r_hat"] > R_HAT_LIMIT]
        if len(high):
            found.append(_warning("DS604", names=", ".join(high.index[:5]), worst=f"{high['r_hat'].max():.3f}"))
        low = summary[summary["ess_bulk"] < ESS_PER_CHAIN * chains]
        if len(low):
            found.append(
                _warning(
                    "DS605",
                    names=", ".join(low.index[:5]),
                    worst=f"{low['ess_bulk'].min():.0f}",
                    needed=ESS_PER_CHAIN * chains,
                )
            )
    return found


def _warning(code: str, **fields) -> Diagnostic:
    return finding(code, "sampler", **fields)
