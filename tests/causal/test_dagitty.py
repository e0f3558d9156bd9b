"""dagitty's graph syntax: what it reads, how it fails (with line and column), and the round trip back."""

import pytest

import dagspec
from dagspec.causal import DagittyParseError, parse_dagitty, to_dagitty


def test_attributes_arrows_groups_and_quotes():
    graph = parse_dagitty("""dag mygraph {
      bb="0,0,1,1"
      "my var" [exposure,pos="0.1,0.2"]
      y [outcome]
      u [latent]
      z [adjusted]
      "my var" -> y <- u
      {z u} -> "my var"
      y <- w
      a <-> y ; w -> a
    }""")
    assert set(graph.nodes) == {"my var", "y", "u", "z", "w", "a"}
    assert graph.exposure == {"my var"} and graph.outcome == {"y"}
    assert graph.latent == {"u"} and graph.adjusted == {"z"}
    assert {("my var", "y"), ("u", "y"), ("z", "my var"), ("u", "my var"), ("w", "y"), ("w", "a")} == set(graph.edges)
    assert graph.bidirected == (("a", "y"),)
    assert graph.positions["my var"] == "0.1,0.2"


def test_round_trip():
    text = 'dag {\nx [exposure]\ny [outcome]\n"odd name" [latent]\nx -> y\n"odd name" -> y\nx <-> y\n}\n'
    graph = parse_dagitty(text)
    assert parse_dagitty(to_dagitty(graph)) == graph


@pytest.mark.parametrize(
    "text, line, column, words",
    [
        ("dag { x -> y", 1, 13, "not closed"),
        ("dag {\n  x -- y\n}", 2, 5, "undirected"),
        ("dag {\n  x [exposre]\n}", 2, 6, "unknown node attribute"),
        ("pdag { x -> y }", 1, 1, "DAGs only"),
        ("graph { x -> y }", 1, 1, "DAGs only"),
        ("dag { x -> }", 1, 12, "node name"),
        ("dag { x -> y } extra", 1, 16, "after the graph"),
        ("dag {\n x -> y\n y -> x\n}", 1, 1, "cycle"),
        ("dag { x [outcome }", 1, 18, "unclosed"),
    ],
)
def test_errors_carry_line_and_column(text, line, column, words):
    with pytest.raises(DagittyParseError) as info:
        parse_dagitty(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert words in info.value.message


def test_a_dagitty_graph_is_a_spec():
    spec = dagspec.parse("dag {\nW [exposure]\nD [outcome]\nS -> W; S -> D; W -> D\n}")
    assert [(e.exposure, e.outcome, e.adjust) for e in spec.checked.estimates] == [("W", "D", ("S",))]
    assert "estimate W -> D" in spec.to_text()
    assert set(parse_dagitty(spec.to_dagitty()).edges) == {("S", "W"), ("S", "D"), ("W", "D")}


def test_dagitty_errors_become_diagnostics():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("dag {\n x -- y\n}", "g.dagitty")
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == ("DS110", 2, 4)


def test_a_dagitty_block_inside_a_spec():
    text = "node D ~ Normal\ndag {\n  S -> W; S -> D\n  W -> D\n}\nobserved S, W, D\nestimate W -> D\nprior W -> D as waffle\n"
    spec = dagspec.parse(text)
    assert spec.checked.estimates[0].adjust == ("S",)
    assert spec.parameters["waffle"] == "W -> D"
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("node D\ndag {\n  S -> D\n  S -- D\n}\nbad ->\n")
    assert [(d.code, d.span.line) for d in info.value.diagnostics] == [("DS110", 4)]
    with pytest.raises(dagspec.DagspecError) as info:  # line numbers after the block do not move
        dagspec.parse("node D\ndag {\n  S -> D\n}\nnode\n")
    assert [(d.code, d.span.line) for d in info.value.diagnostics] == [("DS101", 5)]
