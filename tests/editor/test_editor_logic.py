"""The editor's language logic without a protocol: analysis (check's diagnostics, a model salvaged while the text
has errors), hover, go to definition, completion and symbols, on offsets into the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagspec.editor.completion import complete
from dagspec.editor.document import Analysis, analyse, code_only, cursor_at, enclosing_call
from dagspec.editor.hover import hover
from dagspec.editor.outline import definition, symbols
from dagspec.spec import load

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").rglob("*.dag"))
FORK = ROOT / "specs" / "tutorial" / "fork.dag"
POOLED = ROOT / "specs" / "tutorial" / "pooled_categorical.dag"

SMALL = """node g : categorical(levels = ["a", "b", "c"])
node x
node y ~ Normal(link = identity) as y_hat   # a comment naming y
node u
g, x -> y
u -> x
observed g, x, y
a ~ Normal(0, 1)
let c = a * 2
prior g -> y ~ Normal(0, 1) as effect_g
"""


def at(text: str, marker: str, shift: int = 1) -> int:
    return text.index(marker) + shift


def hover_text(text: str, marker: str, shift: int = 1, path: Path | None = None) -> str | None:
    found = hover(analyse(text, path), at(text, marker, shift))
    return None if found is None else found.markdown


# ---- positions ----------------------------------------------------------------------------------------------


def test_code_only_blanks_strings_and_comments_keeping_columns():
    assert code_only('observed x from "a#b.csv"  # x') == 'observed x from "       "     '
    assert code_only('x ~ "open') == 'x ~ "    '


def test_cursor_names_the_word_and_its_statement():
    text = "node a; x -> y by g  # g here"
    cursor = cursor_at(text, at(text, "y by"))
    assert (cursor.word, cursor.before, cursor.after.rstrip(), cursor.head) == ("y", " x -> ", " by g", "x")
    assert cursor_at(text, at(text, "g here")) is None  # in the comment
    assert cursor_at('observed x from "data.csv"', 19) is None  # in the string
    assert cursor_at("a ~ Normal(0, 10)", at("a ~ Normal(0, 10)", "10")) is None  # a number


def test_enclosing_call_finds_the_call_and_the_argument_so_far():
    assert enclosing_call("prior a ~ Normal(0, sig") == ("Normal", " sig")
    assert enclosing_call("x ~ MvNormal(mu = [a, ") is None  # inside a list
    assert enclosing_call("x ~ LKJCholeskyCov(eta = 2, sd = Exponential(") == ("Exponential", "")
    assert enclosing_call("x ~ Normal(0, 1) as ") is None


# ---- analysis -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_a_spec_that_checks_has_the_findings_of_check(path):
    analysis = analyse(path.read_text(), path)
    assert analysis.diagnostics == load(path).findings(named_files=True)
    assert analysis.model is not None


def test_lines_with_errors_are_left_out_of_the_salvaged_model():
    text = SMALL + "let d = c +\nlet e = nothing * 2\n"
    analysis = analyse(text)
    assert [d.code for d in analysis.diagnostics] == ["DS101"]  # what check says: the syntax error only
    assert analysis.model is not None and {"c", "a", "y"} <= set(analysis.model.nodes)
    assert "d" not in analysis.model.nodes and "e" not in analysis.model.nodes  # both lines left out


def test_an_untitled_document_checks_its_literal_data():
    [found] = analyse("node x\nnode y ~ Bernoulli\nx -> y\nobserved x = [1, 2], y = [0, 3]\n").diagnostics
    assert found.code == "DS508"


def test_a_spec_without_any_good_line_has_no_model():
    analysis = analyse("node ~\n")
    assert [d.code for d in analysis.diagnostics] == ["DS101"]
    assert analysis.model is None and analysis.spec_ir is None
    assert symbols(analysis) == [] and hover(analysis, 1) is None


# ---- hover --------------------------------------------------------------------------------------------------


def test_hover_on_nodes_says_their_role_observation_and_place_in_the_graph():
    outcome = hover_text(SMALL, "y ~ Normal")
    assert outcome.startswith("**y**: an outcome, `y_hat` in the model")
    assert "`y_hat ~ Normal(mu = y_intercept + effect_g[g] + b_x_y * x, sigma = y_sigma)`" in outcome
    assert "causal graph: parents g, x; children none" in outcome
    assert "- `g -> y` **effect_g** ~ `Normal(0, 1)`, shape (3,) over g" in outcome
    assert "- `y.sigma` **y_sigma** ~ `Exponential(1)` (default), scalar" in outcome
    assert hover_text(SMALL, "y_hat") == outcome  # the model name means the node
    assert "categorical, levels a, b, c" in hover_text(SMALL, "g : ")
    assert hover_text(SMALL, "categorical").startswith("`categorical`: the node's values are levels")
    assert "in the causal graph only" in hover_text(SMALL, "u\n")
    assert hover_text(SMALL, "a ~").startswith("**a**: a random variable\n\n`a ~ Normal(0, 1)`")
    assert hover_text(SMALL, "c =").startswith("**c**: a derived quantity (let)\n\n`c = a * 2`")
    assert hover_text(SMALL, "naming y", 7) is None  # inside a comment


def test_hover_on_a_node_with_many_parents_lists_the_first():
    parents = [f"x{i}" for i in range(25)]
    text = f"node y ~ Normal\n{', '.join(parents)} -> y\nobserved {', '.join(parents)}, y\n"
    outcome = hover_text(text, "y ~")
    assert "parents x0, x1, x10, x11," in outcome and "x3, x4 and 5 more; children none" in outcome
    assert "- and 7 more (`dagspec compile` lists them all)" in outcome  # 27 parameters


def test_hover_on_an_estimate_gives_each_node_its_causal_role():
    text = FORK.read_text()
    assert "in `estimate x -> y`: confounder, adjusted for" in hover_text(text, "node z", 5)
    assert "in `estimate x -> y`: the exposure" in hover_text(text, "node x", 5)


def test_hover_on_parameters_gives_address_name_prior_and_shape():
    text = POOLED.read_text()
    pooled = hover_text(text, "x2 -> y1 ~ Normal(pooled")  # on the prior's address
    assert pooled == (
        "**cat_x2**: parameter `x2 -> y1`, the effects of x2's levels on y1\n\n"
        "prior: `Normal(pooled_x2_mu, pooled_x2_sigma)`\n\nshape (x2,) over x2"
    )
    assert hover_text(text, "cat_x2") == pooled
    assert hover_text(text, "y1.sigma", 4).startswith("**error**: parameter `y1.sigma`")
    assert hover_text(text, "pooled_x2_mu ").startswith("**pooled_x2_mu**: a random variable")
    default = hover_text(SMALL + "prior y.intercept as alpha\n", "alpha")
    assert "prior: `Normal(0, 10)` (default)" in default


def test_hover_on_distributions_families_and_their_arguments():
    distribution = hover_text(SMALL, "Normal(0, 1)\n")
    assert distribution.startswith("**Normal**(mu, sigma): a distribution; values: a real number")
    family = hover_text(SMALL, "Normal(link")
    assert family.startswith("**Normal** likelihood: the linear predictor sets `mu` through the link (default identity")
    assert "`sigma`: positive, default prior Exponential(1)" in family
    assert hover_text(SMALL, "link =").startswith("`link`: identity, log, inverse (default identity)")
    assert hover_text(SMALL, "levels").startswith("`levels = [...]`")
    assert hover_text("x -> y\nobserved x = standardize(raw), y", "standardize").startswith(
        "**standardize**: a transform of data columns"
    )
    assert hover_text("a ~ Normal(0, 1)\nlet b = exp(a)", "exp").startswith("**exp**(x): a function for expressions")
    lkj = "L ~ LKJCholeskyCov(eta = 2, sd = Exponential(1), n = 2)\nlet r = corr(L)[0, 1]"
    assert hover_text(lkj, "corr").startswith("**corr**(L): the correlations of the LKJCholeskyCov prior L")
    text = "a ~ Gamma(alpha = 2, beta = 1)"
    assert hover_text(text, "beta") == "`beta` of Gamma: positive, optional"
    assert hover_text("a ~ StudentT(nu = 3)", "nu") == "`nu` of StudentT: positive, required"


def test_hover_while_the_spec_has_errors_uses_what_checks():
    text = SMALL + "prior x -> y ~ Normal(0,\n"
    assert hover_text(text, "x\n").startswith("**x**: a data node")
    parsed = analyse("node x\nlet z = 2 * 3\n")  # had nothing checked: the statement that defines it
    unchecked = Analysis(parsed.text, [], parsed.spec_ir, None)
    assert hover(unchecked, 11).markdown.startswith("`let z = 2 * 3`\n\n(the spec has errors")


# ---- definition ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker, defined_at",
    [
        ("x -> y", "x\n"),  # a declared node
        ("u -> x", "u\n"),
        ("a * 2", "a ~"),  # a random variable
        ('effect_g["b"]', "effect_g\n"),  # a parameter named with `as`
        ("y_hat", "y_hat"),
    ],
)
def test_definition(marker, defined_at):
    text = SMALL + 'let uplift = effect_g["b"] - effect_g["a"]\n'
    found = definition(analyse(text), at(text, marker))
    word = text[at(text, marker, 0) :].split()[0].rstrip(",").split("[")[0]
    assert (found.start, found.end) == (text.index(defined_at), text.index(defined_at) + len(word))


def test_definition_of_a_node_only_used_is_its_first_use_and_keywords_have_none():
    text = "x -> y\nobserved x, y\n"
    assert definition(analyse(text), at(text, "x,")) == definition(analyse(text), 0)
    assert definition(analyse(text), 0).start == 0
    assert definition(analyse(text), at(text, "observed")) is None


# ---- completion ---------------------------------------------------------------------------------------------


def labels(text: str) -> list[str]:
    offset = text.index("|")
    return [item.label for item in complete(analyse(text.replace("|", "")), offset)[1]]


@pytest.mark.parametrize(
    "context, expected, absent",
    [
        ("|", ["node", "prior", "let", "observed", "estimate", "x", "y"], ["Normal"]),
        ("prior|", ["node", "prior", "let"], ["Normal"]),  # still typing the keyword
        ("b ~ |", ["Normal", "HalfCauchy", "LKJCholeskyCov"], ["node"]),
        ("node z ~ |", ["Normal", "Bernoulli", "NegativeBinomial"], ["HalfCauchy"]),
        ("node z : |", ["numeric", "categorical"], []),
        ("node z ~ Bernoulli(|", ["intercept", "link"], ["sigma"]),
        ("node z ~ Normal(link = |", ["identity", "log", "inverse"], ["logit"]),
        ("node z ~ Bernoulli(link = |", ["logit", "probit", "cloglog", "identity"], ["log"]),
        ("b ~ Normal(|", ["mu", "sigma", "a", "c", "effect_g", "exp"], ["u"]),  # u has no values
        ("b ~ Normal(0, s|", ["mu", "sigma"], []),
        ("b ~ LKJCholeskyCov(eta = 2, sd = |", ["Exponential", "HalfNormal"], []),
        ("prior |", ["g -> y", "x -> y", "y.intercept", "y.sigma", "x"], []),
        ("prior y.|", ["intercept", "sigma"], ["x"]),
        ("prior y.intercept as |", [], ["x"]),
        ("let d = a + |", ["a", "c", "effect_g", "exp"], ["node"]),
        ("u -> |", ["x", "y", "g"], ["Normal"]),
        ("observed x from |", [], ["x"]),
    ],
)
def test_completion(context, expected, absent):
    found = labels(SMALL + context + "\n")
    assert [name for name in expected if name in found] == expected
    assert not set(absent) & set(found)


def test_completion_replaces_the_name_typed_so_far():
    text = SMALL + "prior x -> y ~ Half"
    typed, items = complete(analyse(text), len(text))
    assert text[typed.start : typed.end] == "Half" and "HalfNormal" in [i.label for i in items]
    argument = next(i for i in complete(analyse("a ~ Normal("), 11)[1] if i.label == "sigma")
    assert argument.insert_text == "sigma = "


# ---- symbols ------------------------------------------------------------------------------------------------


def test_symbols_are_nodes_priors_and_estimates_in_order():
    text = FORK.read_text()
    found = [(s.kind, s.name, text[s.selection.start : s.selection.end]) for s in symbols(analyse(text))]
    assert found == [
        ("node", "z", "z"),
        ("node", "x", "x"),
        ("node", "y", "y"),
        ("estimate", "x -> y", "x"),
        ("prior", "y.intercept as intercept", "intercept"),
        ("prior", "x -> y as slope_x", "y"),
        ("prior", "z -> y as slope_z", "y"),
        ("prior", "y.sigma as error", "sigma"),
    ]
    implicit = [(s.kind, s.name, s.detail) for s in symbols(analyse("x -> y\nobserved x, y\nb ~ Normal(0, 1)\n"))]
    assert implicit == [
        ("node", "x", "used in an edge or `observed`"),
        ("node", "y", "used in an edge or `observed`"),
        ("random", "b", "Normal(0, 1)"),
    ]


def test_names_in_a_dagitty_block_are_found_on_their_own_lines():
    text = "node D ~ Normal\ndag {\n  S -> A; A -> D\n}\nobserved S, A, D\n"
    analysis = analyse(text)
    assert analysis.diagnostics == [] and analysis.model is not None
    found = {s.name: text[s.selection.start : s.selection.end] for s in symbols(analysis)}
    assert found == {"D": "D", "S": "S", "A": "A"}
    assert definition(analysis, at(text, "A -> D")) == next(s.selection for s in symbols(analysis) if s.name == "A")


# ---- robustness: every position of every spec, and every spec as it is being typed ----------------------------


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_position_of_every_spec_answers_without_failing(path):
    text = path.read_text()
    analysis = analyse(text)
    for offset in range(0, len(text) + 1, 3):
        hover(analysis, offset)
        definition(analysis, offset)
        complete(analysis, offset)
    for cut in range(0, len(text), max(1, len(text) // 12)):  # typed up to here
        partial = analyse(text[:cut])
        complete(partial, cut)
        hover(partial, max(0, cut - 2))
        symbols(partial)
