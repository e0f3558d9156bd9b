"""Observed bindings + a DataFrame, a mapping or the files a spec names → validated numpy columns and level codes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import ir
from .check.calls import const_value
from .check.model import CheckedModel, NodeInfo
from .counts import check_totals, counts_from_columns, counts_from_rows, is_multinomial, totals_of
from .datafile import LEFT_OUT, SOURCE, DataFileError, read_table
from .diagnostics import Diagnostics
from .dists import closest
from .families import CENSORING_CODES, FAMILIES
from .matrices import matrix_values
from .printer import expr_text, truncation_text
from .scalars import SCALARS_ATTR, checked_scalar, split_scalars
from .source import NO_SPAN
from .transforms import ColumnError, ColumnEvaluator, Statistics, columns_read, level_key, row_filter, rows_text

MAX_LEVELS = 100_000
SUCCESS_WORDS = ("yes", "y", "true", "t", "success", "positive", "1")  # what a Bernoulli outcome's 1 is likely called
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Column:
    """One observed node's values: floats for numeric nodes, integer codes plus level names for categorical ones."""

    node: str
    values: np.ndarray
    levels: list | None = None
    placeholder: bool = False  # an outcome left out of the data for prediction: its values are not used
    missing: np.ndarray | None = None  # rows whose value is missing (NaN), for a node with `missing = impute`

    @property
    def categorical(self) -> bool:
        return self.levels is not None


class _Findings(Diagnostics):
    """Diagnostics about data: every message may name the table the values came from (`{data}`)."""

    data = "the data"

    def add(self, code, span=NO_SPAN, hint=None, **fields):
        return super().add(code, span, hint, **{"data": self.data, **fields})


class Columns(dict):
    """Validated columns by node name, with the warnings found in the data."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list = []
        self.statistics: Statistics = Statistics()  # what the transforms computed from the fitted rows
        self.scalars: dict[str, float] = {}  # data scalars by node name: one number for the whole data set
        self.matrices: dict[str, np.ndarray] = {}  # a distance GP's edge address → distances between its levels
        self.for_prediction = False  # new rows: a walk's new levels follow its fitted ones (checked when predicting)
        self.timing: dict = {}  # lagged node → each row's group and time step (lags.Timing), for forecasts


def _as_frame(data, found: Diagnostics) -> pd.DataFrame | None:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, dict):
        arrays, scalars = split_scalars(data)
        try:
            frame = pd.DataFrame({k: _column_or_rows(v) for k, v in arrays.items()})
            frame.attrs[SCALARS_ATTR] = scalars
            return frame
        except ValueError:
            lengths = ", ".join(f"{k}: {len(np.atleast_1d(v))}" for k, v in data.items())
            found.add("DS507", lengths=lengths)
            return None
    found.add("DS511", type=type(data).__name__)
    return None


def _column_or_rows(values):
    """A mapping's array: a column, or for a 2-D array (a matrix node's values) its rows, one cell each."""
    if isinstance(values, (list, tuple)) and any(isinstance(v, (list, tuple, np.ndarray)) for v in values):
        return list(values)  # possibly ragged: DS581 names it when a matrix node reads it
    array = np.asarray(values)
    return list(array) if array.ndim == 2 else array


def resolve_columns(
    model: CheckedModel,
    data=None,
    base_dir: Path | None = None,
    statistics: Statistics | None = None,
    for_prediction: bool = False,
    levels: dict[str, list] | None = None,
    checking: bool = False,
) -> Columns:
    """Validate and convert every observed node's values; raise DagspecError listing every problem found.

    Transforms record the statistics they compute in `statistics` (or, frozen, read them from it). For
    prediction, `where` filters are not applied, outcomes may be left out (placeholder values), and
    categorical nodes keep the fitted `levels`, with new levels added after them. `checking` (for `dagspec
    check`): a data file that does not exist is a warning (DS526), and nodes without data are left out."""
    found = _Findings(model.source)
    frame = _as_frame(data, found) if data is not None else None
    frame_name = (frame.attrs.get(SOURCE) if frame is not None else None) or "the data passed in"
    statistics = statistics if statistics is not None else Statistics()
    files: dict[str, pd.DataFrame | None] = {}
    filtered: dict[tuple, pd.DataFrame | None] = {}
    columns = Columns()
    columns.statistics, columns.for_prediction = statistics, for_prediction
    censoring = {n.censored.name for n in model.outcomes() if n.censored is not None}
    uppers = {n.censored_upper.name for n in model.outcomes() if n.censored_upper is not None}
    observing = _observation_columns(model)  # weights and standard-error columns → (their outcome, option)
    no_lag: dict[str, np.ndarray] = {}  # node → the rows its lag() has no earlier row for
    for node in model.nodes.values():
        observation = node.observed
        if observation is None:
            continue
        if observation.literal is not None:
            found.data = "the values the spec gives"
            values = _literal(observation.literal)
            if isinstance(values, list):
                raw = pd.Series(values)
                column = _column(
                    node, raw, node.name, model, found, for_prediction, levels, observing, censoring, uppers
                )
                if column is not None:
                    columns[node.name] = column
            continue
        table, found.data = frame, frame_name
        if table is None and observation.file is not None:
            if observation.file not in files:
                files[observation.file] = _read_file(observation, base_dir, found, checking)
            table, found.data = files[observation.file], observation.file
        elif table is None:
            if data is None and not checking:
                found.add("DS501", observation.span, name=node.name)
            continue
        if table is None:
            continue
        unfiltered = table
        if observation.where is not None and not for_prediction:
            key = (observation.file if frame is None else None, id(observation.where))
            if key not in filtered:
                filtered[key] = _apply_filter(observation, table, found)
            table = filtered[key]
            if table is None:
                continue
        if (
            for_prediction
            and node.name in censoring | uppers | set(observing)
            and not _reads_present(observation, table)
        ):
            # new rows need no censoring, interval ends, weights or standard errors: they are not observed
            columns[node.name] = Column(node.name, np.zeros(len(table)), placeholder=True)
            continue
        if for_prediction and node.role == "outcome" and not _reads_present(observation, table):
            fitted = (levels or {}).get(node.name) if node.categorical else None
            shape = (len(table), len(fitted)) if fitted and is_multinomial(node) else len(table)
            columns[node.name] = Column(
                node.name, np.zeros(shape, dtype=np.int64 if fitted else float), fitted, placeholder=True
            )
            continue
        if observation.counts is not None:  # `observed y = [car, bus, walk]`: a multinomial's counts
            if len(table) == 0:
                found.add("DS512", observation.span)
                continue
            counted = counts_from_columns(node, table, statistics, unfiltered, found)
            if counted is not None:
                columns[node.name] = Column(node.name, *counted)
            continue
        if observation.expr is None and observation.column not in table.columns:
            single = _scalar_in(observation, unfiltered, files, base_dir, passed_in=frame is not None)
            if single is not None:
                value = checked_scalar(model, node, single[0], single[1], found)
                if value is not None:
                    columns.scalars[node.name] = value
                continue
        if len(table) == 0:
            if not any(d.code == "DS512" for d in found.items):
                found.add("DS512", observation.span)
            continue
        if node.matrix and observation.expr is not None:  # `center(X[:, 1:])`
            column = _computed_matrix(node, observation, table, statistics, found)
            if column is not None:
                columns[node.name] = column
            continue
        raw = _raw_values(node, observation, table, statistics, found, unfiltered, no_lag, columns.timing)
        if raw is None:
            continue
        label = _label(node)
        column = _column(node, raw, label, model, found, for_prediction, levels, observing, censoring, uppers)
        if column is not None:
            columns[node.name] = column
    lengths = {name: len(c.values) for name, c in columns.items()}
    if len(set(lengths.values())) > 1:
        found.add(
            "DS507",
            model.nodes[next(iter(lengths))].observed_span,
            lengths=", ".join(f"{k}: {v}" for k, v in lengths.items()),
        )
    elif not no_lag or drop_rows_without_lag(model, columns, no_lag, found):
        if not for_prediction:
            _check_ordered_levels(model, columns, found)
            _check_trials(model, columns, found)
            for node in filter(is_multinomial, model.outcomes()):
                if node.name in columns:
                    check_totals(node, columns[node.name].values, totals_of(node, columns), found)
            _check_censored_rows(model, columns, found)
            _check_truncation(model, columns, found)
            _warn_constant_predictors(model, columns, found)
    _distance_matrices(model, columns, base_dir, found, checking)
    found.raise_if_errors()
    columns.warnings = found.warnings
    return columns


def _column(
    node: NodeInfo,
    raw: pd.Series,
    label: str,
    model: CheckedModel,
    found,
    for_prediction,
    levels,
    observing,
    censoring: set[str],
    uppers: set[str],
):
    """The node's values converted by what they are: censoring codes (`censoring`: the nodes some outcome reads
    its censoring codes from), interval upper ends (`uppers`), weights or standard errors, or any other node's."""
    if node.name in censoring:
        return _censoring_codes(node, raw, label, found)
    if node.name in uppers:
        return _interval_uppers(node, raw, label, found)
    if node.name in observing and not for_prediction:
        outcome, option = observing[node.name]
        return _observation_values(node, raw, label, outcome, option, found)
    return _convert(node, raw, label, model, found, for_prediction, levels)


def drop_rows_without_lag(model: CheckedModel, columns: Columns, no_lag: dict[str, np.ndarray], found) -> bool:
    """Drop, from every column, the rows a lag() has no earlier row for (DS565 says how many; DS568 when none is
    left)."""
    dropped = np.logical_or.reduce(list(no_lag.values()))
    first = next(iter(no_lag))
    span = model.nodes[first].observed_span
    if dropped.all():
        found.add("DS568", span, count=len(dropped), nodes=", ".join(no_lag))
        return False
    for name, timing in list(columns.timing.items()):
        columns.timing[name] = replace(timing, groups=timing.groups[~dropped], times=timing.times[~dropped])
    for name, column in list(columns.items()):
        missing = column.missing[~dropped] if column.missing is not None else None
        columns[name] = replace(
            column, values=column.values[~dropped], missing=missing if missing is not None and missing.any() else None
        )
    found.add(
        "DS565", span, count=int(dropped.sum()), total=len(dropped), nodes=", ".join(no_lag), rows=rows_text(dropped)
    )
    return True


def _scalar_in(observation, table: pd.DataFrame, files: dict, base_dir: Path | None, passed_in: bool):
    """(value, its name in the data) of the single value a node's column names, from the table's scalars or, when
    data passed in lacks it (new rows for prediction), from the file the spec names; else None."""
    scalars = table.attrs.get(SCALARS_ATTR, {})
    if observation.column in scalars:
        return scalars[observation.column], repr(observation.column)
    if not passed_in or observation.file is None:
        return None
    if observation.file not in files:  # an unreadable file is reported as the missing column it would have given
        files[observation.file] = _read_file(observation, base_dir, Diagnostics(None))
    named = files[observation.file]
    scalars = named.attrs.get(SCALARS_ATTR, {}) if named is not None else {}
    if observation.column in scalars:
        return scalars[observation.column], repr(observation.column)
    return None


def _apply_filter(observation, table: pd.DataFrame, found: Diagnostics) -> pd.DataFrame | None:
    try:
        kept = row_filter(observation.where, table, list(observation.reads))
    except ColumnError as exc:
        found.add(exc.code, exc.span, **exc.fields)
        return None
    return table.loc[kept].reset_index(drop=True)


def _reads_present(observation, table: pd.DataFrame) -> bool:
    if observation.counts is not None:
        needed = [c for e in observation.counts for c in columns_read(e)]
    else:
        needed = [observation.column] if observation.expr is None else columns_read(observation.expr)
    return all(c in table.columns for c in needed)


def _raw_values(
    node: NodeInfo,
    observation,
    table: pd.DataFrame,
    statistics: Statistics,
    found: _Findings,
    unfiltered: pd.DataFrame,
    no_lag: dict[str, np.ndarray],
    timing: dict,
) -> pd.Series | None:
    """The node's values from the table: its column, or its column expression evaluated. A lag's rows without an
    earlier row are recorded in `no_lag` and hold a placeholder (they are dropped once every column is read)."""
    if observation.expr is not None:
        evaluator = ColumnEvaluator(table, statistics, node.name, unfiltered)
        try:
            values = evaluator.values(observation.expr)
        except ColumnError as exc:
            found.add(exc.code, exc.span, **exc.fields)
            return None
        values = values if isinstance(values, pd.Series) else pd.Series(np.full(len(table), values))
        if evaluator.timing is not None:
            timing[node.name] = evaluator.timing
        if evaluator.no_lag.any():
            no_lag[node.name] = evaluator.no_lag
            kept = values[~evaluator.no_lag].dropna()
            values = values.where(~evaluator.no_lag, kept.iloc[0] if len(kept) else 0.0)
        return values
    if observation.column not in table.columns:
        shown = ", ".join(map(str, list(table.columns)[:12])) + (" ..." if len(table.columns) > 12 else "")
        found.add(
            "DS502",
            observation.span,
            column=observation.column,
            name=node.name,
            columns=shown,
            suggestion=_missing_column_hint(node.name, observation.column, table, found.data),
        )
        return None
    return table[observation.column].reset_index(drop=True)


def _missing_column_hint(name: str, column: str, table: pd.DataFrame, data: str) -> str:
    left_out = table.attrs.get(LEFT_OUT, {})
    if column in left_out:
        return f"{column!r} is {left_out[column]} in {data}; dagspec reads one value per row"
    headers = [str(c) for c in table.columns]
    if len(headers) == 1 and any(sep in headers[0] for sep in ";\t|"):
        return f"{data} has one column, {headers[0]!r}: are its columns separated by something other than commas?"
    suggestion = closest(column, headers)
    return (
        f'did you mean `observed {name} = "{suggestion}"`?'
        if suggestion
        else f'map another column with `observed {name} = "Column"`'
    )


def _check_trials(model: CheckedModel, columns: Columns, found: Diagnostics) -> None:
    """Binomial successes cannot exceed their trials."""
    for node in model.outcomes():
        trials = node.fixed.get("n")
        if node.family not in ("Binomial", "BetaBinomial") or node.name not in columns or trials is None:
            continue
        if isinstance(trials, ir.Ref):
            n = columns[trials.name].values if trials.name in columns else None
        else:
            n = const_value(trials)
        if n is None:
            continue
        over = columns[node.name].values > n
        if np.any(over):
            found.add(
                "DS508",
                node.observed_span,
                family=node.family,
                name=node.name,
                support="0 .. n (the trials)",
                rows=rows_text(over),
                values=", ".join(f"{v:g}" for v in columns[node.name].values[over][:3]),
                suggestion="successes cannot exceed trials; check that n names the trials column",
            )


def _check_ordered_levels(model: CheckedModel, columns: Columns, found: Diagnostics) -> None:
    """An ordered or categorical outcome needs two levels; a declared level no row has is worth a warning (the
    cutpoints around it are set by their prior alone)."""
    for node in model.outcomes():
        column = columns.get(node.name)
        family = FAMILIES[node.outcome_family]
        if column is None or not (family.ordered or family.categorical):
            continue
        label = (node.observed.column if node.observed is not None else None) or node.name
        if family.counts:  # its categories are checked with its counts
            continue
        if family.categorical:
            if len(column.levels or ()) < 2:
                found.add("DS154", node.observed_span, name=node.name, count=len(column.levels or ()), column=label)
            continue
        if len(column.levels or ()) < 2:
            found.add("DS134", node.observed_span, name=node.name, count=len(column.levels), column=label)
            continue
        unseen = np.bincount(column.values, minlength=len(column.levels)) == 0
        if unseen.any():
            found.add(
                "DS133",
                node.observed_span,
                name=node.name,
                column=label,
                levels=", ".join(str(level) for level, none in zip(column.levels, unseen) if none),
            )


def _warn_constant_predictors(model: CheckedModel, columns: Columns, found: Diagnostics) -> None:
    for edge in model.edges:
        column = columns.get(edge.source)
        if model.nodes[edge.source].matrix:
            if edge.fitted and column is not None:
                _warn_constant_matrix_columns(model, edge, column, found)
            continue
        if edge.fitted and column is not None and len(column.values) > 1:
            distinct = len(np.unique(column.values))
            if distinct == 1:
                found.add(
                    "DS513",
                    model.nodes[edge.source].observed_span,
                    name=edge.source,
                    target=edge.target,
                    value=f"{column.levels[0] if column.categorical else column.values[0]:}",
                )


def _distance_matrices(
    model: CheckedModel, columns: Columns, base_dir: Path | None, found: _Findings, checking: bool
) -> None:
    """Each distance GP's matrix (a CSV file: a header of labels, each row a label and its distances), ordered as
    the levels of its node; DS576 for a matrix that is not square, symmetric and non-negative with a row for
    every level."""
    for edge in model.edges:
        smooth = edge.smooth
        if smooth is None or smooth.kind != "distance" or edge.source not in columns:
            continue
        found.data = smooth.distance
        path = Path(smooth.distance)
        try:
            table = read_table(path if path.is_absolute() else (base_dir or Path.cwd()) / path)
        except FileNotFoundError:
            found.add("DS526" if checking else "DS503", smooth.span, path=smooth.distance, reason="no such file")
            continue
        except DataFileError as exc:
            found.add(exc.code, smooth.span, **{**exc.fields, "path": smooth.distance})
            continue
        matrix = _distance_matrix(table, columns[edge.source].levels or [], edge.source, smooth, found)
        if matrix is not None:
            columns.matrices[edge.address] = matrix


def _distance_matrix(table: pd.DataFrame, levels: list, node: str, smooth, found: Diagnostics) -> np.ndarray | None:
    def bad(why: str, suggestion: str) -> np.ndarray | None:
        found.add("DS576", smooth.span, path=smooth.distance, why=why, suggestion=suggestion)
        return None

    layout = "the first column names each row's level, the header names the columns in the same way"
    rows, labels = [str(v) for v in table.iloc[:, 0]], [str(c) for c in table.columns[1:]]
    if len(labels) != len(rows) or set(labels) != set(rows) or len(set(rows)) != len(rows):
        return bad(
            f"it is not a square matrix with the same labels on its rows and columns "
            f"({len(rows)} rows, {len(labels)} columns)",
            layout,
        )
    values = table.iloc[:, 1:].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    values = values[:, [labels.index(r) for r in rows]]  # columns in the order of the rows
    if not np.all(np.isfinite(values)):
        return bad("some distances are missing or not numbers", "give a number for every pair of levels")
    if np.any(values < 0):
        row, col = np.argwhere(values < 0)[0]
        return bad(
            f"the distance between {rows[row]!r} and {rows[col]!r} is negative ({values[row, col]:g})",
            "distances are 0 or more",
        )
    if not np.allclose(values, values.T, rtol=1e-9, atol=0):
        row, col = np.argwhere(~np.isclose(values, values.T, rtol=1e-9, atol=0))[0]
        return bad(
            f"it is not symmetric: {rows[row]!r} to {rows[col]!r} is {values[row, col]:g}, the other way "
            f"{values[col, row]:g}",
            "give each pair of levels one distance",
        )
    missing = [str(level) for level in levels if str(level) not in rows]
    if missing:
        return bad(
            f"it has no row for level(s) {', '.join(map(repr, missing))} of {node}",
            "its labels: " + ", ".join(rows[:20]) + ("..." if len(rows) > 20 else ""),
        )
    order = [rows.index(str(level)) for level in levels]
    return values[np.ix_(order, order)]


def _warn_constant_matrix_columns(model: CheckedModel, edge, column: Column, found: Diagnostics) -> None:
    """A constant column of a matrix next to an intercept (posteriordb's column of ones) is not identified."""
    if len(column.values) < 2 or not model.nodes[edge.target].intercept:
        return
    names = model.nodes[edge.source].columns
    for j in np.flatnonzero(np.ptp(column.values, axis=0) == 0)[:3]:
        label = repr(names[j]) if names else str(j)
        found.add(
            "DS513",
            model.nodes[edge.source].observed_span,
            name=f"{edge.source}[:, {label}]",
            target=f"{edge.target} beside its intercept",
            value=f"{column.values[0, j]:g}",
        )


def _read_file(observation, base_dir: Path | None, found: Diagnostics, checking: bool = False) -> pd.DataFrame | None:
    path = Path(observation.file)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    try:
        return read_table(path)
    except FileNotFoundError:
        found.add("DS526" if checking else "DS503", observation.span, path=observation.file, reason="no such file")
    except DataFileError as exc:
        found.add(exc.code, observation.span, **{**exc.fields, "path": observation.file})
    return None


def _literal(expr):
    if isinstance(expr, ir.ListExpr):
        items = [_literal(item) for item in expr.items]
        return None if any(i is None for i in items) else items
    if isinstance(expr, ir.String):
        return expr.value
    if isinstance(expr, ir.Ref) and expr.name == "none":  # a missing value in a literal column
        return np.nan
    return const_value(expr)


def _convert(
    node: NodeInfo,
    raw: pd.Series,
    column: str,
    model: CheckedModel,
    found: Diagnostics,
    for_prediction: bool = False,
    levels: dict[str, list] | None = None,
) -> Column | None:
    span = node.observed_span
    if node.matrix:
        return _matrix(node, raw, column, found)
    if is_multinomial(node):  # a 2-D array or literal rows of counts
        counted = counts_from_rows(node, raw, repr(column), found)
        return Column(node.name, *counted) if counted is not None else None
    if raw.dtype == object and raw.map(_is_row).any():
        rows = raw[raw.map(_is_row)]
        shape = f"{len(raw)} rows of {len(rows.iloc[0])}"
        found.add("DS580", span, name=node.name, label=repr(column), shape=shape)
        return None
    missing = raw.isna().to_numpy()
    if node.categorical:
        if missing.any():
            found.add("DS504", span, column=column, count=int(missing.sum()), rows=rows_text(missing))
            return None
        if raw.dtype.kind in "mM":  # dates and durations are levels by their text
            raw = raw.astype(str)
        if levels and node.name in levels:
            if node.role == "outcome":  # an ordered outcome's levels are those of its fitted cutpoints
                return _categorical(node, raw, column, found, list(levels[node.name]))
            return _with_fitted_levels(node, raw, list(levels[node.name]))
        return _categorical(node, raw, column, found)
    if raw.dtype == bool:
        raw = raw.astype(float)
    if raw.dtype.kind in "mM":  # pandas would give nanoseconds
        found.add("DS524", span, column=column, name=node.name, kind="dates" if raw.dtype.kind == "M" else "durations")
        return None
    numeric = pd.to_numeric(raw, errors="coerce")
    bad = numeric.isna().to_numpy() & ~missing
    if bad.any():
        examples = ", ".join(repr(v) for v in raw[bad].head(3).tolist())
        found.add(
            "DS505",
            span,
            column=column,
            name=node.name,
            rows=rows_text(bad),
            values=examples,
            suggestion=_non_numeric_hint(node, raw[bad], column),
        )
        return None
    if numeric.dtype.kind == "c":
        imaginary = (np.imag(numeric.to_numpy()) != 0) & ~missing
        if imaginary.any():
            found.add(
                "DS523",
                span,
                column=column,
                name=node.name,
                rows=rows_text(imaginary),
                values=", ".join(str(v) for v in numeric[imaginary].head(3).tolist()),
            )
            return None
        numeric = pd.Series(np.real(numeric.to_numpy()), index=numeric.index)
    values = numeric.to_numpy(dtype=float)
    nonfinite = ~np.isfinite(values) & ~(np.isnan(values) if node.impute else False)
    if nonfinite.any():
        found.add("DS504", span, column=column, count=int(nonfinite.sum()), rows=rows_text(nonfinite))
        return None
    missing = np.isnan(values) if node.impute else np.zeros(len(values), dtype=bool)
    if node.impute and missing.all():
        found.add("DS535", span, name=node.name, column=column)
        return None
    if node.role == "outcome" and not for_prediction and node.se is None:  # a measurement may fall anywhere
        _check_outcome_support(node, values, column, model, found)
    return Column(node.name, values, missing=missing if missing.any() else None)


def _computed_matrix(node: NodeInfo, observation, table: pd.DataFrame, statistics, found) -> Column | None:
    """A matrix node observed through a matrix expression: each named array read and checked, then computed."""

    def read(name: str, span) -> np.ndarray:
        if name not in table.columns:
            raise ColumnError(
                "DS502",
                span,
                column=name,
                name=node.name,
                columns=", ".join(map(str, table.columns)),
                suggestion="a matrix expression reads an array of the data by its name",
            )
        column = _matrix(node, table[name].reset_index(drop=True), name, found, check_names=False)
        if column is None:
            raise ColumnError("DS581", span)  # reported by _matrix
        return column.values

    try:
        values = matrix_values(observation.expr, read, statistics, node.name)
    except ColumnError as exc:
        if exc.fields:
            found.add(exc.code, exc.span, **exc.fields)
        return None
    return _named_columns(node, values, expr_text(observation.expr), found)


def _named_columns(node: NodeInfo, values: np.ndarray, label: str, found) -> Column | None:
    """A matrix's values, if its declared column names (if any) are one per column; else DS581."""
    if node.columns is not None and len(node.columns) != values.shape[1]:
        found.add(
            "DS581",
            node.observed_span,
            name=node.name,
            label=repr(label),
            why=f"has {values.shape[1]} columns, but `columns = [...]` names {len(node.columns)}",
            suggestion="name every column, in order, or leave `columns` out (they are then numbered 0, 1, ...)",
        )
        return None
    return Column(node.name, values)


def _is_row(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _matrix(node: NodeInfo, raw: pd.Series, column: str, found: Diagnostics, check_names: bool = True) -> Column | None:
    """A matrix node's values: one row of K finite numbers per observation, as an N x K float array."""
    span, label = node.observed_span, repr(column)

    def bad(why: str, suggestion: str) -> None:
        found.add("DS581", span, name=node.name, label=label, why=why, suggestion=suggestion)

    flat = ~raw.map(_is_row).to_numpy()
    if flat.any():
        bad(
            f"has single values, not rows of numbers, at row(s) {rows_text(flat)}",
            "a matrix node reads a 2-D array (in JSON, a list of rows: [[1, 2], [3, 4]]); for one number per row "
            f"drop `: matrix` from `node {node.name}`",
        )
        return None
    lengths = raw.map(len).to_numpy()
    if len(set(lengths.tolist())) > 1:
        k = int(pd.Series(lengths).mode().iloc[0])
        odd = lengths != k
        bad(
            f"is ragged: most rows have {k} numbers, but row(s) {rows_text(odd)} have "
            + ", ".join(str(n) for n in lengths[odd][:3]),
            "every row of a matrix has the same number of columns",
        )
        return None
    try:
        values = np.array(raw.tolist(), dtype=float)
    except (TypeError, ValueError):
        bad("has entries that are not numbers", "a matrix holds numbers only")
        return None
    nonfinite = ~np.isfinite(values).all(axis=1) if values.ndim == 2 else np.ones(len(values), dtype=bool)
    if values.ndim != 2 or values.shape[1] == 0 or nonfinite.any():
        bad(
            f"has missing or infinite entries at row(s) {rows_text(nonfinite)}"
            if values.ndim == 2 and values.shape[1]
            else "has rows without numbers",
            "a matrix's entries cannot be imputed: fill them or drop those rows before fitting",
        )
        return None
    return _named_columns(node, values, column, found) if check_names else Column(node.name, values)


def _observation_columns(model: CheckedModel) -> dict[str, tuple[NodeInfo, str]]:
    """The data nodes that weight an outcome's rows or give its standard errors → (the outcome, the option)."""
    found: dict[str, tuple[NodeInfo, str]] = {}
    for outcome in model.outcomes():
        for option, ref in (("weights", outcome.weights), ("se", outcome.se)):
            if ref is not None:
                found.setdefault(ref.name, (outcome, option))
    return found


def _observation_values(
    node: NodeInfo, raw: pd.Series, column: str, outcome: NodeInfo, option: str, found: Diagnostics
) -> Column | None:
    """A weights column (finite numbers >= 0) or a standard-error column (finite numbers > 0), one per row."""
    numbers = pd.to_numeric(raw.astype(float) if raw.dtype == bool else raw, errors="coerce")
    values = numbers.to_numpy(dtype=float) if numbers.dtype.kind != "c" else np.full(len(raw), np.nan)
    text = numbers.isna().to_numpy() & ~raw.isna().to_numpy()
    missing = raw.isna().to_numpy() | (~np.isfinite(values) & ~text)
    low = ~text & ~missing & ((values < 0) if option == "weights" else (values <= 0))
    for bad, what in (
        (text, "values that are not numbers"),
        (missing, "missing or infinite values"),
        (low, "negative values" if option == "weights" else "values that are not positive"),
    ):
        if bad.any():
            found.add(
                "DS585" if option == "weights" else "DS586",
                node.observed_span,
                column=column,
                name=outcome.name,
                what=what,
                rows=rows_text(bad),
                values=", ".join(repr(plain_value(v)) for v in raw[bad].head(3).tolist()),
            )
            return None
    return Column(node.name, values)


def _censoring_codes(node: NodeInfo, raw: pd.Series, column: str, found: Diagnostics) -> Column | None:
    """A censoring column → codes 0 (the event time), 1 (right-censored), -1 (left-censored), 2 (interval)."""

    def code(value):
        if isinstance(value, str):
            return CENSORING_CODES.get(value.strip().lower())
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return int(number) if number in CENSORING_CODES.values() else None

    codes = [code(v) for v in raw.tolist()]
    bad = np.array([c is None for c in codes])
    if bad.any():
        values = ", ".join(sorted({repr(v) for v, b in zip(raw.tolist(), bad) if b})[:3])
        found.add("DS536", node.observed_span, column=column, values=values, rows=rows_text(bad))
        return None
    return Column(node.name, np.asarray(codes, dtype=float))


def _interval_uppers(node: NodeInfo, raw: pd.Series, column: str, found: Diagnostics) -> Column | None:
    """The upper ends of interval-censored rows: numbers, missing (NaN) on the rows that need none."""
    numeric = pd.to_numeric(raw, errors="coerce") if raw.dtype != bool else raw.astype(float)
    bad = numeric.isna().to_numpy() & ~raw.isna().to_numpy()
    if bad.any():
        examples = ", ".join(repr(v) for v in raw[bad].head(3).tolist())
        found.add(
            "DS505",
            node.observed_span,
            column=column,
            name=node.name,
            rows=rows_text(bad),
            values=examples,
            suggestion="the upper ends of censoring intervals are numbers (empty where a row has none)",
        )
        return None
    return Column(node.name, numeric.to_numpy(dtype=float))


def _check_censored_rows(model: CheckedModel, columns: Columns, found: Diagnostics) -> None:
    """Interval-censored rows (code 2) need an upper end above their lower end (the outcome's value)."""
    for node in model.outcomes():
        if node.censored is None or node.name not in columns or node.censored.name not in columns:
            continue
        interval = columns[node.censored.name].values == CENSORING_CODES["interval"]
        if not interval.any():
            continue
        upper_node = node.censored_upper.name if node.censored_upper is not None else None
        if upper_node is None or upper_node not in columns:
            if upper_node is None:
                found.add(
                    "DS560",
                    node.censored.span,
                    count=int(interval.sum()),
                    outcome=node.name,
                    where=" (no `upper = column` names them)",
                    rows=rows_text(interval),
                    suggestion=f"name the column of the intervals' upper ends: `node {node.name} ~ "
                    f"{node.family}(censored = {node.censored.name}, upper = {node.name}_upper)`",
                )
            continue
        lower, upper = columns[node.name].values, columns[upper_node].values
        label = _label(model.nodes[upper_node])
        missing = interval & ~np.isfinite(upper)
        if missing.any():
            found.add(
                "DS560",
                model.nodes[upper_node].observed_span,
                count=int(missing.sum()),
                outcome=node.name,
                where=f" in {label!r}",
                rows=rows_text(missing),
                suggestion=f"give each interval-censored row its upper end in {label!r}, or recode a row without "
                "one as right-censored (code right, 1)",
            )
        empty = interval & np.isfinite(upper) & ~(upper > lower)
        if empty.any():
            found.add(
                "DS561",
                model.nodes[upper_node].observed_span,
                count=int(empty.sum()),
                outcome=node.name,
                upper=upper_node,
                rows=rows_text(empty),
                values=", ".join(f"{a:g} to {b:g}" for a, b in zip(lower[empty][:3], upper[empty][:3])),
            )


def _check_truncation(model: CheckedModel, columns: Columns, found: Diagnostics) -> None:
    """A truncated outcome's observed values lie within its bounds (inclusive)."""
    for node in model.outcomes():
        if node.truncation is None or node.name not in columns:
            continue
        lower, upper = (np.inf * sign if b is None else b for b, sign in zip(node.truncation, (-1, 1)))
        values = columns[node.name].values
        outside = (values < lower) | (values > upper)
        if outside.any():
            found.add(
                "DS562",
                node.observed_span,
                count=int(outside.sum()),
                name=node.name,
                bounds=truncation_text(node.truncation),
                rows=rows_text(outside),
                values=", ".join(f"{v:g}" for v in values[outside][:3]),
            )


def _label(node: NodeInfo) -> str:
    observation = node.observed
    if observation is None:
        return node.name
    return (observation.column or node.name) if observation.expr is None else expr_text(observation.expr)


def _non_numeric_hint(node: NodeInfo, bad: pd.Series, column: str) -> str:
    if node.role != "outcome":
        return f"declare `node {node.name} : categorical` if it names categories, or clean the column"
    if node.family not in ("Bernoulli", "Binomial") or (node.observed and node.observed.expr is not None):
        return f"{node.name!r} is an outcome ({node.family}), so its values are numbers: clean the column"
    words = sorted({str(v) for v in bad.head(1000).tolist()})
    success = next((w for w in words if w.strip().lower() in SUCCESS_WORDS), words[0])
    reference = column if NAME.fullmatch(column) else json.dumps(column, ensure_ascii=False)
    return (
        f"a {node.family} outcome counts successes: observe 1 where the column says {success!r} and 0 "
        f"elsewhere with `observed {node.name} = indicator({reference}, {json.dumps(success, ensure_ascii=False)})`"
    )


def _with_fitted_levels(node: NodeInfo, raw: pd.Series, fitted: list) -> Column:
    """Codes of the fitted levels; levels not seen in fitting get the codes after them (sorted)."""
    lookup = {level_key(level): code for code, level in enumerate(fitted)}
    new = sorted({plain_value(v) for v in raw.tolist() if level_key(v) not in lookup}, key=str)
    levels = fitted + new
    lookup.update({level_key(level): len(fitted) + i for i, level in enumerate(new)})
    return Column(node.name, np.array([lookup[level_key(v)] for v in raw.tolist()], dtype=np.int64), levels)


def _categorical(
    node: NodeInfo, raw: pd.Series, column: str, found: Diagnostics, declared: list | None = None
) -> Column | None:
    values = raw.to_numpy()
    declared = declared if declared is not None else node.levels
    if declared is not None:
        levels = list(declared)
        lookup = {level_key(level): code for code, level in enumerate(levels)}
        codes = np.array([lookup.get(level_key(v), -1) for v in values], dtype=np.int64)
        unknown = codes < 0
        if unknown.any():
            found.add(
                "DS506",
                node.observed_span,
                column=column,
                name=node.name,
                rows=rows_text(unknown),
                levels=_listed(sorted({str(plain_value(v)) for v in values[unknown]})),
                declared=", ".join(map(str, levels)),
            )
            return None
        return Column(node.name, codes, levels)
    uniques = pd.unique(raw)
    if len(uniques) > MAX_LEVELS:
        found.add(
            "DS413",
            node.observed_span,
            what=f"{node.name!r} has {len(uniques)} levels (more than {MAX_LEVELS})",
            suggestion="a categorical node indexes one parameter per level; group the levels first",
        )
        return None
    try:
        levels = sorted(uniques.tolist())
    except TypeError:  # mixed numbers and strings
        levels = sorted(uniques.tolist(), key=str)
    levels = [plain_value(level) for level in levels]
    lookup = {level_key(level): code for code, level in enumerate(levels)}
    codes = np.array([lookup[level_key(v)] for v in values], dtype=np.int64)
    stray, why = stray_codes(levels)
    if stray:
        rows = np.isin(codes, [lookup[level_key(level)] for level in stray])
        found.add(
            "DS525",
            node.observed_span,
            levels=_listed(stray),
            name=node.name,
            column=column,
            rows=rows_text(rows),
            why=why,
            declared=", ".join(map(str, levels)),
        )
    return Column(node.name, codes, levels)


def stray_codes(levels: list) -> tuple[list, str]:
    """Integer levels (sorted) that look like mistakes among codes 0..k or 1..k, and why: negative codes (they
    sort first and move every other level's index up), and codes after a gap (they take the indices of the
    missing ones). Only when the other levels do run from 0 or 1 without a gap, which is what codes look like."""
    if not all(isinstance(level, int) and not isinstance(level, bool) for level in levels):
        return [], ""
    present = set(levels)
    start = 0 if 0 in present else 1
    end = start
    while end in present:
        end += 1
    after = [level for level in levels if level > end]
    negative = [level for level in levels if level < 0]
    if end - start < 2 or end - start <= len(after) + len(negative):
        return [], ""
    reasons = []
    if negative:
        s = "s" if len(negative) == 1 else ""
        reasons.append(f"{_listed(negative)} sort{s} first and move{s} every other level's index up by {len(negative)}")
    if after:
        missing = f"{end}" if after[0] == end + 1 else f"{end} .. {after[0] - 1}"
        reasons.append(
            f"{_listed(after)} follow{'s' if len(after) == 1 else ''} a gap after {end - 1} "
            f"({missing} missing), so {after[0]} takes the place of {end}"
        )
    return negative + after, "; ".join(reasons)


def _listed(values: list) -> str:
    return ", ".join(map(str, values[:5])) + (f" and {len(values) - 5} more" if len(values) > 5 else "")


def plain_value(value):
    """numpy scalars → Python ints/floats/strings (for coords and JSON)."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return int(value) if float(value).is_integer() else float(value)
    return value if isinstance(value, (int, str)) else str(value)


def _check_outcome_support(
    node: NodeInfo, values: np.ndarray, column: str, model: CheckedModel, found: Diagnostics
) -> None:
    family = FAMILIES[node.outcome_family]
    support = family.outcome
    outside = (
        ~np.array([support.contains(v) for v in values])
        if len(values) < 200_000
        else ~((values >= support.low) & (values <= support.high))
    )
    outside &= ~np.isnan(values)  # a missing value to impute is not outside
    if outside.any():
        examples = ", ".join(f"{v:g}" for v in values[outside][:3])
        suggestions = {
            "Bernoulli": "a Bernoulli outcome is 0 or 1; recode the column (e.g. `yes` → 1)",
            "Binomial": "Binomial outcomes count successes: non-negative integers",
            "Poisson": "Poisson outcomes are counts: non-negative integers",
            "NegativeBinomial": "NegativeBinomial outcomes are counts: non-negative integers",
            "Gamma": "Gamma outcomes are positive; a Normal or StudentT family takes any real value",
            "LogNormal": "LogNormal outcomes are positive",
            "Exponential": "durations are positive: a negative time is an end recorded before its start",
            "Weibull": "durations are positive: a negative time is an end recorded before its start",
            "Beta": "Beta outcomes are proportions strictly between 0 and 1",
        }
        found.add(
            "DS508",
            node.observed_span,
            family=family.name,
            name=node.name,
            support=support.words,
            rows=rows_text(outside),
            values=examples,
            suggestion=suggestions.get(family.name, "check the column"),
        )
