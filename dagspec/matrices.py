"""A matrix node's column expression + a table → its N x K values, with column statistics frozen for prediction.

`observed X = center(X[:, 1:]) from "diamonds.json"` reads the nested array X (one row of numbers per
observation), keeps the columns from 1 on (posteriordb's design matrices start with a column of ones), and
centres each column on its mean over the fitted rows, as brms centres its design matrix. The forms are a name, a
column selection `M[:, a:b]` or `M[:, [0, 2]]`, and `center(...)` or `standardize(...)` (per column, sd with
n − 1) around them. The statistics are recorded per node, as the column transforms' are, so that predictions
for new rows subtract the fitted means."""

from __future__ import annotations

import numpy as np

from . import ir
from .check.calls import const_value
from .printer import expr_text
from .transforms import ColumnError, Statistics

FUNCTIONS = ("center", "standardize")
FORMS = "a name, M[:, a:b] or M[:, [i, j]] (a selection of columns), center(...) or standardize(...)"


def check_matrix_expression(expr, node: str, add) -> None:
    """Report a matrix node's column expression that is not one of the forms above (DS581)."""
    if isinstance(expr, (ir.Ref, ir.String)):
        return
    if isinstance(expr, ir.Call) and expr.func in FUNCTIONS and len(expr.args) == 1 and not expr.kwargs:
        check_matrix_expression(expr.args[0], node, add)
        return
    if isinstance(expr, ir.Index) and len(expr.subscripts) == 2 and _all_rows(expr.subscripts[0]):
        if _columns(expr.subscripts[1]) is not None:
            check_matrix_expression(expr.target, node, add)
            return
    add(
        "DS581",
        expr.span,
        name=node,
        label=expr_text(expr),
        data="the spec",
        why="is not a matrix expression",
        suggestion=f"a matrix node's values are {FORMS}",
    )


def matrix_values(expr, read, statistics: Statistics, node: str) -> np.ndarray:
    """The values of a matrix expression; `read(name, span)` gives a named array's rows as an N x K array."""
    if isinstance(expr, ir.Ref):
        return read(expr.name, expr.span)
    if isinstance(expr, ir.String):
        return read(expr.value, expr.span)
    if isinstance(expr, ir.Index):
        values = matrix_values(expr.target, read, statistics, node)
        columns = _columns(expr.subscripts[1])
        assert columns is not None  # check_matrix_expression allowed only selections it understands
        selected = np.arange(values.shape[1])[columns] if isinstance(columns, slice) else np.asarray(columns)
        if len(selected) == 0 or np.any(selected >= values.shape[1]) or np.any(selected < -values.shape[1]):
            raise ColumnError(
                "DS581",
                expr.subscripts[1].span,
                name=node,
                label=expr_text(expr),
                data="the data",
                why=f"selects no column or a column past the last of its {values.shape[1]}",
                suggestion=f"select among columns 0 to {values.shape[1] - 1}",
            )
        return values[:, selected]
    assert isinstance(expr, ir.Call)
    values = matrix_values(expr.args[0], read, statistics, node)
    means = _statistic(statistics, f"{node}: mean({expr_text(expr.args[0])})", lambda: values.mean(axis=0), expr)
    if expr.func == "center":
        return values - means
    sds = _statistic(statistics, f"{node}: sd({expr_text(expr.args[0])})", lambda: values.std(axis=0, ddof=1), expr)
    if not np.all(np.isfinite(sds) & (sds > 0)):
        constant = np.flatnonzero(~(np.isfinite(sds) & (sds > 0)))
        raise ColumnError(
            "DS581",
            expr.span,
            name=node,
            label=expr_text(expr),
            data="the data",
            why=f"divides column(s) {', '.join(map(str, constant[:5]))} by a standard deviation of 0",
            suggestion="a constant column (a column of ones) cannot be standardized: select the other columns",
        )
    return (values - means) / sds


def _statistic(statistics: Statistics, key: str, compute, expr) -> np.ndarray:
    """Column statistics of the fitted rows: computed and recorded, or (predicting) read back."""
    if statistics.frozen:
        if key not in statistics:
            raise ColumnError(
                "DS514",
                expr.span,
                what=f"{key} of the fitted data is not known",
                suggestion="predict with the InferenceData that dagspec.sample returned",
            )
        return np.asarray(statistics[key], dtype=float)
    value = compute()
    statistics[key] = value.tolist()
    return value


def _all_rows(sub) -> bool:
    return isinstance(sub, ir.Slice) and sub.start is None and sub.stop is None


def _columns(sub) -> slice | list[int] | None:
    """`a:b` or `[i, j]` (whole numbers) as a column selection, else None."""
    if isinstance(sub, ir.Slice):
        bounds: list[int | None] = []
        for part in (sub.start, sub.stop):
            value = None if part is None else const_value(part)
            if part is not None and (value is None or not float(value).is_integer()):
                return None
            bounds.append(None if value is None else int(value))
        return slice(*bounds)
    if isinstance(sub, ir.ListExpr) and sub.items:
        numbers = [const_value(item) for item in sub.items]
        if all(n is not None and float(n).is_integer() for n in numbers):
            return [int(n) for n in numbers if n is not None]
    return None
