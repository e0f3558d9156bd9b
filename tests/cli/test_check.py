"""`dagspec check`: files and folders, the four output formats (golden), --strict, --data, exit codes."""

import json
import re

import pytest
import yaml
from cli_support import BAD, ROOT, TUTORIAL, check_golden, relative, run


@pytest.fixture
def mixed(tmp_path):
    """A folder mixing a good spec, a spec with a warning and (nested) one with two errors, and a non-spec."""
    folder = tmp_path / "specs"
    (folder / "nested").mkdir(parents=True)
    (folder / "good.dag").write_text((TUTORIAL / "coin.dag").read_text())
    (folder / "warn.dag").write_text("node lonely\na ~ Normal(0, 1)\n")
    (folder / "nested" / "bad.dag").write_text("a ~ Normal(0, -1)\nb ~ Normall(0, 1)\n")
    (folder / "notes.txt").write_text("not a spec")
    return folder


@pytest.mark.parametrize("fmt", ["short", "full", "json", "github"])
def test_a_folder_mixing_good_and_bad_specs_fails(capsys, mixed, fmt):
    code, out, err = run(capsys, "check", mixed, "--format", fmt)
    assert code == 1
    assert err == "Found 2 errors and 1 warning in 3 files.\n"  # the summary: stderr, whatever the format
    check_golden(f"check_{fmt}.txt", relative(out, mixed))


def test_short_format_is_one_finding_per_line(capsys, mixed):
    _, out, _ = run(capsys, "check", mixed)
    pattern = re.compile(r"^\S+\.dag:\d+:\d+: (error|warning) DS\d{3} .+$")
    assert all(pattern.match(line) for line in out.splitlines()), out


def test_full_format_shows_the_line_a_caret_and_the_hint(capsys, mixed):
    _, out, _ = run(capsys, "check", mixed / "nested" / "bad.dag", "--format", "full")
    assert "   1 | a ~ Normal(0, -1)\n" in out and "^" in out and "  hint: " in out


def test_json_stdout_is_only_json(capsys, mixed):
    code, out, _ = run(capsys, "check", mixed, "--format", "json")
    findings = json.loads(out)
    assert code == 1
    assert [f["code"] for f in findings] == ["DS403", "DS401", "DS309"]
    assert {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "hint"} <= set(
        findings[0]
    )
    assert (findings[0]["line"], findings[0]["column"], findings[0]["severity"]) == (1, 15, "error")
    code, out, _ = run(capsys, "check", TUTORIAL / "coin.dag", "--format", "json")
    assert (code, json.loads(out)) == (0, [])


def test_github_annotations(capsys, mixed):
    _, out, _ = run(capsys, "check", mixed, "--format", "github")
    pattern = re.compile(r"^::(error|warning) file=[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=DS\d{3}::.+$")
    lines = out.splitlines()
    assert len(lines) == 3 and all(pattern.match(line) for line in lines), out


def test_github_annotations_escape_properties_and_messages():
    from dagspec.diagnostics import Diagnostic
    from dagspec.render.diagnostics import render

    finding = Diagnostic("DS403", "100% wrong\nreally", hint="", file="a,b:c.dag")
    assert render([finding], "github") == "::error file=a%2Cb%3Ac.dag,title=DS403::100%25 wrong%0Areally\n"


def test_clean_specs_exit_0_with_a_summary(capsys):
    code, out, err = run(capsys, "check", TUTORIAL / "fork.dag", TUTORIAL / "coin.dag")
    assert (code, out, err) == (0, "", "All 2 specs OK.\n")
    code, out, err = run(capsys, "check", TUTORIAL / "coin.dag")
    assert err == "All 1 spec OK.\n"


def test_a_folder_is_searched_recursively_and_each_file_counted_once(capsys):
    specs = sorted(TUTORIAL.rglob("*.dag"))
    code, _, err = run(capsys, "check", TUTORIAL, TUTORIAL / "fork.dag")
    assert code == 0  # the tutorial has warnings (confounded on purpose), no errors
    assert err.endswith(f"in {len(specs)} files.\n")


def test_warnings_fail_only_with_strict(capsys, mixed):
    code, out, _ = run(capsys, "check", mixed / "warn.dag")
    assert code == 0 and "warning DS309" in out
    assert run(capsys, "check", mixed / "warn.dag", "--strict")[0] == 1


def test_a_spec_that_is_not_text_is_a_finding(capsys, tmp_path):
    spec = tmp_path / "binary.dag"
    spec.write_bytes(b"\xff\xfe\x00")
    code, out, _ = run(capsys, "check", spec)
    assert code == 1 and "error DS107" in out and "not UTF-8" in out


def test_data_is_checked_against_the_spec(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n2,\n")
    code, out, err = run(capsys, "check", BAD / "data_no_data.dag", "--data", data)
    assert code == 1
    assert f"error DS504 column 'y' of {data} has 1 missing" in out and "Found 1 error" in err
    data.write_text("x,z\n1,2\n")
    code, out, _ = run(capsys, "check", BAD / "data_no_data.dag", "--data", data)
    assert code == 1 and "DS502" in out


def test_parquet_data(capsys, tmp_path):
    import pandas as pd

    path = tmp_path / "d.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.1, 5.9]}).to_parquet(path)
    assert run(capsys, "check", BAD / "data_no_data.dag", "--data", path)[0] == 0


def test_categorical_levels_in_data(capsys, tmp_path):
    spec = tmp_path / "s.dag"
    spec.write_text('node g : categorical(levels = ["a", "b"])\ng -> y\nobserved g, y\n')
    data = tmp_path / "d.csv"
    data.write_text("g,y\na,1\nc,2\n")
    code, out, _ = run(capsys, "check", spec, "--data", data)
    assert code == 1 and "DS506" in out


def test_usage_and_io_errors_exit_2(capsys, tmp_path):
    assert run(capsys, "check", tmp_path / "missing.dag")[0] == 2
    code, out, err = run(capsys, "check", tmp_path)  # a folder without specs
    assert code == 2 and "no .dag files" in err and out == ""
    assert run(capsys, "check")[0] == 2  # argparse: a path is required
    assert run(capsys, "check", TUTORIAL, "--format", "xml")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "check", TUTORIAL / "fork.dag", "--data", tmp_path / "nope.csv")[0] == 2
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not parquet at all")
    code, out, err = run(capsys, "check", TUTORIAL / "fork.dag", "--data", garbage)  # a finding about the file
    assert code == 1 and f"{garbage}: error DS503 cannot read data file" in out and "Traceback" not in err


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "dagspec-check")
    assert hook["entry"] == "dagspec check" and hook["language"] == "python"
    assert re.search(hook["files"], "models/a.dag") and not re.search(hook["files"], "a.dag.txt")
