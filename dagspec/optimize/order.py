"""Plan entries in any order → the same entries ordered so each comes after every variable it reads."""

from __future__ import annotations

import networkx as nx

from ..plan import (
    DataVar,
    DerivedVar,
    DistOf,
    Func,
    Idx,
    LikelihoodVar,
    ListOf,
    LogDensity,
    Op,
    PriorPotential,
    RandomVariable,
    Slice,
    VarRef,
)


def refs(expr) -> set[str]:
    """The variable names a plan expression reads."""
    if isinstance(expr, VarRef):
        return {expr.name}
    if isinstance(expr, (Op, Func)):
        return set().union(*(refs(a) for a in expr.args)) if expr.args else set()
    if isinstance(expr, ListOf):
        return set().union(*(refs(i) for i in expr.items)) if expr.items else set()
    if isinstance(expr, Idx):
        return refs(expr.target).union(*(refs(s) for s in expr.subscripts))
    if isinstance(expr, Slice):
        return refs(expr.start) | refs(expr.stop)
    if isinstance(expr, DistOf):
        return set().union(*(refs(a) for a in expr.args.values())) if expr.args else set()
    return set()  # Const, None


def reads(entry) -> set[str]:
    if isinstance(entry, DataVar):
        return set()
    if isinstance(entry, RandomVariable):
        return set().union(*(refs(a) for a in entry.args.values()), refs(entry.observed))
    if isinstance(entry, (DerivedVar, LogDensity)):
        return refs(entry.expr)
    if isinstance(entry, PriorPotential):
        return set().union(*(refs(a) for a in entry.args.values()), refs(entry.value))
    if isinstance(entry, LikelihoodVar):
        names = {entry.observed} | ({entry.intercept} if entry.intercept else set())
        for term in entry.terms:
            names |= {term.param, *term.index} | refs(term.value)
        return names.union(*(refs(a) for a in entry.aux.values()))
    raise TypeError(entry)


def read_by_others(entries: list) -> set[str]:
    """The names some entry reads (an entry never reads its own name, so for any entry e, `e.name in` this set
    says whether another entry reads it)."""
    return set().union(*(reads(e) for e in entries)) if entries else set()


def dependency_graph(plan) -> nx.DiGraph:
    """An edge from each entry of a plan to every entry that reads it."""
    names = {e.name for e in plan.entries}
    graph = nx.DiGraph()
    for entry in plan.entries:
        graph.add_node(entry.name)
        graph.add_edges_from((name, entry.name) for name in reads(entry) if name in names)
    return graph


def informed_by(graph: nx.DiGraph, observed: set[str]) -> set[str]:
    """The entries some observed entry depends on (in one traversal, not one per entry)."""
    sink = object()
    graph = graph.copy()
    graph.add_edges_from((name, sink) for name in observed)
    return nx.ancestors(graph, sink) - {sink} if observed else set()


def reorder(entries: list) -> list:
    position = {e.name: i for i, e in enumerate(entries)}
    graph = nx.DiGraph()
    graph.add_nodes_from(position)
    for entry in entries:
        graph.add_edges_from((name, entry.name) for name in reads(entry) if name in position)
    by_name = {e.name: e for e in entries}
    order = nx.lexicographical_topological_sort(graph, key=lambda name: position[name])
    return [by_name[name] for name in order]
