"""Chains in forked whole-chain processes: the same NUTS as pm.sample's, put side by side, reproducible from the
seed, a chain's error raised in the caller; and where dagspec falls back to PyMC's own parallel sampler."""

import arviz as az
import numpy as np
import pymc as pm
import pytest

import dagspec
from dagspec.backends import chains, threads

COIN = "node y ~ Bernoulli\nobserved y\nprior y.intercept ~ Normal(0, 1.5) as a"
DATA = {"y": np.array([0, 1, 1, 0, 1, 1, 1, 0, 1, 1])}


def test_forking_is_used_only_where_chains_need_nothing_per_draw():
    assert chains.can_fork(2, 2, False, {"initvals": [{}, {}], "idata_kwargs": {}})
    assert not chains.can_fork(1, 2, False, {})  # one chain: nothing to run side by side
    assert not chains.can_fork(2, 1, False, {})  # one core: in this process, one after the other
    assert not chains.can_fork(2, 2, True, {})  # a progress bar follows every draw
    assert not chains.can_fork(2, 2, False, {"callback": print})  # so does a callback


def test_chains_side_by_side_keep_each_chain():
    parts = [az.from_dict(posterior={"a": np.full((1, 3), float(c))}, observed_data={"y": np.ones(2)}) for c in (0, 1)]
    both = chains._side_by_side(parts)
    assert list(both.posterior.chain.values) == [0, 1]
    np.testing.assert_array_equal(both.posterior["a"].values, [[0.0] * 3, [1.0] * 3])
    assert both.observed_data["y"].shape == (2,)


@pytest.mark.slow
def test_forked_chains_are_reproducible_and_sample_the_posterior(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", "off")
    spec = dagspec.parse(COIN)
    first = dagspec.sample(spec, DATA, draws=300, tune=300, chains=3, random_seed=4, sampler="pymc")
    again = dagspec.sample(spec, DATA, draws=300, tune=300, chains=3, random_seed=4, sampler="pymc")
    a = first.posterior["a"].values
    assert a.shape == (3, 300) and list(first.posterior.chain.values) == [0, 1, 2]
    np.testing.assert_array_equal(a, again.posterior["a"].values)  # the seed decides every chain
    assert not np.array_equal(a[0], a[1])  # and each chain has its own stream
    assert first.sample_stats["diverging"].shape == (3, 300)
    # the posterior of the log-odds with 7 of 10 and a Normal(0, 1.5) prior, by quadrature on a fine grid
    grid = np.linspace(-6, 6, 20001)
    density = np.exp(7 * grid - 10 * np.logaddexp(0, grid) - grid**2 / (2 * 1.5**2))
    mean = np.sum(grid * density) / np.sum(density)
    mcse = float(az.mcse(first, var_names=["a"])["a"])
    assert abs(a.mean() - mean) < 4 * mcse


@pytest.mark.slow
def test_a_chain_that_cannot_start_stops_the_run_with_its_code(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", "off")
    spec = dagspec.parse(COIN)
    bad = [{"a": np.array(np.nan)}, {"a": np.array(0.0)}]  # the first chain's start has no density
    with pytest.raises(dagspec.DagspecError) as raised:
        dagspec.sample(spec, DATA, draws=20, tune=20, chains=2, random_seed=1, sampler="pymc", initvals=bad)
    assert raised.value.codes == ["DS635"]


@pytest.mark.slow
def test_chains_inherit_the_blas_limit(monkeypatch):
    from threadpoolctl import threadpool_info

    original = pm.sample

    def spy(*args, **kwargs):  # runs in the chain's process: what it saw travels back in the draws' attributes
        idata = original(*args, **kwargs)
        blas = {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
        idata.posterior.attrs["blas_seen"] = sorted(blas)
        return idata

    monkeypatch.setattr(chains.pm, "sample", spy)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    idata = dagspec.sample(dagspec.parse(COIN), DATA, draws=50, tune=50, chains=2, random_seed=1, sampler="pymc")
    assert list(idata.posterior.attrs["blas_seen"]) == [1]
