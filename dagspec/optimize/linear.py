"""Linear predictors with numeric data predictors → centred predictors (and a QR basis when they are correlated).

Exact: with a_c = a + b·m and theta = R b, the map (a_c, theta) → (a, b) is linear with a constant Jacobian,
and the user's intercept and slopes stay in the model as deterministics whose priors enter as potentials.
"""

from __future__ import annotations

import numpy as np

from ..plan import (
    OBS_DIM,
    Const,
    DataVar,
    DerivedVar,
    Func,
    Idx,
    LikelihoodVar,
    Op,
    PExpr,
    Plan,
    PriorPotential,
    RandomVariable,
    Term,
    VarRef,
)
from .common import data_values, entries_by_name, free_scalar, outcome_values, position, replace_all

CORRELATED = 0.3  # QR when two predictors correlate at least this much


def reparameterise_linear(plan: Plan) -> None:
    # one look-up table for the pass: each outcome reads only its own parameters and data, which the outcomes
    # before it leave in place
    entries = entries_by_name(plan)
    intercepts: dict[int, list] = {}  # id(intercept) → what replaces it, put in place once at the end
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        _reparameterise(plan, likelihood, entries, intercepts)
    replace_all(plan, intercepts)


def _reparameterise(plan: Plan, likelihood: LikelihoodVar, entries: dict, intercepts: dict[int, list]) -> None:
    columns = {
        t.param: values
        for t in likelihood.terms
        if t.value is not None
        and not t.index
        and not t.matmul
        and free_scalar(plan, t.param, entries) is not None
        and (values := data_values(plan, t.value, entries)) is not None
    }
    numeric = [t for t in likelihood.terms if t.param in columns]
    if not numeric:
        return
    X = np.column_stack([columns[t.param] for t in numeric])
    intercept = free_scalar(plan, likelihood.intercept, entries) if likelihood.intercept else None
    means = X.mean(axis=0) if intercept is not None else np.zeros(X.shape[1])
    centred = X - means
    basis = _qr(centred) if len(numeric) >= 2 and _correlated(centred) else None  # (Q*, R*⁻¹)
    outcome = outcome_values(plan, likelihood, entries) if likelihood.link == "identity" else None
    if basis is not None:
        _use_qr(plan, likelihood, numeric, basis[0], basis[1], centre=intercept is not None)
        if outcome is not None and not [t for t in likelihood.terms if t.param != f"{likelihood.name}__theta"]:
            # a least-squares start for the Flat coefficients: the same posterior, found sooner
            theta = next(e for e in plan.entries if e.name == f"{likelihood.name}__theta")
            residual = outcome - (outcome.mean() if intercept is not None else 0.0)
            theta.initval = np.linalg.lstsq(basis[0], residual, rcond=None)[0]
        plan.notes.append(
            f"{likelihood.name}: QR basis for the correlated predictors {', '.join(_label(t) for t in numeric)}"
        )
    elif intercept is not None:
        for term, mean in zip(numeric, means):
            term.value = Op("-", (term.value, Const(float(mean))))
    if intercept is not None:
        intercepts[id(intercept)] = _centre_intercept(likelihood, intercept, numeric, means, outcome)
        plan.notes.append(
            f"{likelihood.name}: predictors centred ({', '.join(f'{_label(t)} - {m:.4g}' for t, m in zip(numeric, means))}); "
            f"{intercept.name} keeps its prior on the original scale"
        )


def _label(term: Term) -> str:
    return term.address.split(" -> ")[0] if term.address else term.param


def _correlated(centred: np.ndarray) -> bool:
    sd = centred.std(axis=0)
    if np.any(sd == 0):
        return False
    correlation = np.corrcoef(centred, rowvar=False)
    return bool(np.max(np.abs(correlation - np.eye(len(correlation)))) >= CORRELATED)


def _qr(centred: np.ndarray):
    n = centred.shape[0]
    if n <= centred.shape[1]:
        return None
    q, r = np.linalg.qr(centred)
    scale = np.sqrt(n - 1)
    q_star, r_star = q * scale, r / scale
    if np.min(np.abs(np.diag(r_star))) < 1e-10 * np.max(np.abs(np.diag(r_star))):
        return None  # (nearly) collinear: R cannot be inverted reliably
    return q_star, np.linalg.inv(r_star)


def _use_qr(
    plan: Plan, likelihood: LikelihoodVar, numeric: list[Term], q_star: np.ndarray, r_inverse: np.ndarray, centre: bool
) -> None:
    dim = f"{likelihood.name}__qr"
    plan.coords[dim] = [t.param for t in numeric]
    q_name, r_name = f"{likelihood.name}__Q", f"{likelihood.name}__R_inv"
    theta, beta = f"{likelihood.name}__theta", f"{likelihood.name}__beta"
    recipe = {"columns": [_data_name(plan, t.value) for t in numeric], "centre": centre}
    new = [
        DataVar(q_name, q_star, likelihood.node, dims=(OBS_DIM, dim), recipe={"kind": "qr_q", **recipe}),
        DataVar(r_name, r_inverse, likelihood.node, dims=(dim, f"{dim}_"), recipe={"kind": "qr_r_inverse", **recipe}),
        RandomVariable(theta, "Flat", {}, dims=(dim,), source=f"QR of {likelihood.name}"),
        DerivedVar(beta, Func("matmul", (VarRef(r_name), VarRef(theta))), dims=(dim,)),
    ]
    plan.coords[f"{dim}_"] = list(plan.coords[dim])
    for k, term in enumerate(numeric):
        slope = free_scalar(plan, term.param)
        assert slope is not None  # `numeric` holds free scalars only
        new += [
            DerivedVar(slope.name, Idx(VarRef(beta), (Const(k),))),
            PriorPotential(f"{slope.name}__prior", slope.dist, slope.args, VarRef(slope.name)),
        ]
        plan.entries.remove(slope)
    first = position(plan, likelihood)
    plan.entries[first:first] = new
    keep = [t for t in likelihood.terms if t not in numeric]
    likelihood.terms = [Term(theta, (), VarRef(q_name), "QR block", matmul=True)] + keep


def _data_name(plan: Plan, value) -> str:
    """The data container behind a term's value (an outcome's own container for an observed outcome)."""
    entry = next(e for e in plan.entries if e.name == value.name)
    return entry.observed if isinstance(entry, LikelihoodVar) else entry.name


def _centre_intercept(
    likelihood: LikelihoodVar,
    intercept: RandomVariable,
    numeric: list[Term],
    means: np.ndarray,
    outcome: np.ndarray | None,
) -> list:
    """The likelihood reads the centred intercept; returns the entries that replace the user's intercept."""
    centred = f"{intercept.name}__centred"
    expr: PExpr = VarRef(centred)
    for term, mean in zip(numeric, means):
        expr = Op("-", (expr, Op("*", (VarRef(term.param), Const(float(mean))))))
    likelihood.intercept = centred
    return [
        RandomVariable(
            centred,
            "Flat",
            {},
            source=f"{intercept.source} (centred)",
            initval=float(outcome.mean()) if outcome is not None else None,
        ),
        DerivedVar(intercept.name, expr),
        PriorPotential(f"{intercept.name}__prior", intercept.dist, intercept.args, VarRef(intercept.name)),
    ]
