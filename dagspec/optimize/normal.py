"""Normal likelihoods of fixed data → the same log density from sufficient statistics (cost per gradient: k², not n·k).

For y ~ Normal(Z b, sigma) with the n × k design Z fixed, sum_i log N(y_i | z_i b, sigma) equals
-n log sigma - n/2 log 2π - (RSS + (b - b̂)' Z'Z (b - b̂)) / (2 sigma²), with b̂ any least-squares fit and RSS
its residual sum of squares. Exact (the residual form keeps it accurate where y is large and the noise small).
"""

from __future__ import annotations

import math

import numpy as np

from ..plan import Const, DataVar, Func, LikelihoodVar, LogDensity, Op, Plan, VarRef
from .common import data_expression, entries_by_name, outcome_values, replace
from .order import read_by_others

MIN_ROWS = 50  # below this the per-row likelihood costs no more than the cross-products


def use_sufficient_statistics(plan: Plan) -> None:
    read = read_by_others(plan.entries)  # collapsing one outcome does not change what reads another
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        if likelihood.name not in read:  # a mediator's values feed other outcomes: keep its rows
            _collapse(plan, likelihood)


def _collapse(plan: Plan, likelihood: LikelihoodVar) -> None:
    if likelihood.family != "Normal" or likelihood.link != "identity" or not likelihood.plain:
        return
    if not _scalar(plan, likelihood.aux["sigma"]):
        return
    y = outcome_values(plan, likelihood)
    if y is None or len(y) < MIN_ROWS:
        return
    columns, coefficients = [], []
    if likelihood.intercept:
        columns.append(np.ones((len(y), 1)))
        coefficients.append(VarRef(likelihood.intercept))
    for term in likelihood.terms:
        if isinstance(term.value, Func):  # a basis the model computes (a spline's): kept per row
            return
        values = data_expression(plan, term.value) if not term.index else None
        if values is None or (not term.matmul and not _scalar(plan, VarRef(term.param))):
            return
        columns.append(values.reshape(len(y), -1))
        coefficients.append(VarRef(term.param))
    if not coefficients:
        return
    design = np.column_stack(columns)
    fit = np.linalg.lstsq(design, y, rcond=None)[0]
    rss = float(np.sum((y - design @ fit) ** 2))
    stem, dim = likelihood.name, f"{likelihood.name}__coef"
    plan.coords[dim] = list(range(design.shape[1]))
    plan.coords[f"{dim}_"] = list(range(design.shape[1]))
    recipe = {
        "kind": "normal_stats",
        "columns": [_on_data(plan, t.value) for t in likelihood.terms],
        "outcome": likelihood.observed,
        "intercept": bool(likelihood.intercept),
    }
    gram, lstsq, residual = f"{stem}__gram", f"{stem}__lstsq", f"{stem}__rss"
    n, sigma = len(y), likelihood.aux["sigma"]
    distance = Op("-", (Func("concat", tuple(coefficients)), VarRef(lstsq)))
    quadratic = Func("matmul", (distance, Func("matmul", (VarRef(gram), distance))))
    squares = Op("+", (VarRef(residual), quadratic))
    logp = Op(
        "-",
        (
            Op("*", (Const(-float(n)), Func("log", (sigma,)))),
            Op(
                "+",
                (
                    Const(n / 2 * math.log(2 * math.pi)),
                    Op("/", (squares, Op("*", (Const(2.0), Op("**", (sigma, Const(2.0))))))),
                ),
            ),
        ),
    )
    replace(
        plan,
        likelihood,
        [
            DataVar(gram, design.T @ design, likelihood.node, dims=(dim, f"{dim}_"), recipe={**recipe, "part": "gram"}),
            DataVar(lstsq, fit, likelihood.node, dims=(dim,), recipe={**recipe, "part": "lstsq"}),
            DataVar(residual, np.asarray(rss), likelihood.node, dims=(), recipe={**recipe, "part": "rss"}),
            LogDensity(f"{stem}__likelihood", logp, likelihood.node),
        ],
    )
    plan.notes.append(
        f"{stem}: Normal likelihood from sufficient statistics ({n} rows → {design.shape[1]} × "
        f"{design.shape[1]} cross-products)"
    )


def _scalar(plan: Plan, expr) -> bool:
    """A value that is the same for every row: a number or a scalar variable."""
    if isinstance(expr, Const):
        return np.ndim(expr.value) == 0
    if isinstance(expr, VarRef):
        entry = entries_by_name(plan).get(expr.name)
        return entry is not None and not isinstance(entry, (DataVar, LikelihoodVar)) and not getattr(entry, "dims", ())
    return False


def _on_data(plan: Plan, expr):
    """The expression with each outcome read from its data container (so code generation finds its values)."""
    if isinstance(expr, VarRef):
        entry = entries_by_name(plan).get(expr.name)
        return VarRef(entry.observed) if isinstance(entry, LikelihoodVar) else expr
    if isinstance(expr, Op):
        return Op(expr.op, tuple(_on_data(plan, a) for a in expr.args))
    return expr
