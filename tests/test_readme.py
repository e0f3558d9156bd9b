"""Every command and Python block in the README runs as shown (from a copy of the repository's specs)."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
COMMANDS = [
    line
    for block in re.findall(r"```sh\n(.*?)```", README, re.S)
    for line in block.splitlines()
    if line.startswith("dagspec ")
]
PYTHON = re.findall(r"```python\n(.*?)```", README, re.S)
DAG = re.findall(r"```dag\n(.*?)```", README, re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "specs", folder / "specs")
    shutil.copytree(ROOT / "tests" / "bad", folder / "tests" / "bad")
    return folder


def test_readme_has_commands():
    assert len(COMMANDS) >= 10 and PYTHON and DAG


@pytest.mark.slow
def test_readme_commands_run_in_order(workdir):
    """In README order, since later commands read what earlier ones wrote (out/simple.nc)."""
    dagspec = str(Path(sys.executable).with_name("dagspec"))
    for command in COMMANDS:
        done = subprocess.run(
            [dagspec] + shlex.split(command)[1:], cwd=workdir, capture_output=True, text=True, timeout=600
        )
        expected = 1 if "tests/bad/" in command else 0  # the README's example of a mistake
        assert done.returncode == expected, f"{command}\n{done.stderr}"


def test_readme_shows_true_output():
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dagspec")), "explain", "specs/tutorial/fork.dag", "--effect", "x -> y"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() in README
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("dagspec")),
            "check",
            "--format",
            "full",
            "tests/bad/prior_negative_sigma.dag",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() in README


def test_readme_spec_is_the_tutorial_file():
    assert DAG[0] == (ROOT / "specs" / "tutorial" / "simple_regression.dag").read_text()


def test_readme_howell_spec_is_the_gallery_file():
    import dagspec

    for block in DAG[1:]:
        dagspec.parse(block)
        assert block in (ROOT / "specs" / "gallery" / "howell_m4_3.dag").read_text()


@pytest.mark.slow
def test_readme_python_runs(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    namespace = {}
    exec(PYTHON[0], namespace)  # noqa: S102 - the README's own example
    assert abs(float(namespace["idata"].posterior["coeff"].mean()) - 5) < 0.1
