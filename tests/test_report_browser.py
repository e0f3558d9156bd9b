"""The HTML report in a real headless browser (Chromium from the distribution's packages, which `make test`
installs): it loads without console errors (the page's policy blocks, and the browser logs, any request for
something outside the file) and its screenshot shows the graph and the plots."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import dagspec

TUTORIAL = Path(__file__).resolve().parent.parent / "specs" / "tutorial"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(BROWSER is None, reason="no chromium: `make system-deps` installs it (as root)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def open_in_browser(page: Path, folder: Path, height: int = 4200) -> tuple[list[str], np.ndarray]:
    """Load the page, take a 1200-pixel-wide screenshot: (the page's console messages, the picture as RGB)."""
    import matplotlib.image

    shot = folder / f"{page.stem}.png"
    done = subprocess.run(
        [
            BROWSER,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--window-size=1200,{height}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if re.search(r":CONSOLE[:(]", line)]
    return console, matplotlib.image.imread(shot)[..., :3]


def test_the_harness_sees_console_errors_and_blocked_requests(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>"
        '<img src="http://example.invalid/a.png"><script>console.error("boom")</script></body></html>'
    )
    console, _ = open_in_browser(bad, tmp_path, height=300)
    assert any("boom" in line for line in console) and any("example.invalid" in line for line in console)


def test_the_report_loads_cleanly_and_shows_the_graph_and_plots(tmp_path):
    spec = dagspec.load(TUTORIAL / "fork.dag")
    idata = dagspec.sample(spec, draws=200, chains=2, random_seed=1, progressbar=False)
    dagspec.posterior_predictive(spec, idata, random_seed=1)
    page = tmp_path / "report.html"
    page.write_text(dagspec.report(spec, idata), encoding="utf-8")
    console, pixels = open_in_browser(page, tmp_path)
    assert console == []
    ink = (pixels < 0.9).any(axis=2)  # pixels that are not (nearly) white
    assert ink.mean() > 0.03
    # the graph (an SVG near the top) and the plots (PNG figures further down) are drawn, not blank boxes
    rows_with_ink = ink.mean(axis=1)
    assert rows_with_ink[150:450].max() > 0.05  # the DAG's nodes and edges
    assert (rows_with_ink[2000:3800] > 0.01).mean() > 0.5  # figures: ink on most rows (a broken image is an icon)
