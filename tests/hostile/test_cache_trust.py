"""The step cache trusts nothing in its folder: planted or swapped entries are never unpickled or used, a folder
others can write is not used, and a cache that cannot be read or written only costs the compile (issue 13)."""

import os
import pickle
import stat
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec.backends import cache
from dagspec.backends.cache import model_step_and_trace, plan_key

SPEC = dagspec.parse("x -> y\nobserved x, y")
VARIANT = dagspec.parse("x -> y\nobserved x, y\nprior x -> y ~ Normal(5, 0.001)")


def _data(slope=2.0):
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    return pd.DataFrame({"x": x, "y": slope * x + rng.normal(0, 0.1, 60)})


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A private cache folder and a secret of this test's own."""
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "cache"


def _plan(spec=SPEC):
    return spec.plan(_data(), optimize=False)


def _codes(caught) -> list[str]:
    return [w.message.code for w in caught if issubclass(w.category, dagspec.DagspecWarning)]


def _compile(plan):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, step, _ = model_step_and_trace(plan, {})
    return model, step, _codes(caught)


class _Payload:
    """Unpickling it creates a marker file: what a planted entry would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()",))


def test_a_planted_pickle_never_runs_and_is_left_alone(folder, tmp_path):
    plan = _plan()
    marker = tmp_path / "PWNED"
    entry = folder / f"{plan_key(plan, {})}{cache.SUFFIX}"
    folder.mkdir(mode=0o700)
    planted = {
        entry: pickle.dumps(_Payload(marker)),  # a bare pickle where the entry goes
        # dagspec's header and the right key, but a tag made without the secret
        folder / "other.step": cache.MAGIC + bytes(32) + plan_key(plan, {}).encode() + pickle.dumps(_Payload(marker)),
        folder / "old.pkl": pickle.dumps(_Payload(marker)),  # an entry of the old format
    }
    for path, blob in planted.items():
        path.write_bytes(blob)
    model, step, codes = _compile(plan)
    assert not marker.exists()
    assert codes == ["DS632"]
    assert all(path.read_bytes() == blob for path, blob in planted.items())  # not replaced, not removed
    assert model["b_x_y"] is not None and step is not None


def test_a_signed_entry_copied_over_another_is_not_used(folder):
    """The variant's own, authentic entry copied over the base spec's: its key differs, so it is refused."""
    variant = dagspec.sample(VARIANT, _data(), draws=100, tune=100, chains=1, random_seed=1, sampler="pymc")
    assert abs(float(variant.posterior["b_x_y"].mean()) - 5) < 0.01
    (written,) = folder.glob(f"*{cache.SUFFIX}")
    base = folder / f"{plan_key(_passes(SPEC), {})}{cache.SUFFIX}"
    base.write_bytes(written.read_bytes())
    with pytest.warns(dagspec.DagspecWarning) as caught:
        idata = dagspec.sample(SPEC, _data(), draws=100, tune=100, chains=1, random_seed=1, sampler="pymc")
    assert "DS632" in _codes(caught) and "written for another model" in str(caught[0].message)
    assert abs(float(idata.posterior["b_x_y"].mean()) - 2) < 0.1  # its own model: the slope of the data
    assert base.read_bytes() == written.read_bytes()  # left as it was


def _passes(spec):
    """The plan NUTS samples (the passes applied), whose key the cache entry has."""
    from dagspec.backends.sample import passes_for_mcmc as passes
    from dagspec.backends.sample import step_options

    plan = passes(spec.plan(_data(), optimize=False), True)
    assert step_options(plan, {}) == {}
    return plan


def test_a_folder_other_users_can_write_is_not_used(folder):
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o777)
    model, step, codes = _compile(_plan())
    assert codes == ["DS630"] and step is not None
    assert not list(folder.iterdir())  # nothing written there


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give the folder away")
def test_a_folder_of_another_user_is_not_used(folder):
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    _, _, codes = _compile(_plan())
    assert codes == ["DS630"] and not list(folder.iterdir())


def test_the_secret_is_created_private_and_a_readable_one_is_refused(folder):
    plan = _plan()
    _, _, codes = _compile(plan)
    secret = cache.secret_path()
    assert codes == [] and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    os.chmod(secret, 0o644)
    _, _, codes = _compile(plan)
    assert codes == ["DS630"]


def test_a_read_only_valid_entry_is_used(folder, monkeypatch):
    plan = _plan()
    _compile(plan)  # writes the entry
    (entry,) = folder.glob(f"*{cache.SUFFIX}")
    os.chmod(entry, 0o444)
    os.chmod(folder, 0o555)
    try:  # as root, chmod does not stop writes: refuse them as a read-only file system would
        monkeypatch.setattr(os, "utime", _fails(30))  # EROFS
        monkeypatch.setattr(cache, "build_model", _fails(0))  # loaded, so never compiled again
        model, step, codes = _compile(plan)
    finally:
        os.chmod(folder, 0o700)
    assert codes == [] and step is not None


def _fails(errno):
    def fail(*args, **kwargs):
        if errno == 0:
            raise AssertionError("the entry should have been loaded")
        raise OSError(errno, os.strerror(errno))

    return fail


@pytest.mark.parametrize("errno", [28, 30, 1], ids=["full-disk", "read-only", "immutable"])
def test_a_cache_that_cannot_be_written_only_costs_a_note(folder, monkeypatch, errno):
    def unwritable(path, mode=None):
        raise OSError(errno, os.strerror(errno), str(path))

    monkeypatch.setattr(cache, "atomic_path", unwritable)
    _, step, codes = _compile(_plan())
    assert codes == ["DS631"] and step is not None


def test_an_immutable_folder_and_entry(folder):
    """With chattr +i (root on ext4): the entry is still read, the folder cannot take a new one (a note)."""
    plan, other = _plan(), _plan(VARIANT)
    _compile(plan)
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        assert _compile(plan)[2] == []
        assert _compile(other)[2] == ["DS631"]
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_cache_that_cannot_be_read_only_costs_a_note(folder, monkeypatch):
    plan = _plan()
    _compile(plan)
    real_open = os.open

    def unreadable(path, flags, *args, **kwargs):
        if str(path).endswith(cache.SUFFIX):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", unreadable)
    _, step, codes = _compile(plan)
    assert codes[0] == "DS631" and step is not None


def test_sample_from_the_command_line_with_a_read_only_entry_exits_0(folder, monkeypatch, capsys, tmp_path):
    from dagspec import cli

    (tmp_path / "data.csv").write_text(_data().to_csv(index=False))
    (tmp_path / "s.dag").write_text('x -> y\nobserved x, y from "data.csv"\n')
    argv = [
        "sample",
        str(tmp_path / "s.dag"),
        "--sampler",
        "pymc",
        "--draws",
        "50",
        "--tune",
        "50",
        "--chains",
        "1",
        "--quiet",
    ]
    assert cli.main(argv) == 0
    monkeypatch.setattr(os, "utime", _fails(30))
    assert cli.main(argv) == 0
    assert "DS631" not in capsys.readouterr().err
