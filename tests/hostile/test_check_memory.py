"""Issue 13: a 288 KB one-line spec `n0 -> n1 -> ... -> n29999` of undeclared nodes made `check` pass 8 GB:
30,000 DS307 findings, each rendered with its excerpt, the whole 288 KB line. Now the first MAX_PER_CODE findings
of a code are kept and the rest counted in one DS119, excerpts of long lines are cut around the span, and memory
grows linearly with the spec (bench/hostile_text.py records the peaks)."""

import subprocess
import sys
import tracemalloc

import pytest

import dagspec
from dagspec.diagnostics import MAX_PER_CODE
from dagspec.source import EXCERPT_WIDTH


def chain(nodes: int) -> str:
    return " -> ".join(f"n{i}" for i in range(nodes))


def findings(text: str):
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(text, "chain.dag")
    return info.value


def peak_bytes(text: str) -> int:
    tracemalloc.start()
    try:
        findings(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def the_issue_s_chain():
    text = chain(30_000)
    assert len(text) > 280_000 and "\n" not in text
    return text, findings(text)


def test_the_first_findings_of_a_code_are_shown_and_the_rest_counted(the_issue_s_chain):
    text, error = the_issue_s_chain
    assert error.codes == ["DS307"] * MAX_PER_CODE + ["DS119"]
    more = error.diagnostics[-1]
    assert more.message.startswith("29,980 more DS307 finding(s) (undeclared node) not shown")
    assert more.span.column == text.index(f"n{MAX_PER_CODE} ") + 1  # at the first finding not shown
    assert len(error.render()) < 10_000  # was 1.3 GB for 10,000 nodes


def test_each_excerpt_of_a_long_line_is_cut_around_its_span(the_issue_s_chain):
    _, error = the_issue_s_chain
    for diagnostic in error.diagnostics:
        source_line, caret_line = diagnostic.source.excerpt(diagnostic.span).split("\n")
        assert len(source_line) <= len("   1 | ") + EXCERPT_WIDTH + 2
        name = diagnostic.message.split("'")[1] if diagnostic.code == "DS307" else f"n{MAX_PER_CODE}"
        assert source_line[caret_line.index("^") :].startswith(name)


def test_memory_grows_linearly_with_the_spec():
    small, large = peak_bytes(chain(3_000)), peak_bytes(chain(9_000))
    assert large < 100e6  # 10,000 nodes took 3 GB
    assert large / small < 4.5  # three times the nodes


def test_the_command_line_prints_a_screenful(tmp_path):
    path = tmp_path / "chain.dag"
    path.write_text(chain(30_000))
    result = subprocess.run(
        [sys.executable, "-m", "dagspec", "check", str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if "chain.dag:" in line]
    assert len(lines) == MAX_PER_CODE + 1 and "DS119" in lines[-1]
    assert len(result.stdout) + len(result.stderr) < 20_000
