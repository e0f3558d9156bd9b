"""Shared test set-up: repository paths, golden-file updating (UPDATE_GOLDEN=1 rewrites golden files) and the Dask
cluster of the validation tests."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

# The test processes (two pytest workers, the Dask workers they start) share PyTensor's compile cache and its lock;
# on a busy machine one can wait on the lock longer than PyTensor's 120 s default and fail its compile. Set before
# any test imports PyTensor, and inherited by the processes the tests start.
os.environ["PYTENSOR_FLAGS"] = ",".join(filter(None, [os.environ.get("PYTENSOR_FLAGS"), "compile__timeout=1200"]))


def check_golden(path: Path, actual: str) -> None:
    """Compare `actual` with the golden file, or rewrite it when UPDATE_GOLDEN=1."""
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {path} did not exist; it was written — review and commit it")
        return
    assert actual == path.read_text(), f"output differs from {path} (UPDATE_GOLDEN=1 to accept)"


@pytest.fixture(scope="session")
def client():
    """One real Dask LocalCluster (2 worker processes, one thread each) for the tests of tests/validate/; started
    the first time a test asks for it. (In this file, not tests/validate/conftest.py: a second module named
    conftest would shadow this one for `from conftest import check_golden`.)"""
    import logging

    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


# The files that take longest, longest first. `make test` runs the suite on two processes (pytest-xdist, whole
# files to a process in collection order, --no-loadscope-reorder): a long file started last would leave one
# process working alone at the end. Measured with --durations on a fresh clone (Theano and PyTensor caches cold).
LONGEST_FIRST = (
    "tests/test_readme.py",
    "tests/test_pymc3_lane.py",
    "tests/gallery/test_gallery.py",
    "tests/test_gaussian_draws.py",
    "tests/test_bench.py",
    "tests/validate/test_sbc.py",
    "tests/hostile/test_codegen_names.py",
    "tests/test_survival.py",
    "tests/validate/test_localtests.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
