"""Likelihood family names → mean parameter, links, auxiliary parameters and default priors (backend-neutral)."""

from __future__ import annotations

from dataclasses import dataclass

from .dists import BINARY, COUNT, OPEN_UNIT, POSITIVE, REAL, UNIT, Support

LINKS = ("identity", "logit", "probit", "cloglog", "log", "inverse", "sqrt")


@dataclass(frozen=True)
class Aux:
    """An auxiliary parameter of a family (a noise scale, a shape, trials) and its default prior."""

    name: str
    support: Support
    default_prior: str | None  # `None`: must be given as an option (Binomial's n)
    fixed_only: bool = False  # given as an option (a literal or a data column), never a free parameter


@dataclass(frozen=True)
class Family:
    name: str
    mean: str  # the distribution parameter the linear predictor sets
    default_link: str
    links: tuple[str, ...]
    aux: tuple[Aux, ...]
    outcome: Support  # values an observed outcome may take
    mean_support: Support  # values the mean parameter may take (checked against identity links)
    ordered: bool = False  # an ordered categorical outcome: levels, cutpoints instead of an intercept

    def aux_param(self, name: str) -> Aux | None:
        return next((a for a in self.aux if a.name == name), None)


_SIGMA = Aux("sigma", POSITIVE, "Exponential(1)")
_CUTPOINTS = Aux("cutpoints", REAL, "Normal(0, 1.5)")  # one per boundary between levels, ordered by a transform

# Priors a cutpoint vector may have: continuous on the whole real line, so the ordering transform covers them.
ORDERED_PRIORS = ("Normal", "StudentT", "Cauchy", "Laplace", "Logistic", "Flat")

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        Family("Normal", "mu", "identity", ("identity", "log", "inverse"), (_SIGMA,), REAL, REAL),
        Family(
            "StudentT",
            "mu",
            "identity",
            ("identity", "log", "inverse"),
            (_SIGMA, Aux("nu", POSITIVE, "Gamma(2, 0.1)")),
            REAL,
            REAL,
        ),
        # mu is the mean of log(y) (the log of the median), so the identity link on mu is a log link on the median
        Family("LogNormal", "mu", "identity", ("identity",), (_SIGMA,), POSITIVE, REAL),
        Family("Bernoulli", "p", "logit", ("logit", "probit", "cloglog", "identity"), (), BINARY, UNIT),
        Family(
            "Binomial",
            "p",
            "logit",
            ("logit", "probit", "cloglog", "identity"),
            (Aux("n", COUNT, None, fixed_only=True),),
            COUNT,
            UNIT,
        ),
        Family("Poisson", "mu", "log", ("log", "identity", "sqrt"), (), COUNT, POSITIVE),
        Family(
            "NegativeBinomial",
            "mu",
            "log",
            ("log", "identity", "sqrt"),
            (Aux("alpha", POSITIVE, "Exponential(1)"),),
            COUNT,
            POSITIVE,
        ),
        Family(
            "Gamma",
            "mu",
            "log",
            ("log", "inverse", "identity"),
            (Aux("alpha", POSITIVE, "Exponential(1)"),),
            POSITIVE,
            POSITIVE,
        ),
        Family(
            "Beta",
            "mu",
            "logit",
            ("logit", "probit", "cloglog"),
            (Aux("kappa", POSITIVE, "Exponential(0.1)"),),
            OPEN_UNIT,
            OPEN_UNIT,
        ),
        # durations: the mean through a log link (Exponential's rate is 1 / mu, Weibull's scale mu / Gamma(1 + 1/alpha))
        Family("Exponential", "mu", "log", ("log", "identity", "inverse"), (), POSITIVE, POSITIVE),
        Family(
            "Weibull",
            "mu",
            "log",
            ("log", "identity", "inverse"),
            (Aux("alpha", POSITIVE, "Exponential(1)"),),
            POSITIVE,
            POSITIVE,
        ),
        # P(y <= level k) = F(cutpoint_k - eta), F the logistic or the standard normal cdf; eta has no intercept
        Family("OrderedLogistic", "eta", "logit", ("logit",), (_CUTPOINTS,), COUNT, REAL, ordered=True),
        Family("OrderedProbit", "eta", "probit", ("probit",), (_CUTPOINTS,), COUNT, REAL, ordered=True),
    ]
}

# Default priors of generated regression parameters, by role (documented in docs/language.md).
DEFAULT_PRIORS = {
    "intercept": "Normal(0, 10)",
    "slope": "Normal(0, 10)",
    "effect": "Normal(0, 10)",
}

OUTCOME_OPTIONS = ("intercept", "link", "missing", "censored", "upper", "truncated")
# A censoring column's codes (brms's): the value is the event time, a lower bound (right-censored: the event comes
# later), an upper bound (left-censored: it came before) or the lower end of an interval whose upper end another
# column holds (`upper = column`: the event came in between).
CENSORING_CODES = {"none": 0, "right": 1, "left": -1, "interval": 2}
# Families whose censored likelihood dagspec writes with closed-form log survival functions (PyMC's own logccdf
# underflows to -inf in the far tail, e.g. an Exponential beyond about 745 means).
CENSORABLE = ("Exponential", "Weibull", "Gamma", "LogNormal")
# The parameters of each censorable family's PyMC distribution, in the order its censored likelihood takes them.
CENSORED_PARAMS = {
    "Exponential": ("lam",),
    "Weibull": ("alpha", "beta"),
    "Gamma": ("alpha", "beta"),
    "LogNormal": ("mu", "sigma"),
}
# Families `truncated = [lower, upper]` applies to (pm.Truncated: each has a log cdf and an exact truncated mean).
TRUNCATABLE = (
    "Normal",
    "StudentT",
    "LogNormal",
    "Gamma",
    "Beta",
    "Exponential",
    "Weibull",
    "Poisson",
    "NegativeBinomial",
    "Binomial",
)
MISSING_CHOICES = (
    "error",
    "impute",
)  # `missing = impute`: model an outcome's missing values instead of stopping (DS504)
ORDERED_OPTIONS = ("levels",)  # an ordered outcome's options besides its cutpoints


def cutpoint_dim(node: str) -> str:
    """The dimension of an ordered outcome's cutpoints (labelled `1|2`, `2|3`, ... as R's polr and clm do)."""
    return f"{node}__cutpoints"


def level_dim(node: str) -> str:
    """The dimension of an ordered outcome's levels (the probability of each level, when predicting)."""
    return f"{node}__level"


def cutpoint_labels(levels: list) -> list[str]:
    return [f"{low}|{high}" for low, high in zip(levels, levels[1:])]
