"""Issue 13: a stray categorical code no longer shifts every index in silence. In binary_heterogenous's data a
code -1 in row 0 became a level that sorts first (treatment_effect[0] then meant level -1), and a code 7 in
row 4 a level of its own. Undeclared integer levels that look like stray codes warn (DS525, naming the column,
values and rows); with declared levels, a value outside them is an error (DS506, naming them too)."""

from pathlib import Path

import pandas as pd
import pytest

import dagspec
from dagspec.cli import main
from dagspec.data import stray_codes

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs/tutorial/binary_heterogenous.dag"
DATA = pd.read_csv(ROOT / "specs/tutorial/data/binary_heterogenous.csv")


def _with(row: int, code: int) -> pd.DataFrame:
    frame = DATA.copy()
    frame.loc[row, "x1"] = code
    return frame


def test_a_negative_code_warns_naming_column_value_and_row():
    columns = dagspec.load(SPEC).columns(_with(0, -1))
    [warning] = columns.warnings
    assert warning.code == "DS525" and (warning.span.line, warning.span.column) == (6, 10)
    assert warning.message.startswith("level(s) -1 of 'x1' (column 'x1' of the data passed in, first at row(s) 0)")
    assert "-1 sorts first and moves every other level's index up by 1" in warning.message
    assert "categorical(levels = [-1, 0, 1, 2])" in warning.hint
    assert columns["x1"].levels == [-1, 0, 1, 2]  # what the warning is about: level 0 now has index 1


def test_a_code_after_a_gap_warns():
    [warning] = dagspec.load(SPEC).columns(_with(4, 7)).warnings
    assert warning.code == "DS525" and "level(s) 7 of 'x1'" in warning.message and "row(s) 4)" in warning.message
    assert "7 follows a gap after 2 (3 .. 6 missing), so 7 takes the place of 3" in warning.message


def test_the_cli_shows_the_warning_for_the_specs_own_file(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    _with(0, -1).to_csv(tmp_path / "data/binary_heterogenous.csv", index=False)
    (tmp_path / "m.dag").write_text(SPEC.read_text())
    assert main(["check", str(tmp_path / "m.dag")]) == 0
    assert main(["check", "--strict", str(tmp_path / "m.dag")]) == 1
    out = capsys.readouterr().out
    assert "m.dag:6:10: warning DS525 level(s) -1 of 'x1' (column 'x1' of data/binary_heterogenous.csv" in out


def test_declared_levels_make_a_stray_code_an_error_naming_value_and_rows():
    spec = dagspec.parse(SPEC.read_text().replace("node x1 : categorical", "node x1 : categorical(levels = [0, 1, 2])"))
    assert spec.columns(DATA).warnings == []
    with pytest.raises(dagspec.DagspecError) as info:
        spec.columns(_with(4, 7))
    [error] = info.value.diagnostics
    assert error.code == "DS506" and (error.span.line, error.span.column) == (6, 10)
    assert error.message == (
        "column 'x1' of the data passed in has value(s) 7 that 'x1' does not declare "
        "(declared: 0, 1, 2), first at row(s) 4"
    )


@pytest.mark.parametrize(
    "levels", [[0, 1, 2], [1, 2, 3], [0, 1], [1990, 2000, 2010], [0, 10, 20, 30], [-1, 1], ["a", "b"], [0, 2]]
)
def test_levels_that_look_like_codes_or_like_values_do_not_warn(levels):
    assert stray_codes(levels) == ([], "")


def test_a_level_in_fewer_rows_is_legitimate():
    frame = DATA[DATA["x1"] != 2].copy()
    frame.loc[frame.index[0], "x1"] = 2  # level 2 in one row only
    assert dagspec.load(SPEC).columns(frame.reset_index(drop=True)).warnings == []


@pytest.mark.parametrize(
    "levels, stray",
    [([-1, 0, 1, 2], [-1]), ([0, 1, 2, 7], [7]), ([1, 2, 3, 9], [9]), ([-2, -1, 0, 1, 2, 3, 8], [-2, -1, 8])],
)
def test_stray_codes(levels, stray):
    assert stray_codes(levels)[0] == stray


def test_compile_shows_the_warning_too(tmp_path, capsys):
    data = tmp_path / "d.csv"
    _with(4, 7).to_csv(data, index=False)
    assert main(["compile", str(SPEC), "--data", str(data)]) == 0
    assert f"warning DS525 level(s) 7 of 'x1' (column 'x1' of {data}, first at row(s) 4)" in capsys.readouterr().err
