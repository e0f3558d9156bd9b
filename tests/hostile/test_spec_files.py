"""Spec files from someone else: a file that never ends, or is far too long, is read only up to the longest spec
dagspec parses and refused with DS109 (from the API, `check` and `fmt`), never read whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import dagspec
from dagspec.parse import MAX_SPEC_CHARACTERS

ENDLESS = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not ENDLESS.exists(), reason="no /dev/zero here")


@needs_dev_zero
def test_an_endless_file_is_refused_after_the_limit():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.load(ENDLESS)
    assert [d.code for d in info.value.diagnostics] == ["DS109"]


def test_a_file_just_over_the_limit_is_refused_and_one_at_it_is_parsed(tmp_path):
    line = "# " + "x" * 97 + "\n"  # 100 characters
    comment = line * (MAX_SPEC_CHARACTERS // 100 - 1)
    at_limit = tmp_path / "at_limit.dag"
    at_limit.write_text(comment + "x -> y\nobserved x, y\n".ljust(100))
    assert len(at_limit.read_text()) == MAX_SPEC_CHARACTERS
    assert list(dagspec.load(at_limit).causal_graph().edges) == [("x", "y")]
    too_long = tmp_path / "too_long.dag"
    too_long.write_bytes(("é" * (MAX_SPEC_CHARACTERS + 1)).encode())  # 2 bytes each: over in characters too
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.load(too_long)
    assert [d.code for d in info.value.diagnostics] == ["DS109"]


@needs_dev_zero
@pytest.mark.parametrize("command", [["check"], ["fmt", "--check"]])
def test_the_cli_refuses_an_endless_file_with_a_diagnostic(command):
    done = subprocess.run(
        [sys.executable, "-m", "dagspec", *command, str(ENDLESS)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    said = done.stdout + done.stderr
    assert "DS109" in said and "Traceback" not in said
