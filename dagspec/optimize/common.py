"""Shared look-ups on a Plan for the optimizer passes: entries by name, data values and expressions of data, free scalars."""

from __future__ import annotations

import numpy as np

from ..plan import ARRAY_OPS, OBS_DIM, Const, DataVar, Func, LikelihoodVar, Op, Plan, RandomVariable, VarRef


def entries_by_name(plan: Plan) -> dict:
    return {e.name: e for e in plan.entries}


def data_values(plan: Plan, expr, entries: dict | None = None) -> np.ndarray | None:
    """The fixed values behind a term's value: a data container, or an observed outcome's data (`entries`: the
    plan's entries by name, when the caller has them)."""
    if not isinstance(expr, VarRef):
        return None
    entries = entries if entries is not None else entries_by_name(plan)
    entry = entries.get(expr.name)
    if isinstance(entry, DataVar):
        return np.asarray(entry.values, dtype=float)
    if isinstance(entry, LikelihoodVar):
        return data_values(plan, VarRef(entry.observed), entries)
    return None


def outcome_values(plan: Plan, likelihood: LikelihoodVar, entries: dict | None = None) -> np.ndarray:
    """A likelihood's observed data (every likelihood of a plan has a data container)."""
    values = data_values(plan, VarRef(likelihood.observed), entries)
    if values is None:
        raise ValueError(f"{likelihood.name} observes {likelihood.observed}, which is not data of the plan")
    return values


def free_scalar(plan: Plan, name: str, entries: dict | None = None) -> RandomVariable | None:
    """The entry of a free, scalar, univariate parameter called `name` (else None). HalfFlat is left out: its
    wall at 0 would cut across the reparameterised coordinates."""
    entry = (entries if entries is not None else entries_by_name(plan)).get(name)
    if (
        isinstance(entry, RandomVariable)
        and entry.observed is None
        and not entry.dims
        and entry.dist not in ("MvNormal", "LKJCholeskyCov", "Dirichlet", "HalfFlat")
    ):
        return entry
    return None


def position(plan: Plan, entry) -> int:
    """Where `entry` itself is in the plan (by identity: list.index would compare every entry's fields)."""
    return next(i for i, e in enumerate(plan.entries) if e is entry)


def replace(plan: Plan, old, new: list) -> None:
    """Put `new` entries where `old` was."""
    at = position(plan, old)
    plan.entries[at : at + 1] = new


def replace_all(plan: Plan, replacements: dict[int, list]) -> None:
    """Put each entry's new entries where it was, by the entry's id(), in one pass over the plan (`replace` once
    per entry would scan the plan once per entry)."""
    plan.entries = [new for entry in plan.entries for new in replacements.get(id(entry), [entry])]


def data_expression(plan: Plan, expr, entries: dict | None = None) -> np.ndarray | None:
    """The values of an expression of data alone (columns, matrices, arithmetic with numbers), else None."""
    if isinstance(expr, Const):
        return np.asarray(expr.value, dtype=float)
    if isinstance(expr, VarRef):
        entries = entries if entries is not None else entries_by_name(plan)
        entry = entries.get(expr.name)
        if isinstance(entry, DataVar) and entry.dims and entry.dims[0] == OBS_DIM:
            return np.asarray(entry.values, dtype=float)
        return data_values(plan, expr, entries) if isinstance(entry, LikelihoodVar) else None
    if isinstance(expr, Op):
        args = [data_expression(plan, a, entries) for a in expr.args]
        return None if any(a is None for a in args) else ARRAY_OPS[expr.op](*args)
    if isinstance(expr, Func) and expr.name == "bspline":  # a spline's basis of data: n x k
        from scipy.interpolate import BSpline

        x, (knots, degree) = data_expression(plan, expr.args[0], entries), (a.value for a in expr.args[1:])
        return None if x is None else BSpline.design_matrix(x, np.asarray(knots), int(degree)).toarray()
    return None
