"""Nodes, directed and bidirected edges, latent/exposure/outcome marks → a CausalGraph (a networkx DAG underneath)."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx


class CausalGraphError(ValueError):
    """The graph is not a DAG or names unknown nodes."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class CausalGraph:
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...] = ()
    bidirected: tuple[tuple[str, str], ...] = ()  # a <-> b: an unobserved common cause
    latent: frozenset = frozenset()
    exposure: frozenset = frozenset()
    outcome: frozenset = frozenset()
    adjusted: frozenset = frozenset()
    positions: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        known = set(self.nodes)
        for a, b in self.edges + self.bidirected:
            for name in (a, b):
                if name not in known:
                    raise CausalGraphError(f"unknown node {name!r} in an edge", "declare every node of an edge")
        for label, names in (
            ("latent", self.latent),
            ("exposure", self.exposure),
            ("outcome", self.outcome),
            ("adjusted", self.adjusted),
        ):
            unknown = set(names) - known
            if unknown:
                raise CausalGraphError(f"unknown {label} node(s): {', '.join(sorted(unknown))}")
        graph = nx.DiGraph(list(self.edges))
        graph.add_nodes_from(self.nodes)
        if nx.is_directed_acyclic_graph(graph):
            return
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        names = [a for a, _ in cycle] + [cycle[0][0]]
        raise CausalGraphError(f"the graph has a cycle: {' -> '.join(names)}", "remove or reverse one of these edges")

    def to_networkx(self) -> nx.DiGraph:
        """A DiGraph in which each a <-> b becomes an explicit latent node U -> a, U -> b."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from(self.edges)
        for a, b in self.bidirected:
            hidden = f"<{a}<->{b}>"
            graph.add_edges_from([(hidden, a), (hidden, b)])
        return graph

    @property
    def unobserved(self) -> frozenset:
        """Latent nodes plus the hidden common causes of bidirected edges."""
        return frozenset(self.latent) | {f"<{a}<->{b}>" for a, b in self.bidirected}

    @property
    def observed(self) -> tuple[str, ...]:
        return tuple(n for n in self.nodes if n not in self.latent)

    def parents(self, node: str) -> set[str]:
        return set(self.to_networkx().predecessors(node))

    def children(self, node: str) -> set[str]:
        return set(self.to_networkx().successors(node))

    def ancestors(self, nodes) -> set[str]:
        graph = self.to_networkx()
        return set().union(*(nx.ancestors(graph, n) for n in _set(nodes)))

    def descendants(self, nodes) -> set[str]:
        graph = self.to_networkx()
        return set().union(*(nx.descendants(graph, n) for n in _set(nodes)))

    def with_marks(self, **marks) -> CausalGraph:
        values = {k: frozenset(_set(v)) for k, v in marks.items()}
        return CausalGraph(
            self.nodes,
            self.edges,
            self.bidirected,
            values.get("latent", self.latent),
            values.get("exposure", self.exposure),
            values.get("outcome", self.outcome),
            values.get("adjusted", self.adjusted),
            self.positions,
        )


def _set(names) -> set[str]:
    return {names} if isinstance(names, str) else set(names)


def from_checked(model) -> CausalGraph:
    """The causal DAG a checked spec declares: unobserved nodes are latent."""
    graph = model.causal_graph()
    latent = frozenset(n for n, data in graph.nodes(data=True) if not data.get("observed", False))
    return CausalGraph(tuple(graph.nodes), tuple(graph.edges), latent=latent)
