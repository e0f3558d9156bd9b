"""Summaries in expressions (`mean(x)`, `sd(x)`, `min`, `max`, `sum`) → DS582 for a summary of a categorical node.

A summary of a numeric data node is a number computed from its fitted rows (`let b0 = a - mean(x) * b`, brms's
intercept on the original scale), of a matrix node one number per column; of a categorical node it would
average level codes, which mean nothing."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostics
from ..dists import SUMMARIES
from .calls import expression_calls
from .model import CheckedModel


def check_summaries(expr, model: CheckedModel, found: Diagnostics) -> None:
    for call in expression_calls(expr):
        if call.func not in SUMMARIES or len(call.args) != 1 or not isinstance(call.args[0], ir.Ref):
            continue
        node = model.nodes.get(call.args[0].name)
        if node is not None and node.categorical and node.role in ("data", "outcome"):
            found.add(
                "DS582",
                call.span,
                what=f"{call.func}({node.name}) summarizes the level codes of the categorical node {node.name!r}, "
                "which are labels, not numbers",
                suggestion=f"summarize a numeric column, or observe an indicator of one level: "
                f'`observed {node.name}_a = indicator(column, "a")`',
            )


def summarized_refs(expr) -> set[int]:
    """The ids of the names an expression summarizes directly (`X` in `mean(X)`): a matrix may be named there."""
    return {
        id(call.args[0])
        for call in expression_calls(expr)
        if call.func in SUMMARIES and len(call.args) == 1 and isinstance(call.args[0], ir.Ref)
    }
