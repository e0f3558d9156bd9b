"""Independence Metropolis-Hastings from the Laplace approximation (backends/independence.py): its kernel keeps the
posterior (not the proposal) for a posterior known in closed form, its pre-check sends funnels to NUTS, and
dagspec.sample uses it where it should, reproducibly, with the posterior NUTS gives."""

from __future__ import annotations

from pathlib import Path

import arviz as az
import numpy as np
import pymc as pm
import pytest
from scipy import stats

import dagspec
from dagspec.backends import independence
from dagspec.backends.cache import SharedTrace
from dagspec.render.summary import how_drawn

GALLERY = Path(__file__).resolve().parent.parent / "specs" / "gallery"
COUNTS = np.array([0, 1, 0, 2])  # few counts: a Gamma(5, 5) posterior for the rate, skewed on the log scale


def _poisson_model():
    """rate ~ Gamma(2, 1), counts ~ Poisson(rate): the posterior is Gamma(2 + sum, 1 + n) = Gamma(5, 5)."""
    with pm.Model() as model:
        rate = pm.Gamma("rate", 2, 1)
        pm.Poisson("counts", rate, observed=COUNTS)
        step = pm.NUTS()
    return model, step


POSTERIOR = stats.gamma(2 + COUNTS.sum(), scale=1 / (1 + COUNTS.size))


def _ks_p_value(draws: np.ndarray) -> float:
    """Kolmogorov-Smirnov against the exact posterior, on every 10th draw (nearly independent at this acceptance)."""
    return stats.kstest(draws[::10], POSTERIOR.cdf).pvalue


def test_the_chain_keeps_the_posterior_not_the_proposal():
    model, step = _poisson_model()
    density = independence._LogDensity(model, step)
    proposal = independence.laplace_proposal(density)
    rng = np.random.default_rng(3)
    points, stats_ = independence.independence_chain(proposal, density, 40_000, rng)
    rates = np.exp(points[1000:, 0])  # the log transform's value back on the rate's scale
    assert 0.6 < np.mean([s["accepted"] for s in stats_]) < 1  # it rejects: the proposal is not the posterior
    assert _ks_p_value(rates) > 1e-3
    # the control: the proposals themselves are visibly not the posterior (so the test above can fail)
    proposed, _ = proposal.draw(np.random.default_rng(4), 39_000)
    assert _ks_p_value(np.exp(proposed[:, 0])) < 1e-6


def test_sampled_draws_match_the_closed_form_posterior_in_mcse():
    model, step = _poisson_model()
    idata = independence.independence_sample(model, step, SharedTrace(model=model), 2000, 200, 4, random_seed=5)
    rate = idata.posterior["rate"]
    summary = az.summary(idata, var_names=["rate"], round_to="none")
    assert abs(float(rate.mean()) - POSTERIOR.mean()) < 4 * summary["mcse_mean"].iloc[0]
    assert abs(float(rate.std()) - POSTERIOR.std()) < 4 * summary["mcse_sd"].iloc[0]
    assert summary["r_hat"].iloc[0] < 1.01
    assert idata.posterior.sizes == {"chain": 4, "draw": 2000}
    assert set(idata.sample_stats) >= {"accepted", "acceptance_rate", "log_weight"}


def test_a_funnel_is_not_suitable():
    """Eight groups' intercepts under a free scale, one row each: the mode is at a zero scale (or the weights are
    heavy-tailed), so the pre-check refuses and NUTS samples it."""
    rng = np.random.default_rng(0)
    with pm.Model() as model:
        scale = pm.HalfNormal("scale", 1)
        effect = pm.Normal("effect", 0, scale, shape=8)
        pm.Normal("y", effect, 1, observed=rng.normal(size=8))
        step = pm.NUTS()
    with pytest.raises(independence.NotSuitable):
        independence.independence_sample(model, step, SharedTrace(model=model), 100, 100, 2, random_seed=1)


def test_heavy_tails_fail_the_pareto_check():
    """A Student-t(2) likelihood of one row: the posterior's tails are heavier than the proposal's t(7)."""
    with pm.Model() as model:
        location = pm.Flat("location")
        pm.StudentT("y", nu=1.5, mu=location, sigma=1, observed=[0.0])
        step = pm.NUTS()
    with pytest.raises(independence.NotSuitable, match="Pareto k"):
        independence.independence_sample(model, step, SharedTrace(model=model), 100, 100, 2, random_seed=1)


@pytest.mark.slow
def test_sample_uses_it_for_a_small_glm_with_the_posterior_nuts_gives(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", str(tmp_path))
    spec = GALLERY / "ucbadmit_m11_7.dag"
    options = dict(draws=1000, tune=500, chains=2, random_seed=7)
    ours = dagspec.sample(spec, **options)
    assert ours.posterior.attrs["dagspec_sampler"] == "independence"
    assert how_drawn(ours).startswith("drawn with independence Metropolis-Hastings from the Laplace approximation")
    again = dagspec.sample(spec, **options)
    np.testing.assert_array_equal(ours.posterior["a"].values, again.posterior["a"].values)  # the seed fixes it
    nuts = dagspec.sample(spec, optimize={"independence": False}, **options)
    assert nuts.posterior.attrs["dagspec_sampler"] == "pymc"
    for name in ("a", "diff_a"):
        a, b = (az.summary(i, var_names=[name], round_to="none") for i in (ours, nuts))
        gap = np.abs(a["mean"].values - b["mean"].values) / np.hypot(a["mcse_mean"].values, b["mcse_mean"].values)
        assert gap.max() < 4, name
    assert np.isfinite(dagspec.loo(spec, ours).elpd_loo)  # what follows a fit works on these draws too
    asked = dagspec.sample(spec, target_accept=0.9, **{**options, "draws": 100, "tune": 100})
    assert asked.posterior.attrs["dagspec_sampler"] == "pymc"  # a NUTS option given: NUTS
