"""Plan → pm.Model: data through pm.Data, variables with dims, linear predictors and likelihoods (PyMC 5)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.distributions.dist_math import normal_lccdf, normal_lcdf

from ..allocation import collection_paused
from ..families import CENSORED_PARAMS, FAMILIES, level_dim
from ..optimize.covariance import SCALES_AND_PARTIAL_CORRELATIONS
from ..plan import (
    Const,
    DataVar,
    DerivedVar,
    DistOf,
    Func,
    Idx,
    LikelihoodVar,
    ListOf,
    LogDensity,
    Op,
    PExpr,
    Plan,
    PriorPotential,
    RandomVariable,
    Slice,
    VarRef,
)
from .bases import FUNCTIONS as BASES
from .lkj_coordinates import ScalesAndPartialCorrelations
from .truncation import truncated_mean


def _covariance(chol):
    return pt.dot(chol, chol.T)


def _stds(chol):
    return pt.sqrt(pt.diag(_covariance(chol)))


def _correlation(chol):
    """As PyMC's LKJCholeskyCov(compute_corr=True) computes it."""
    inverse = 1 / _stds(chol)
    return inverse[None, :] * _covariance(chol) * inverse[:, None]


_FUNCTIONS = {
    "exp": pt.exp,
    "log": pt.log,
    "sqrt": pt.sqrt,
    "abs": pt.abs,
    "logit": pm.math.logit,
    "invlogit": pm.math.invlogit,
    "sigmoid": pm.math.sigmoid,
    "probit": pm.math.probit,
    "invprobit": pm.math.invprobit,
    "sum": pt.sum,
    "mean": pt.mean,
    "sd": lambda x: pt.std(x, ddof=1),
    "min": pt.min,
    "max": pt.max,
    "tanh": pt.tanh,
    "softmax": pm.math.softmax,
    "square": pt.square,
    # of an LKJ prior's Cholesky factor
    "cov": _covariance,
    "stds": _stds,
    "corr": _correlation,
    # used by the optimizer's plans only
    "matmul": pt.dot,
    "transpose": lambda x: x.T,
    "concat": lambda *parts: pt.concatenate([pt.reshape(p, (-1,)) for p in parts]),
    "reshape": lambda x, shape: pt.reshape(x, tuple(int(n) for n in shape)),
    "gammaln": pt.gammaln,
    "expm1": pt.expm1,
    # smooth terms (backends/bases.py)
    **BASES,
}

_INVERSE_LINKS = {
    "identity": lambda eta: eta,
    "logit": pm.math.invlogit,
    "probit": pm.math.invprobit,
    "cloglog": lambda eta: 1 - pt.exp(-pt.exp(eta)),
    "log": pt.exp,
    "inverse": lambda eta: 1 / eta,
    "sqrt": pt.square,
}


def build_model(plan: Plan, initvals: bool = True) -> pm.Model:
    """Create the PyMC model the plan describes (without its starting values when `initvals` is False: PyMC
    computes a log-likelihood only for a model without them). PyTensor's record of where each variable was
    created (a stack walk per node, a quarter of the build of a large spec) is left out: it would name dagspec's
    own lines."""
    with collection_paused(), pytensor.config.change_flags(traceback__limit=0), pm.Model(coords=plan.coords) as model:
        values: dict[str, object] = {}
        priors: dict[tuple, list[PriorPotential]] = {}  # built last, batched
        for entry in plan.entries:
            if isinstance(entry, DataVar):  # missing values (NaN) are rows an imputed parameter fills in
                values[entry.name] = pm.Data(entry.name, np.nan_to_num(entry.values, nan=0.0), dims=entry.dims)
            elif isinstance(entry, RandomVariable):
                values[entry.name] = _random_variable(entry, values, initvals)
            elif isinstance(entry, DerivedVar):
                values[entry.name] = pm.Deterministic(
                    entry.name, pt.as_tensor_variable(_evaluate(entry.expr, values)), dims=entry.dims or None
                )
            elif isinstance(entry, LikelihoodVar):
                values[entry.name] = _likelihood(entry, values, plan.expose_means)
            elif isinstance(entry, LogDensity):
                pm.Potential(entry.name, _evaluate(entry.expr, values))
            elif isinstance(entry, PriorPotential):
                priors.setdefault(_batch_key(entry, values), []).append(entry)
        for (dist, _), batch in priors.items():
            _prior_potentials(dist, batch, values)
    return model


def _batch_key(entry: PriorPotential, values):
    """Priors of scalar values with the same distribution and numbers for arguments share one log density (a
    reparameterised spec of 2000 regressions has thousands, each a graph of its own); others stand alone."""
    scalar = isinstance(entry.value, VarRef) and getattr(values.get(entry.value.name), "ndim", None) == 0
    numbers = all(isinstance(a, Const) and np.ndim(a.value) == 0 for a in entry.args.values())
    return (entry.dist, tuple(sorted(entry.args))) if scalar and numbers else (entry.dist, entry.name)


def _const(expr: PExpr) -> Const:
    assert isinstance(expr, Const), expr
    return expr


def _var_ref(expr: PExpr) -> VarRef:
    assert isinstance(expr, VarRef), expr
    return expr


def _prior_potentials(dist: str, batch: list[PriorPotential], values) -> None:
    """The priors of reparameterised parameters: one potential, or one per batch of like scalar priors (the same
    sum of log densities)."""
    if len(batch) == 1:
        entry = batch[0]
        prior = getattr(pm, dist).dist(**_kwargs(dist, entry.args, values))
        pm.Potential(entry.name, pm.logp(prior, _evaluate(entry.value, values)).sum())
        return
    # a batch holds scalar priors with constant arguments of parameters named by a VarRef (see plan's batching)
    args = {name: Const(np.array([float(_const(e.args[name]).value) for e in batch])) for name in batch[0].args}
    prior = getattr(pm, dist).dist(**_kwargs(dist, args, values))
    stacked = pt.stack([values[_var_ref(e.value).name] for e in batch])
    pm.Potential(f"{batch[0].name}__and_{len(batch) - 1}_more", pm.logp(prior, stacked).sum())


def _kwargs(dist: str, args: dict, values) -> dict:
    from ..dists import DISTRIBUTIONS

    aliases = DISTRIBUTIONS[dist].aliases
    return {aliases.get(name, name): _evaluate(value, values) for name, value in args.items()}


def _random_variable(entry: RandomVariable, values, initvals: bool = True):
    kwargs = _kwargs(entry.dist, entry.args, values)
    dims = entry.dims or None
    if entry.dist == "LKJCholeskyCov":
        kwargs["n"] = int(kwargs["n"])
        if entry.transform == SCALES_AND_PARTIAL_CORRELATIONS:
            kwargs["default_transform"] = ScalesAndPartialCorrelations(kwargs["n"])
        chol, _, _ = pm.LKJCholeskyCov(entry.name, compute_corr=True, store_in_trace=False, **kwargs)
        return chol  # its standard deviations and correlations are derived quantities of the plan
    observed = _evaluate(entry.observed, values) if entry.observed is not None else None
    if entry.initval is not None and initvals:
        kwargs["initval"] = entry.initval
    if entry.transform == "ordered":
        kwargs["transform"] = pm.distributions.transforms.ordered
    if entry.dist == "AR1":  # x[t] = rho x[t-1] + sigma e[t], the first from init
        return pm.AR(entry.name, **kwargs, ar_order=1, constant=False, dims=dims)
    return getattr(pm, entry.dist)(entry.name, **kwargs, dims=dims, observed=observed)


def _linear_predictor(entry: LikelihoodVar, values, per_category: bool):
    """The intercept plus each term (a categorical outcome's terms have one column per category: its values are
    broadcast along them); None without either."""
    eta = values[entry.intercept] if entry.intercept else None
    for term in entry.terms:
        effect = values[term.param]
        if term.index:
            effect = effect[tuple(values[i] for i in term.index)]
        if term.value is None:
            part = effect
        elif term.matmul:
            part = pt.dot(_evaluate(term.value, values), effect)
        else:
            value = _evaluate(term.value, values)
            part = effect * (pt.shape_padright(value) if per_category else value)
        eta = part if eta is None else eta + part
    return eta


def _likelihood(entry: LikelihoodVar, values, expose_mean: bool | str = False):
    family = FAMILIES[entry.family]
    eta = _linear_predictor(entry, values, family.categorical)
    if family.categorical:
        return _categorical_likelihood(entry, eta, values, bool(expose_mean))
    if eta is None:
        eta = pt.zeros(values[entry.observed].shape)
    aux = {name: _evaluate(value, values) for name, value in entry.aux.items()}
    observed = values[entry.observed]
    if family.outcome.integer:
        observed = pt.cast(observed, "int64")
    if family.ordered:
        return _ordered_likelihood(entry, eta, aux["cutpoints"], observed, expose_mean, values)
    if entry.imputed is not None:
        eta = pt.broadcast_to(eta, observed.shape)  # one value per row, to pick the missing and observed rows from
    kwargs = _family_kwargs(entry.family, entry.link, eta, aux)
    if expose_mean:
        if expose_mean == "parameter":
            mean = _INVERSE_LINKS[entry.link](eta)
        elif entry.truncation is not None:
            mean = truncated_mean(entry.family, kwargs, *entry.truncation)
        else:
            mean = _expected_value(entry.family, _INVERSE_LINKS[entry.link](eta), aux)
        mean = pt.broadcast_to(mean, observed.shape)
        values[f"{entry.name}__mean"] = pm.Deterministic(f"{entry.name}__mean", mean, dims=entry.dims)
    if entry.imputed is not None:
        return _imputing_likelihood(entry, kwargs, values)
    if entry.censoring is not None:
        upper = values[entry.interval_upper] if entry.interval_upper is not None else None
        return _censored_likelihood(entry, kwargs, values[entry.censoring], upper, observed)
    if entry.weights is not None:
        return _weighted_likelihood(entry, kwargs, values[entry.weights], observed)
    if entry.truncation is not None:
        lower, upper = entry.truncation
        dist = getattr(pm, entry.family).dist(**kwargs)
        return pm.Truncated(entry.name, dist, lower=lower, upper=upper, observed=observed, dims=entry.dims)
    return getattr(pm, entry.family)(entry.name, **kwargs, observed=observed, dims=entry.dims)


def _weighted_likelihood(entry: LikelihoodVar, kwargs: dict, weights, observed):
    """Each row's log-likelihood times its weight (the model's log density is sum w_i log p(y_i)); draws (predictive
    checks, prior predictive) are the family's own, one per row, whatever its weight."""
    family, names = getattr(pm, entry.family), list(kwargs)

    def dist(weights, *params_and_size):
        *params, size = params_and_size
        return family.dist(**dict(zip(names, params)), size=size)

    def logp(value, weights, *params):
        return weights * pm.logp(family.dist(**dict(zip(names, params))), value)

    return pm.CustomDist(
        entry.name, weights, *kwargs.values(), dist=dist, logp=logp, observed=observed, dims=entry.dims
    )


def _censored_likelihood(entry: LikelihoodVar, kwargs: dict, codes, upper, observed):
    """Each row's censored log-likelihood by its code: 0 the log density at t, 1 (right-censored) log S(t), -1
    (left-censored) log F(t), 2 (interval-censored) log(S(t) - S(upper)), with the family's closed-form log
    survival function (PyMC's logccdf underflows in the far tail). Other rows' upper ends are t + 1, which keeps
    the unused interval term, and so its gradient, finite."""
    upper = pt.switch(pt.eq(codes, 2), upper, observed + 1) if upper is not None else observed + 1
    names = CENSORED_PARAMS[entry.family]
    return pm.CustomDist(
        entry.name,
        observed,
        codes,
        upper,
        *(kwargs[name] for name in names),
        logp=partial(_censored_logp, entry.family),
        random=partial(_censored_random, entry.family),
        observed=observed,
        dims=entry.dims,
    )


def _log_survival(family: str, value, *params):
    """log S(t) = log P(T > t), and log F(t) = log P(T <= t)."""
    if family == "Exponential":
        (lam,) = params
        return -lam * value, pt.log1mexp(-lam * value)
    if family == "Weibull":
        alpha, beta = params
        log_survival = -((value / beta) ** alpha)
        return log_survival, pt.log1mexp(log_survival)
    if family == "Gamma":
        alpha, beta = params
        return pt.log(pt.gammaincc(alpha, beta * value)), pt.log(pt.gammainc(alpha, beta * value))
    mu, sigma = params
    return normal_lccdf(mu, sigma, pt.log(value)), normal_lcdf(mu, sigma, pt.log(value))


def _censored_logp(family: str, value, times, codes, upper, *params):
    log_survival, log_cdf = _log_survival(family, value, *params)
    upper_survival, _ = _log_survival(family, upper, *params)
    log_density = pm.logp(getattr(pm, family).dist(*params), value)
    interval = log_survival + pt.log1mexp(upper_survival - log_survival)  # log(S(t) - S(upper))
    return pt.switch(
        pt.eq(codes, 1),
        log_survival,
        pt.switch(pt.eq(codes, -1), log_cdf, pt.switch(pt.eq(codes, 2), interval, log_density)),
    )


def _censored_random(family: str, times, codes, upper, *params, rng=None, size=None):
    """Times censored as the data were: a right-censored row's draw is at most its t, a left-censored one's at
    least; interval-censored rows and events get the drawn time itself."""
    if family == "Exponential":
        draws = rng.exponential(1 / params[0], size=size)
    elif family == "Weibull":
        draws = params[1] * rng.weibull(params[0], size=size)
    elif family == "Gamma":
        draws = rng.gamma(params[0], 1 / params[1], size=size)
    else:
        draws = rng.lognormal(params[0], params[1], size=size)
    return np.where(codes == 1, np.minimum(draws, times), np.where(codes == -1, np.maximum(draws, times), draws))


def _imputing_likelihood(entry: LikelihoodVar, kwargs: dict, values):
    """The missing rows' values are a parameter drawn from the outcome's own likelihood, the observed rows are
    observed; returns the node's values (what its children read): the data with the missing rows filled in."""
    imputed = entry.imputed
    assert imputed is not None, "only called for an imputing likelihood"
    container = values[entry.observed]
    data = container.get_value() if hasattr(container, "get_value") else np.asarray(container)

    def rows(selected):
        return {k: v[selected] if getattr(v, "ndim", 0) > 0 else v for k, v in kwargs.items()}

    family = getattr(pm, entry.family)
    if imputed.marginal:  # the true value integrated out: y_i ~ Normal(mu_i, sqrt(sigma^2 + se_i^2)), exactly
        scale = pt.sqrt(kwargs["sigma"] ** 2 + values[imputed.se] ** 2)
        return pm.Normal(entry.name, mu=kwargs["mu"], sigma=scale, observed=data, dims=imputed.present_dim)
    missing = family(imputed.name, **rows(imputed.missing), dims=imputed.missing_dim)
    if imputed.se is None:
        family(entry.name, **rows(imputed.present), observed=data[imputed.present], dims=imputed.present_dim)
    else:  # measured with error: the data measure the true values, with known standard errors
        pm.Normal(
            entry.name,
            mu=missing[imputed.present],
            sigma=values[imputed.se][imputed.present],
            observed=data[imputed.present],
            dims=imputed.present_dim,
        )
    filled = pt.set_subtensor(pt.as_tensor_variable(container)[imputed.missing], missing)
    values[entry.observed] = filled
    return filled


def _ordered_likelihood(entry: LikelihoodVar, eta, cutpoints, observed, expose_mean: bool | str, values):
    """P(y <= level k) = F(cutpoint_k - eta). The cutpoints are sorted: the identity on the ordered values the
    posterior has, and what keeps prior draws (drawn without the ordering transform) a valid distribution."""
    cutpoints = pt.sort(cutpoints)
    if expose_mean:  # the probability of each level
        rows = pt.broadcast_to(eta, observed.shape)  # one row each, also without predictors
        cumulative = _INVERSE_LINKS[entry.link](cutpoints - pt.shape_padright(rows))
        ones = pt.ones_like(cumulative[..., :1])
        probabilities = pt.concatenate([cumulative, ones], axis=-1) - pt.concatenate([0 * ones, cumulative], axis=-1)
        values[f"{entry.name}__mean"] = pm.Deterministic(
            f"{entry.name}__mean", probabilities, dims=(*entry.dims, level_dim(entry.node))
        )
    return getattr(pm, entry.family)(
        entry.name, eta=eta, cutpoints=cutpoints, compute_p=False, observed=observed, dims=entry.dims
    )


def _categorical_likelihood(entry: LikelihoodVar, eta, values, expose_mean: bool):
    """P(y = level k) = softmax(eta)_k, with eta 0 at the reference level (its column is inserted). A multinomial
    outcome's counts (N x K) are Multinomial(n, softmax(eta)), n each row's total: `n = total`, else its sum."""
    counts = FAMILIES[entry.family].counts
    observed = pt.cast(values[entry.observed], "int64")
    if eta is None:  # no intercept and no edges: every level equally likely
        eta = pt.zeros((observed.shape[0], 0))
    eta = pt.broadcast_to(eta, (observed.shape[0], eta.shape[-1]))
    r = entry.reference or 0
    logits = pt.concatenate([eta[:, :r], pt.zeros_like(eta[:, :1]), eta[:, r:]], axis=1)
    if expose_mean:  # the probability of each level
        dims = entry.dims if counts else (*entry.dims, level_dim(entry.node))
        values[f"{entry.name}__mean"] = pm.Deterministic(
            f"{entry.name}__mean", pt.special.softmax(logits, axis=-1), dims=dims
        )
    if counts:
        n = _evaluate(entry.aux["n"], values) if "n" in entry.aux else observed.sum(axis=-1)
        n = pt.broadcast_to(pt.cast(n, "int64"), (observed.shape[0],))
        p = pt.special.softmax(logits, axis=-1)
        return pm.Multinomial(entry.name, n=n, p=p, observed=observed, dims=entry.dims)
    return pm.Categorical(entry.name, logit_p=logits, observed=observed, dims=entry.dims)


def _expected_value(family: str, mean, aux: dict):
    """E[y] from the family's mean parameter: n p for Binomial, exp(mu + sigma²/2) for LogNormal, a zero model's
    mean times the probability of its non-zero part (a hurdle's count part truncated at zero), else itself."""
    if family in ("Binomial", "BetaBinomial"):
        return aux["n"] * mean
    if family in ("LogNormal", "HurdleLogNormal"):
        mean = pt.exp(mean + aux["sigma"] ** 2 / 2)
    if family.startswith("ZeroInflated"):
        return (1 - aux["zi"]) * mean
    if family in ("HurdlePoisson", "HurdleNegativeBinomial"):  # E[y | y > 0] = mu / P(y > 0) of the count part
        log_zero = -mean if family == "HurdlePoisson" else -aux["alpha"] * pt.log1p(mean / aux["alpha"])
        return (1 - aux["hu"]) * mean / -pt.expm1(log_zero)
    if family.startswith("Hurdle"):
        return (1 - aux["hu"]) * mean
    return mean


def _family_kwargs(family: str, link: str, eta, aux: dict) -> dict:
    """The likelihood's keyword arguments from the linear predictor, link and auxiliary parameters."""
    if family in ("Bernoulli", "Binomial"):
        p = {"logit_p": eta} if link == "logit" else {"p": _INVERSE_LINKS[link](eta)}
        return {**({"n": aux["n"]} if family == "Binomial" else {}), **p}
    mean = _INVERSE_LINKS[link](eta)
    if family == "BetaBinomial":
        return {"n": aux["n"], "alpha": mean * aux["kappa"], "beta": (1 - mean) * aux["kappa"]}
    if FAMILIES[family].zeros:  # PyMC's psi: the probability of the count (or positive) part
        zero = aux["zi"] if "zi" in aux else aux["hu"]
        rest = {k: v for k, v in aux.items() if k not in ("zi", "hu")}
        return {
            "psi": 1 - zero,
            **_family_kwargs(family.removeprefix("ZeroInflated").removeprefix("Hurdle"), "identity", mean, rest),
        }
    if family == "Exponential":
        return {"lam": 1 / mean}
    if family == "Weibull":
        return {"alpha": aux["alpha"], "beta": mean / pt.gamma(1 + 1 / aux["alpha"])}
    if family == "Gamma":
        return {"alpha": aux["alpha"], "beta": aux["alpha"] / mean}
    if family == "Beta":
        return {"alpha": mean * aux["kappa"], "beta": (1 - mean) * aux["kappa"]}
    return {"mu": mean, **aux}


def _evaluate(expr, values):
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, VarRef):
        return values[expr.name]
    if isinstance(expr, ListOf):
        items = [_evaluate(i, values) for i in expr.items]
        if all(isinstance(i, (int, float)) for i in items):
            return np.asarray(items, dtype=float)
        return pt.stack([pt.as_tensor_variable(i) for i in items])
    if isinstance(expr, Op):
        args = [_evaluate(a, values) for a in expr.args]
        if expr.op == "neg":
            return -args[0]
        left, right = args
        return {
            "+": lambda: left + right,
            "-": lambda: left - right,
            "*": lambda: left * right,
            "/": lambda: left / right,
            "**": lambda: left**right,
        }[expr.op]()
    if isinstance(expr, Func):
        return _FUNCTIONS[expr.name](*[_evaluate(a, values) for a in expr.args])
    if isinstance(expr, Idx):
        target = _evaluate(expr.target, values)
        return target[tuple(_subscript(s, values) for s in expr.subscripts)]
    if isinstance(expr, DistOf):
        return getattr(pm, expr.dist).dist(**_kwargs(expr.dist, expr.args, values))
    raise TypeError(f"cannot evaluate {expr!r}")


def _subscript(sub, values):
    if isinstance(sub, Slice):
        return slice(_index(sub.start, values), _index(sub.stop, values))
    return _index(sub, values)


def _index(sub, values):
    if sub is None:
        return None
    if isinstance(sub, Const):
        return int(sub.value)
    return _evaluate(sub, values)
