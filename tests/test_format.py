"""`dagspec fmt`: canonical layout, comments kept, the same IR, idempotent over every spec that parses."""

from pathlib import Path

import pytest

import dagspec
from dagspec import cli
from dagspec.format import format_text
from dagspec.parse import parse_text

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").rglob("*.dag")) + sorted((ROOT / "tests" / "bad").glob("*.dag"))


def _parses(path):
    try:
        parse_text(path.read_text(encoding="utf-8"))
        return True
    except (dagspec.DagspecError, UnicodeDecodeError):
        return False


CORPUS = [p for p in SPECS if _parses(p)]


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_format_keeps_the_spec_and_is_idempotent(path):
    text = path.read_text()
    once = format_text(text)
    assert parse_text(once) == parse_text(text)
    assert format_text(once) == once
    assert [c for c in text.splitlines() if "#" in c and c.lstrip().startswith("#")] == [
        c for c in once.splitlines() if c.lstrip().startswith("#")
    ]


def test_layout():
    text = (
        '# model\n\n\nnode x1   # cause\nx1->y1 ; observed x1,y1 from "d.csv"  # data\nprior y1.sigma~Exponential(1)\n'
    )
    assert format_text(text) == (
        '# model\n\nnode x1  # cause\nx1 -> y1\nobserved x1, y1 from "d.csv"  # data\nprior y1.sigma ~ Exponential(1)\n'
    )


def test_fmt_command_rewrites_only_when_asked(tmp_path, capsys):
    path = tmp_path / "m.dag"
    path.write_text("x->y\nobserved x,y\n")
    assert cli.main(["fmt", "--check", str(path)]) == 1
    assert path.read_text() == "x->y\nobserved x,y\n"
    assert cli.main(["fmt", str(path)]) == 0
    assert path.read_text() == "x -> y\nobserved x, y\n"
    assert cli.main(["fmt", "--check", str(path)]) == 0
    bad = tmp_path / "bad.dag"
    bad.write_text("x -> \n")
    assert cli.main(["fmt", str(bad)]) == 1 and bad.read_text() == "x -> \n"


def test_no_other_command_modifies_a_spec(tmp_path, capsys):
    path = tmp_path / "m.dag"
    original = "x->y\nobserved x = [1.0, 2.0, 3.0], y = [2.0, 4.1, 5.9]\n"
    path.write_text(original)
    for argv in (
        ["check", path],
        ["compile", path],
        ["graph", path, "-o", tmp_path / "g.dot"],
        ["codegen", path],
        ["export", path],
        ["implications", path],
    ):
        cli.main([str(a) for a in argv])
    assert path.read_text() == original
