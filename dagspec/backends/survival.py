"""A Spec with a duration outcome, its posterior and new rows → posterior draws of the survival function S(t) at
given times and of the median time to the event, per new row (from the family's mean parameter that `predict`
computes, and its shape or scale).

Per family, with mu the mean parameter (the inverse log link of the linear predictor):
  Exponential  S(t) = exp(-t / mu)
  Weibull      S(t) = exp(-(t / beta)^alpha),  beta = mu / Γ(1 + 1/alpha)
  Gamma        S(t) = Q(alpha, alpha t / mu),  Q the regularised upper incomplete gamma function
  LogNormal    S(t) = 1 - Φ((log t - mu) / sigma),  mu the mean of log t (the log of the median)
A truncated outcome's survival is S(t | lower <= T <= upper) = (S(t) - S(upper)) / (S(lower) - S(upper)) between
its bounds; its median solves S(m) = (S(lower) + S(upper)) / 2 through the family's inverse survival function.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import special

from ..check.calls import const_value
from ..diagnostics import error
from ..families import CENSORABLE
from .predict import predict_draws

# The parameter besides the mean that each duration family's survival function needs.
SHAPES = {"Exponential": None, "Weibull": "alpha", "Gamma": "alpha", "LogNormal": "sigma"}


def survival(
    spec, idata, newdata=None, times=(), outcome: str | None = None, data=None, random_seed=None
) -> xr.Dataset:
    """A Dataset with `survival` (chain, draw, row, time): S(t) = P(T > t), and `median` (chain, draw, row): the
    median time, for an Exponential, Weibull, Gamma or LogNormal outcome (truncated or not)."""
    durations = [n for n in spec.checked.outcomes() if n.family in CENSORABLE]
    chosen = [n for n in durations if outcome in (None, n.name, n.pymc_name)]
    if len(chosen) != 1:
        raise error(
            "DS620",
            what="survival curves are for one Exponential, Weibull, Gamma or LogNormal outcome"
            + (f"; {outcome!r} is not one" if outcome else ""),
            suggestion="outcomes with durations: " + (", ".join(n.name for n in durations) or "none"),
        )
    node = chosen[0]
    mean = predict_draws(
        spec, idata, newdata, kind="parameter", outcomes=[node.pymc_name], random_seed=random_seed, data=data
    ).predictions[node.pymc_name]
    t = xr.DataArray(np.asarray(times, dtype=float), dims="time", coords={"time": np.asarray(times, dtype=float)})
    family = _Duration(node.family, mean, _shape(spec, idata, node))
    lower, upper = node.truncation or (None, None)
    above = 1.0 if lower is None else family.survival(lower)  # S(lower): the mass above the lower bound
    beyond = 0.0 if upper is None else family.survival(upper)
    curve = ((family.survival(t) - beyond) / (above - beyond)).clip(0, 1)
    median = family.inverse_survival((above + beyond) / 2)
    return xr.Dataset({"survival": curve.transpose(*mean.dims, "time"), "median": median.transpose(*mean.dims)})


def _shape(spec, idata, node):
    """Draws of the family's shape or scale (alpha, sigma), or its fixed number; None for the Exponential."""
    name = SHAPES[node.family]
    if name is None:
        return None
    param = spec.checked.params.get(f"{node.name}.{name}")
    if param is not None:
        return idata.posterior[param.name]
    fixed = const_value(node.fixed[name])
    if fixed is None:
        raise error(
            "DS620",
            what=f"{node.name}'s {node.family} {name} is read from a column, so its survival curve differs from "
            "row to row",
            suggestion=f"fix {name} to a number, or give it a prior",
        )
    return float(fixed)


class _Duration:
    """S(t) and its inverse for one family, per posterior draw and row (xarray broadcasting does the rest)."""

    def __init__(self, family: str, mean, shape):
        self.family, self.mean, self.shape = family, mean, shape

    def survival(self, t):
        mu, shape = self.mean, self.shape
        if self.family == "Exponential":
            return np.exp(-t / mu)
        if self.family == "Weibull":
            return np.exp(-((t / self._weibull_scale()) ** shape))
        if self.family == "Gamma":
            return _ufunc(special.gammaincc, shape, shape * np.maximum(t, 0) / mu)
        with np.errstate(divide="ignore"):  # log(0) = -inf: S(0) = 1
            return _ufunc(special.ndtr, (mu - np.log(np.maximum(t, 0))) / shape)

    def inverse_survival(self, s):
        """The time t with S(t) = s."""
        mu, shape = self.mean, self.shape
        if self.family == "Exponential":
            return -mu * np.log(s)
        if self.family == "Weibull":
            return self._weibull_scale() * (-np.log(s)) ** (1 / shape)
        if self.family == "Gamma":
            return _ufunc(special.gammainccinv, shape, s) * mu / shape
        return np.exp(mu - shape * _ufunc(special.ndtri, s))

    def _weibull_scale(self):
        return self.mean / np.exp(_ufunc(special.gammaln, 1 + 1 / self.shape))


def _ufunc(function, *args):
    if any(isinstance(a, xr.DataArray) for a in args):
        return xr.apply_ufunc(function, *args)
    return function(*args)
