"""Likelihood family names → mean parameter, links, auxiliary parameters and default priors (backend-neutral)."""

from __future__ import annotations

from dataclasses import dataclass

from .dists import BINARY, COUNT, NONNEGATIVE, OPEN_UNIT, POSITIVE, REAL, UNIT, Support

LINKS = ("identity", "logit", "probit", "cloglog", "log", "inverse", "sqrt")


@dataclass(frozen=True)
class Aux:
    """An auxiliary parameter of a family (a noise scale, a shape, trials) and its default prior."""

    name: str
    support: Support
    default_prior: str | None  # `None`: must be given as an option (Binomial's n), unless it has a `default`
    fixed_only: bool = False  # given as an option (a literal or a data column), never a free parameter
    link: str | None = None  # the link of its linear predictor when edges point into it (`x -> y.sigma`)
    default: str | None = None  # (fixed_only) what it is when not given, in words; `None`: it must be given

    @property
    def predictable(self) -> bool:
        """Whether edges may point into it: a distributional parameter with a linear predictor of its own."""
        return self.link is not None


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
    zeros: str | None = None  # "inflated" (extra zeros, aux `zi`) or "hurdle" (every zero from aux `hu`)
    categorical: bool = False  # an unordered categorical outcome: a linear predictor per level but the reference
    counts: bool = False  # (categorical) observed as counts per category in several columns: a multinomial outcome

    def aux_param(self, name: str) -> Aux | None:
        return next((a for a in self.aux if a.name == name), None)

    def dpar_link(self, name: str) -> str:
        """The link of a distributional parameter's linear predictor (the checks allow edges only into these)."""
        aux = self.aux_param(name)
        if aux is None or aux.link is None:
            raise ValueError(f"{self.name} has no parameter {name!r} with a linear predictor")
        return aux.link


_SIGMA = Aux("sigma", POSITIVE, "Exponential(1)", link="log")
_ALPHA = Aux("alpha", POSITIVE, "Exponential(1)", link="log")
_TRIALS = Aux("n", COUNT, None, fixed_only=True)
# a multinomial outcome's totals: each row's sum of counts, unless a column of them is given (`n = total`)
_TOTALS = Aux("n", COUNT, None, fixed_only=True, default="each row's sum of counts")
# brms's names: `zi`, the probability of an extra (structural) zero; `hu`, the probability of a zero at all
_ZI = Aux("zi", UNIT, "Beta(1, 1)", link="logit")
_HU = Aux("hu", UNIT, "Beta(1, 1)", link="logit")
_COUNT_LINKS = ("log", "identity", "sqrt")
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
            (_SIGMA, Aux("nu", POSITIVE, "Gamma(2, 0.1)", link="log")),
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
            (_TRIALS,),
            COUNT,
            UNIT,
        ),
        Family(
            "BetaBinomial",
            "p",
            "logit",
            ("logit", "probit", "cloglog"),
            (_TRIALS, Aux("kappa", POSITIVE, "Exponential(0.1)", link="log")),
            COUNT,
            OPEN_UNIT,
        ),
        Family("Poisson", "mu", "log", ("log", "identity", "sqrt"), (), COUNT, POSITIVE),
        Family(
            "NegativeBinomial",
            "mu",
            "log",
            ("log", "identity", "sqrt"),
            (_ALPHA,),
            COUNT,
            POSITIVE,
        ),
        Family("ZeroInflatedPoisson", "mu", "log", _COUNT_LINKS, (_ZI,), COUNT, POSITIVE, zeros="inflated"),
        Family(
            "ZeroInflatedNegativeBinomial", "mu", "log", _COUNT_LINKS, (_ALPHA, _ZI), COUNT, POSITIVE, zeros="inflated"
        ),
        Family("HurdlePoisson", "mu", "log", _COUNT_LINKS, (_HU,), COUNT, POSITIVE, zeros="hurdle"),
        Family("HurdleNegativeBinomial", "mu", "log", _COUNT_LINKS, (_ALPHA, _HU), COUNT, POSITIVE, zeros="hurdle"),
        Family(
            "HurdleGamma",
            "mu",
            "log",
            ("log", "inverse", "identity"),
            (_ALPHA, _HU),
            NONNEGATIVE,
            POSITIVE,
            zeros="hurdle",
        ),
        Family("HurdleLogNormal", "mu", "identity", ("identity",), (_SIGMA, _HU), NONNEGATIVE, REAL, zeros="hurdle"),
        Family(
            "Gamma",
            "mu",
            "log",
            ("log", "inverse", "identity"),
            (_ALPHA,),
            POSITIVE,
            POSITIVE,
        ),
        Family(
            "Beta",
            "mu",
            "logit",
            ("logit", "probit", "cloglog"),
            (Aux("kappa", POSITIVE, "Exponential(0.1)", link="log"),),
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
            (_ALPHA,),
            POSITIVE,
            POSITIVE,
        ),
        # P(y <= level k) = F(cutpoint_k - eta), F the logistic or the standard normal cdf; eta has no intercept
        Family("OrderedLogistic", "eta", "logit", ("logit",), (_CUTPOINTS,), COUNT, REAL, ordered=True),
        Family("OrderedProbit", "eta", "probit", ("probit",), (_CUTPOINTS,), COUNT, REAL, ordered=True),
        # P(y = level k) = softmax(eta)_k, eta_k a linear predictor per level, 0 for the reference level
        Family("Categorical", "eta", "softmax", ("softmax",), (), COUNT, REAL, categorical=True),
        # counts per category, n = the row's total: Multinomial(n, softmax(eta)), eta as Categorical's
        Family("Multinomial", "eta", "softmax", ("softmax",), (_TOTALS,), COUNT, REAL, categorical=True, counts=True),
    ]
}

# Default priors of generated regression parameters, by role (documented in docs/language.md).
DEFAULT_PRIORS = {
    "intercept": "Normal(0, 10)",
    "slope": "Normal(0, 10)",
    "effect": "Normal(0, 10)",
}
# ... and of a distributional parameter's linear predictor (`x -> y.sigma`), on its link's scale (log or logit),
# where a unit is a factor of e: a weakly informative scale as brms's Student-t(3, 0, 2.5) intercept prior.
DPAR_DEFAULT_PRIOR = "Normal(0, 2.5)"

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
CATEGORICAL_OPTIONS = ("levels", "reference")  # an unordered categorical outcome's options
MULTINOMIAL_OPTIONS = (*CATEGORICAL_OPTIONS, "n")  # ... and a multinomial one's: `n = total`, each row's total


def cutpoint_dim(node: str) -> str:
    """The dimension of an ordered outcome's cutpoints (labelled `1|2`, `2|3`, ... as R's polr and clm do)."""
    return f"{node}__cutpoints"


def level_dim(node: str) -> str:
    """The dimension of an ordered outcome's levels (the probability of each level, when predicting)."""
    return f"{node}__level"


def category_dim(node: str) -> str:
    """The dimension of a categorical outcome's linear predictors: its levels but the reference."""
    return f"{node}__category"


def dpar_name(node: str, dpar: str) -> str:
    """The PyMC name of a distributional parameter's per-row values (`y_sigma`, as its scalar parameter's name)."""
    return f"{node}_{dpar}"


def cutpoint_labels(levels: list) -> list[str]:
    return [f"{low}|{high}" for low, high in zip(levels, levels[1:])]
