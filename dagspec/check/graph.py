"""Nodes and edges → which edges are fitted, `by` groups, implicit dependency edges, and cycles."""

from __future__ import annotations

import networkx as nx

from ..diagnostics import Diagnostics
from .model import ROLE_WORDS, CheckedModel, Edge, NodeInfo


def classify_edges(nodes: dict[str, NodeInfo], edges: list[Edge], found: Diagnostics, skip=frozenset()) -> None:
    """An edge is fitted when it points at an outcome from a node that has values in the model.

    Outcomes in `skip` are fitted by an `estimate`: their causal edges are not regressions.
    """
    for edge in edges:
        source, target = nodes.get(edge.source), nodes.get(edge.target)
        if source is None or target is None or edge.target in skip:
            continue
        if target.role in ("random", "derived"):
            found.add("DS306", edge.span, target=target.name, source=source.name, kind=ROLE_WORDS[target.role])
            continue
        if target.role != "outcome":
            continue  # an edge into a data or graph-only node is causal knowledge, not a regression
        if not source.has_values:
            found.add("DS304", edge.span, source=source.name, target=target.name)
            continue
        edge.fitted = True
        if edge.by is not None:
            group = nodes.get(edge.by)
            if group is None or group.matrix:  # a matrix `by` group: DS160 (check.matrices)
                continue
            if not group.categorical or group.observed is None:
                kind = "not observed" if group.observed is None else ROLE_WORDS[group.role] + " (numeric)"
                found.add("DS305", edge.span, group=edge.by, kind=kind)
                edge.fitted = False


def check_acyclic(model: CheckedModel, found: Diagnostics) -> bool:
    """The causal graph must be a DAG, and so must what the fitted model computes from what."""
    return _acyclic(model.causal_graph(), model, found) and _acyclic(model.dependency_graph(), model, found)


def _acyclic(graph: nx.DiGraph, model: CheckedModel, found: Diagnostics) -> bool:
    if nx.is_directed_acyclic_graph(graph):  # linear; find_cycle is slow on large acyclic graphs
        return True
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return True
    names = [source for source, _ in cycle] + [cycle[0][0]]
    names = [f"[{n}]" if n in model.params else n for n in names]  # a parameter's address, e.g. [x -> y]
    span = graph.edges[cycle[0]].get("span")
    for source, target in cycle:  # point at an explicit edge where there is one
        explicit = next((e for e in model.edges if e.source == source and e.target == target), None)
        if explicit is not None:
            span = explicit.span
            break
    found.add("DS301", span, cycle=" -> ".join(names))
    return False


def warn_unused(model: CheckedModel, found: Diagnostics) -> None:
    graph = model.dependency_graph()
    graph.add_edges_from(model.causal_graph().edges)
    for node in model.nodes.values():
        if node.role in ("data", "graph") and node.declared and graph.degree(node.name) == 0:
            found.add("DS309", node.span, name=node.name)
