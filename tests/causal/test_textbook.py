"""Textbook DAGs with known answers: adjustment sets (dagitty's semantics), d-separation, implications, roles."""

import pytest

import dagspec
from dagspec.causal import (
    CausalGraph,
    CausalGraphError,
    adjustment_sets,
    d_separated,
    implied_independencies,
    is_valid_adjustment,
    node_roles,
    parse_dagitty,
)

FORK = parse_dagitty("dag { z -> x; z -> y; x -> y }")
PIPE = parse_dagitty("dag { x -> m -> y }")
COLLIDER = parse_dagitty("dag { x -> z; y -> z; x -> y }")
M_BIAS = parse_dagitty("dag { a -> x; a -> m; b -> m; b -> y; x -> y }")
WAFFLE = parse_dagitty("dag { S -> A; S -> M; S -> W; A -> M; A -> D; M -> D; W -> D }")  # Rethinking 6.4.3
FRONT_DOOR = parse_dagitty("dag { U [latent]; U -> X; U -> Y; X -> M -> Y }")
GRANDPARENTS = parse_dagitty("dag { U [latent]; G -> P -> C; G -> C; U -> P; U -> C }")  # Rethinking 6.3.2
TWO_ROADS = parse_dagitty("dag { U [latent]; A -> C; A -> U; C -> B; U -> B; U -> X; X -> Y; C -> Y }")  # 6.4.2
PEARL_3_4 = parse_dagitty("""dag {
  X1 -> X3; X1 -> X4; X2 -> X4; X2 -> X5; X3 -> X; X4 -> X; X4 -> Y; X5 -> Y; X -> X6; X6 -> Y
}""")  # Pearl, Causality, figure 3.4
INSTRUMENT = parse_dagitty("dag { U [latent]; Z -> X -> Y; U -> X; U -> Y }")
ELWERT = parse_dagitty("""dag { U [latent]; X [exposure]; Y [outcome]
  U -> Z1; U -> Z3; X -> Z1; Z2 -> Y; Z2 -> Z1; Z2 -> Z3; Z3 -> Y }""")  # Elwert 2013: nothing to adjust
COMBINED = parse_dagitty("dag { x1 -> x2 -> y; x1 -> y; x1 -> z; y -> z }")  # the tutorial's combined confounds


def sets(*groups):
    return [frozenset(g) for g in groups]


@pytest.mark.parametrize(
    "graph, x, y, expected",
    [
        (FORK, "x", "y", sets({"z"})),
        (PIPE, "x", "y", sets(set())),
        (COLLIDER, "x", "y", sets(set())),
        (M_BIAS, "x", "y", sets(set())),
        (WAFFLE, "W", "D", sets({"S"}, {"A", "M"})),
        (WAFFLE, "M", "D", sets({"A", "S"}, {"A", "W"})),
        (WAFFLE, "A", "D", sets({"S"})),
        (FRONT_DOOR, "X", "Y", []),
        (GRANDPARENTS, "G", "C", sets(set())),
        (TWO_ROADS, "X", "Y", sets({"A"}, {"C"})),
        (PEARL_3_4, "X", "Y", sets({"X1", "X4"}, {"X2", "X4"}, {"X3", "X4"}, {"X4", "X5"})),
        (INSTRUMENT, "X", "Y", []),
        (COMBINED, "x1", "y", sets(set())),
        (COMBINED, "x2", "y", sets({"x1"})),
        (ELWERT, "X", "Y", sets(set())),
    ],
)
def test_minimal_adjustment_sets_for_total_effects(graph, x, y, expected):
    assert adjustment_sets(graph, x, y) == expected


@pytest.mark.parametrize(
    "graph, x, y, expected",
    [
        (PIPE, "x", "y", sets({"m"})),
        (COMBINED, "x1", "y", sets({"x2"})),
        (GRANDPARENTS, "G", "C", []),  # P is a mediator and a collider with the unobserved U
        (FORK, "x", "y", sets({"z"})),
    ],
)
def test_minimal_adjustment_sets_for_direct_effects(graph, x, y, expected):
    assert adjustment_sets(graph, x, y, effect="direct") == expected


@pytest.mark.parametrize(
    "graph, x, y, expected",
    [
        (WAFFLE, "W", "D", sets({"A", "M", "S"})),
        (FORK, "x", "y", sets({"z"})),
        (FRONT_DOOR, "X", "Y", []),
        (M_BIAS, "x", "y", sets({"a", "b"})),
    ],
)
def test_canonical_adjustment_sets(graph, x, y, expected):
    assert adjustment_sets(graph, x, y, kind="canonical") == expected


def test_nodes_marked_adjusted_are_in_every_set():
    marked = M_BIAS.with_marks(adjusted={"m"})
    assert adjustment_sets(marked, "x", "y") == sets({"a", "m"}, {"b", "m"})
    assert adjustment_sets(FORK.with_marks(adjusted={"z"}), "x", "y") == sets({"z"})


@pytest.mark.parametrize(
    "graph, z, valid",
    [
        (M_BIAS, {"m"}, False),
        (M_BIAS, {"m", "a"}, True),
        (COLLIDER, {"z"}, False),
        (PIPE, {"m"}, False),
        (FORK, set(), False),
        (WAFFLE, {"A", "M"}, True),
        (ELWERT, {"Z1"}, False),
        (ELWERT, {"Z1", "Z2"}, False),  # U -> Z3 -> Y stays open
        (ELWERT, {"Z1", "Z2", "Z3"}, True),
    ],
)
def test_validity_of_given_sets(graph, z, valid):
    x, y = {id(WAFFLE): ("W", "D"), id(ELWERT): ("X", "Y")}.get(id(graph), ("x", "y"))
    assert is_valid_adjustment(graph, x, y, z) is valid


@pytest.mark.parametrize(
    "graph, xs, ys, given, separated",
    [
        (PIPE, "x", "y", (), False),
        (PIPE, "x", "y", {"m"}, True),
        (FORK, "x", "z", (), False),
        (parse_dagitty("dag { x -> z; y -> z }"), "x", "y", (), True),
        (parse_dagitty("dag { x -> z; y -> z }"), "x", "y", {"z"}, False),
        (parse_dagitty("dag { x -> z; y -> z; z -> d }"), "x", "y", {"d"}, False),
        (WAFFLE, "W", "M", {"S"}, True),
        (WAFFLE, "W", "A", {"S"}, True),
        (INSTRUMENT, "Z", "Y", {"X"}, False),
        (INSTRUMENT, "Z", "Y", (), False),
    ],
)
def test_d_separation(graph, xs, ys, given, separated):
    assert d_separated(graph, xs, ys, given) is separated


@pytest.mark.parametrize(
    "graph, expected",
    [
        (PIPE, [("x", "y", {"m"})]),
        (parse_dagitty("dag { z -> x; z -> y }"), [("x", "y", {"z"})]),
        (parse_dagitty("dag { x -> z; y -> z }"), [("x", "y", set())]),
        (WAFFLE, [("A", "W", {"S"}), ("M", "W", {"S"}), ("S", "D", {"A", "M", "W"})]),
        (COMBINED, [("x2", "z", {"x1", "y"})]),
    ],
)
def test_implied_independencies(graph, expected):
    found = {(frozenset({u, v}), given) for u, v, given in implied_independencies(graph)}
    assert found == {(frozenset({u, v}), frozenset(g)) for u, v, g in expected}


def test_implied_independencies_skip_latent_nodes():
    graph = parse_dagitty("dag { U [latent]; U -> a; U -> b; a -> c }")
    found = implied_independencies(graph)
    assert all("U" not in {u, v} | given for u, v, given in found)
    assert ("b", "c", frozenset({"a"})) in found or ("c", "b", frozenset({"a"})) in found


@pytest.mark.parametrize(
    "graph, x, y, node, role",
    [
        (FORK, "x", "y", "z", "confounder"),
        (PIPE, "x", "y", "m", "mediator"),
        (COLLIDER, "x", "y", "z", "collider"),
        (COMBINED, "x1", "y", "z", "descendant of the outcome"),
        (INSTRUMENT, "X", "Y", "Z", "instrument"),
        (WAFFLE, "W", "D", "S", "confounder"),
    ],
)
def test_roles(graph, x, y, node, role):
    assert role in node_roles(graph, x, y)[node]


def test_explain_in_words():
    text = dagspec.explain("dag { z -> x; z -> y; x -> y }", "x", "y")
    assert "x <- z -> y" in text and "open back-door path (fork at z)" in text
    assert "minimal adjustment sets for the total effect: {z}" in text
    text = dagspec.explain("dag { x -> z; y -> z }", "x", "y", given={"z"})
    assert "OPENED by adjusting for collider z" in text


def test_graph_rejects_cycles_and_unknown_nodes():
    with pytest.raises(CausalGraphError, match="cycle: a -> b -> a"):
        CausalGraph(("a", "b"), (("a", "b"), ("b", "a")))
    with pytest.raises(CausalGraphError, match="unknown node"):
        CausalGraph(("a",), (("a", "b"),))


def test_public_api_accepts_specs_paths_and_text(tmp_path):
    spec = dagspec.load("specs/tutorial/fork.dag")
    assert dagspec.adjustment_sets(spec, "x", "y") == sets({"z"})
    assert dagspec.adjustment_sets("specs/tutorial/fork.dag", "x", "y") == sets({"z"})
    assert dagspec.adjustment_sets("dag { z -> x; z -> y }", "x", "y") == sets({"z"})
    path = tmp_path / "g.dagitty"
    path.write_text("dag { a -> b -> c }")
    assert dagspec.implied_independencies(path) == [("a", "c", frozenset({"b"}))]
    assert dagspec.d_separated("x -> m -> y\nobserved x, m, y", "x", "y", {"m"})


@pytest.mark.parametrize(
    "text, expected",
    [
        # dagitty's test suite: exposures X1, X2 and outcome Y, which no exposure reaches, so M2 (below Y) may be used
        ("dag { X1 [exposure]; X2 [exposure]; Y [outcome]; X1 -> M1 -> M2 -> X2; Y -> M2 }", sets({"M1", "M2"})),
        # exposure X1, outcomes Y1 and Y2: Y2 is not affected by X1, so its descendant D is an allowed adjustment
        ("dag { X1 [exposure]; Y1 [outcome]; Y2 [outcome]; D [adjusted]; X1 -> Y1; Y2 -> D }", sets({"D"})),
        # ... but a descendant of an outcome the exposure does reach is not (dagitty: no set)
        ("dag { X1 [exposure]; Y1 [outcome]; Y2 [outcome]; D [adjusted]; X1 -> Y1 -> Y2 -> D }", []),
    ],
)
def test_direct_effects_with_several_exposures_or_outcomes_as_dagitty(text, expected):
    graph = parse_dagitty(text)
    assert adjustment_sets(graph, graph.exposure, graph.outcome, effect="direct") == expected
