"""Normal regressions on categorical effects → the same model sampled in a whitened basis (no ridge to crawl along).

`x1 -> y` and `x2 -> y` without an intercept leave one direction (cat_x1 + c, cat_x2 - c) that only the priors
pin down: a long, thin ridge. For y ~ Normal(Z b, sigma) with fixed data Z (one-hot levels and cells, or a
numeric value per level) and fixed Normal or flat priors on b, the posterior of b given sigma is Gaussian
with precision P = Z'Z / s² + diag(prior precisions). With s a least-squares estimate of sigma, dagspec samples
z in b = m + L z (L the Cholesky factor of P⁻¹, m the conditional mean): a linear map with a constant
Jacobian, so the posterior is exactly the same; the user's effects stay as deterministics keeping their priors.
"""
from __future__ import annotations

import numpy as np

from ..plan import (Const, DataVar, DerivedVar, Func, Idx, LikelihoodVar, Op, Plan, PriorPotential, RandomVariable,
                    Slice, VarRef)
from .common import data_expression, entries_by_name, outcome_values

MAX_COEFFICIENTS = 200  # a dense k × k factor; beyond this the ridge is left to the sampler


def whiten_categorical_effects(plan: Plan) -> None:
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        _whiten(plan, likelihood)


def _whiten(plan: Plan, likelihood: LikelihoodVar) -> None:
    if likelihood.family != "Normal" or likelihood.link != "identity" or not any(t.index for t in likelihood.terms):
        return
    entries = entries_by_name(plan)
    y = outcome_values(plan, likelihood)
    params = ([likelihood.intercept] if likelihood.intercept else []) + [t.param for t in likelihood.terms]
    priors = [_fixed_prior(entries.get(p)) for p in params]
    if y is None or None in priors or len(set(params)) != len(params):
        return
    blocks = [np.ones((len(y), 1))] if likelihood.intercept else []
    for term in likelihood.terms:
        block = _design(plan, term, len(y))
        if block is None:
            return
        blocks.append(block)
    design = np.column_stack(blocks)
    k = design.shape[1]
    if k > MAX_COEFFICIENTS:
        return
    rank = np.linalg.matrix_rank(design)
    if len(y) <= rank:
        return
    fit = np.linalg.lstsq(design, y, rcond=None)[0]
    s2 = float(np.sum((y - design @ fit) ** 2)) / (len(y) - rank)
    if not np.isfinite(s2) or s2 <= 0:
        return
    prior_mean = np.concatenate([np.broadcast_to(m, (_size(plan, entries[p]),))
                                 for p, (m, _) in zip(params, priors)])
    prior_precision = np.concatenate([np.broadcast_to(q, (_size(plan, entries[p]),)) for p, (_, q) in zip(params, priors)])
    precision = design.T @ design / s2 + np.diag(prior_precision)
    covariance = np.linalg.inv(precision)
    mean = covariance @ (design.T @ y / s2 + prior_precision * prior_mean)
    factor = np.linalg.cholesky((covariance + covariance.T) / 2)
    _replace_parameters(plan, likelihood, params, mean, factor)
    plan.notes.append(f"{likelihood.name}: effects {', '.join(params)} sampled in a whitened basis "
                      f"({k} coefficients; the Gaussian posterior given sigma ≈ {np.sqrt(s2):.3g} has unit scale)")


def _fixed_prior(entry) -> tuple[float, float] | None:
    """(mean, precision) of a free parameter's Normal prior with constant arguments (flat: precision 0)."""
    if not isinstance(entry, RandomVariable) or entry.observed is not None:
        return None
    if entry.dist == "Flat" and not entry.args:
        return 0.0, 0.0
    if entry.dist != "Normal" or set(entry.args) - {"mu", "sigma"}:
        return None
    mu, sigma = entry.args.get("mu", Const(0.0)), entry.args.get("sigma", Const(1.0))
    if not (isinstance(mu, Const) and isinstance(sigma, Const) and np.ndim(mu.value) == 0 and np.ndim(sigma.value) == 0):
        return None
    return float(mu.value), 1.0 / float(sigma.value) ** 2


def _size(plan: Plan, entry: RandomVariable) -> int:
    return int(np.prod([len(plan.coords[d]) for d in entry.dims])) if entry.dims else 1


def _design(plan: Plan, term, rows: int) -> np.ndarray | None:
    """The columns of one term: a one-hot column per level (or cell), holding the term's value if it has one."""
    entries = entries_by_name(plan)
    param = entries.get(term.param)
    if term.matmul or not isinstance(param, RandomVariable):
        return None
    value = np.ones(rows) if term.value is None else data_expression(plan, term.value)
    if value is None or np.shape(value) != (rows,):
        return None
    if not term.index:
        return value.reshape(rows, 1)
    codes = [np.asarray(entries[i].values, dtype=int) for i in term.index]
    shape = tuple(len(plan.coords[d]) for d in param.dims)
    if len(shape) != len(codes):
        return None
    cells = np.ravel_multi_index(codes, shape)
    block = np.zeros((rows, int(np.prod(shape))))
    block[np.arange(rows), cells] = value
    return block


def _replace_parameters(plan: Plan, likelihood: LikelihoodVar, params: list[str], mean, factor) -> None:
    entries = entries_by_name(plan)
    stem = likelihood.name
    dim = f"{stem}__white"
    plan.coords[dim] = list(range(len(mean)))
    plan.coords[f"{dim}_"] = list(range(len(mean)))
    z, basis, shift, b = f"{stem}__z_white", f"{stem}__L", f"{stem}__m", f"{stem}__b"
    # Any constant m and invertible L give the same posterior, so a generated script may keep these numbers.
    new = [DataVar(basis, factor, likelihood.node, dims=(dim, f"{dim}_")),
           DataVar(shift, mean, likelihood.node, dims=(dim,)),
           RandomVariable(z, "Flat", {}, dims=(dim,), source=f"whitened effects of {stem}", initval=np.zeros(len(mean))),
           DerivedVar(b, Op("+", (VarRef(shift), Func("matmul", (VarRef(basis), VarRef(z))))), dims=(dim,))]
    offset = 0
    for name in params:
        param = entries[name]
        size = _size(plan, param)
        part = Idx(VarRef(b), (Slice(Const(offset), Const(offset + size)),))
        shape = tuple(len(plan.coords[d]) for d in param.dims)
        value = Idx(VarRef(b), (Const(offset),)) if not param.dims else \
            (part if len(shape) == 1 else Func("reshape", (part, Const(np.array(shape)))))
        new += [DerivedVar(name, value, dims=param.dims)]
        if param.dist != "Flat":
            new.append(PriorPotential(f"{name}__prior", param.dist, param.args, VarRef(name)))
        plan.entries.remove(param)
        offset += size
    first = plan.entries.index(likelihood)
    plan.entries[first:first] = new
