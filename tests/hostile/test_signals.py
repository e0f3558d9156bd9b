"""Signals during `dagspec sample --out`'s NetCDF write, sent for real to a subprocess: no temporary file
survives any of them, and Ctrl-C always stops the command without writing (issue 13)."""

import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COIN = ROOT / "specs" / "tutorial" / "coin.dag"

# A `dagspec sample --out` whose sampler returns a posterior at once and whose NetCDF write, after writing the
# temporary file for real, either sits in C code that runs no signal handler (as h5py does while it writes) or
# swallows the KeyboardInterrupt a handler raises (as h5py's weakref callbacks do).
CHILD = """
import hashlib, sys, time
import arviz as az, numpy as np
import dagspec
from dagspec import cli

mode, out = sys.argv[1], sys.argv[2]
dagspec.sample = lambda spec, data=None, **kw: az.from_dict(posterior={"a": np.full((2, 100), 0.5)})
write = az.InferenceData.to_netcdf

def slow_write(self, path, *args, **kwargs):
    result = write(self, path, *args, **kwargs)
    print("written", flush=True)
    if mode == "stuck":
        hashlib.pbkdf2_hmac("sha256", b"x", b"y", 10**9)  # minutes in C that never run a signal handler
    else:
        try:
            time.sleep(600)
        except KeyboardInterrupt:
            pass
    return result

az.InferenceData.to_netcdf = slow_write
sys.exit(cli.main(["sample", sys.argv[3], "--sampler", "pymc", "--out", out, "--no-ppc", "--quiet"]))
"""


# The writer would go on for 10 minutes (the sleep) or many more (the hashing): stopping well within that is
# stopping at the signal. The margin is wide because a busy machine slows a process's exit to tens of seconds.
STOPS_WITHIN = 120


def _as_from_a_terminal() -> None:
    """A test run started in the background (`make test &`) ignores Ctrl-C, under `nohup` also hang-ups, and its
    children would inherit that: the child gets the signals' default actions, as a command typed in a terminal."""
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


def _interrupt(tmp_path, mode, signals):
    """Start the child, send `signals` once the temporary file is written, and return (exit code, seconds to
    stop, stderr, files left in the output folder)."""
    folder = tmp_path / "out"
    folder.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(folder / "posterior.nc"), str(COIN)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=_as_from_a_terminal,
    )
    try:
        _wait_for_line(child, "written", timeout=120)
        assert [p.name for p in folder.iterdir()][0].endswith(".partial")  # the write is under way
        time.sleep(0.5)  # into the hashing (or the sleep) that follows the line
        start = time.monotonic()
        for number in signals:
            child.send_signal(number)
            time.sleep(0.3)
        _, err = child.communicate(timeout=300)
        return child.returncode, time.monotonic() - start, err, sorted(p.name for p in folder.iterdir())
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _wait_for_line(child, wanted: str, timeout: float) -> None:
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=1) and child.stdout.readline().strip() == wanted:
            return
        if child.poll() is not None:
            pytest.fail(f"the child ended early ({child.returncode}): {child.stderr.read()}")
    pytest.fail(f"no {wanted!r} from the child within {timeout} s")


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_an_ending_signal_during_python_code_removes_the_file_and_ends_the_process_by_it(tmp_path, number):
    code, seconds, _, left = _interrupt(tmp_path, "swallow", [number])
    assert left == []
    assert code == -number and seconds < STOPS_WITHIN  # ended by the signal itself, as without dagspec


def test_an_ending_signal_during_a_write_in_c_removes_the_file_at_once(tmp_path):
    code, seconds, _, left = _interrupt(tmp_path, "stuck", [signal.SIGTERM])
    assert left == []
    assert code == 128 + signal.SIGTERM and seconds < STOPS_WITHIN  # the hashing alone takes many minutes


def test_ctrl_c_that_the_writer_swallows_still_stops_the_command_and_writes_nothing(tmp_path):
    code, seconds, err, left = _interrupt(tmp_path, "swallow", [signal.SIGINT])
    assert left == []
    assert code == 130 and err.splitlines()[-1] == "dagspec: interrupted; nothing was written"
    assert seconds < STOPS_WITHIN


def test_ctrl_c_twice_during_a_write_in_c_ends_it_at_once(tmp_path):
    code, seconds, _, left = _interrupt(tmp_path, "stuck", [signal.SIGINT, signal.SIGINT])
    assert left == []
    assert code == 130 and seconds < STOPS_WITHIN
