"""Column expressions of `observed` (transforms, `where` filters) + a table → values, with fit-time statistics frozen.

`observed A = standardize(MedianAgeMarriage) from "waffle.csv" where complete` reads the column, keeps the rows
that pass the filter, and standardizes with the mean and sd of those rows. The statistics an expression
computes from the data (`mean`, `sd`, ... and those inside `standardize` and `center`) are recorded under a
key naming the node and the statistic, so that predictions for new rows apply exactly the same transform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import ir
from .check.calls import const_value
from .printer import expr_text

if TYPE_CHECKING:
    from .lags import Timing

# name → number of arguments; in all of these but row() and col() the first argument is a column
ELEMENTWISE = {"log": 1, "exp": 1, "sqrt": 1, "abs": 1, "standardize": 1, "center": 1, "indicator": 2}
AGGREGATES = {"mean": 1, "sd": 1, "min": 1, "max": 1, "median": 1}
SPECIAL = {"row": 0, "col": 1}
FUNCTIONS = {**ELEMENTWISE, **AGGREGATES, **SPECIAL, "lag": 2}  # lag(x, k, time = t, by = g): see lags.py
STATISTICS = ("standardize", "center", *AGGREGATES)  # computed from the data; `over = all` for every row
OVER = ("all", "kept")
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
COMPLETE = "complete"  # in `where`: no missing value in the columns the statement reads


class ColumnError(Exception):
    """A user error found while computing a column: a diagnostic code, the span to point at, its fields."""

    def __init__(self, code: str, span, **fields):
        super().__init__(code)
        self.code, self.span, self.fields = code, span, fields


class Statistics(dict):
    """Aggregates computed from the fitted rows, by key (`A: mean(MedianAgeMarriage)`).

    Recording (the default) computes and stores each one; frozen statistics (for prediction) are looked up."""

    def __init__(self, values: dict | None = None, frozen: bool = False):
        super().__init__(values or {})
        self.frozen = frozen


def is_column_expression(expr) -> bool:
    """Whether an observed value computes a column (rather than being a literal number or list)."""
    return expr is not None and not isinstance(expr, (ir.String, ir.Number, ir.ListExpr)) and const_value(expr) is None


def columns_read(expr) -> list[str]:
    """The data columns an expression reads (bare names, strings in a column position, col("..."))."""
    found: list[str] = []

    def visit(e, column_position=False):
        if isinstance(e, ir.Ref) and e.name != COMPLETE:
            found.append(e.name)
        elif isinstance(e, ir.String) and column_position:
            found.append(e.value)
        elif isinstance(e, ir.BinOp):
            visit(e.left), visit(e.right)
        elif isinstance(e, ir.Neg):
            visit(e.operand)
        elif isinstance(e, ir.Call):
            for position, arg in enumerate(e.args):
                visit(arg, position == 0 and e.func not in ("row",))  # `over = all` names no column
            if e.func == "lag":  # its time and group columns
                for keyword in e.kwargs:
                    visit(keyword.value, column_position=True)

    visit(expr, column_position=True)
    return list(dict.fromkeys(found))


def check_column_expression(expr, add) -> None:
    """Report unknown functions, wrong argument counts and model-only syntax in a column expression.

    `add(code, span, **fields)` records a diagnostic."""
    if isinstance(expr, ir.Call) and expr.func == "lag":
        from .lags import check_lag_call

        if check_lag_call(expr, add):
            check_column_expression(expr.args[0], add)
    elif isinstance(expr, ir.Call):
        arity = FUNCTIONS.get(expr.func)
        if arity is None:
            add(
                "DS411",
                expr.span,
                what=f"unknown column function {expr.func!r}",
                suggestion="column functions: " + ", ".join(FUNCTIONS),
            )
            return
        if len(expr.args) != arity or any(k.name != "over" or expr.func not in STATISTICS for k in expr.kwargs):
            example = {0: "row()", 1: f"{expr.func}(column)", 2: 'indicator(column, "level")'}[arity]
            more = (
                "; `over = all` takes its statistics from every row, before `where`" if expr.func in STATISTICS else ""
            )
            add(
                "DS411", expr.span, what=f"{expr.func}() takes {arity} argument(s){more}", suggestion=f"write {example}"
            )
            return
        over = expr.kwarg("over")
        if over is not None and not (isinstance(over.value, ir.Ref) and over.value.name in OVER):
            add(
                "DS411",
                over.value.span,
                what="`over` is `all` (every row of the data, before `where`) or `kept` "
                "(the rows `where` keeps, the default)",
                suggestion=f"write {expr.func}(x, over = all)",
            )
        if expr.func == "col" and not isinstance(expr.args[0], ir.String):
            add(
                "DS411",
                expr.args[0].span,
                what="col() takes a column name in quotes",
                suggestion='write col("kcal.per.g")',
            )
        for arg in expr.args:
            check_column_expression(arg, add)
    elif isinstance(expr, ir.BinOp):
        check_column_expression(expr.left, add)
        check_column_expression(expr.right, add)
    elif isinstance(expr, ir.Neg):
        check_column_expression(expr.operand, add)
    elif isinstance(expr, (ir.Index, ir.ListExpr)):
        add(
            "DS411",
            expr.span,
            what="indexing and lists are not column operations",
            suggestion="a column takes arithmetic, comparisons and: " + ", ".join(FUNCTIONS),
        )


class ColumnEvaluator:
    """Evaluates column expressions on one table; `node` names the statistics it records or reads, and
    `unfiltered` is the table before `where` (for statistics `over = all`)."""

    def __init__(
        self, table: pd.DataFrame, statistics: Statistics, node: str = "", unfiltered: pd.DataFrame | None = None
    ):
        self.table, self.statistics, self.node = table, statistics, node
        self.unfiltered = unfiltered if unfiltered is not None else table
        self.no_lag = np.zeros(len(table), dtype=bool)  # rows a lag() found no earlier row for
        self.timing: Timing | None = None  # the groups and time steps the last lag() ordered the rows by

    def values(self, expr) -> pd.Series:
        return self._eval(expr, column_position=True)

    def _eval(self, e, column_position=False) -> pd.Series | float | str:
        if isinstance(e, ir.Ref):
            return self._column(e.name, e.span)
        if isinstance(e, ir.String):
            return self._column(e.value, e.span) if column_position else e.value
        number = const_value(e)
        if number is not None:
            return number
        if isinstance(e, ir.Neg):
            return -self._numeric(self._eval(e.operand), e.operand)
        if isinstance(e, ir.BinOp):
            return self._binop(e)
        if isinstance(e, ir.Call):
            return self._call(e)
        raise ColumnError("DS411", e.span, what="not a column operation", suggestion="see docs/language.md")

    def _column(self, name: str, span) -> pd.Series:
        if name not in self.table.columns:
            from .dists import closest

            suggestion = closest(name, [str(c) for c in self.table.columns])
            shown = ", ".join(map(str, list(self.table.columns)[:12])) + (
                " ..." if len(self.table.columns) > 12 else ""
            )
            raise ColumnError(
                "DS502",
                span,
                column=name,
                name=self.node or name,
                columns=shown,
                suggestion=f"did you mean {suggestion!r}?"
                if suggestion
                else 'a name with dots or spaces is written col("the.name")',
            )
        return self.table[name].reset_index(drop=True)

    def _numeric(self, value, expr) -> pd.Series | float:
        if not isinstance(value, pd.Series):
            if isinstance(value, str):
                raise ColumnError(
                    "DS411",
                    expr.span,
                    what=f"the string {value!r} is not a number",
                    suggestion="strings compare with == and != only",
                )
            return value
        if value.dtype == bool:
            return value.astype(float)
        if value.dtype.kind in "mM":  # not nanoseconds
            raise ColumnError(
                "DS524",
                expr.span,
                column=expr_text(expr),
                name=self.node,
                kind="dates" if value.dtype.kind == "M" else "durations",
            )
        numeric = pd.to_numeric(value, errors="coerce")
        bad = numeric.isna() & value.notna()
        if bad.any():
            examples = ", ".join(repr(v) for v in value[bad].head(3).tolist())
            raise ColumnError(
                "DS505",
                expr.span,
                column=expr_text(expr),
                name=self.node,
                rows=rows_text(bad.to_numpy()),
                values=examples,
                suggestion='clean the column, or compare it with a value: indicator(column, "yes")',
            )
        imaginary = np.imag(numeric.to_numpy()) != 0
        if imaginary.any():
            raise ColumnError(
                "DS523",
                expr.span,
                column=expr_text(expr),
                name=self.node,
                rows=rows_text(imaginary),
                values=", ".join(str(v) for v in numeric[imaginary].head(3).tolist()),
            )
        return numeric.astype(float)

    def _binop(self, e: ir.BinOp):
        left, right = self._eval(e.left), self._eval(e.right)
        if e.op in ("and", "or"):
            left, right = _truth(left), _truth(right)
            return (left & right) if e.op == "and" else (left | right)
        if e.op in ("==", "!="):
            equal = _equal(left, right)
            return equal if e.op == "==" else ~equal
        left, right = self._numeric(left, e.left), self._numeric(right, e.right)
        with np.errstate(all="ignore"):
            if e.op in COMPARISONS:
                return {
                    "<": lambda: left < right,
                    "<=": lambda: left <= right,
                    ">": lambda: left > right,
                    ">=": lambda: left >= right,
                }[e.op]()
            return {
                "+": lambda: left + right,
                "-": lambda: left - right,
                "*": lambda: left * right,
                "/": lambda: left / right,
                "**": lambda: left**right,
            }[e.op]()

    def _call(self, e: ir.Call):
        name = e.func
        if name == "row":
            return pd.Series(np.arange(1, len(self.table) + 1, dtype=float))
        if name == "col":
            path = e.args[0]
            assert isinstance(path, ir.String)  # the checks allow col("a.b") only
            return self._column(path.value, path.span)
        if name == "lag":
            return self._lag(e)
        if name == "indicator":
            column = self._eval(e.args[0], column_position=True)
            return _equal(column, self._eval(e.args[1])).astype(float)
        x = self._numeric(self._eval(e.args[0], column_position=True), e.args[0])
        if name in STATISTICS:
            given = e.kwarg("over")
            over = given.value.name if given is not None and isinstance(given.value, ir.Ref) else "kept"
            rows = x
            if over == "all" and not self.statistics.frozen:
                whole = ColumnEvaluator(self.unfiltered, self.statistics, self.node)
                rows = whole._numeric(whole._eval(e.args[0], column_position=True), e.args[0])
            if name in AGGREGATES:
                return self._statistic(name, e.args[0], rows, over)
            if name == "standardize":
                return (x - self._statistic("mean", e.args[0], rows, over)) / self._positive_sd(e, rows, over)
            return x - self._statistic("mean", e.args[0], rows, over)
        with np.errstate(all="ignore"):
            if name == "log":
                self._domain(e, x, x > 0, "positive values")
                return np.log(x)
            if name == "sqrt":
                self._domain(e, x, x >= 0, "values of at least 0")
                return np.sqrt(x)
            return {"exp": np.exp, "abs": np.abs}[name](x)

    def _lag(self, e: ir.Call) -> pd.Series:
        from .lags import lag_steps, lagged

        def option(name: str) -> pd.Series | None:
            given = e.kwarg(name)
            return self._eval(given.value, column_position=True) if given is not None else None

        def fail(code: str, rows: np.ndarray, why: str = "") -> None:
            raise ColumnError(code, e.span, node=self.node, lag=expr_text(e), rows=rows_text(rows), why=why)

        values = self._eval(e.args[0], column_position=True)
        if not isinstance(values, pd.Series):
            values = pd.Series(np.full(len(self.table), values))
        result, no_lag, self.timing = lagged(values, lag_steps(e), option("time"), option("by"), fail)
        self.no_lag |= no_lag
        return result

    def _statistic(self, name: str, argument, x, over: str = "kept") -> float:
        key = f"{self.node}: {name}({expr_text(argument)})" + (" over all" if over == "all" else "")
        if self.statistics.frozen:
            if key not in self.statistics:
                raise ColumnError(
                    "DS514",
                    argument.span,
                    what=f"{name}({expr_text(argument)}) of the fitted data is not known",
                    suggestion="predict with the InferenceData that dagspec.sample returned",
                )
            return self.statistics[key]
        series = x if isinstance(x, pd.Series) else pd.Series([x])
        value = {
            "mean": series.mean,
            "sd": lambda: series.std(ddof=1),
            "min": series.min,
            "max": series.max,
            "median": series.median,
        }[name]()
        self.statistics[key] = float(value)
        return float(value)

    def _positive_sd(self, e: ir.Call, x, over: str) -> float:
        sd = self._statistic("sd", e.args[0], x, over)
        if not np.isfinite(sd) or sd <= 0:
            raise ColumnError(
                "DS514",
                e.span,
                what=f"standardize({expr_text(e.args[0])}) divides by its sd, which is {sd:g}",
                suggestion="a column with one value (or one row) cannot be standardized; use center()",
            )
        return sd

    def _domain(self, e: ir.Call, x, ok, needs: str) -> None:
        if isinstance(x, pd.Series):
            bad = (~ok & x.notna()).to_numpy()
            if bad.any():
                values = ", ".join(f"{v:g}" for v in x[bad].head(3))
                raise ColumnError(
                    "DS514",
                    e.span,
                    what=f"{e.func}() needs {needs}, but {expr_text(e.args[0])} is {values} at row(s) {rows_text(bad)}",
                    suggestion=f"keep those rows out with `where {expr_text(e.args[0])} > 0`",
                )


def row_filter(where, table: pd.DataFrame, read: list[str]) -> np.ndarray:
    """The rows of `table` that pass `where`; `complete` means no missing value in the columns `read`."""
    present = [c for c in read if c in table.columns]
    complete = (
        table[present].notna().all(axis=1).reset_index(drop=True)
        if present
        else pd.Series(np.ones(len(table), dtype=bool))
    )
    evaluator = ColumnEvaluator(table, Statistics(), node="where")

    def visit(e):
        if isinstance(e, ir.Ref) and e.name == COMPLETE:
            return complete
        if isinstance(e, ir.BinOp) and e.op in ("and", "or"):
            left, right = _truth(visit(e.left)), _truth(visit(e.right))
            return (left & right) if e.op == "and" else (left | right)
        return evaluator.values(e)

    kept = visit(where)
    if not isinstance(kept, pd.Series) or kept.dtype != bool:
        raise ColumnError(
            "DS411",
            where.span,
            what="`where` needs a condition, e.g. `where age >= 18`",
            suggestion="compare columns with == != < <= > >=, join conditions with and / or",
        )
    return kept.to_numpy()


def _truth(value):
    if isinstance(value, pd.Series) and value.dtype == bool:
        return value
    return value.astype(float) != 0 if isinstance(value, pd.Series) else bool(value)


def _equal(left, right) -> pd.Series:
    """== of columns and values, where 1, 1.0 and "1" are equal (as level names are)."""

    def keys(v):
        if isinstance(v, pd.Series):
            return v.map(level_key)
        return level_key(v)

    result = keys(left) == keys(right)
    return result if isinstance(result, pd.Series) else pd.Series([result])


def level_key(value):
    """A level's identity: 1, 1.0 and "1" are the same level (integer codes match declared string levels)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):  # dates and other objects: their text
        return str(value)
    return str(int(number)) if number.is_integer() else repr(number)


def rows_text(mask: np.ndarray, limit: int = 5) -> str:
    """The first rows a mask marks, for a message: `0, 3, 7 ...`."""
    rows = np.flatnonzero(mask)[:limit]
    return ", ".join(str(r) for r in rows) + (" ..." if mask.sum() > limit else "")
