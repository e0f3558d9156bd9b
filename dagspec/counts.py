"""A multinomial outcome's observation + a table → its N x K counts, named by category, checked (DS587–DS590).

`observed y = [car, bus, walk]` reads a column of counts per category (names, `col("a b")` or column
expressions; the category is named by its column); `observed y` of a 2-D array (JSON) and literal rows
`[[3, 0, 1], ...]` read one row of K counts per observation, the categories named by `levels = [...]` or 0, 1, ...
Each row's total, the trials of its multinomial, is the sum of its counts (or the column `n = total` names, which
must equal it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import ir
from .check.calls import const_value
from .check.model import NodeInfo
from .families import FAMILIES
from .printer import expr_text
from .transforms import ColumnError, ColumnEvaluator, Statistics, rows_text


def is_multinomial(node: NodeInfo) -> bool:
    return node.family is not None and FAMILIES[node.family].counts


def is_column_name(expr) -> bool:
    """A column read as it is: `car` or `col("by car")`."""
    return isinstance(expr, ir.Ref) or (
        isinstance(expr, ir.Call) and expr.func == "col" and len(expr.args) == 1 and isinstance(expr.args[0], ir.String)
    )


def category_name(expr) -> str:
    """A count column's category: the column's name (`car`, `col("by car")`), else the expression's text."""
    if isinstance(expr, ir.Ref):
        return expr.name
    if is_column_name(expr):
        return expr.args[0].value
    return expr_text(expr)


def counts_from_columns(node: NodeInfo, table: pd.DataFrame, statistics: Statistics, unfiltered: pd.DataFrame, found):
    """The counts of `observed y = [a, b, c]`: each column expression evaluated on the table (None if any fails)."""
    assert node.observed is not None and node.observed.counts is not None
    evaluator = ColumnEvaluator(table, statistics, node.name, unfiltered)
    values, failed = [], False
    for expr in node.observed.counts:
        try:
            column = evaluator.values(expr)
        except ColumnError as exc:
            found.add(exc.code, exc.span, **exc.fields)
            failed = True
            continue
        column = column if isinstance(column, pd.Series) else pd.Series(np.full(len(table), column))
        values.append(column.reset_index(drop=True))
    if failed:
        return None
    names = [category_name(e) for e in node.observed.counts]
    spans = [e.span for e in node.observed.counts]
    return checked_counts(node, pd.DataFrame(dict(enumerate(values))), names, found, spans=spans)


def counts_from_rows(node: NodeInfo, raw: pd.Series, label: str, found):
    """The counts of a 2-D array or literal rows: one row of K counts per observation (DS589 if not)."""
    is_row = raw.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).to_numpy()
    form = f"`observed {node.name} = [car, bus, walk]` (a column of counts per category) or rows of counts"
    if not is_row.all():
        found.add(
            "DS589",
            node.observed_span,
            name=node.name,
            why=f"reads {label}, which has single values, not rows of counts, at row(s) {rows_text(~is_row)}",
            suggestion=f"give its counts as {form}",
        )
        return None
    lengths = raw.map(len).to_numpy()
    if len(set(lengths.tolist())) > 1:
        found.add(
            "DS589",
            node.observed_span,
            name=node.name,
            why=f"reads {label}, whose rows have different numbers of counts ({', '.join(map(str, sorted(set(lengths))))})",
            suggestion="every row has one count per category",
        )
        return None
    k = int(lengths[0]) if len(lengths) else 0
    frame = pd.DataFrame(raw.tolist(), columns=range(k)) if k else pd.DataFrame(index=range(len(raw)))
    return checked_counts(node, frame, list(range(k)), found, label)


def checked_counts(node: NodeInfo, frame: pd.DataFrame, names: list, found, label: str | None = None, spans=None):
    """(the counts as an N x K int64 array, the categories), if every count is a whole number of at least 0 (DS587)
    and there are two categories or more (DS589); rows without counts warn (DS588)."""
    levels = list(node.levels) if node.levels is not None else names
    if len(names) < 2 or len(levels) != len(names):
        found.add(
            "DS589",
            node.observed_span,
            name=node.name,
            why=f"has {len(names)} categories of counts"
            + (f" but {len(levels)} declared levels" if len(levels) != len(names) else "; it needs at least two"),
            suggestion="give one column of counts per category (and, with `levels = [...]`, one level per column)",
        )
        return None
    failed = False
    for j, name in enumerate(names):
        raw = frame[j]
        numeric = pd.to_numeric(raw.astype(object).where(raw.map(_is_number_or_text)), errors="coerce")
        values = numeric.to_numpy(dtype=float)
        problems = [
            (raw.isna().to_numpy(), "missing values"),
            (np.isnan(values) & ~raw.isna().to_numpy(), "values that are not numbers"),
            (np.isfinite(values) & (values < 0), "negative values"),
            (np.isfinite(values) & (values != np.round(values)), "values that are not whole numbers"),
            (np.isinf(values), "infinite values"),
        ]
        for rows, what in problems:
            if rows.any():
                failed = True
                found.add(
                    "DS587",
                    spans[j] if spans else node.observed_span,
                    name=node.name,
                    column=label or str(name),
                    what=what,
                    rows=rows_text(rows),
                    values=", ".join(repr(v) for v in raw[rows].head(3).tolist()),
                )
                break
        frame[j] = values
    if failed:
        return None
    counts = frame.to_numpy(dtype=float).astype(np.int64)
    empty = counts.sum(axis=1) == 0
    if empty.any():
        found.add("DS588", node.observed_span, name=node.name, count=int(empty.sum()), rows=rows_text(empty))
    return counts, levels


def _is_number_or_text(value) -> bool:
    return isinstance(value, (int, float, str, np.integer, np.floating)) and not isinstance(value, bool)


def check_totals(node: NodeInfo, counts: np.ndarray, totals, found) -> None:
    """`n = total`: each row's total must be the sum of its counts (DS590)."""
    fixed = node.fixed.get("n")
    if fixed is None or totals is None:
        return
    column = fixed.name if isinstance(fixed, ir.Ref) else expr_text(fixed)
    sums = counts.sum(axis=1)
    differ = np.asarray(totals, dtype=float) != sums
    if np.any(differ):
        pairs = [f"{t:g} vs {s}" for t, s in zip(np.broadcast_to(totals, sums.shape)[differ][:3], sums[differ][:3])]
        found.add("DS590", fixed.span, column=column, name=node.name, rows=rows_text(differ), values=", ".join(pairs))


def totals_of(node: NodeInfo, columns: dict):
    """The values of `n = total` (a column's or a number), or None."""
    fixed = node.fixed.get("n")
    if isinstance(fixed, ir.Ref):
        return columns[fixed.name].values if fixed.name in columns else None
    return const_value(fixed) if fixed is not None else None
