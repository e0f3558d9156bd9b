"""Shared by the CLI tests: repository paths, running `dagspec.cli.main` in-process, golden files, PNG sizes."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from dagspec import cli

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "specs" / "tutorial"
BAD = ROOT / "tests" / "bad"
GOLDEN = ROOT / "tests" / "golden" / "cli"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


def run(capsys, *argv) -> tuple[int, str, str]:
    """`dagspec ARGV...` in this process: (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/cli/NAME; `UPDATE_GOLDEN=1 pytest tests/cli` rewrites the golden files."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}: run UPDATE_GOLDEN=1 pytest tests/cli, review the diff, commit it")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path} (UPDATE_GOLDEN=1 to accept)"


def relative(text: str, folder: Path) -> str:
    """Output with a temporary folder's path taken out, so that golden files do not depend on it."""
    return text.replace(str(folder) + os.sep, "")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    return struct.unpack(">II", data[16:24])
