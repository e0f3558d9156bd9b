"""`lag(x, k, time = t, by = g)` in an `observed` statement → the column's value k time steps earlier in its group.

A lagged column is a node of its own (`observed y, y_1 = lag(y, 1, time = year)` and the edge `y_1 -> y`), so an
autoregressive model stays a DAG: the past causes the present. The rules:

- rows are ordered by the `time` column within each group of `by` (the whole table when there is no `by`); without
  `time`, the rows' order in the data is the time order;
- the lag of a row at time t is the value of the row at time t - k in the same group (as Stata's `L.`): time values
  are whole numbers, none missing, none repeated within a group;
- a row with no row k steps before it has no lag: the caller drops it from every column (DS565 says how many).

This module also finds, in a checked model, which node each lagged node is the past of (`present_of`), so the
checks can reject an edge from the present into its own past and forecasts can iterate the recursion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import ir
from .check.calls import const_value

LAG = "lag"
LAG_OPTIONS = ("time", "by")


def check_lag_call(expr: ir.Call, add) -> bool:
    """Report a malformed `lag(...)` (DS475); True when it is well formed."""
    ok = True
    if len(expr.args) != 2:
        add(
            "DS475",
            expr.span,
            what=f"lag() takes a column and a number of steps, but {len(expr.args)} argument(s) are given",
            suggestion="write lag(y, 1, time = year, by = unit)",
        )
        return False
    column, steps = expr.args
    if const_value(column) is not None or isinstance(column, ir.ListExpr):
        add(
            "DS475",
            column.span,
            what="lag() lags a column of the data, not a number",
            suggestion="write lag(y, 1): the column y one time step earlier",
        )
        ok = False
    k = const_value(steps)
    if k is None or not float(k).is_integer() or k < 1:
        shown = f"{k:g}" if k is not None else "not a number"
        add(
            "DS475",
            steps.span,
            what=f"the number of steps of lag() is a whole number of at least 1, but it is {shown}",
            suggestion="write lag(y, 1) for the previous time step, lag(y, 2) for the one before",
        )
        ok = False
    for keyword in expr.kwargs:
        if keyword.name not in LAG_OPTIONS:
            add(
                "DS475",
                keyword.span,
                what=f"lag() has no option {keyword.name!r}",
                suggestion="options: time = column (the order of the rows), by = column (the groups lagged apart)",
            )
            ok = False
        elif not isinstance(keyword.value, (ir.Ref, ir.String)):
            add(
                "DS475",
                keyword.value.span,
                what=f"`{keyword.name}` names a column",
                suggestion=f'write {keyword.name} = year (or {keyword.name} = "column name")',
            )
            ok = False
    return ok


def lag_steps(expr: ir.Call) -> int:
    k = const_value(expr.args[1])
    assert k is not None  # check_lag_call has rejected every other call
    return int(k)


@dataclass(frozen=True)
class Timing:
    """Each row's group (a level key) and time step: where a lag looked for the earlier row."""

    groups: np.ndarray
    times: np.ndarray


def lagged(
    values: pd.Series, k: int, time: pd.Series | None, group: pd.Series | None, fail
) -> tuple[pd.Series, np.ndarray, Timing]:
    """(values k steps earlier, the rows that have no lag, each row's group and time). `fail(code, rows, why)`
    raises for bad time or group values."""
    n = len(values)
    group_keys = _keys(group, "by", fail) if group is not None else pd.Series(np.zeros(n, dtype=np.int64))
    if time is None:
        steps = group_keys.groupby(group_keys).cumcount().to_numpy()
    else:
        steps = _time_steps(time, fail)
        frame = pd.DataFrame({"group": group_keys, "time": steps})
        repeated = frame.duplicated(keep=False).to_numpy()
        if repeated.any():
            fail("DS567", repeated)
    index = pd.MultiIndex.from_arrays([group_keys.to_numpy(), steps])
    position = pd.Series(np.arange(n), index=index)
    earlier = position.reindex(pd.MultiIndex.from_arrays([group_keys.to_numpy(), steps - k])).to_numpy()
    no_lag = np.isnan(earlier)
    taken = np.where(no_lag, 0, earlier).astype(np.int64)
    result = values.reset_index(drop=True).iloc[taken].reset_index(drop=True)
    return result.where(~pd.Series(no_lag)), no_lag, Timing(group_keys.to_numpy(), steps)


def _keys(group: pd.Series, option: str, fail) -> pd.Series:
    missing = group.isna().to_numpy()
    if missing.any():
        fail("DS566", missing, why=f"the `{option}` column has missing values")
    from .transforms import level_key

    return group.reset_index(drop=True).map(level_key)


def _time_steps(time: pd.Series, fail) -> np.ndarray:
    """The time column as whole numbers (DS566 for missing, non-numeric or fractional values)."""
    numeric = pd.to_numeric(time.reset_index(drop=True), errors="coerce")
    bad = numeric.isna().to_numpy()
    if bad.any():
        fail("DS566", bad, why="the `time` column has missing or non-numeric values")
    values = numeric.to_numpy(dtype=float)
    fractional = ~np.isfinite(values) | (values != np.round(values))
    if fractional.any():
        fail("DS566", fractional, why="time values are whole numbers (years, days, a step count)")
    return values.astype(np.int64)


# ---- lagged nodes in a checked model ----------------------------------------------------------------


@dataclass(frozen=True)
class LaggedNode:
    """A node observed as `lag(column, steps, ...)`: `present` is the node observed as that column, if any."""

    node: str
    column: ir.Expr
    steps: int
    call: ir.Call
    present: str | None


def lag_call(expr) -> ir.Call | None:
    """The `lag(...)` an observed value is, if it is one (a lag inside arithmetic is not a lagged node)."""
    return expr if isinstance(expr, ir.Call) and expr.func == LAG and len(expr.args) == 2 else None


def lagged_nodes(model) -> dict[str, LaggedNode]:
    """Every node observed as a lag of a column, with the node observed as that column (its present)."""
    found: dict[str, LaggedNode] = {}
    for name, node in model.nodes.items():
        call = lag_call(node.observed.expr) if node.observed is not None else None
        if call is None or const_value(call.args[1]) is None:
            continue
        column = call.args[0]
        present = next(
            (
                other
                for other, info in model.nodes.items()
                if other != name
                and info.observed is not None
                and _observes(info.observed, column)
                and info.observed.file == node.observed.file
            ),
            None,
        )
        found[name] = LaggedNode(name, column, lag_steps(call), call, present)
    return found


def _observes(observation, column: ir.Expr) -> bool:
    """Whether an observation reads exactly the column expression a lag lags."""
    if observation.expr is not None:
        return observation.expr == column
    if isinstance(column, ir.Ref):
        return observation.column == column.name and observation.literal is None
    if isinstance(column, ir.String):
        return observation.column == column.value and observation.literal is None
    return False
