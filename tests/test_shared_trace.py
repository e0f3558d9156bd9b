"""The trace dagspec caches with its NUTS step: compiled once, each chain's copy with storage of its own, and the
draws exactly those PyMC records with its own per-chain traces."""

from __future__ import annotations

from copy import copy

import numpy as np
import pandas as pd
import pymc as pm
import pytest

import dagspec
from dagspec.backends.cache import SharedTrace, model_step_and_trace
from dagspec.backends.sample import jittered_starts

SPEC = dagspec.parse("x -> y\nobserved x, y")


@pytest.fixture
def compiled(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    plan = SPEC.plan(pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 0.5, 40)}), optimize=False)
    return plan, model_step_and_trace(plan, {})


def test_each_chains_copy_has_storage_of_its_own_and_the_compiled_function_is_shared(compiled):
    _, (model, _, trace) = compiled
    first, second = copy(trace), copy(trace)
    for chain, each in enumerate((first, second)):
        each.setup(3, chain)
    point = model.initial_point()
    first.record({name: np.asarray(value + 1.0, value.dtype) for name, value in point.items()}, in_warmup=False)
    second.record(point, in_warmup=False)
    name = trace.varnames[0]
    assert first.samples is not second.samples and first.fn is second.fn is trace.fn
    assert first.get_values(name)[0] != second.get_values(name)[0]
    assert (len(first), len(second), trace.samples) == (1, 1, {})


def test_the_cache_gives_back_the_trace_with_the_step(compiled):
    plan, _ = compiled
    model, _, trace = model_step_and_trace(plan, {})  # loaded this time
    assert isinstance(trace, SharedTrace) and trace.model is model


@pytest.mark.slow
def test_the_draws_are_those_pymc_records_itself(compiled):
    _, (model, step, trace) = compiled
    options = dict(draws=30, tune=30, chains=2, cores=1, random_seed=3, progressbar=False, step=step)
    with model:
        ours = pm.sample(trace=trace, initvals=jittered_starts(model, 2, 3), **options)
        theirs = pm.sample(initvals=jittered_starts(model, 2, 3), **options)
    assert set(ours.posterior.data_vars) == set(theirs.posterior.data_vars)
    for name in ours.posterior.data_vars:
        np.testing.assert_array_equal(ours.posterior[name].values, theirs.posterior[name].values)
        assert not np.array_equal(ours.posterior[name].values[0], ours.posterior[name].values[1])
