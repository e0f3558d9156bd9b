"""Regressions on categorical effects → the same model sampled in a whitened basis (no ridge to crawl along).

`x1 -> y` and `x2 -> y` without an intercept leave one direction (cat_x1 + c, cat_x2 - c) that only the priors
pin down: a long, thin ridge. For y ~ Normal(Z b, sigma) with fixed data Z (one-hot levels and cells, or a
numeric value per level) and fixed Normal or flat priors on b, the posterior of b given sigma is Gaussian
with precision P = Z'Z / s² + diag(prior precisions); with s a least-squares estimate of sigma, dagspec samples
z in b = m + L z (L the Cholesky factor of P⁻¹, m the conditional mean). Bernoulli and Binomial outcomes on the
logit link and Poisson outcomes on the log link get the same from the Laplace approximation: m the posterior
mode, P = Z'WZ + diag(prior precisions) there (W: n p(1-p), or the Poisson mean). Either way a linear map with a
constant Jacobian, so the posterior is exactly the same; the user's effects stay as deterministics keeping their
priors. (UCBadmit m11.8's a + delta: bulk ESS 140 per 1000 draws before.)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sparse

from ..plan import (
    Const,
    DataVar,
    DerivedVar,
    Func,
    Idx,
    LikelihoodVar,
    Op,
    Plan,
    PriorPotential,
    RandomVariable,
    Slice,
    VarRef,
)
from .common import data_expression, entries_by_name, outcome_values, position

MAX_COEFFICIENTS = 200  # a dense k × k factor; beyond this the ridge is left to the sampler


def whiten_categorical_effects(plan: Plan) -> None:
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        _whiten(plan, likelihood)


GLMS = {("Bernoulli", "logit"), ("Binomial", "logit"), ("Poisson", "log")}  # whitened at their posterior mode


def _whiten(plan: Plan, likelihood: LikelihoodVar) -> None:
    gaussian = likelihood.family == "Normal" and likelihood.link == "identity"
    if not (gaussian or (likelihood.family, likelihood.link) in GLMS) or not any(t.index for t in likelihood.terms):
        return
    entries = entries_by_name(plan)
    y = outcome_values(plan, likelihood)
    params = ([likelihood.intercept] if likelihood.intercept else []) + [t.param for t in likelihood.terms]
    found = [_fixed_prior(entries.get(p)) for p in params]
    priors = [prior for prior in found if prior is not None]
    if y is None or len(priors) < len(params) or len(set(params)) != len(params):
        return
    sizes = [_size(plan, entries[p]) for p in params]
    k = sum(sizes)
    if k > MAX_COEFFICIENTS:  # decided before any design is built: memory stays rows × terms + k²
        return
    design = _design(plan, likelihood, len(y), k)
    if design is None:
        return
    prior_mean = np.concatenate([np.broadcast_to(m, (size,)) for size, (m, _) in zip(sizes, priors)])
    prior_precision = np.concatenate([np.broadcast_to(q, (size,)) for size, (_, q) in zip(sizes, priors)])
    if gaussian:
        found_posterior = _gaussian_posterior(design, y, prior_mean, prior_precision)
    else:
        trials_expr = likelihood.aux.get("n")
        trials = np.ones(len(y)) if trials_expr is None else data_expression(plan, trials_expr, entries)
        found_posterior = (
            None
            if trials is None
            else _posterior_mode(
                likelihood.family, design, y, np.broadcast_to(trials, y.shape), prior_mean, prior_precision
            )
        )
    if found_posterior is None:
        return
    mean, precision, why = found_posterior
    covariance = np.linalg.inv(precision)
    factor = np.linalg.cholesky((covariance + covariance.T) / 2)
    _replace_parameters(plan, likelihood, params, mean, factor)
    plan.notes.append(
        f"{likelihood.name}: effects {', '.join(params)} sampled in a whitened basis ({k} coefficients; {why})"
    )


def _gaussian_posterior(design, y, prior_mean, prior_precision):
    """The Gaussian posterior of the coefficients given sigma, at a least-squares estimate of sigma."""
    gram = (design.T @ design).toarray()
    rank = np.linalg.matrix_rank(gram, hermitian=True)
    if len(y) <= rank:
        return None
    fit = np.linalg.lstsq(gram, design.T @ y, rcond=None)[0]  # a least-squares fit: it only sets the scale
    s2 = float(np.sum((y - design @ fit) ** 2)) / (len(y) - rank)
    if not np.isfinite(s2) or s2 <= 0:
        return None
    precision = gram / s2 + np.diag(prior_precision)
    mean = np.linalg.solve(precision, design.T @ y / s2 + prior_precision * prior_mean)
    return mean, precision, f"the Gaussian posterior given sigma ≈ {np.sqrt(s2):.3g} has unit scale"


def _posterior_mode(family: str, design, y, trials, prior_mean, prior_precision, steps: int = 100):
    """The mode of a logit or log GLM's posterior under Normal priors (Newton's method with step halving) and the
    precision there (the Laplace approximation); None when it does not converge or the precision is singular."""

    def log_density(beta):
        eta = design @ beta
        fit = y @ eta - (trials @ np.logaddexp(0.0, eta) if family != "Poisson" else np.exp(eta).sum())
        return fit - 0.5 * prior_precision @ (beta - prior_mean) ** 2

    beta = prior_mean.astype(float).copy()
    current = log_density(beta)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            eta = design @ beta
            mean = trials / (1 + np.exp(-eta)) if family != "Poisson" else np.exp(eta)
            weight = mean * (1 - mean / trials) if family != "Poisson" else mean
            precision = (design.T @ sparse.diags(weight) @ design).toarray() + np.diag(prior_precision)
            gradient = design.T @ (y - mean) - prior_precision * (beta - prior_mean)
            try:
                step = np.linalg.solve(precision, gradient)
            except np.linalg.LinAlgError:
                return None
            for _ in range(30):  # halve the step until the density rises
                proposal = log_density(beta + step)
                if np.isfinite(proposal) and proposal >= current - 1e-12:
                    break
                step = step / 2
            else:
                return None
            beta, current = beta + step, proposal
            if np.max(np.abs(step)) < 1e-9:
                break
        else:
            return None
    if not np.all(np.isfinite(precision)) or np.linalg.eigvalsh(precision).min() <= 0:
        return None
    return beta, precision, "the Laplace approximation at the posterior mode has unit scale"


def _fixed_prior(entry) -> tuple[float, float] | None:
    """(mean, precision) of a free parameter's Normal prior with constant arguments (flat: precision 0)."""
    if not isinstance(entry, RandomVariable) or entry.observed is not None:
        return None
    if entry.dist == "Flat" and not entry.args:
        return 0.0, 0.0
    if entry.dist != "Normal" or set(entry.args) - {"mu", "sigma"}:
        return None
    mu, sigma = entry.args.get("mu", Const(0.0)), entry.args.get("sigma", Const(1.0))
    if not (
        isinstance(mu, Const) and isinstance(sigma, Const) and np.ndim(mu.value) == 0 and np.ndim(sigma.value) == 0
    ):
        return None
    return float(mu.value), 1.0 / float(sigma.value) ** 2


def _size(plan: Plan, entry: RandomVariable) -> int:
    return int(np.prod([len(plan.coords[d]) for d in entry.dims])) if entry.dims else 1


def _design(plan: Plan, likelihood: LikelihoodVar, rows: int, k: int) -> sparse.csr_matrix | None:
    """The rows × k design of the intercept and the terms, sparse: a term has one column per level (or cell),
    holding its value (1 without one) in the row's level, so each row has one entry per term."""
    entries = entries_by_name(plan)
    columns = [np.zeros(rows, dtype=np.int64)] if likelihood.intercept else []
    values = [np.ones(rows)] if likelihood.intercept else []
    offset = len(columns)
    for term in likelihood.terms:
        param = entries.get(term.param)
        if term.matmul or not isinstance(param, RandomVariable):
            return None
        value = np.ones(rows) if term.value is None else data_expression(plan, term.value, entries)
        if value is None or np.shape(value) != (rows,):
            return None
        shape = tuple(len(plan.coords[d]) for d in param.dims)
        codes = [np.asarray(entries[i].values, dtype=np.int64) for i in term.index]
        if len(shape) != len(codes):
            return None
        columns.append(offset + (np.ravel_multi_index(codes, shape) if codes else np.zeros(rows, dtype=np.int64)))
        values.append(value)
        offset += int(np.prod(shape))
    row = np.tile(np.arange(rows), len(columns))
    return sparse.csr_matrix((np.concatenate(values), (row, np.concatenate(columns))), shape=(rows, k))


def _replace_parameters(plan: Plan, likelihood: LikelihoodVar, params: list[str], mean, factor) -> None:
    entries = entries_by_name(plan)
    stem = likelihood.name
    dim = f"{stem}__white"
    plan.coords[dim] = list(range(len(mean)))
    plan.coords[f"{dim}_"] = list(range(len(mean)))
    z, basis, shift, b = f"{stem}__z_white", f"{stem}__L", f"{stem}__m", f"{stem}__b"
    # Any constant m and invertible L give the same posterior, so a generated script may keep these numbers.
    new = [
        DataVar(basis, factor, likelihood.node, dims=(dim, f"{dim}_")),
        DataVar(shift, mean, likelihood.node, dims=(dim,)),
        RandomVariable(z, "Flat", {}, dims=(dim,), source=f"whitened effects of {stem}", initval=np.zeros(len(mean))),
        DerivedVar(b, Op("+", (VarRef(shift), Func("matmul", (VarRef(basis), VarRef(z))))), dims=(dim,)),
    ]
    offset = 0
    for name in params:
        param = entries[name]
        size = _size(plan, param)
        part = Idx(VarRef(b), (Slice(Const(offset), Const(offset + size)),))
        shape = tuple(len(plan.coords[d]) for d in param.dims)
        value = (
            Idx(VarRef(b), (Const(offset),))
            if not param.dims
            else (part if len(shape) == 1 else Func("reshape", (part, Const(np.array(shape)))))
        )
        new += [DerivedVar(name, value, dims=param.dims)]
        if param.dist != "Flat":
            new.append(PriorPotential(f"{name}__prior", param.dist, param.args, VarRef(name)))
        plan.entries.remove(param)
        offset += size
    first = position(plan, likelihood)
    plan.entries[first:first] = new
