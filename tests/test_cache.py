"""The on-disk cache of PyMC's compiled step: reused for the same plan structure, never with stale data."""

import numpy as np
import pandas as pd

import dagspec
from dagspec.backends.cache import plan_key

SPEC = dagspec.parse("x -> y\nobserved x, y")


def _data(slope, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=60)
    return pd.DataFrame({"x": x, "y": slope * x + rng.normal(0, 0.1, 60)})


def test_a_second_run_loads_the_step_and_new_data_never_meet_a_stale_one(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", str(tmp_path))
    first = dagspec.sample(SPEC, _data(2.0), draws=200, tune=200, chains=1, random_seed=1, sampler="pymc")
    again = dagspec.sample(SPEC, _data(2.0), draws=200, tune=200, chains=1, random_seed=1, sampler="pymc")
    assert len(list(tmp_path.glob("*.step"))) == 1  # loaded, not compiled again
    np.testing.assert_array_equal(first.posterior["b_x_y"].values, again.posterior["b_x_y"].values)
    other = dagspec.sample(SPEC, _data(-3.0, seed=1), draws=200, tune=200, chains=1, random_seed=1, sampler="pymc")
    assert abs(float(first.posterior["b_x_y"].mean()) - 2.0) < 0.1
    assert abs(float(other.posterior["b_x_y"].mean()) + 3.0) < 0.1  # its own data, whatever the cache holds


def test_constants_compiled_into_the_graph_are_part_of_the_key():
    def key(values):
        return plan_key(dagspec.parse(f"a ~ Normal(0, 10)\nb ~ Normal(a, 1)\nobserved b = {values}").plan(), {})

    assert key("[1.0, 2.0]") != key("[5.0, 6.0]")  # a random variable's observations are constants, not data
    assert key("[1.0, 2.0]") == key("[1.0, 2.0]")


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", "off")
    dagspec.sample(SPEC, _data(2.0), draws=50, tune=50, chains=1, random_seed=1, sampler="pymc")
    assert not list(tmp_path.glob("*.step"))
