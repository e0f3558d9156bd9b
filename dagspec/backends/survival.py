"""A Spec with a duration outcome, its posterior and new rows → posterior draws of the survival function S(t) at
given times and of the median time to the event, per new row (from the mean time `predict` computes)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..check.calls import const_value
from ..diagnostics import error
from .predict import predict


def survival(
    spec, idata, newdata=None, times=(), outcome: str | None = None, data=None, random_seed=None
) -> xr.Dataset:
    """A Dataset with `survival` (chain, draw, row, time): S(t) = P(T > t), and `median` (chain, draw, row): the
    median time, for an Exponential (S = exp(-t / mu)) or Weibull (S = exp(-(t / beta)^alpha)) outcome."""
    durations = [n for n in spec.checked.outcomes() if n.family in ("Exponential", "Weibull")]
    chosen = [n for n in durations if outcome in (None, n.name, n.pymc_name)]
    if len(chosen) != 1:
        raise error(
            "DS620",
            what="survival curves are for one Exponential or Weibull outcome"
            + (f"; {outcome!r} is not one" if outcome else ""),
            suggestion="outcomes with durations: " + (", ".join(n.name for n in durations) or "none"),
        )
    node = chosen[0]
    mean = predict(
        spec, idata, newdata, kind="mean", outcomes=[node.pymc_name], random_seed=random_seed, data=data
    ).predictions[node.pymc_name]
    t = xr.DataArray(np.asarray(times, dtype=float), dims="time", coords={"time": np.asarray(times, dtype=float)})
    if node.family == "Exponential":
        log_survival, median = -t / mean, mean * np.log(2)
    else:
        shape = spec.checked.params.get(f"{node.name}.alpha")
        if shape is not None:
            alpha = idata.posterior[shape.name]
        elif (fixed := const_value(node.fixed["alpha"])) is not None:
            alpha = float(fixed)
        else:
            raise error(
                "DS620",
                what=f"{node.name}'s Weibull shape alpha is read from a column, so its survival curve "
                "differs from row to row",
                suggestion="fix alpha to a number, or give it a prior",
            )
        beta = mean / np.exp(_log_gamma(1 + 1 / alpha))
        log_survival, median = -((t / beta) ** alpha), beta * np.log(2) ** (1 / alpha)
    return xr.Dataset(
        {"survival": np.exp(log_survival).transpose(*mean.dims, "time"), "median": median.transpose(*mean.dims)}
    )


def _log_gamma(x):
    from scipy import special

    return xr.apply_ufunc(special.gammaln, x) if isinstance(x, xr.DataArray) else special.gammaln(x)
