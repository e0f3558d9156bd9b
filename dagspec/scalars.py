"""Data scalars (a JSON data file's numbers, `observed s = 2`, a single value passed in) → one checked number per
node, for use in priors, distributions, `let` and family options (posteriordb's prior means and sds).

A scalar is one value for the whole data set, not one per row, so it cannot be a predictor, an outcome or a
categorical node (DS546); it must be a finite number (DS545). Reading one never runs code."""

from __future__ import annotations

import math

import numpy as np

from .check.model import CheckedModel, NodeInfo
from .diagnostics import Diagnostics

SCALARS_ATTR = "dagspec_scalars"  # DataFrame.attrs key: the scalars read beside a table's columns


def json_scalars(document: dict) -> dict:
    """The entries of a JSON data object that are single values (numbers, and anything else a user may name by
    mistake, so that naming one gives a clear error instead of "not in the data")."""
    return {k: v for k, v in document.items() if not isinstance(v, (list, dict))}


def split_scalars(data: dict) -> tuple[dict, dict]:
    """Values passed in as a mapping → (arrays, single values)."""
    arrays = {k: v for k, v in data.items() if np.ndim(v) > 0}
    return arrays, {k: v for k, v in data.items() if np.ndim(v) == 0}


def checked_scalar(model: CheckedModel, node: NodeInfo, value, label: str, found: Diagnostics) -> float | None:
    """`value`, the single value observing `node` (`label`: its name in the data), as a float; else an error."""
    span = node.observed_span
    if (
        node.role == "outcome"
        or node.categorical
        or any(e.source == node.name or e.by == node.name for e in model.edges if e.fitted)
    ):
        use = "an outcome" if node.role == "outcome" else "a categorical node" if node.categorical else "a predictor"
        found.add("DS546", span, name=node.name, label=label, use=use)
        return None
    number = value.item() if isinstance(value, np.generic) else value
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        found.add("DS545", span, name=node.name, label=label, value=repr(number)[:40])
        return None
    return float(number)
