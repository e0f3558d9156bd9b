"""The benchmark runs end to end on a small size (`bench/run.py --quick`); speed is measured there, not here."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_benchmark_runs():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = (ROOT / "bench" / "RESULTS-quick.md").read_text()
    assert "| fork |" in report and "| binary_heterogenous |" in report
    assert "Compiling generated specs" in report and "| 1,000 |" in report
