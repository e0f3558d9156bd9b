"""`dagspec compile`: the report (golden), shapes with and without data, --emit ir / plan, errors."""

import json
import shutil

import pytest
from cli_support import BAD, TUTORIAL, check_golden, relative, run

import dagspec


def test_report_of_a_path_analysis(capsys):
    code, out, _ = run(capsys, "compile", TUTORIAL / "path_analysis.dag")
    assert code == 0
    check_golden("compile_path_analysis.txt", out)
    assert "x2_hat ~ Normal(mu = intercept_1 + coeff_1 * x1, sigma = error_1)" in out
    assert "y_hat ~ Normal(mu = intercept_2 + coeff_2 * x2, sigma = error_2)" in out


def test_categorical_effects_are_indexed_and_sized_from_the_data(capsys):
    code, out, _ = run(capsys, "compile", TUTORIAL / "categorical.dag")
    assert code == 0
    check_golden("compile_categorical.txt", out)
    assert "y_hat ~ Normal(mu = cat_x1[x1] + cat_x2[x2], sigma = error)" in out
    assert "(5,)" in out and "(4,)" in out


def test_without_data_defaults_are_marked_and_shapes_are_symbolic(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text("node g : categorical\ng, x -> y\nobserved g, x, y\n")
    code, out, _ = run(capsys, "compile", spec)
    assert code == 0
    check_golden("compile_defaults.txt", relative(out, tmp_path))
    assert "Normal(0, 10) (default)" in out and "no data" in out
    assert "(g,)" in out  # the dim by name: its size needs the data


def test_data_given_on_the_command_line_sizes_the_shapes(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text("node g : categorical\ng, x -> y\nobserved g, x, y\n")
    data = tmp_path / "d.csv"
    data.write_text("g,x,y\na,1,2\nb,2,3\nc,3,5\na,4,4\n")
    code, out, _ = run(capsys, "compile", spec, "--data", data)
    assert code == 0 and "(3,)" in out and "data: 4 rows" in out


def test_declared_levels_size_shapes_without_data(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text('node g : categorical(levels = ["a", "b", "c"])\ng -> y\nobserved g, y\n')
    _, out, _ = run(capsys, "compile", spec)
    assert "(3,)" in out


def test_links_are_written_out(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text("node y ~ Bernoulli\nx -> y\nobserved x, y\n")
    _, out, _ = run(capsys, "compile", spec)
    assert "y ~ Bernoulli(p = invlogit(y_intercept + b_x_y * x))" in out and "link logit" in out
    spec.write_text("node y ~ Poisson\nx -> y\nobserved x, y\n")
    _, out, _ = run(capsys, "compile", spec)
    assert "y ~ Poisson(mu = exp(y_intercept + b_x_y * x))" in out


def test_a_missing_data_file_still_compiles_with_a_note(capsys, tmp_path):
    shutil.copy(TUTORIAL / "path_analysis.dag", tmp_path)  # names data/pipe.csv, not copied
    code, out, err = run(capsys, "compile", tmp_path / "path_analysis.dag")
    assert code == 0 and "no data" in out and "cannot read data file 'data/pipe.csv'" in err


def test_bad_data_given_is_an_error(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x1,x2\n1,2\n")
    code, _, err = run(capsys, "compile", TUTORIAL / "path_analysis.dag", "--data", data)
    assert code == 1 and "DS502" in err


def test_emit_ir_is_the_json_ir(capsys):
    code, out, _ = run(capsys, "compile", TUTORIAL / "pooled_categorical.dag", "--emit", "ir")
    document = json.loads(out)
    assert code == 0 and document["version"] == 1
    again = dagspec.Spec.from_json(out)
    assert sorted(again.parameters) == sorted(dagspec.load(TUTORIAL / "pooled_categorical.dag").parameters)


def test_emit_plan(capsys):
    code, out, _ = run(capsys, "compile", TUTORIAL / "pooled_categorical.dag", "--emit", "plan", "--no-optimize")
    assert code == 0
    check_golden("plan_pooled_categorical.txt", out)
    code, out, _ = run(capsys, "compile", TUTORIAL / "simple_regression.dag", "--emit", "plan")
    assert code == 0 and "optimizations (exact: same posterior)" in out and "potential" in out


def test_emit_plan_needs_data(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text("x -> y\nobserved x, y\n")
    code, out, err = run(capsys, "compile", spec, "--emit", "plan")
    assert code == 2 and "--data" in err and out == ""


def test_a_bad_spec_exits_1_with_a_caret(capsys):
    code, out, err = run(capsys, "compile", BAD / "prior_negative_sigma.dag")
    assert code == 1 and out == ""
    assert "error DS403" in err and "^" in err and "hint:" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--emit", "yaml"], ["--without", "everything"]])
def test_bad_options_exit_2(capsys, argv):
    assert run(capsys, "compile", TUTORIAL / "fork.dag", *argv)[0] == 2


def test_a_missing_spec_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "compile", tmp_path / "missing.dag")
    assert code == 2 and "no such file" in err and "Traceback" not in err
