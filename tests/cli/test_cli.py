"""The command line: every command, option, output format (golden files) and exit code."""
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from dagspec import cli

ROOT = Path(__file__).resolve().parent.parent.parent
TUTORIAL = ROOT / "specs" / "tutorial"
BAD = ROOT / "tests" / "bad"
GOLDEN = ROOT / "tests" / "golden" / "cli"
sys.path.insert(0, str(ROOT / "tests"))
from conftest import check_golden  # noqa: E402


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mixed(tmp_path):
    """A folder with one good spec, one spec with a warning and one with an error."""
    folder = tmp_path / "specs"
    (folder / "nested").mkdir(parents=True)
    (folder / "good.dag").write_text((TUTORIAL / "coin.dag").read_text())
    (folder / "warn.dag").write_text("node lonely\na ~ Normal(0, 1)\n")
    (folder / "nested" / "bad.dag").write_text("a ~ Normal(0, -1)\nb ~ Normall(0, 1)\n")
    (folder / "notes.txt").write_text("not a spec")
    return folder


def _relative(text: str, folder: Path) -> str:
    return text.replace(str(folder) + os.sep, "")


@pytest.mark.parametrize("fmt", ["short", "full", "json", "github"])
def test_check_formats_on_a_mixed_folder(capsys, mixed, fmt):
    code, out, err = run(capsys, "check", mixed, "--format", fmt)
    assert code == 1
    assert err.strip() == "Found 2 errors and 1 warning in 3 files."
    check_golden(GOLDEN / f"check_{fmt}.txt", _relative(out, mixed))
    if fmt == "json":
        findings = json.loads(out)
        assert [f["code"] for f in findings] == ["DS403", "DS401", "DS309"]
        assert findings[0]["line"] == 1 and findings[0]["column"] == 15


def test_check_clean_folder_exits_0(capsys):
    code, out, err = run(capsys, "check", TUTORIAL / "fork.dag", TUTORIAL / "coin.dag")
    assert (code, out, err.strip()) == (0, "", "All 2 specs OK.")


def test_warnings_fail_only_with_strict(capsys, mixed):
    assert run(capsys, "check", mixed / "warn.dag")[0] == 0
    assert run(capsys, "check", mixed / "warn.dag", "--strict")[0] == 1


def test_check_with_data(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n2,\n")
    code, out, _ = run(capsys, "check", BAD.parent / "bad" / "data_no_data.dag", "--data", data)
    assert code == 1
    assert "DS504 column 'y' has 1 missing" in out


def test_usage_and_io_errors_exit_2(capsys, tmp_path):
    assert run(capsys, "check", tmp_path / "missing.dag")[0] == 2
    assert run(capsys, "check", tmp_path)[0] == 2  # no .dag files
    assert run(capsys, "check")[0] == 2  # argparse: a path is required
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "check", TUTORIAL / "fork.dag", "--data", tmp_path / "nope.csv")[0] == 2
    code, _, err = run(capsys, "compile", tmp_path / "missing.dag")
    assert code == 2 and "no such file" in err and "Traceback" not in err


def test_compile_report(capsys):
    code, out, _ = run(capsys, "compile", TUTORIAL / "path_analysis.dag")
    assert code == 0
    check_golden(GOLDEN / "compile_path_analysis.txt", out)
    assert "x2_hat ~ Normal(mu = intercept_1 + coeff_1 * x1, sigma = error_1)" in out


def test_compile_marks_defaults_and_shows_dims_without_data(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text("node g : categorical\ng, x -> y\nobserved g, x, y\n")
    code, out, _ = run(capsys, "compile", spec)
    assert code == 0
    check_golden(GOLDEN / "compile_defaults.txt", _relative(out, tmp_path))
    assert "Normal(0, 10) (default)" in out and "?" in out and "no data given" in out


def test_compile_emits_ir_and_plan(capsys):
    code, out, _ = run(capsys, "compile", TUTORIAL / "coin.dag", "--emit", "ir")
    assert code == 0 and json.loads(out)["version"] == 1
    code, out, _ = run(capsys, "compile", TUTORIAL / "fork.dag", "--emit", "plan")
    assert code == 0 and "LikelihoodVar y_hat" in out


def test_compile_bad_spec_exits_1_with_caret(capsys):
    code, _, err = run(capsys, "compile", BAD / "prior_negative_sigma.dag")
    assert code == 1
    assert "^~" in err and "hint:" in err


def test_graph_dot_golden(capsys, tmp_path):
    out_file = tmp_path / "g.dot"
    assert run(capsys, "graph", TUTORIAL / "heterogenous.dag", "-o", out_file)[0] == 0
    check_golden(GOLDEN / "graph_heterogenous.dot", out_file.read_text())


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(not __import__("shutil").which("dot"), reason="Graphviz is not installed")
def test_graph_png_and_svg(capsys, tmp_path):
    png = tmp_path / "g.png"
    assert run(capsys, "graph", TUTORIAL / "combined_confounds.dag", "-o", png)[0] == 0
    width, height = _png_size(png)
    assert 200 < width < 3000 and 100 < height < 3000
    svg = tmp_path / "g.svg"
    assert run(capsys, "graph", TUTORIAL / "pooled_categorical.dag", "-o", svg)[0] == 0
    assert "<svg" in svg.read_text() and "cat_x2" in svg.read_text()


def test_graph_without_graphviz_fails_clearly(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "graph", TUTORIAL / "fork.dag", "-o", tmp_path / "g.png")
    assert code == 2 and "graphviz" in err and not (tmp_path / "g.png").exists()
    assert run(capsys, "graph", TUTORIAL / "fork.dag", "-o", tmp_path / "g.dot")[0] == 0


def test_graph_unknown_format(capsys, tmp_path):
    assert run(capsys, "graph", TUTORIAL / "fork.dag", "-o", tmp_path / "g.jpg")[0] == 2


def test_codegen_to_stdout_and_file(capsys, tmp_path):
    code, out, _ = run(capsys, "codegen", TUTORIAL / "simple_regression.dag")
    assert code == 0 and "pm.Model(coords=coords)" in out
    target = tmp_path / "m.py"
    assert run(capsys, "codegen", TUTORIAL / "heterogenous.dag", "--target", "pymc3", "-o", target)[0] == 0
    assert "import pymc3 as pm" in target.read_text()


def test_python_dash_m_entry_point():
    done = subprocess.run([sys.executable, "-m", "dagspec", "check", str(TUTORIAL / "coin.dag")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "All 1 spec OK." in done.stderr


def test_internal_errors_print_a_bug_banner(capsys, monkeypatch):
    def explode(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "run_check", explode)
    code, _, err = run(capsys, "check", TUTORIAL / "coin.dag")
    assert code == 3 and "this is a bug in dagspec" in err and "RuntimeError: boom" in err


@pytest.mark.slow
def test_sample_writes_netcdf_that_arviz_reads(capsys, tmp_path):
    import arviz as az

    out_file = tmp_path / "fork.nc"
    code, out, err = run(capsys, "sample", TUTORIAL / "fork.dag", "--draws", 100, "--tune", 100, "--chains", 1,
                         "--seed", 3, "--quiet", "--out", out_file)
    assert code == 0
    assert "slope_x" in out and "ess_bulk" in out and "r_hat" in out
    idata = az.from_netcdf(out_file)
    assert idata.posterior["slope_z"].shape == (1, 100)
    assert not list(tmp_path.glob("*.partial"))


def test_interrupted_sample_leaves_no_file_and_keeps_the_old_one(capsys, tmp_path, monkeypatch):
    import dagspec

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dagspec, "sample", interrupted)
    out_file = tmp_path / "new.nc"
    code, _, err = run(capsys, "sample", TUTORIAL / "coin.dag", "--out", out_file)
    assert code == 130 and "interrupted" in err and not out_file.exists()
    old = tmp_path / "old.nc"
    old.write_bytes(b"previous result")
    assert run(capsys, "sample", TUTORIAL / "coin.dag", "--out", old)[0] == 130
    assert old.read_bytes() == b"previous result"


def test_failed_write_keeps_the_old_file(tmp_path):
    from dagspec.atomic import atomic_path

    old = tmp_path / "result.nc"
    old.write_text("old")
    with pytest.raises(OSError):
        with atomic_path(old) as temporary:
            temporary.write_text("half")
            raise OSError("disk full")
    assert old.read_text() == "old" and not list(tmp_path.glob("*.partial"))


def test_sampler_health_warnings_in_words():
    import arviz as az
    import numpy as np

    from dagspec.render.health import health_warnings

    rng = np.random.default_rng(0)
    posterior = {"a": rng.normal(size=(2, 50)) + np.array([[0.0], [3.0]])}  # two chains that disagree
    stats = {"diverging": np.zeros((2, 50), bool), "reached_max_treedepth": np.zeros((2, 50), bool)}
    stats["diverging"][0, :3] = True
    stats["reached_max_treedepth"][1, :2] = True
    found = health_warnings(az.from_dict(posterior=posterior, sample_stats=stats))
    assert [d.code for d in found] == ["DS602", "DS603", "DS604", "DS605"]
    assert "3 divergent" in found[0].message and "target-accept" in found[0].hint


@pytest.mark.slow
def test_plot_kinds(capsys, tmp_path):
    import arviz as az
    import numpy as np

    idata = az.from_dict(posterior={"slope": np.random.default_rng(1).normal(size=(2, 100))})
    path = tmp_path / "post.nc"
    idata.to_netcdf(str(path))
    for kind in ("trace", "posterior", "forest"):
        png = tmp_path / f"{kind}.png"
        assert run(capsys, "plot", path, "-o", png, "--kind", kind)[0] == 0
        width, height = _png_size(png)
        assert width > 200 and height > 100
    assert run(capsys, "plot", path, "-o", tmp_path / "x.png", "--var", "nope")[0] == 2
    assert run(capsys, "plot", tmp_path / "missing.nc", "-o", tmp_path / "x.png")[0] == 2


def test_explain_adjust_implications_export(capsys, tmp_path):
    code, out, _ = run(capsys, "explain", TUTORIAL / "include_collider.dag", "--effect", "x -> y", "--given", "z")
    assert code == 0 and "OPENED by adjusting for collider z" in out
    code, out, _ = run(capsys, "adjust", TUTORIAL / "fork.dag", "--effect", "x->y")
    assert (code, out) == (0, "{ z }\n")
    graph = tmp_path / "waffle.dagitty"
    graph.write_text("dag { S -> A; S -> M; S -> W; A -> M; A -> D; M -> D; W -> D }")
    code, out, _ = run(capsys, "adjust", graph, "--effect", "W -> D")
    assert (code, out) == (0, "{ S }\n{ A, M }\n")
    code, out, _ = run(capsys, "adjust", graph, "--effect", "W -> D", "--canonical")
    assert out == "{ A, M, S }\n"
    code, out, _ = run(capsys, "implications", graph)
    assert out.splitlines() == ["A _||_ W | S", "M _||_ W | S", "S _||_ D | A, M, W"]
    front_door = tmp_path / "fd.dagitty"
    front_door.write_text("dag { U [latent]; U -> X; U -> Y; X -> M -> Y }")
    code, _, err = run(capsys, "adjust", front_door, "--effect", "X -> Y")
    assert code == 1 and "not identifiable" in err
    code, out, _ = run(capsys, "export", TUTORIAL / "fork.dag")
    assert code == 0 and "x [exposure]" in out and "z -> x" in out
    assert run(capsys, "adjust", graph, "--effect", "W to D")[0] == 2
    assert run(capsys, "explain", graph, "--effect", "W -> Q")[0] == 2
    broken = tmp_path / "broken.dagitty"
    broken.write_text("dag { a -- b }")
    code, _, err = run(capsys, "implications", broken)
    assert code == 2 and "broken.dagitty:1:9" in err


@pytest.mark.slow
def test_do_command(capsys, tmp_path):
    posterior = tmp_path / "path.nc"
    assert run(capsys, "sample", TUTORIAL / "path_analysis.dag", "--draws", 100, "--tune", 200, "--chains", 1,
               "--seed", 1, "--quiet", "--out", posterior)[0] == 0
    code, out, _ = run(capsys, "do", TUTORIAL / "path_analysis.dag", posterior, "--set", "x1=10", "--seed", 2)
    assert code == 0 and "x2_hat: mean 2" in out and "y_hat: mean 1" in out  # x2 ≈ 20, y ≈ 100
    assert run(capsys, "do", TUTORIAL / "path_analysis.dag", posterior, "--set", "x1")[0] == 2
