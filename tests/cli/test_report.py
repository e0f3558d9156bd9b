"""`dagspec report`: one self-contained HTML page from a spec (sampled now, or a posterior from `sample --out`),
user text escaped, nothing loaded from elsewhere; `dagspec plot --kind effects`."""

import re
import shutil

import pytest
from cli_support import ROOT, TUTORIAL, png_size, run

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # ArviZ on newer matplotlib
FAST = ["--draws", "200", "--chains", "2", "--seed", "1", "--quiet"]


@pytest.fixture(scope="module")
def hostile_spec(tmp_path_factory):
    """The fork, with markup in a comment and a name that must come out as text, not as HTML."""
    folder = tmp_path_factory.mktemp("report")
    shutil.copytree(TUTORIAL / "data", folder / "data")
    text = (TUTORIAL / "fork.dag").read_text(encoding="utf-8")
    (folder / "fork.dag").write_text(
        '# <script>alert("x")</script> & <img src="http://example.com/a.png">\n' + text, encoding="utf-8"
    )
    return folder / "fork.dag"


@pytest.fixture(scope="module")
def page(hostile_spec, tmp_path_factory):
    from dagspec import cli  # capsys is function-scoped, so a module fixture calls main directly

    out = tmp_path_factory.mktemp("page") / "fork.html"
    assert cli.main(["report", str(hostile_spec), "-o", str(out), *FAST]) == 0
    return out


def test_the_page_has_every_section(page):
    html = page.read_text(encoding="utf-8")
    for heading in ("DAG", "Spec", "Compiled model", "Causal summary", "Posterior", "Plots"):
        assert f">{heading}</h2>" in html
    assert "<svg" in html  # the DAG, inline
    assert html.count('src="data:image/png;base64,') == 4  # trace, posterior, predictive check, conditional effects
    assert "slope_x" in html and "adjusting for {z}" in html and "open back-door path" in html
    assert "testable implications of the DAG:\n  x _||_ y | z" in html  # the fork: x and y share only z


def test_user_text_is_escaped_and_nothing_is_loaded_from_elsewhere(page):
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html)
    assert references and all(r.startswith(("data:", "#")) for r in references), references
    assert "url(" not in html and "@import" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_a_stored_posterior_is_used_as_it_is(capsys, tmp_path):
    posterior = tmp_path / "fork.nc"
    assert run(capsys, "sample", TUTORIAL / "fork.dag", "--out", posterior, *FAST)[0] == 0
    out = tmp_path / "report.html"
    code, _, err = run(capsys, "report", TUTORIAL / "fork.dag", posterior, "-o", out)
    assert code == 0 and "sampling" not in err and "adding posterior predictive" not in err
    assert f"wrote {out}" in err and "posterior predictive check" in out.read_text(encoding="utf-8")


def test_report_usage_errors(capsys, tmp_path):
    code, _, err = run(capsys, "report", TUTORIAL / "fork.dag", tmp_path / "missing.nc", "-o", tmp_path / "r.html")
    assert code == 2 and "no such file" in err and not (tmp_path / "r.html").exists()
    code, _, err = run(capsys, "report", TUTORIAL / "fork.dag", "-o", tmp_path)
    assert code == 2 and "is a folder" in err


@pytest.mark.slow
def test_plot_effects_draws_one_panel_per_parent(capsys, tmp_path):
    posterior = tmp_path / "fork.nc"
    assert run(capsys, "sample", TUTORIAL / "fork.dag", "--out", posterior, "--no-ppc", *FAST)[0] == 0
    png = tmp_path / "effects.png"
    code, _, err = run(capsys, "plot", posterior, "-o", png, "--kind", "effects", "--spec", TUTORIAL / "fork.dag")
    assert code == 0 and f"wrote {png}" in err
    width, height = png_size(png)
    assert width > height > 100  # two panels side by side
    one = tmp_path / "one.png"
    assert (
        run(
            capsys, "plot", posterior, "-o", one, "--kind", "effects", "--spec", TUTORIAL / "fork.dag", "--parent", "x"
        )[0]
        == 0
    )
    assert png_size(one)[0] < width


def test_plot_effects_usage_errors(capsys, tmp_path):
    posterior = ROOT / "missing.nc"
    code, _, err = run(capsys, "plot", posterior, "-o", tmp_path / "e.png", "--kind", "effects")
    assert code == 2 and "--spec FILE.dag" in err
    code, _, err = run(capsys, "plot", posterior, "-o", tmp_path / "e.png", "--spec", TUTORIAL / "fork.dag")
    assert code == 2 and "--spec is for --kind effects" in err
