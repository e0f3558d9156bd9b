"""A truncated family's parameters and bounds → its exact mean E[y | lower <= y <= upper] as a PyTensor expression.

The mean of a truncated outcome is E[y 1{lower <= y <= upper}] / P(lower <= y <= upper). The numerator is the
family's mean times the probability of the bounds under its size-biased distribution (y f(y) / E[y]): a Gamma
with shape alpha + 1, a LogNormal with mu + sigma², a Beta with alpha + 1, a Poisson, Binomial or NegativeBinomial
shifted by one; Normal and StudentT have closed forms. Bounds are inclusive; `None` is an open side.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt


def truncated_mean(family: str, kwargs: dict, lower: float | None, upper: float | None):
    """E[y | lower <= y <= upper] for `pm.<family>.dist(**kwargs)` truncated to [lower, upper]."""
    discrete = family in ("Poisson", "NegativeBinomial", "Binomial")
    cdf = _cdf_of(getattr(pm, family).dist(**kwargs))
    below = None if lower is None else lower - 1 if discrete else lower  # P(y < lower) = F(lower - 1) for counts
    mass = _between(cdf, below, upper)
    if family in ("Normal", "StudentT"):
        mu, sigma = kwargs["mu"], kwargs["sigma"]
        z = [None if b is None else (b - mu) / sigma for b in (lower, upper)]
        if family == "Normal":
            g = [0.0 if b is None else pt.exp(-(b**2) / 2) / np.sqrt(2 * np.pi) for b in z]
        else:  # the standard t density's antiderivative of x f(x): -C nu / (nu - 1) (1 + x²/nu)^(-(nu - 1)/2)
            nu = kwargs["nu"]
            c = pt.exp(pt.gammaln((nu + 1) / 2) - pt.gammaln(nu / 2)) / pt.sqrt(nu * np.pi) * nu / (nu - 1)
            g = [0.0 if b is None else c * (1 + b**2 / nu) ** (-(nu - 1) / 2) for b in z]
        return mu + sigma * (g[0] - g[1]) / mass
    mean, biased_cdf, shift = _size_biased(family, kwargs)
    low = None if lower is None else lower - 1 - shift if discrete else lower
    high = None if upper is None else upper - shift
    return mean * _between(biased_cdf, low, high) / mass


def _size_biased(family: str, kw: dict):
    """(E[y], the cdf F' of y f(y) / E[y], its shift): E[y 1{y <= b}] = E[y] F'(b - shift)."""
    if family == "LogNormal":
        mu, sigma = kw["mu"], kw["sigma"]
        return pt.exp(mu + sigma**2 / 2), _cdf_of(pm.LogNormal.dist(mu + sigma**2, sigma)), 0
    if family == "Gamma":
        return kw["alpha"] / kw["beta"], _cdf_of(pm.Gamma.dist(alpha=kw["alpha"] + 1, beta=kw["beta"])), 0
    if family == "Exponential":
        return 1 / kw["lam"], _cdf_of(pm.Gamma.dist(alpha=2, beta=kw["lam"])), 0
    if family == "Weibull":  # (y / beta)^alpha of the size-biased Weibull is Gamma(1 + 1/alpha, 1)
        alpha, beta = kw["alpha"], kw["beta"]
        gamma_cdf = _cdf_of(pm.Gamma.dist(alpha=1 + 1 / alpha, beta=1))
        return beta * pt.gamma(1 + 1 / alpha), lambda b: gamma_cdf((pt.maximum(b, 0) / beta) ** alpha), 0
    if family == "Beta":
        alpha, beta = kw["alpha"], kw["beta"]
        return alpha / (alpha + beta), _cdf_of(pm.Beta.dist(alpha=alpha + 1, beta=beta)), 0
    if family == "Poisson":
        return kw["mu"], _cdf_of(pm.Poisson.dist(kw["mu"])), 1
    if family == "NegativeBinomial":
        mu, alpha = kw["mu"], kw["alpha"]
        return mu, _cdf_of(pm.NegativeBinomial.dist(mu=mu * (alpha + 1) / alpha, alpha=alpha + 1)), 1
    if family == "Binomial":
        p = pm.math.invlogit(kw["logit_p"]) if "logit_p" in kw else kw["p"]
        return kw["n"] * p, _cdf_of(pm.Binomial.dist(n=kw["n"] - 1, p=p)), 1
    raise ValueError(f"no truncated mean for {family}")


def _cdf_of(dist):
    return lambda bound: pt.exp(pm.logcdf(dist, bound))


def _between(cdf, low, high):
    """F(high) - F(low), an open side (None) adding 1 or 0."""
    return (1.0 if high is None else cdf(high)) - (0.0 if low is None else cdf(low))
