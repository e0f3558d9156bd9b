"""Thread discipline: while dagspec samples, BLAS runs one thread per chain (its matrices are small) and the
chains run one per core; the run says what it chose."""

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import dagspec
from dagspec.backends import threads
from dagspec.render.summary import how_drawn

COIN = "node y ~ Bernoulli\nobserved y\nprior y.intercept ~ Normal(0, 1.5) as a"
DATA = {"y": np.array([0, 1, 1, 0, 1, 1, 1, 0, 1, 1])}


def _blas_threads():
    return {info["filepath"]: info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


def test_blas_is_held_to_the_limit_inside_and_restored_after(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    before = _blas_threads()
    assert before  # numpy's BLAS at least
    with threads.limited_blas(1):
        assert set(_blas_threads().values()) == {1}
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"  # for a chain started afresh or a BLAS loaded later
    assert {k: v for k, v in _blas_threads().items() if k in before} == before
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_chains_run_one_per_core_and_blas_threads_only_for_large_data(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 4)
    assert threads.chains_at_once(2) == 2 and threads.chains_at_once(8) == 4 and threads.chains_at_once(4, cores=1) == 1
    assert threads.blas_threads(2, largest=10_000) == 1
    assert threads.blas_threads(2, largest=threads.LARGE) == 2
    assert threads.blas_threads(4, largest=threads.LARGE) == 1
    monkeypatch.setattr(threads.multiprocessing.current_process(), "daemon", True)  # a pool's worker
    assert threads.chains_at_once(2) == 1


@pytest.mark.slow
def test_nuts_runs_inside_the_limit_and_says_how(monkeypatch):
    seen = []
    import pymc as pm

    original = pm.sample

    def spy(*args, **kwargs):
        seen.append((set(_blas_threads().values()), kwargs.get("cores")))
        return original(*args, **kwargs)

    monkeypatch.setattr(pm, "sample", spy)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    idata = dagspec.sample(dagspec.parse(COIN), DATA, draws=50, tune=50, chains=2, random_seed=1, sampler="pymc")
    assert seen == [({1}, 2)]
    attrs = idata.posterior.attrs
    assert (attrs["dagspec_chains_at_once"], attrs["dagspec_blas_threads"]) == (2, 1)
    assert how_drawn(idata) == "drawn with pymc NUTS (as asked): 2 chain(s), 2 at a time, 1 BLAS thread(s) per chain"
