"""A Spec, its posterior and the fitted data → conditional effects: an outcome's expected value along one of its
parents, the other columns held at typical values (as brms's `conditional_effects` and Bambi's `interpret` draw
them), with the posterior mean and 94% HDI at each point.

The grid is over the raw column the parent reads (a transformed parent, `A = standardize(Age)`, is drawn along
Age, transformed as in fitting); a numeric column runs from its minimum to its maximum, a categorical parent
takes each of its fitted levels. Every other column the spec reads is held at its mean (numeric) or its most
frequent value (categorical, text). The expected values are `predict(kind="mean")` on these rows, so path
models, transforms, pools and `by` cells are handled exactly as predictions are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..data import read_table
from ..diagnostics import error
from ..scalars import split_scalars
from ..transforms import columns_read
from .predict import predict

POINTS = 50  # grid points along a numeric parent
HDI_PROB = 0.94


def conditional_effects(
    spec, idata, data=None, outcome: str | None = None, parent: str | None = None, points: int = POINTS
) -> pd.DataFrame:
    """One row per (outcome, parent, grid value): the outcome's posterior mean and 94% HDI there.

    Columns: outcome, parent, column (the raw column varied), value, categorical, mean, hdi_low, hdi_high.
    `outcome` and `parent` restrict the pairs (by node name or PyMC name); `data` is the fitted data when it was
    not the spec's own file."""
    import arviz as az

    checked = spec.checked
    table = _fitted_table(spec, data)
    pairs = _pairs(checked, outcome, parent)
    typical = _typical_row(checked, table)
    frames = []
    for out, source in pairs:
        column, categorical = _reads(checked.nodes[source])[0], checked.nodes[source].categorical
        if column not in table:
            continue
        grid = _grid(table[column], checked.nodes[source], categorical, points)
        rows = pd.DataFrame(
            {name: [value] * len(grid) for name, value in typical.items() if name not in _reads(checked.nodes[out])}
        )
        rows[column] = grid
        draws = predict(spec, idata, rows, kind="mean", outcomes=[checked.nodes[out].pymc_name], data=data)
        values = _expected_value(draws.predictions[checked.nodes[out].pymc_name])
        stacked = values.stack(sample=("chain", "draw")).transpose(..., "sample").values.reshape(len(grid), -1)
        hdi = np.array([az.hdi(row, hdi_prob=HDI_PROB) for row in stacked])
        frames.append(
            pd.DataFrame(
                {
                    "outcome": out,
                    "parent": source,
                    "column": column,
                    "value": list(grid),
                    "categorical": categorical,
                    "mean": stacked.mean(axis=1),
                    "hdi_low": hdi[:, 0],
                    "hdi_high": hdi[:, 1],
                }
            )
        )
    if not frames:
        raise error(
            "DS620",
            what="no parent of an outcome reads a data column to vary",
            suggestion="conditional effects vary a parent observed from one column of the data",
        )
    return pd.concat(frames, ignore_index=True)


def _expected_value(values):
    """An outcome's expected value per draw and row; for an ordered outcome (the probability of each level), the
    expected level: its value for numeric levels, its position (1, 2, ...) for named ones."""
    extra = [d for d in values.dims if d not in ("chain", "draw") and d != values.dims[2]]
    if not extra:
        return values
    levels = values[extra[0]].values
    scores = levels.astype(float) if np.issubdtype(levels.dtype, np.number) else np.arange(1.0, len(levels) + 1)
    return (values * xr.DataArray(scores, dims=extra[0], coords={extra[0]: levels})).sum(extra[0])


def _fitted_table(spec, data) -> pd.DataFrame:
    """The rows the spec was fitted to: `data` (a frame or a path), else the file the spec's `observed` names."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, dict):  # columns (and single values, which no parent reads) as `sample` takes them
        return pd.DataFrame({k: np.asarray(v) for k, v in split_scalars(data)[0].items()})
    if data is not None:
        return read_table(Path(data))
    files = {n.observed.file for n in spec.checked.nodes.values() if n.observed is not None and n.observed.file}
    if len(files) != 1:
        raise error(
            "DS620",
            what=f"conditional effects need the fitted data, and the spec names {len(files) or 'no'} data files",
            suggestion="pass the data the spec was fitted to (data=... or --data FILE)",
        )
    path = Path(files.pop())
    base = spec.path.parent if spec.path is not None else Path.cwd()
    return read_table(path if path.is_absolute() else base / path)


def _pairs(checked, outcome: str | None, parent: str | None) -> list[tuple[str, str]]:
    """(outcome, parent) for each fitted edge and `by` group into an outcome, in the spec's order."""
    names = {n.pymc_name: n.name for n in checked.nodes.values()}
    wanted_outcome = names.get(outcome, outcome) if outcome else None
    wanted_parent = names.get(parent, parent) if parent else None
    outcomes = [n.name for n in checked.outcomes()]
    if wanted_outcome is not None and wanted_outcome not in outcomes:
        raise error(
            "DS620", what=f"{outcome} is not an outcome of this spec", suggestion="outcomes: " + ", ".join(outcomes)
        )
    pairs: list[tuple[str, str]] = []
    for edge in checked.edges:
        if not edge.fitted or edge.target not in outcomes:
            continue
        for source in (edge.source, edge.by):
            if source is not None and len(_reads(checked.nodes[source])) == 1:  # a column of the data to vary
                pairs.append((edge.target, source))
    pairs = [p for p in dict.fromkeys(pairs) if (wanted_outcome in (None, p[0])) and (wanted_parent in (None, p[1]))]
    if not pairs:
        what = (
            f"{parent} is not a parent of {outcome or 'an outcome'} observed from one column of the data"
            if parent
            else "no outcome has a parent observed from one column of the data"
        )
        raise error("DS620", what=what, suggestion="choose an edge `x -> y` of the spec whose x is observed")
    return pairs


def _reads(node) -> tuple[str, ...]:
    """The columns a node's own values come from (a plain column, or those its transform reads)."""
    observation = node.observed
    if observation is None or observation.literal is not None:
        return ()
    if observation.expr is not None:
        return tuple(dict.fromkeys(columns_read(observation.expr)))
    return (observation.column,) if observation.column else ()


def _grid(column: pd.Series, node, categorical: bool, points: int) -> list:
    present = column.dropna()
    if categorical or not pd.api.types.is_numeric_dtype(present):
        levels = node.levels if node.levels else sorted(present.unique(), key=lambda v: (str(type(v)), v))
        return list(levels)
    return list(np.linspace(float(present.min()), float(present.max()), points))


def _typical_row(checked, table: pd.DataFrame) -> dict:
    """Every column the spec reads, at its mean (numeric) or its most frequent value (categorical or text)."""
    categorical = {c for n in checked.nodes.values() if n.categorical for c in _reads(n)}
    row = {}
    for node in checked.nodes.values():
        for column in _reads(node):
            if column in row or column not in table:
                continue
            values = table[column].dropna()
            if len(values) == 0:
                continue
            numeric = pd.api.types.is_numeric_dtype(values) and column not in categorical
            row[column] = float(values.mean()) if numeric else values.mode().iloc[0]
    return row
