"""`dagspec graph`: DOT text (golden and structure), rendering through Graphviz, and failing clearly without it."""

import shutil
import subprocess

import pytest
from cli_support import TUTORIAL, check_golden, png_size, run

import dagspec
from dagspec.render.dot import quote, to_dot

needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
SPECS = sorted(TUTORIAL.glob("*.dag"))


def _dot(name: str) -> str:
    spec = dagspec.load(TUTORIAL / f"{name}.dag")
    return to_dot(spec.checked, f"{name}.dag")


@pytest.mark.parametrize("name", ["heterogenous", "pooled_categorical", "include_collider"])
def test_dot_golden(capsys, tmp_path, name):
    out_file = tmp_path / "g.dot"
    code, out, err = run(capsys, "graph", TUTORIAL / f"{name}.dag", "-o", out_file)
    assert (code, out) == (0, "") and f"wrote {out_file}" in err
    check_golden(f"graph_{name}.dot", out_file.read_text())


def test_node_kinds_are_drawn_distinctly():
    text = _dot("combined_confounds")
    assert '"x1" [label="x1", shape=box, style="filled,rounded", fillcolor="#e8e8e8"]' in text  # data
    assert '"y" [label="y\\n~ Normal\\nas y_hat", shape=ellipse, style="filled,bold"' in text  # outcome
    assert '"z" [label="z\\n(unobserved)", shape=ellipse, style=dashed' in text  # graph-only
    assert '"x1" -> "x2" [label="slope_1"]' in text  # an edge carries its parameter's user name
    assert '"x1" -> "z" [color="#888888"]' in text  # in the causal graph, not fitted


def test_pools_by_effects_and_random_variables():
    text = _dot("pooled_categorical")
    assert 'subgraph "cluster_pool_0"' in text and 'label="pool of cat_x2"' in text
    assert '"pooled_x2_mu" -> "param:x2 -> y1" [style=dotted' in text  # hyper-parameter → parameter, dotted
    assert '"pooled_x2_mu" [label="pooled_x2_mu\\n~ Normal", shape=ellipse, fontsize=11' in text  # small, plain
    text = _dot("heterogenous")
    assert '"x2" -> "y1" [label="ab_did\\nby x1"]' in text
    assert '"x1" -> "y1" [label="by x1", style=dashed]' in text  # the group node's dashed edge
    text = _dot("coin")
    assert '"p" -> "heads"' in text and "observed = 8" in text


def test_quoting_for_dot():
    assert quote('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
    assert quote("node") == '"node"'  # a DOT keyword is safe once quoted


@needs_graphviz
@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_graphviz_accepts_every_tutorial_graph(spec):
    text = to_dot(dagspec.load(spec).checked, spec.name)
    done = subprocess.run(["dot", "-Tcanon"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr


@needs_graphviz
def test_png_svg_and_pdf(capsys, tmp_path):
    png = tmp_path / "g.png"
    assert run(capsys, "graph", TUTORIAL / "combined_confounds.dag", "-o", png)[0] == 0
    width, height = png_size(png)
    assert 200 < width < 3000 and 100 < height < 3000
    svg = tmp_path / "g.svg"
    assert run(capsys, "graph", TUTORIAL / "pooled_categorical.dag", "-o", svg)[0] == 0
    assert "<svg" in svg.read_text() and "cat_x2" in svg.read_text()
    pdf = tmp_path / "g.pdf"
    assert run(capsys, "graph", TUTORIAL / "fork.dag", "-o", pdf)[0] == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_dot_to_stdout(capsys):
    code, out, _ = run(capsys, "graph", TUTORIAL / "fork.dag", "-o", "-")
    assert code == 0 and out.startswith("digraph dagspec {") and out.rstrip().endswith("}")


def test_without_graphviz_only_dot_works(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program on the PATH
    code, _, err = run(capsys, "graph", TUTORIAL / "fork.dag", "-o", tmp_path / "g.png")
    assert code == 2 and "graphviz" in err and "Traceback" not in err
    assert not (tmp_path / "g.png").exists()
    assert run(capsys, "graph", TUTORIAL / "fork.dag", "-o", tmp_path / "g.dot")[0] == 0


def test_unknown_format_and_bad_spec(capsys, tmp_path):
    code, _, err = run(capsys, "graph", TUTORIAL / "fork.dag", "-o", tmp_path / "g.jpg")
    assert code == 2 and ".jpg" in err
    bad = tmp_path / "bad.dag"
    bad.write_text("a -> b -> a\n")
    assert run(capsys, "graph", bad, "-o", tmp_path / "g.dot")[0] == 1
    assert not (tmp_path / "g.dot").exists()
    assert run(capsys, "graph", TUTORIAL / "fork.dag")[0] == 2  # -o is required
