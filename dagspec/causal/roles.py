"""A CausalGraph and an (exposure, outcome) pair → every path between them, what each node does on it, in words."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from .graph import CausalGraph, _set

MAX_PATHS = 200


@dataclass
class Path:
    nodes: list[str]
    arrows: list[str]  # "->" or "<-" between consecutive nodes
    colliders: list[str] = field(default_factory=list)

    @property
    def causal(self) -> bool:
        return all(a == "->" for a in self.arrows)

    @property
    def backdoor(self) -> bool:
        return self.arrows[0] == "<-"

    def text(self) -> str:
        parts = [self.nodes[0]]
        for arrow, node in zip(self.arrows, self.nodes[1:]):
            parts += [arrow, node]
        return " ".join(parts)

    def open_given(self, graph: nx.DiGraph, given: set) -> bool:
        """d-connection: no non-collider in `given`, every collider in `given` or with a descendant in it."""
        for node in self.nodes[1:-1]:
            if node in self.colliders:
                if node not in given and not (nx.descendants(graph, node) & given):
                    return False
            elif node in given:
                return False
        return True


def paths_between(graph: CausalGraph, exposure: str, outcome: str) -> list[Path]:
    full = graph.to_networkx()
    skeleton = full.to_undirected()
    found = []
    for nodes in nx.all_simple_paths(skeleton, exposure, outcome):
        arrows = ["->" if full.has_edge(a, b) else "<-" for a, b in zip(nodes, nodes[1:])]
        colliders = [nodes[i] for i in range(1, len(nodes) - 1) if arrows[i - 1] == "->" and arrows[i] == "<-"]
        found.append(Path(list(nodes), arrows, colliders))
        if len(found) >= MAX_PATHS:
            break
    return sorted(found, key=lambda p: (not p.causal, len(p.nodes), p.text()))


def node_roles(graph: CausalGraph, exposure: str, outcome: str) -> dict[str, set[str]]:
    """Each other node's roles: mediator, confounder, collider, descendant of the outcome, instrument."""
    full = graph.to_networkx()
    found: dict[str, set[str]] = {}
    ancestors_x, ancestors_y = nx.ancestors(full, exposure), nx.ancestors(full, outcome)
    descendants_x, descendants_y = nx.descendants(full, exposure), nx.descendants(full, outcome)
    no_out_of_x = full.copy()
    no_out_of_x.remove_edges_from(list(full.out_edges(exposure)))
    for node in full.nodes:
        if node in (exposure, outcome) or node.startswith("<"):
            continue
        kinds = set()
        if node in descendants_x and node in ancestors_y:
            kinds.add("mediator")
        if node in ancestors_x and node in ancestors_y and node not in descendants_x:
            kinds.add("confounder")
        if node in descendants_y:
            kinds.add("descendant of the outcome")
        if (
            node in ancestors_x
            and not nx.is_d_separator(full, {node}, {exposure}, set())
            and nx.is_d_separator(no_out_of_x, {node}, {outcome}, set())
        ):
            kinds.add("instrument")
        found[node] = kinds
    for path in paths_between(graph, exposure, outcome):
        for collider in path.colliders:
            found.setdefault(collider, set()).add("collider")
    return {node: kinds for node, kinds in found.items() if kinds}


def explain(graph: CausalGraph, exposure: str, outcome: str, given=()) -> str:
    """The paths between exposure and outcome in words, one per line, and what to adjust for."""
    given = _set(given)
    full = graph.to_networkx()
    lines = [f"paths between {exposure} and {outcome}" + (f" given {', '.join(sorted(given))}" if given else "") + ":"]
    for path in paths_between(graph, exposure, outcome):
        interior = path.nodes[1:-1]
        is_open = path.open_given(full, given)
        if path.causal:
            via = (
                f" through mediator{'s' if len(interior) > 1 else ''} {', '.join(interior)}"
                if interior
                else " (direct)"
            )
            words = f"causal path{via}" + (
                "" if is_open else f": blocked by {', '.join(sorted(given & set(interior)))}"
            )
        elif path.colliders and not is_open:
            words = (
                f"closed at collider {', '.join(path.colliders)} "
                f"(do not adjust for {', '.join(path.colliders)} or its descendants)"
            )
        elif path.colliders:
            words = f"OPENED by adjusting for collider {', '.join(path.colliders)}: a spurious association"
        elif is_open:
            forks = [n for i, n in enumerate(interior, 1) if path.arrows[i - 1] == "<-" and path.arrows[i] == "->"]
            kind = f" (fork at {', '.join(forks)})" if forks else ""
            observed = [n for n in interior if n not in graph.unobserved]
            advice = (
                f"adjusting for any of {', '.join(observed)} blocks it"
                if len(observed) > 1
                else f"adjusting for {observed[0]} blocks it"
                if observed
                else "it runs through unobserved nodes only"
            )
            words = f"open {'back-door' if path.backdoor else 'non-causal'} path{kind}: {advice}"
        else:
            words = f"{'back-door' if path.backdoor else 'non-causal'} path blocked by {', '.join(sorted(given & set(interior)))}"
        lines.append(f"  {path.text():<32} {words}")
    from .adjustment import adjustment_sets

    sets = adjustment_sets(graph, exposure, outcome)
    if sets:
        shown = " or ".join("{" + ", ".join(sorted(s)) + "}" for s in sets)
        lines.append(
            f"minimal adjustment sets for the total effect: {shown}".replace(": {}", ": {} (no adjustment needed)")
        )
    else:
        lines.append("the total effect is not identifiable by adjustment")
    found_roles = node_roles(graph, exposure, outcome)
    if found_roles:
        lines.append("roles:")
        lines += [f"  {node}: {', '.join(sorted(kinds))}" for node, kinds in sorted(found_roles.items())]
    return "\n".join(lines)
