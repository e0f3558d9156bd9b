"""A family's log density over the rows of a cell → the same log density from the cell's sufficient statistics.

In a cell every row has the same mean m (and the same auxiliary parameters), so the sum over its n rows is a
function of a few sums of the outcome. Exactly, with nothing dropped:
- Normal(m, s): -n log s - n/2 log 2π - (SS + n (ȳ - m)²) / (2 s²), with ȳ the cell's mean and SS its sum of
  squared deviations (the residual form keeps it accurate where y is large and the noise small);
- LogNormal(m, s): the same on log y, minus Σ log y (= n × the mean of log y);
- Exponential(rate 1/m): -n log m - Σy / m;
- Gamma(α, rate α/m): n (α log(α/m) - logΓ(α)) + (α - 1) Σ log y - (α/m) Σy;
- Beta(m κ, (1 - m) κ): n (logΓ(κ) - logΓ(m κ) - logΓ((1 - m) κ)) + (m κ - 1) Σ log y + ((1 - m) κ - 1) Σ log(1 - y).
Counts, up to the constant -Σ log y! that the collapse drops (n0: the cell's zeros, S its sum):
- Poisson(m) on the sqrt link: S log m - n m (on the log link cells.py collapses it to one Poisson count per cell);
- ZeroInflatedPoisson(m, zi): n0 log(zi + (1 - zi) e^-m) + (n - n0) (log(1 - zi) - m) + S log m;
- HurdlePoisson(m, hu): n0 log hu + (n - n0) (log(1 - hu) - m - log(1 - e^-m)) + S log m.
The continuous hurdles (HurdleGamma, HurdleLogNormal; PyMC does not truncate their positive part), exactly:
n0 log hu + (n - n0) log(1 - hu) + the Gamma's or LogNormal's term above from the statistics of the positive rows.
Families whose density does not factor so (StudentT, NegativeBinomial and Weibull with a free shape or dispersion,
ordered and categorical outcomes) are not listed here, and keep their rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..plan import Const, Func, Op, PExpr, VarRef

# what a statistic sums: the outcome or a function of it
TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "y": lambda y: y,
    "log": np.log,
    "log1m": lambda y: np.log1p(-y),
    "zero": lambda y: 1.0 * (y == 0),
}
# family → (the links its collapse takes, the statistics it reads as (aggregate, transform))
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "Normal": (("identity", "log", "inverse"), (("rows", "y"), ("mean", "y"), ("squares", "y"))),
    "LogNormal": (("identity",), (("rows", "y"), ("mean", "log"), ("squares", "log"))),
    # a mean through any other link may leave the positive values, where the literal density is -inf
    "Exponential": (("log",), (("rows", "y"), ("sum", "y"))),
    "Gamma": (("log",), (("rows", "y"), ("sum", "y"), ("sum", "log"))),
    "Beta": (("logit", "probit", "cloglog"), (("rows", "y"), ("sum", "log"), ("sum", "log1m"))),
    # counts: the identity link may leave the positive means, where the literal density is -inf
    "Poisson": (("sqrt",), (("rows", "y"), ("sum", "y"))),
    "ZeroInflatedPoisson": (("log", "sqrt"), (("rows", "y"), ("sum", "y"), ("sum", "zero"))),
    "HurdlePoisson": (("log", "sqrt"), (("rows", "y"), ("sum", "y"), ("sum", "zero"))),
}
COUNTS = ("Poisson", "ZeroInflatedPoisson", "HurdlePoisson")  # their collapse drops -Σ log y!
HURDLES = {"HurdleGamma": "Gamma", "HurdleLogNormal": "LogNormal"}  # → the family of their positive rows
FAMILIES.update({hurdle: FAMILIES[positive] for hurdle, positive in HURDLES.items()})


def statistics(family: str) -> list[tuple[str, str, bool]]:
    """What a family's cells read: (aggregate, transform, over the positive rows only). Per cell an aggregate is
    the number of rows, the sum or mean of a transform of y, or the sum of its squared deviations from the mean."""
    positive = family in HURDLES
    return [(a, t, positive) for a, t in FAMILIES[family][1]] + ([("sum", "zero", False)] if positive else [])


def statistic(y: np.ndarray, inverse: np.ndarray, cells: int, aggregate: str, transform: str, positive: bool):
    """One statistic per cell of the rows' outcomes `y` (`inverse`: each row's cell, of `cells`)."""
    if positive:
        y, inverse = y[y > 0], inverse[y > 0]
    rows = np.bincount(inverse, minlength=cells).astype(float)
    if aggregate == "rows":
        return rows
    values = TRANSFORMS[transform](y)
    total = np.bincount(inverse, weights=values, minlength=cells)
    if aggregate == "sum":
        return total
    mean = np.divide(total, rows, out=np.zeros(cells), where=rows > 0)  # a hurdle's cell may have no positive row
    if aggregate == "mean":
        return mean
    return np.bincount(inverse, weights=(values - mean[inverse]) ** 2, minlength=cells)


def describe(aggregate: str, transform: str, positive: bool) -> str:
    """A statistic in words (the plan's notes)."""
    if aggregate == "rows" or transform == "zero":
        what = {"rows": "rows", "sum": "zeros"}[aggregate]
    else:
        what = f"{aggregate} of {({'y': 'y', 'log': 'log y', 'log1m': 'log(1 - y)'})[transform]}"
    return f"{what} (y > 0)" if positive else what


def statistic_name(stem: str, aggregate: str, transform: str, positive: bool = False) -> str:
    name = "rows" if aggregate == "rows" else f"{aggregate}_{transform}"
    return f"{stem}__{'positive_' if positive else ''}{name}"


def _add(*terms: PExpr) -> PExpr:
    total = terms[0]
    for term in terms[1:]:
        total = Op("+", (total, term))
    return total


def _mul(*factors: PExpr) -> PExpr:
    product = factors[0]
    for factor in factors[1:]:
        product = Op("*", (product, factor))
    return product


def _sub(a: PExpr, b: PExpr) -> PExpr:
    return Op("-", (a, b))


def _log(x: PExpr) -> PExpr:
    return Func("log", (x,))


def _gammaln(x: PExpr) -> PExpr:
    return Func("gammaln", (x,))


INVERSE_LINKS = {
    "identity": lambda eta: eta,
    "log": lambda eta: Func("exp", (eta,)),
    "logit": lambda eta: Func("invlogit", (eta,)),
    "probit": lambda eta: Func("invprobit", (eta,)),
    "cloglog": lambda eta: Op("-", (Const(1.0), Func("exp", (Op("neg", (Func("exp", (eta,)),)),)))),
    "inverse": lambda eta: Op("/", (Const(1.0), eta)),
    "sqrt": lambda eta: Func("square", (eta,)),
}


def cell_log_density(family: str, link: str, eta: PExpr, aux: dict[str, PExpr], stem: str) -> PExpr:
    """The sum over cells of the family's log density of their rows: `eta` the linear predictor per cell, `aux`
    the auxiliary parameters (scalars or per cell), the statistics read as data named by `statistic_name`."""

    positive = family in HURDLES

    def stat(aggregate: str, transform: str = "y") -> PExpr:
        return VarRef(statistic_name(stem, aggregate, transform, positive and transform != "zero"))

    per_cell = _per_cell(HURDLES.get(family, family), link, eta, aux, stat)
    if positive:  # every zero from the hurdle, every positive row its family's density
        chance, n = aux["hu"], stat("rows")
        per_cell = _add(_mul(stat("sum", "zero"), _log(chance)), _mul(n, _log(_sub(Const(1.0), chance))), per_cell)
    return Func("sum", (per_cell,))


def _per_cell(family: str, link: str, eta: PExpr, aux: dict[str, PExpr], stat) -> PExpr:
    n, mean = stat("rows"), INVERSE_LINKS[link](eta)
    log_mean = eta if link == "log" else _log(mean)
    if family in ("Normal", "LogNormal"):
        on = "y" if family == "Normal" else "log"
        sigma = aux["sigma"]
        deviation = _sub(stat("mean", on), mean)
        squares = _add(stat("squares", on), _mul(n, Op("**", (deviation, Const(2.0)))))
        per_cell = _sub(
            _mul(Op("neg", (n,)), _add(_log(sigma), Const(0.5 * math.log(2 * math.pi)))),
            Op("/", (squares, _mul(Const(2.0), Op("**", (sigma, Const(2.0)))))),
        )
        if family == "LogNormal":  # the density of y, not of log y: the Jacobian 1 / y of each row
            per_cell = _sub(per_cell, _mul(n, stat("mean", "log")))
    elif family == "Exponential":
        per_cell = Op("neg", (_add(_mul(n, log_mean), Op("/", (stat("sum"), mean))),))
    elif family == "Gamma":
        alpha = aux["alpha"]
        rate = Op("/", (alpha, mean))
        per_cell = _add(
            _mul(n, _sub(_mul(alpha, _sub(_log(alpha), log_mean)), _gammaln(alpha))),
            _mul(_sub(alpha, Const(1.0)), stat("sum", "log")),
            Op("neg", (_mul(rate, stat("sum")),)),
        )
    elif family == "Beta":
        kappa = aux["kappa"]
        a, b = _mul(mean, kappa), _mul(_sub(Const(1.0), mean), kappa)
        per_cell = _add(
            _mul(n, _sub(_sub(_gammaln(kappa), _gammaln(a)), _gammaln(b))),
            _mul(_sub(a, Const(1.0)), stat("sum", "log")),
            _mul(_sub(b, Const(1.0)), stat("sum", "log1m")),
        )
    elif family in COUNTS:
        if family == "Poisson":
            per_cell = _sub(_mul(stat("sum"), log_mean), _mul(n, mean))
        else:  # the rows with y > 0 add the Poisson's S log m - m each
            zeros, chance = stat("sum", "zero"), aux["zi" if family == "ZeroInflatedPoisson" else "hu"]
            positives, rest = _sub(n, zeros), _sub(Const(1.0), chance)
            counts = _sub(_mul(stat("sum"), log_mean), _mul(positives, mean))
            if family == "ZeroInflatedPoisson":  # a zero: structural, or the Poisson's own
                zero = _log(_add(chance, _mul(rest, Func("exp", (Op("neg", (mean,)),)))))
                positive = _log(rest)
            else:  # every zero from the hurdle; the Poisson truncated to y >= 1: its P(y > 0) = 1 - e^-m divides
                zero = _log(chance)
                positive = _sub(_log(rest), _log(Op("neg", (Func("expm1", (Op("neg", (mean,)),)),))))
            per_cell = _add(_mul(zeros, zero), _mul(positives, positive), counts)
    else:
        raise ValueError(f"no cell statistics for {family}")
    return per_cell
