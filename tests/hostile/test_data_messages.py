"""Issue 13: messages about data a user can act on. Complex and date columns for numeric nodes are errors (the
imaginary part was dropped, dates became nanoseconds); a message names the data file it read (with --data it
pointed at the spec's own `from` only); a semicolon-separated CSV is read as such; a Bernoulli outcome of
yes/no strings gets the indicator hint (not `categorical`); a JSON scalar is shown as a literal to observe."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec.cli import main
from dagspec.datafile import read_table

ROOT = Path(__file__).resolve().parents[2]
FORK = ROOT / "specs/tutorial/fork.dag"
FORK_DATA = pd.read_csv(ROOT / "specs/tutorial/data/fork.csv")


def _errors(spec, data) -> list:
    with pytest.raises(dagspec.DagspecError) as info:
        spec.columns(data)
    return info.value.diagnostics


def test_a_complex_column_is_an_error_naming_rows_and_values():
    spec = dagspec.parse("x -> y\nobserved x, y")
    [error] = _errors(spec, {"x": np.array([1.0, 2 + 3j, 3.0]), "y": [1.0, 2.0, 3.0]})
    assert error.code == "DS523" and (error.span.line, error.span.column) == (2, 10)
    assert "first at row(s) 1: (2+3j)" in error.message and "imaginary" in error.message
    assert spec.columns({"x": np.array([1 + 0j, 2 + 0j]), "y": [1.0, 2.0]})["x"].values.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "values, kind",
    [(pd.to_datetime(["2024-01-01", "2024-02-01"]), "dates"), (pd.to_timedelta(["1D", "2D"]), "durations")],
)
def test_dates_and_durations_are_not_numbers(values, kind):
    [error] = _errors(dagspec.parse("x -> y\nobserved x, y"), pd.DataFrame({"x": values, "y": [1.0, 2.0]}))
    assert error.code == "DS524" and f"holds {kind}, not numbers, for numeric node 'x'" in error.message


def test_dates_in_a_transform_are_not_numbers_either():
    spec = dagspec.parse("x -> y\nobserved x = center(when), y")
    [error] = _errors(spec, pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-02-01"]), "y": [1.0, 2.0]}))
    assert error.code == "DS524"


def test_dates_stay_levels_of_a_categorical_node():
    spec = dagspec.parse("node d : categorical\nd -> y\nobserved d, y")
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"]), "y": [1.0, 2.0, 3.0]})
    assert spec.columns(frame)["d"].levels == ["2024-01-01", "2024-02-01"]


def test_errors_about_data_given_with_data_name_that_file(tmp_path, capsys):
    other = tmp_path / "other.csv"
    FORK_DATA.drop(columns="z").to_csv(other, index=False)
    assert main(["compile", str(FORK), "--data", str(other)]) == 1
    err = capsys.readouterr().err
    assert f"error DS502 column 'z' for 'z' is not in {other}; columns are" in err


def test_errors_about_the_specs_own_file_name_it(tmp_path):
    (tmp_path / "d.csv").write_text("x,y\n1,\n2,3\n")
    (tmp_path / "m.dag").write_text('x -> y\nobserved x, y from "d.csv"\n')
    [error] = _errors(dagspec.load(tmp_path / "m.dag"), None)
    assert error.message.startswith("column 'y' of d.csv has 1 missing")


def test_a_semicolon_separated_csv_is_read_with_its_decimal_commas(tmp_path, capsys):
    path = tmp_path / "fork.csv"
    text = FORK_DATA.to_csv(index=False, sep=";", decimal=",")
    assert ";" in text and "," in text
    path.write_text(text)
    table = read_table(path)
    assert list(table.columns) == list(FORK_DATA.columns)
    np.testing.assert_allclose(table.to_numpy(dtype=float), FORK_DATA.to_numpy(dtype=float))
    assert main(["check", str(FORK), "--data", str(path)]) == 0
    path.write_text(FORK_DATA.to_csv(index=False, sep="\t"))
    np.testing.assert_allclose(read_table(path).to_numpy(dtype=float), FORK_DATA.to_numpy(dtype=float))


def test_a_semicolon_file_keeps_text_with_commas_as_text(tmp_path):
    (tmp_path / "d.csv").write_text("g;x\na,b;1,5\nc;2\n")
    table = read_table(tmp_path / "d.csv")
    assert table["g"].tolist() == ["a,b", "c"] and table["x"].tolist() == [1.5, 2.0]


def test_a_table_read_with_the_wrong_separator_gets_a_hint():
    spec = dagspec.parse("x -> y\nobserved x, y")
    frame = pd.DataFrame({"x;y": ["1;2", "3;4"]})
    errors = _errors(spec, frame)
    assert {e.code for e in errors} == {"DS502"}
    assert "separated by something other than commas" in errors[0].hint


def test_a_bernoulli_outcome_of_yes_and_no_is_pointed_to_an_indicator():
    spec = dagspec.parse("node y ~ Bernoulli\nx -> y\nobserved x, y")
    frame = pd.DataFrame({"x": [0.1, 0.5, 0.9, 0.3], "y": ["no", "yes", "yes", "no"]})
    [error] = _errors(spec, frame)
    assert error.code == "DS505" and "categorical" not in error.hint
    assert 'observed y = indicator(y, "yes")' in error.hint
    fixed = dagspec.parse('node y ~ Bernoulli\nx -> y\nobserved x, y = indicator(y, "yes")')
    assert fixed.columns(frame)["y"].values.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_a_column_name_that_is_no_dagspec_name_is_quoted_in_the_hint():
    spec = dagspec.parse('node y ~ Bernoulli\nx -> y\nobserved x, y = "did buy"')
    [error] = _errors(spec, pd.DataFrame({"x": [0.1, 0.5], "did buy": ["TRUE", "FALSE"]}))
    assert 'observed y = indicator("did buy", "TRUE")' in error.hint


def test_a_predictor_of_strings_is_still_told_about_categorical():
    [error] = _errors(dagspec.parse("x -> y\nobserved x, y"), pd.DataFrame({"x": ["a", "b"], "y": [1.0, 2.0]}))
    assert error.code == "DS505" and "node x : categorical" in error.hint


def test_a_json_matrix_is_named_as_what_was_left_out(tmp_path):
    (tmp_path / "d.json").write_text(
        json.dumps({"y": [1.0, 2.0, 3.0], "x": [0.5, 1.0, 2.0], "M": [[1, 2], [3, 4], [5, 6]], "z": [1.0, 2.0]})
    )
    (tmp_path / "m.dag").write_text('x, M -> y\nobserved x, y, M from "d.json"\n')
    [error] = _errors(dagspec.load(tmp_path / "m.dag"), None)  # issue 15: a matrix node's values, if declared
    assert error.code == "DS580"
    assert error.hint == "declare it: `node M : matrix`; its edge then gets one coefficient per column"
    (tmp_path / "m.dag").write_text('x, z -> y\nobserved x, y, z from "d.json"\n')
    [error] = _errors(dagspec.load(tmp_path / "m.dag"), None)
    assert "'z' is an array of 2 values, not one per row (3 rows) in d.json" in error.hint
