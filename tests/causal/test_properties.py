"""Property tests on random DAGs: minimal sets are valid and minimal; canonical exists iff a minimal one does."""

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from dagspec.causal import CausalGraph, adjustment_sets, is_valid_adjustment


@st.composite
def dags(draw):
    n = draw(st.integers(3, 7))
    names = [f"v{i}" for i in range(n)]
    edges = tuple((a, b) for i, a in enumerate(names) for b in names[i + 1 :] if draw(st.booleans()))
    latent = frozenset(name for name in names[1:-1] if draw(st.integers(0, 4)) == 0)
    x, y = draw(st.sampled_from(list(combinations(names, 2))))
    return CausalGraph(tuple(names), edges, latent=latent - {x, y}), x, y


@settings(max_examples=150, deadline=None)
@given(dags(), st.sampled_from(["total", "direct"]))
def test_minimal_sets_are_valid_and_minimal(case, effect):
    graph, x, y = case
    minimal = adjustment_sets(graph, x, y, effect=effect)
    for found in minimal:
        assert is_valid_adjustment(graph, x, y, found, effect)
        assert not found & graph.latent
        for smaller in combinations(sorted(found), max(0, len(found) - 1)) if found else ():
            assert not is_valid_adjustment(graph, x, y, set(smaller), effect)
    canonical = adjustment_sets(graph, x, y, effect=effect, kind="canonical")
    assert bool(canonical) == bool(minimal)
    if canonical:
        assert is_valid_adjustment(graph, x, y, canonical[0], effect)
