"""A CausalGraph, exposures and outcomes → valid, minimal and canonical adjustment sets (dagitty's semantics).

Total effects use the generalized adjustment criterion (Shpitser et al. 2010; van der Zander, Liśkiewicz and
Textor 2014), as dagitty does: Z is valid iff it has no descendant of a node on a proper causal path and it
d-separates X and Y in the proper back-door graph. Direct effects use Pearl's single-door criterion, as dagitty
does for `effect = "direct"`: Z d-separates X and Y once every edge from an exposure to an outcome is removed, and
has no descendant of an outcome that the exposures affect (with several exposures or outcomes, as dagitty's
listMsasDirectEffect: an outcome no exposure reaches may have descendants in Z).
Unobserved (latent) nodes are never used; nodes marked `adjusted` are in every set.
"""

from __future__ import annotations

from itertools import combinations

import networkx as nx

from .graph import CausalGraph, _set

MAX_CANDIDATES = 22  # all minimal sets are enumerated over at most this many candidate nodes


def _proper_causal_nodes(graph: nx.DiGraph, xs: set, ys: set) -> set:
    """Nodes (other than X) on proper causal paths from X to Y."""
    no_into_x = graph.copy()
    no_into_x.remove_edges_from([(p, x) for x in xs for p in list(graph.predecessors(x))])
    no_out_of_x = graph.copy()
    no_out_of_x.remove_edges_from([(x, c) for x in xs for c in list(graph.successors(x))])
    reachable = set().union(*(nx.descendants(no_into_x, x) for x in xs)) - xs
    reaches_y = set(ys) | set().union(*(nx.ancestors(no_out_of_x, y) for y in ys))
    return reachable & reaches_y


def _setting(graph: CausalGraph, exposure, outcome, effect: str):
    """The graph to separate X and Y in, and the nodes an adjustment set may not contain."""
    xs, ys = _set(exposure), _set(outcome)
    full = graph.to_networkx()
    if effect == "direct":
        test = full.copy()
        test.remove_edges_from([(x, y) for x in xs for y in ys if test.has_edge(x, y)])
        affected = ys & set().union(*(nx.descendants(full, x) for x in xs))
        forbidden = affected | set().union(*(nx.descendants(full, y) for y in affected)) | xs | ys
        return test, forbidden, xs, ys
    if effect != "total":
        raise ValueError(f"effect must be 'total' or 'direct', not {effect!r}")
    causal = _proper_causal_nodes(full, xs, ys)
    forbidden = causal | set().union(*(nx.descendants(full, w) for w in causal)) | xs | ys
    backdoor = full.copy()
    backdoor.remove_edges_from([(x, w) for x in xs for w in causal if backdoor.has_edge(x, w)])
    return backdoor, forbidden, xs, ys


def is_valid_adjustment(graph: CausalGraph, exposure, outcome, z, effect: str = "total") -> bool:
    test, forbidden, xs, ys = _setting(graph, exposure, outcome, effect)
    z = _set(z)
    if z & forbidden or z & graph.unobserved:
        return False
    return nx.is_d_separator(test, xs, ys, z)


def adjustment_sets(
    graph: CausalGraph, exposure, outcome, effect: str = "total", kind: str = "minimal"
) -> list[frozenset]:
    """All minimal adjustment sets (sorted by size, then names), or the canonical one as a one-element list;
    [] when the effect is not identifiable by adjustment."""
    test, forbidden, xs, ys = _setting(graph, exposure, outcome, effect)
    required = set(graph.adjusted)
    if required & (forbidden | graph.unobserved):
        return []
    allowed = set(test.nodes) - forbidden - graph.unobserved
    relevant = set().union(*(nx.ancestors(test, n) for n in xs | ys | required)) | required
    if kind == "canonical":
        canonical = frozenset((relevant & allowed) | required)
        return [canonical] if nx.is_d_separator(test, xs, ys, set(canonical)) else []
    if kind != "minimal":
        raise ValueError(f"kind must be 'minimal' or 'canonical', not {kind!r}")
    candidates = sorted((relevant & allowed) - required)
    if not nx.is_d_separator(test, xs, ys, (relevant & allowed) | required):
        return []  # not even the largest admissible set works: nothing does
    if len(candidates) > MAX_CANDIDATES:
        found = nx.find_minimal_d_separator(test, xs, ys, included=required, restricted=allowed | required)
        return [frozenset(found)] if found is not None else []
    minimal: list[frozenset] = []
    for size in range(len(candidates) + 1):
        for subset in combinations(candidates, size):
            chosen = frozenset(subset) | required
            if any(m <= chosen for m in minimal):
                continue
            if nx.is_d_separator(test, xs, ys, set(chosen)):
                minimal.append(chosen)
    return sorted(minimal, key=lambda s: (len(s), sorted(s)))
