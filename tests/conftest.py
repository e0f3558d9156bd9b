"""Shared test set-up: repository paths, golden-file updating (UPDATE_GOLDEN=1 rewrites golden files) and the Dask
cluster of the validation tests."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


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
