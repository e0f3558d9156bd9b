"""The commands beyond the core five: codegen, fmt, explain, adjust, implications, export, do."""

import pytest
from cli_support import TUTORIAL, run


def test_codegen_to_stdout_and_file(capsys, tmp_path):
    code, out, _ = run(capsys, "codegen", TUTORIAL / "simple_regression.dag")
    assert code == 0 and "pm.Model(coords=coords)" in out
    target = tmp_path / "m.py"
    assert run(capsys, "codegen", TUTORIAL / "heterogenous.dag", "--target", "pymc3", "-o", target)[0] == 0
    assert "import pymc3 as pm" in target.read_text()


def test_fmt_check_and_rewrite(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text("x->y\nobserved x,y\n")
    code, _, err = run(capsys, "fmt", spec, "--check")
    assert code == 1 and "would reformat" in err and spec.read_text() == "x->y\nobserved x,y\n"
    assert run(capsys, "fmt", spec)[0] == 0
    assert run(capsys, "fmt", spec, "--check")[0] == 0


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


def test_do_needs_a_readable_posterior(capsys, tmp_path):
    garbage = tmp_path / "garbage.nc"
    garbage.write_text("not NetCDF")
    code, _, err = run(capsys, "do", TUTORIAL / "path_analysis.dag", garbage, "--set", "x1=10")
    assert code == 2 and "cannot read" in err and "Traceback" not in err


@pytest.mark.slow
def test_do_command(capsys, tmp_path):
    posterior = tmp_path / "path.nc"
    assert (
        run(
            capsys,
            "sample",
            TUTORIAL / "path_analysis.dag",
            "--draws",
            100,
            "--tune",
            200,
            "--chains",
            1,
            "--seed",
            1,
            "--quiet",
            "--out",
            posterior,
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "do", TUTORIAL / "path_analysis.dag", posterior, "--set", "x1=10", "--seed", 2)
    assert code == 0 and "x2_hat: mean 2" in out and "y_hat: mean 1" in out  # x2 ≈ 20, y ≈ 100
    assert run(capsys, "do", TUTORIAL / "path_analysis.dag", posterior, "--set", "x1")[0] == 2
