"""Matrix nodes (`node X : matrix`) → diagnostics for the roles a matrix cannot take.

A matrix node holds a row of K numbers per observation (posteriordb's design matrix `X`, N x K). It enters a
regression through a plain edge `X -> y`, whose coefficient is a K-vector (dimension `X__column`) and whose term
is the product `X @ b`. It cannot be an outcome, a `by` group, a factor of an interaction or a value in an
expression but a summary of its columns (DS160): each of those reads one number per row."""

from __future__ import annotations

from ..diagnostics import Diagnostics
from .model import CheckedModel, Edge

USE = "use it through an edge, `X -> y`: one coefficient per column, `X @ b` in the linear predictor"


def check_matrix_roles(model: CheckedModel, found: Diagnostics) -> None:
    for node in model.nodes.values():
        if node.matrix and node.family is not None:
            _misused(found, node.span, node.name, "it cannot be an outcome (a likelihood has one value per row)")
    for edge in model.edges:
        _check_edge(model, edge, found)


def _check_edge(model: CheckedModel, edge: Edge, found: Diagnostics) -> None:
    if edge.factors:
        for factor in edge.factors:
            if factor in model.nodes and model.nodes[factor].matrix:
                _misused(found, edge.span, factor, f"it cannot be a factor of the interaction {edge.address}")
        return
    if edge.by is not None and model.nodes.get(edge.by) is not None and model.nodes[edge.by].matrix:
        _misused(found, edge.span, edge.by, "it cannot be a `by` group, which takes a categorical node's levels")
    source = model.nodes.get(edge.source)
    if source is not None and source.matrix and edge.by is not None and edge.fitted:
        _misused(
            found,
            edge.span,
            edge.source,
            f"its coefficients cannot vary by {edge.by} yet",
            suggestion="fit `X -> y`, or give each varying column a node of its own",
        )


def matrix_value_refused(found: Diagnostics, span, name: str) -> None:
    """A matrix node named as a value (in `let`, a prior or a distribution) but in a summary (`mean(X)`)."""
    _misused(
        found,
        span,
        name,
        "it is not a value of an expression",
        suggestion="use it through an edge, `X -> y`, or summarize its columns: `mean(X)` is one mean per column",
    )


def _misused(found: Diagnostics, span, name: str, why: str, suggestion: str = USE) -> None:
    found.add("DS160", span, name=name, columns="K numbers", why=why, suggestion=suggestion)
