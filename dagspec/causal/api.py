"""A Spec, a .dag path, dagitty text or a CausalGraph → the public causal-analysis functions of dagspec."""

from __future__ import annotations

from pathlib import Path

from . import adjustment, dsep, roles
from .dagitty import DAGITTY, parse_dagitty
from .graph import CausalGraph, from_checked


def as_graph(graph) -> CausalGraph:
    """Accept a CausalGraph, a Spec, a path to a .dag (or dagitty) file, or dagitty / .dag text."""
    if isinstance(graph, CausalGraph):
        return graph
    if hasattr(graph, "checked"):
        return from_checked(graph.checked)
    text, name = None, "<string>"
    if isinstance(graph, Path) or (
        isinstance(graph, str) and "\n" not in graph and graph.endswith((".dag", ".dagitty"))
    ):
        from ..spec import load

        path = Path(graph)
        if path.suffix == ".dagitty" or DAGITTY.match(path.read_text(encoding="utf-8")):
            return parse_dagitty(path.read_text(encoding="utf-8"))
        return from_checked(load(path).checked)
    if isinstance(graph, str):
        text = graph
    if text is not None and DAGITTY.match(text):
        return parse_dagitty(text)
    if text is not None:
        from ..spec import parse

        return from_checked(parse(text, name).checked)
    raise TypeError(f"not a graph: {type(graph).__name__}; pass a Spec, a path, dagitty text or a CausalGraph")


def adjustment_sets(graph, exposure, outcome, effect: str = "total", kind: str = "minimal") -> list[frozenset]:
    """Adjustment sets for the effect of `exposure` on `outcome`, with dagitty's semantics.

    `effect`: "total" or "direct"; `kind`: "minimal" (all minimal sets) or "canonical" (a one-element list).
    Unobserved nodes are never used; [] means the effect is not identifiable by adjustment.

    >>> adjustment_sets("dag { z -> x; z -> y; x -> y }", "x", "y")
    [frozenset({'z'})]
    """
    return adjustment.adjustment_sets(as_graph(graph), exposure, outcome, effect, kind)


def d_separated(graph, xs, ys, given=()) -> bool:
    """Whether `given` blocks every path between xs and ys.

    >>> d_separated("dag { x -> m -> y }", "x", "y", given={"m"})
    True
    """
    return dsep.d_separated(as_graph(graph), xs, ys, given)


def implied_independencies(graph) -> list[tuple[str, str, frozenset]]:
    """The conditional independencies the DAG implies among observed nodes (one per missing edge).

    >>> implied_independencies("dag { x -> m -> y }")
    [('x', 'y', frozenset({'m'}))]
    """
    return dsep.implied_independencies(as_graph(graph))


def explain(graph, exposure: str, outcome: str, given=()) -> str:
    """Every path between exposure and outcome in words, the adjustment sets, and each node's role."""
    return roles.explain(as_graph(graph), exposure, outcome, given)
