"""Distribution names → their parameters, defaults and supports: the catalogue every check and backend reads."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

REQUIRED = object()  # a parameter without a default
OPTIONAL = None  # a parameter that may be left out (one of several parameterisations)

INF = math.inf


@dataclass(frozen=True)
class Support:
    """An interval of values (integers only when `integer`), used for parameters and variables alike."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    words: str = ""

    def contains(self, value: float) -> bool:
        if math.isnan(value) or (self.integer and float(value) != int(value)):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def within(self, other: Support) -> bool:
        """Whether every value of self lies in other (so a variable on self may feed a parameter needing other)."""
        low_ok = self.low > other.low or (self.low == other.low and (self.low_open or not other.low_open))
        high_ok = self.high < other.high or (self.high == other.high and (self.high_open or not other.high_open))
        return low_ok and high_ok


REAL = Support(-INF, INF, True, True, words="a real number")
POSITIVE = Support(0.0, INF, True, True, words="positive")
NONNEGATIVE = Support(0.0, INF, False, True, words="non-negative")
UNIT = Support(0.0, 1.0, words="between 0 and 1")
OPEN_UNIT = Support(0.0, 1.0, True, True, words="strictly between 0 and 1")
COUNT = Support(0.0, INF, False, True, integer=True, words="a non-negative integer")
POSITIVE_COUNT = Support(1.0, INF, False, True, integer=True, words="a positive integer")
BINARY = Support(0.0, 1.0, integer=True, words="0 or 1")
INTEGER = Support(-INF, INF, True, True, integer=True, words="an integer")
ANY = Support(-INF, INF, True, True, words="any value")


@dataclass(frozen=True)
class Param:
    name: str
    support: Support = REAL
    default: object = REQUIRED
    kind: str = "scalar"  # scalar | vector | matrix | dist


@dataclass(frozen=True)
class Dist:
    name: str
    params: tuple[Param, ...]
    support: Support
    one_of: tuple[tuple[str, ...], ...] = ()  # alternative parameterisations: exactly one group is given
    multivariate: bool = False
    example: str = ""
    pymc_name: str = ""
    aliases: dict = field(default_factory=dict)  # our parameter name → PyMC's keyword

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def kind_of(self, name: str) -> str:
        """The kind of a parameter the checks have already found in this distribution."""
        param = self.param(name)
        if param is None:
            raise KeyError(f"{self.name} has no parameter {name!r}")
        return param.kind

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]


def _d(name, params, support, example, **kw) -> Dist:
    return Dist(name, tuple(params), support, example=example, pymc_name=kw.pop("pymc_name", name), **kw)


P = Param
DISTRIBUTIONS: dict[str, Dist] = {
    d.name: d
    for d in [
        _d("Normal", [P("mu", REAL, 0.0), P("sigma", POSITIVE, 1.0)], REAL, "Normal(0, 1)"),
        _d("HalfNormal", [P("sigma", POSITIVE, 1.0)], POSITIVE, "HalfNormal(1)"),
        _d(
            "StudentT",
            [P("nu", POSITIVE), P("mu", REAL, 0.0), P("sigma", POSITIVE, 1.0)],
            REAL,
            "StudentT(nu = 3, mu = 0, sigma = 1)",
        ),
        _d("HalfStudentT", [P("nu", POSITIVE), P("sigma", POSITIVE, 1.0)], POSITIVE, "HalfStudentT(nu = 3, sigma = 1)"),
        _d("Cauchy", [P("alpha", REAL), P("beta", POSITIVE)], REAL, "Cauchy(0, 1)"),
        _d("HalfCauchy", [P("beta", POSITIVE)], POSITIVE, "HalfCauchy(1)"),
        _d("Laplace", [P("mu", REAL), P("b", POSITIVE)], REAL, "Laplace(0, 1)"),
        _d("Logistic", [P("mu", REAL, 0.0), P("s", POSITIVE, 1.0)], REAL, "Logistic(0, 1)"),
        _d("Exponential", [P("lam", POSITIVE)], POSITIVE, "Exponential(1)"),
        _d(
            "Gamma",
            [
                P("alpha", POSITIVE, OPTIONAL),
                P("beta", POSITIVE, OPTIONAL),
                P("mu", POSITIVE, OPTIONAL),
                P("sigma", POSITIVE, OPTIONAL),
            ],
            POSITIVE,
            "Gamma(2, 0.5)",
            one_of=(("alpha", "beta"), ("mu", "sigma")),
        ),
        _d("InverseGamma", [P("alpha", POSITIVE), P("beta", POSITIVE)], POSITIVE, "InverseGamma(2, 1)"),
        _d("LogNormal", [P("mu", REAL, 0.0), P("sigma", POSITIVE, 1.0)], POSITIVE, "LogNormal(0, 1)"),
        _d("Weibull", [P("alpha", POSITIVE), P("beta", POSITIVE)], POSITIVE, "Weibull(2, 1)"),
        _d(
            "Beta",
            [
                P("alpha", POSITIVE, OPTIONAL),
                P("beta", POSITIVE, OPTIONAL),
                P("mu", UNIT, OPTIONAL),
                P("sigma", POSITIVE, OPTIONAL),
            ],
            OPEN_UNIT,
            "Beta(1, 1)",
            one_of=(("alpha", "beta"), ("mu", "sigma")),
        ),
        _d("Uniform", [P("lower", REAL, 0.0), P("upper", REAL, 1.0)], REAL, "Uniform(0, 1)"),
        _d(
            "TruncatedNormal",
            [P("mu", REAL, 0.0), P("sigma", POSITIVE, 1.0), P("lower", REAL, OPTIONAL), P("upper", REAL, OPTIONAL)],
            REAL,
            "TruncatedNormal(0, 1, lower = 0)",
        ),
        _d("Flat", [], REAL, "Flat()"),
        _d("HalfFlat", [], POSITIVE, "HalfFlat()"),
        _d("Bernoulli", [P("p", UNIT)], BINARY, "Bernoulli(0.5)"),
        _d("Binomial", [P("n", COUNT), P("p", UNIT)], COUNT, "Binomial(n = 10, p = 0.5)"),
        _d("Poisson", [P("mu", POSITIVE)], COUNT, "Poisson(3)"),
        _d("NegativeBinomial", [P("mu", POSITIVE), P("alpha", POSITIVE)], COUNT, "NegativeBinomial(mu = 3, alpha = 1)"),
        _d("Geometric", [P("p", UNIT)], POSITIVE_COUNT, "Geometric(0.5)"),
        _d("DiscreteUniform", [P("lower", INTEGER), P("upper", INTEGER)], INTEGER, "DiscreteUniform(0, 10)"),
        _d("Categorical", [P("p", UNIT, kind="vector")], COUNT, "Categorical(p = [0.2, 0.8])"),
        _d("Dirichlet", [P("a", POSITIVE, kind="vector")], UNIT, "Dirichlet(a = [1, 1, 1])", multivariate=True),
        _d(
            "MvNormal",
            [
                P("mu", REAL, kind="vector"),
                P("cov", ANY, OPTIONAL, kind="matrix"),
                P("chol", ANY, OPTIONAL, kind="matrix"),
                P("tau", ANY, OPTIONAL, kind="matrix"),
            ],
            REAL,
            "MvNormal(mu = [0, 0], chol = L)",
            one_of=(("cov",), ("chol",), ("tau",)),
            multivariate=True,
        ),
        _d(
            "LKJCholeskyCov",
            [P("eta", POSITIVE), P("sd", POSITIVE, kind="dist"), P("n", POSITIVE_COUNT, OPTIONAL)],
            ANY,
            "LKJCholeskyCov(eta = 2, sd = Exponential(1))",
            multivariate=True,
            aliases={"sd": "sd_dist"},
        ),
        # priors over the ordered levels of a time node (check/timeseries.py): each level's effect from the one before
        _d(
            "GaussianRandomWalk",
            [P("sigma", POSITIVE), P("init", REAL, OPTIONAL, kind="dist")],
            REAL,
            "GaussianRandomWalk(sigma = tau)",
            multivariate=True,
            aliases={"init": "init_dist"},
        ),
        _d(
            "AR1",
            [P("rho", REAL), P("sigma", POSITIVE), P("init", REAL, OPTIONAL, kind="dist")],
            REAL,
            "AR1(rho = phi, sigma = tau)",
            multivariate=True,
            pymc_name="AR",
            aliases={"init": "init_dist"},
        ),
    ]
}
TIME_PRIORS = ("GaussianRandomWalk", "AR1")
TIME_PRIOR_INIT = "Normal(0, 10)"  # the first level's effect, unless `init = ...` says otherwise

# Functions usable in expressions (`let`, distribution arguments): name → number of arguments.
FUNCTIONS: dict[str, int] = {
    "exp": 1,
    "log": 1,
    "sqrt": 1,
    "abs": 1,
    "logit": 1,
    "invlogit": 1,
    "probit": 1,
    "invprobit": 1,
    "sum": 1,
    "mean": 1,
    "sigmoid": 1,
    "tanh": 1,
    "softmax": 1,
    "square": 1,
    "stds": 1,
    "corr": 1,
    "cov": 1,  # of an LKJCholeskyCov prior (check/covariance.py)
}


def closest(name: str, candidates) -> str | None:
    """The candidate most like `name` (for "did you mean" hints)."""
    import difflib

    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not found:
        lowered = {c.lower(): c for c in candidates}
        return lowered.get(name.lower())
    return found[0]
