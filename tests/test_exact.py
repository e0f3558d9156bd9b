"""Exact posteriors without MCMC: prior-only models and Beta priors on a Binomial's p (checked against theory)."""

import numpy as np
import pytest
from scipy import stats

import dagspec
from dagspec.optimize.exact import conjugate_updates


def test_the_coin_is_drawn_from_its_beta_posterior():
    spec = dagspec.parse(
        "p ~ Beta(2, 3) as a\nheads ~ Binomial(n = 10, p = p)\nobserved heads = 8\nlet odds = p / (1 - p)"
    )
    idata = dagspec.sample(spec, draws=2000, chains=2, random_seed=1)
    assert idata.posterior.attrs["dagspec_sampler"] == "exact"
    a = idata.posterior["a"].values.ravel()
    assert stats.kstest(a, stats.beta(10, 5).cdf).pvalue > 0.001
    np.testing.assert_allclose(idata.posterior["odds"].values, a.reshape(2, 2000) / (1 - a.reshape(2, 2000)))


def test_bernoulli_trials_update_the_beta_too():
    spec = dagspec.parse("p ~ Beta(1, 1)\nflips ~ Bernoulli(p = p)\nobserved flips = [1, 0, 1, 1]")
    assert conjugate_updates(spec.plan()) == {"p": (4.0, 2.0)}


def test_a_prior_only_model_is_drawn_from_its_prior():
    spec = dagspec.parse("a ~ Normal(2, 0.5)\nb ~ Normal(3, 0.2)\nlet c = a + b")
    idata = dagspec.sample(spec, draws=4000, chains=2, random_seed=2)
    c = idata.posterior["c"].values.ravel()
    sd = np.sqrt(0.25 + 0.04)
    assert abs(c.mean() - 5) < 4 * sd / np.sqrt(c.size) and abs(c.std() - sd) < 0.02
    assert idata.posterior["a"].shape == (2, 4000)


@pytest.mark.parametrize(
    "text",
    [
        "x -> y\nobserved x = [1.0, 2.0, 3.0], y = [1.0, 2.1, 2.9]",  # a regression: NUTS
        "q ~ Beta(1, 1)\np ~ Beta(q, 1)\nheads ~ Binomial(n = 10, p = p)\nobserved heads = 8",  # a pooled Beta
        "p ~ Beta(1, 1)\nheads ~ Binomial(n = 10, p = p * 0.5)\nobserved heads = 3",  # p enters through arithmetic
    ],
)
def test_other_posteriors_are_left_to_nuts(text):
    assert conjugate_updates(dagspec.parse(text).plan()) is None


def test_naming_a_sampler_runs_it_even_when_exact_draws_are_possible():
    spec = dagspec.parse("p ~ Beta(1, 1)\nheads ~ Binomial(n = 10, p = p)\nobserved heads = 8")
    idata = dagspec.sample(spec, draws=200, tune=200, chains=1, random_seed=1, sampler="pymc")
    assert idata.posterior.attrs["dagspec_sampler"] == "pymc"
