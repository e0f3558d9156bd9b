"""Issue 13: `dagspec check` reads the spec's own data. A `from` naming a missing file passed ("All 1 spec OK"),
and data that dagspec drops (JSON scalars, 2-D arrays) passed check, then failed in compile. Now check validates
the named data when the file exists, warns (DS526) when it does not, and `--no-data` skips it;
Spec.findings(named_files=True) returns the same findings to Python."""

import json

import dagspec
from dagspec.cli import main

SPEC = 'x, M -> y\nobserved x, y, M from "d.json"\n'


def _check(capsys, *args) -> tuple[int, list[dict]]:
    code = main(["check", "--format", "json", *map(str, args)])
    return code, json.loads(capsys.readouterr().out)


def test_a_missing_data_file_is_a_warning(tmp_path, capsys):
    (tmp_path / "m.dag").write_text('x -> y\nobserved x, y from "nope.csv"\n')
    code, found = _check(capsys, tmp_path / "m.dag")
    assert code == 0 and [(f["code"], f["line"], f["column"], f["severity"]) for f in found] == [
        ("DS526", 2, 10, "warning")
    ]
    assert found[0]["message"] == "data file 'nope.csv' does not exist, so the data were not checked"
    assert _check(capsys, "--strict", tmp_path / "m.dag")[0] == 1
    assert _check(capsys, "--no-data", tmp_path / "m.dag") == (0, [])


def test_data_that_compile_would_reject_fails_check(tmp_path, capsys):
    (tmp_path / "d.json").write_text(
        json.dumps({"M": [[1, 2], [3, 4], [5, 6]], "x": [1.0, 2.0, 3.0], "y": [2.0, 4.1, 5.9]})
    )
    (tmp_path / "m.dag").write_text(SPEC)
    code, found = _check(capsys, tmp_path / "m.dag")
    # a 2-D array is a matrix node's values (issue 15): a node not declared `: matrix` is told to declare it
    assert code == 1 and [(f["code"], f["line"], f["column"]) for f in found] == [("DS580", 2, 16)]
    assert "`node M : matrix`" in found[0]["hint"]
    assert _check(capsys, "--no-data", tmp_path / "m.dag") == (0, [])
    assert main(["compile", str(tmp_path / "m.dag")]) == 1  # what check now says first
    assert "DS580" in capsys.readouterr().err


def test_check_finds_what_only_the_data_tell(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("x,y\n1,2\n2,\n")
    (tmp_path / "m.dag").write_text('x -> y\nobserved x, y from "d.csv"\n')
    code, found = _check(capsys, tmp_path / "m.dag")
    assert code == 1 and [f["code"] for f in found] == ["DS504"] and "of d.csv" in found[0]["message"]


def test_specs_without_a_data_file_need_none(tmp_path, capsys):
    (tmp_path / "m.dag").write_text("x -> y\nobserved x, y\n")  # data come with build(data)
    assert _check(capsys, tmp_path / "m.dag") == (0, [])


def test_the_python_api_reports_the_same_findings(tmp_path, capsys):
    (tmp_path / "d.json").write_text(
        json.dumps({"M": [[1, 2], [3, 4], [5, 6]], "x": [1.0, 2.0, 3.0], "y": [2.0, 4.1, 5.9]})
    )
    (tmp_path / "m.dag").write_text(SPEC)
    spec = dagspec.load(tmp_path / "m.dag")
    _, cli = _check(capsys, tmp_path / "m.dag")
    assert [d.to_dict() for d in spec.findings(named_files=True)] == cli
    assert spec.findings() == []
    assert spec.findings({"M": [3, 4, 5], "x": [1.0, 2.0, 3.0], "y": [2.0, 4.1, 5.9]}) == []
    (tmp_path / "d.json").unlink()
    assert [d.code for d in spec.findings(named_files=True)] == ["DS526"]


def test_an_unreadable_data_file_stays_an_error(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("")
    (tmp_path / "m.dag").write_text('x -> y\nobserved x, y from "d.csv"\n')
    code, found = _check(capsys, tmp_path / "m.dag")
    assert code == 1 and [(f["code"], f["line"], f["column"]) for f in found] == [("DS522", 2, 10)]
