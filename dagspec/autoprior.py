"""A CheckedModel + its validated columns → default priors scaled to the data (`priors auto`, `--auto-priors`).

The rule is Bambi's automatic scaling (bambi/priors/scaler.py, `PriorScaler`, as in Bambi 0.17.2, whose numbers
tests/test_auto_priors.py compares), applied to the generated parameters that still have their fixed default prior
(a `prior` statement always wins):

- response scale: for a Normal or StudentT outcome with the identity link, m = mean(y) and s = sd(y); for a
  LogNormal outcome (its linear predictor is the mean of log y) the same of log(y); for the GLM families
  (Bernoulli, Binomial, Poisson, NegativeBinomial, Gamma, Beta, Exponential, Weibull, ordered) m = 0 and s = 1,
  as Bambi's non-Gaussian families: the link scale's unit. sd is numpy's (divisor n), as Bambi's.
- a slope or effect: Normal(0, 2.5 * s / sd(x)) for each column x of its design: the predictor itself, the
  product for an interaction `x * z`, one 0/1 indicator column per level of a categorical parent (the levels but
  the reference with `reference = ...`), x times the indicator of each group for `x -> y by g`, each column of a
  matrix node.
- the intercept (of the uncentred predictors, as Bambi's): Normal(m, sqrt((2.5 s)^2 + sum_j sigma_j^2 mean(x_j)^2))
  summed over the columns j scaled above.
- a Bernoulli or Binomial outcome with the logit or probit link (Bambi 0.17's special case): a numeric slope
  Normal(0, 1 / sd(x)) (x's own sd for every group of `x -> y by g`), a categorical parent's effects Normal(0, 1),
  the intercept Normal(0, 1.5).
- sigma of a Normal, StudentT or LogNormal outcome: HalfStudentT(nu = 4, sigma = s).
- the cutpoints of an ordered outcome: Normal(mu = linspace(-2, 2, K - 1) rounded to 2 decimals, sigma = 1).
Other auxiliary parameters keep their fixed default (DS171); so does a parameter whose column has no spread
(DS172). Statistics are over the rows the model is built on (after `where` and transforms), each column's
missing (imputed) values left out. The numbers are rounded to 4 significant digits and the model uses the rounded
numbers (an intercept's location to the precision of its sd's), so what `compile` shows and `codegen` writes is
exactly the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .check.model import CONTRASTS, CheckedModel, NodeInfo, Parameter, column_dim
from .diagnostics import Diagnostics
from .families import FAMILIES

SCALE = 2.5  # Bambi's PriorScaler.STD
SIGMA_NU = 4  # Bambi's HalfStudentT(nu = 4, sigma = sd(y)) for a Gaussian outcome's sigma
GAUSSIAN = ("Normal", "StudentT")  # y's own scale (identity link)
UNIT_SCALE = (  # the link scale's unit (Bambi's non-Gaussian families)
    "Bernoulli",
    "Binomial",
    "Poisson",
    "NegativeBinomial",
    "Gamma",
    "Beta",
    "Exponential",
    "Weibull",
    "OrderedLogistic",
    "OrderedProbit",
)
KEPT = ("nu",)  # auxiliary parameters whose fixed default Bambi's rule keeps as well (StudentT's nu: Gamma(2, 0.1))
BINARY = ("Bernoulli", "Binomial")  # with a logit or probit link: Bambi 0.17's own rule (below)
BINARY_INTERCEPT_SD = 1.5


@dataclass(frozen=True)
class ScaledPrior:
    """A resolved data-scaled prior: the distribution, its numbers and the rule that gave them (in words)."""

    dist: str
    args: dict[str, float | np.ndarray]
    rule: str

    def text(self) -> str:
        def show(value) -> str:
            if np.ndim(value) == 0:
                return f"{float(value):g}"
            return "[" + ", ".join(show(v) for v in value) + "]"

        return f"{self.dist}(" + ", ".join(f"{k} = {show(v)}" for k, v in self.args.items()) + ")"


def rounded(value):
    """4 significant digits (the numbers the model uses)."""
    return np.vectorize(lambda v: float(f"{v:.4g}"), otypes=[float])(value) if np.ndim(value) else float(f"{value:.4g}")


def rounded_like(value: float, scale: float) -> float:
    """A location to the precision of 4 significant digits of its scale (a standardized mean is 0, not 1e-16)."""
    return float(np.round(value, 3 - int(np.floor(np.log10(scale)))))


def scaled_priors(model: CheckedModel, columns, coords: dict[str, list], found: Diagnostics) -> dict[str, ScaledPrior]:
    """Parameter address → its data-scaled prior, for every parameter with a default prior the rule covers."""
    scaled: dict[str, ScaledPrior] = {}
    for node in model.outcomes():
        if node.name in columns:
            scaled.update(_outcome(model, node, columns, coords, found))
    return scaled


def _response(node: NodeInfo, columns) -> tuple[float, float, str] | None:
    """(m, s, what they are of) for the outcome, None when no rule covers its family and link."""
    family = node.outcome_family
    if family in GAUSSIAN and node.link == "identity":
        y = _present(columns[node.name].values)
        return float(np.mean(y)), float(np.std(y)), f"sd({node.name})"
    if family == "LogNormal":
        y = _present(columns[node.name].values)
        return float(np.mean(np.log(y))), float(np.std(np.log(y))), f"sd(log {node.name})"
    if family in UNIT_SCALE:
        return 0.0, 1.0, "1"
    return None


def _outcome(model: CheckedModel, node: NodeInfo, columns, coords, found: Diagnostics) -> dict[str, ScaledPrior]:
    params = [
        p
        for p in model.params.values()
        if p.outcome == node.name
        and p.default_prior
        and p.fixed is None
        and p.kernel is None
        and (p.edge is None or p.edge.smooth is None)  # a smooth term's weights keep their own defaults
    ]
    if not params:
        return {}
    response = _response(node, columns)
    if response is None:
        found.add(
            "DS171",
            node.span,
            name=node.name,
            what=f"a {node.family} outcome with the {node.link} link",
            kept=", ".join(p.address for p in params),
        )
        return {}
    m, s, of = response
    if not s > 0:
        found.add("DS172", node.observed_span, column=f"outcome {node.name}", what=f"every prior of {node.name}")
        return {}
    scaled: dict[str, ScaledPrior] = {}
    sigmas, means = [], []
    binary = node.outcome_family in BINARY and node.link in ("logit", "probit")
    for param in params:
        if param.edge is None:
            continue
        design = _design(model, param, columns, coords)
        if design is None:
            found.add("DS171", param.span, name=param.address, what="a parent without data columns", kept=param.address)
            continue
        marginal, cells = design
        shape = _shape(param, coords)
        if binary and model.nodes[param.edge.source].categorical:  # Bambi 0.17: 1 for a level's effect on the logit
            scaled[param.address] = ScaledPrior(
                "Normal", {"mu": 0.0, "sigma": np.ones(shape)}, "1 for each level (a binary outcome's link scale)"
            )
            continue
        by_column = binary and not model.nodes[param.edge.source].matrix  # a matrix's columns are its predictors
        spread = np.full(shape, np.std(marginal)) if by_column else _spread(cells, shape)
        if not np.all(spread > 0):
            found.add("DS172", param.span, column=_columns_words(param), what=f"the prior of {param.address}")
            continue
        if binary:  # Bambi 0.17: 1 / sd(x), also for each group of `x -> y by g` (x's own sd)
            sigma = rounded(1 / spread)
            rule = f"1 / sd({_columns_words(param, marginal=True)})"
        else:
            sigma = rounded(SCALE * s / spread)
            rule = f"2.5 * {of} / sd({_columns_words(param)})"
        sigmas.append(np.ravel(sigma))
        means.append(np.array([np.mean(c) for c in cells]))
        scaled[param.address] = ScaledPrior("Normal", {"mu": 0.0, "sigma": sigma}, rule)
    for param in params:
        if param.role == "intercept" and binary:  # Bambi 0.17's fixed intercept prior for logit/probit
            scaled[param.address] = ScaledPrior(
                "Normal", {"mu": 0.0, "sigma": BINARY_INTERCEPT_SD}, "a binary outcome's intercept on its link scale"
            )
        elif param.role == "intercept":
            variance = (SCALE * s) ** 2 + sum(float(np.dot(sg**2, mn**2)) for sg, mn in zip(sigmas, means))
            rule = f"mean({node.name}), 2.5 * {of}" if node.outcome_family in GAUSSIAN else f"0, 2.5 * {of}"
            if node.outcome_family == "LogNormal":
                rule = f"mean(log {node.name}), 2.5 * {of}"
            sd = rounded(np.sqrt(variance))
            scaled[param.address] = ScaledPrior(
                "Normal",
                {"mu": rounded_like(m, sd) + 0.0, "sigma": sd},
                rule + (" widened by the slopes' priors at the predictors' means" if sigmas else ""),
            )
        elif param.aux == "sigma":
            scaled[param.address] = ScaledPrior("HalfStudentT", {"nu": float(SIGMA_NU), "sigma": rounded(s)}, of)
        elif param.aux == "cutpoints":
            count = len(coords.get(param.dims[0], ()))
            scaled[param.address] = ScaledPrior(
                "Normal", {"mu": np.round(np.linspace(-2, 2, count), 2), "sigma": 1.0}, "evenly from -2 to 2"
            )
        elif param.aux is not None and param.aux not in KEPT:
            found.add(
                "DS171",
                param.span,
                name=param.address,
                what=f"the {param.aux} of a {node.family} outcome",
                kept=f"{param.address} ~ {FAMILIES[node.outcome_family].aux_param(param.aux).default_prior}",  # type: ignore[union-attr]
            )
    return scaled


def _present(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def _spread(cells: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    return np.array([np.std(c) if c.size else 0.0 for c in cells]).reshape(shape)


def _columns_words(param: Parameter, marginal: bool = False) -> str:
    """The design columns of a slope or effect, in words: `x`, `x * z`, `x times each indicator of g` (or, for
    `marginal`, the numeric factor alone)."""
    edge = param.edge
    assert edge is not None
    if list(param.dims) == [column_dim(edge.source)]:
        return f"each column of {edge.source}"
    factors = [] if edge.source in param.dims or edge.source + CONTRASTS in param.dims else [edge.source]
    factors += [edge.times] if edge.times else []
    indicators = [] if marginal else [d[: -len(CONTRASTS)] if d.endswith(CONTRASTS) else d for d in param.dims]
    words = " * ".join(factors)
    if indicators:
        each = "each level's indicator of " + " x ".join(indicators)
        words = f"{words} times {each}" if words else each
    return words


def _shape(param: Parameter, coords) -> tuple[int, ...]:
    return tuple(len(coords[d]) for d in param.dims)


def _design(model: CheckedModel, param: Parameter, columns, coords) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """The numeric factor of a slope or effect (ones for a categorical parent), and its design columns flattened
    over its dims (row-major): each times the indicators of its levels; all without missing rows."""
    edge = param.edge
    assert edge is not None
    needed = [edge.source, *edge.partners]
    if any(name not in columns for name in needed):
        return None
    source = model.nodes[edge.source]
    if source.matrix:  # each column its own predictor (no interaction or `by` takes a matrix: DS160)
        matrix = np.asarray(columns[edge.source].values, dtype=float)
        complete = matrix[np.isfinite(matrix).all(axis=1)]
        return complete.ravel(), [complete[:, k] for k in range(complete.shape[1])]
    n = len(columns[edge.source].values)
    value = np.ones(n) if source.categorical else columns[edge.source].values.astype(float)
    if edge.times:
        value = value * columns[edge.times].values
    designs = [value]
    for dim in param.dims:
        node = dim[: -len(CONTRASTS)] if dim.endswith(CONTRASTS) else dim
        codes = columns[node].values
        levels = [str(level) for level in columns[node].levels or ()]
        wanted = [levels.index(str(level)) for level in coords[dim]]
        designs = [d * (codes == k) for d in designs for k in wanted]
    return _present(value), [_present(d) for d in designs]
