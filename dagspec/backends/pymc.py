"""Plan → pm.Model: data through pm.Data, variables with dims, linear predictors and likelihoods (PyMC 5)."""
from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from ..families import FAMILIES
from ..plan import (Const, DataVar, DerivedVar, DistOf, Func, Idx, LikelihoodVar, ListOf, LogDensity, Op, Plan,
                    PriorPotential, RandomVariable, Slice, VarRef)

_FUNCTIONS = {
    "exp": pt.exp, "log": pt.log, "sqrt": pt.sqrt, "abs": pt.abs, "logit": pm.math.logit,
    "invlogit": pm.math.invlogit, "sigmoid": pm.math.sigmoid, "probit": pm.math.probit,
    "invprobit": pm.math.invprobit, "sum": pt.sum, "mean": pt.mean, "tanh": pt.tanh,
    "softmax": pm.math.softmax, "square": pt.square,
    # used by the optimizer's plans only
    "matmul": pt.dot, "transpose": lambda x: x.T,
    "concat": lambda *parts: pt.concatenate([pt.reshape(p, (-1,)) for p in parts]),
    "reshape": lambda x, shape: pt.reshape(x, tuple(int(n) for n in shape)),
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


def build_model(plan: Plan) -> pm.Model:
    """Create the PyMC model the plan describes. PyTensor's record of where each variable was created (a stack
    walk per node, a quarter of the build of a large spec) is left out: it would name dagspec's own lines."""
    with pytensor.config.change_flags(traceback__limit=0), pm.Model(coords=plan.coords) as model:
        values: dict[str, object] = {}
        priors: dict[tuple, list[PriorPotential]] = {}  # built last, batched
        for entry in plan.entries:
            if isinstance(entry, DataVar):
                values[entry.name] = pm.Data(entry.name, entry.values, dims=entry.dims)
            elif isinstance(entry, RandomVariable):
                values[entry.name] = _random_variable(entry, values)
            elif isinstance(entry, DerivedVar):
                values[entry.name] = pm.Deterministic(entry.name, _evaluate(entry.expr, values), dims=entry.dims or None)
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


def _prior_potentials(dist: str, batch: list[PriorPotential], values) -> None:
    """The priors of reparameterised parameters: one potential, or one per batch of like scalar priors (the same
    sum of log densities)."""
    if len(batch) == 1:
        entry = batch[0]
        prior = getattr(pm, dist).dist(**_kwargs(dist, entry.args, values))
        pm.Potential(entry.name, pm.logp(prior, _evaluate(entry.value, values)).sum())
        return
    args = {name: Const(np.array([float(e.args[name].value) for e in batch])) for name in batch[0].args}
    prior = getattr(pm, dist).dist(**_kwargs(dist, args, values))
    stacked = pt.stack([values[e.value.name] for e in batch])
    pm.Potential(f"{batch[0].name}__and_{len(batch) - 1}_more", pm.logp(prior, stacked).sum())


def _kwargs(dist: str, args: dict, values) -> dict:
    from ..dists import DISTRIBUTIONS

    aliases = DISTRIBUTIONS[dist].aliases
    return {aliases.get(name, name): _evaluate(value, values) for name, value in args.items()}


def _random_variable(entry: RandomVariable, values):
    kwargs = _kwargs(entry.dist, entry.args, values)
    dims = entry.dims or None
    if entry.dist == "LKJCholeskyCov":
        kwargs["n"] = int(kwargs["n"])
        chol, _, _ = pm.LKJCholeskyCov(entry.name, compute_corr=True, **kwargs)
        return chol
    observed = _evaluate(entry.observed, values) if entry.observed is not None else None
    if entry.initval is not None:
        kwargs["initval"] = entry.initval
    return getattr(pm, entry.dist)(entry.name, **kwargs, dims=dims, observed=observed)


def _likelihood(entry: LikelihoodVar, values, expose_mean: bool = False):
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
            part = effect * _evaluate(term.value, values)
        eta = part if eta is None else eta + part
    if eta is None:
        eta = pt.zeros(values[entry.observed].shape)
    family = FAMILIES[entry.family]
    aux = {name: _evaluate(value, values) for name, value in entry.aux.items()}
    observed = values[entry.observed]
    if family.outcome.integer:
        observed = pt.cast(observed, "int64")
    kwargs = _family_kwargs(entry.family, entry.link, eta, aux)
    if expose_mean:
        mean = _expected_value(entry.family, _INVERSE_LINKS[entry.link](eta), aux)
        values[f"{entry.name}__mean"] = pm.Deterministic(f"{entry.name}__mean", mean, dims=entry.dims)
    return getattr(pm, entry.family)(entry.name, **kwargs, observed=observed, dims=entry.dims)


def _expected_value(family: str, mean, aux: dict):
    """E[y] from the family's mean parameter: n p for Binomial, exp(mu + sigma²/2) for LogNormal, else itself."""
    if family == "Binomial":
        return aux["n"] * mean
    if family == "LogNormal":
        return pt.exp(mean + aux["sigma"] ** 2 / 2)
    return mean


def _family_kwargs(family: str, link: str, eta, aux: dict) -> dict:
    """The likelihood's keyword arguments from the linear predictor, link and auxiliary parameters."""
    if family in ("Bernoulli", "Binomial"):
        p = {"logit_p": eta} if link == "logit" else {"p": _INVERSE_LINKS[link](eta)}
        return {**({"n": aux["n"]} if family == "Binomial" else {}), **p}
    mean = _INVERSE_LINKS[link](eta)
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
        return {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                "/": lambda: left / right, "**": lambda: left ** right}[expr.op]()
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
