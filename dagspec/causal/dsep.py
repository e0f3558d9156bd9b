"""A CausalGraph → d-separation statements and the conditional independencies the DAG implies (dagitty's basis)."""

from __future__ import annotations

import networkx as nx

from .graph import CausalGraph, _set


def d_separated(graph: CausalGraph, xs, ys, given=()) -> bool:
    """Whether every path between xs and ys is blocked by `given` (networkx's d-separation)."""
    xs, ys, given = _set(xs), _set(ys), _set(given)
    if xs & ys:
        return False
    return nx.is_d_separator(graph.to_networkx(), xs, ys, given)


def implied_independencies(graph: CausalGraph) -> list[tuple[str, str, frozenset]]:
    """One statement per missing edge among observed nodes: u ⊥ v | pa(v) for v after u in topological order
    (dagitty's `missing.edge` type); where pa(v) has unobserved nodes, a minimal observed separator instead,
    and no statement when none exists."""
    full = graph.to_networkx()
    observed = [n for n in nx.lexicographical_topological_sort(full) if n in graph.observed]
    skeleton = full.to_undirected()
    unobserved = graph.unobserved
    found = []
    for j, v in enumerate(observed):
        for u in observed[:j]:
            if skeleton.has_edge(u, v):
                continue
            parents = set(full.predecessors(v))
            if parents & unobserved:
                separator = nx.find_minimal_d_separator(full, {u}, {v}, restricted=set(graph.observed) - {u, v})
                if separator is None:
                    continue
            else:
                separator = parents - {u}
            if nx.is_d_separator(full, {u}, {v}, set(separator)):
                found.append((u, v, frozenset(separator)))
    return found
