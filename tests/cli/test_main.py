"""The command line as a whole: entry points, --help/--version, the bug banner, I/O errors, a fast import."""

import subprocess
import sys
from pathlib import Path

from cli_support import ROOT, TUTORIAL, run

from dagspec import cli


def _dagspec(*argv):
    return subprocess.run(
        [sys.executable, "-m", "dagspec", *map(str, argv)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_python_dash_m_runs_the_command_line():
    done = _dagspec("check", TUTORIAL / "coin.dag")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "All 1 spec OK.\n")
    done = _dagspec("check", "tests/bad/prior_negative_sigma.dag")
    assert done.returncode == 1 and done.stdout.startswith("tests/bad/prior_negative_sigma.dag:1:15: error DS403")


def test_usage_errors_exit_2_end_to_end():
    done = _dagspec()
    assert done.returncode == 2 and "usage: dagspec" in done.stderr
    done = _dagspec("check", "--no-such-option", TUTORIAL)
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("dagspec")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("dagspec ")


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "check" in out and "sample" in out and "graph" in out
    code, out, _ = run(capsys, "sample", "--help")
    assert code == 0 and "--target-accept" in out


def test_check_does_not_import_pymc():
    code = (
        "import sys\nfrom dagspec.cli import main\nmain(['check', 'specs/tutorial'])\n"
        "heavy = [m for m in ('pymc', 'pytensor', 'arviz', 'matplotlib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_internal_errors_print_a_bug_banner(capsys, monkeypatch):
    def explode(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli.check, "run_check", explode)
    code, _, err = run(capsys, "check", TUTORIAL / "coin.dag")
    assert code == 3 and "this is a bug in dagspec" in err
    assert "Traceback (most recent call last)" in err and "RuntimeError: boom" in err


def test_io_errors_are_one_line_and_exit_2(capsys, monkeypatch):
    def unreadable(args):
        raise PermissionError(13, "Permission denied", "secret.dag")

    monkeypatch.setattr(cli.check, "run_check", unreadable)
    code, _, err = run(capsys, "check", TUTORIAL / "coin.dag")
    assert (code, err) == (2, "dagspec: error: secret.dag: Permission denied\n")


def test_writing_into_a_file_that_is_not_a_folder(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, "graph", TUTORIAL / "fork.dag", "-o", blocker / "g.dot")
    assert code == 2 and "Traceback" not in err and str(blocker / "g.dot") in err


def test_a_closed_pipe_is_not_a_bug(capsys, monkeypatch):
    def closed(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli.check, "run_check", closed)
    code, _, err = run(capsys, "check", TUTORIAL / "coin.dag")
    assert code == 1 and "bug" not in err
