"""Independence Metropolis-Hastings from Laplace approximations (backends/independence.py, nested_laplace.py): its
kernel keeps the posterior (not the proposal) for posteriors known in closed form, a pool's funnel included, its
pre-check sends what it cannot propose well to NUTS, and dagspec.sample uses it where it should, reproducibly, with
the posterior NUTS gives."""

from __future__ import annotations

from pathlib import Path

import arviz as az
import numpy as np
import pymc as pm
import pytest
from scipy import stats

import dagspec
from dagspec.backends import independence, nested_laplace
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


GROUPS = np.array([1.8, -0.4, 2.6, 0.3, -1.5, 2.2, 0.9, -2.4])  # one row per group, unit noise


def _pool():
    """effect_j ~ Normal(0, scale), y_j ~ Normal(effect_j, 1), scale ~ HalfNormal(1): a funnel whose joint density
    has no mode (it grows without bound as the scale goes to 0), with y_j ~ Normal(0, sqrt(scale² + 1)) given the
    scale alone."""
    with pm.Model() as model:
        scale = pm.HalfNormal("scale", 1)
        effect = pm.Normal("effect", 0, scale, shape=GROUPS.size)
        pm.Normal("y", effect, 1, observed=GROUPS)
        step = pm.NUTS()
    return model, step


def _scale_posterior_cdf(groups=GROUPS):
    """The scale's posterior CDF by quadrature of its closed-form marginal density."""
    from scipy.integrate import cumulative_trapezoid

    grid = np.linspace(1e-9, 12, 200_001)
    log_density = stats.halfnorm.logpdf(grid) + stats.norm.logpdf(groups[:, None], 0, np.sqrt(grid**2 + 1)).sum(0)
    cdf = cumulative_trapezoid(np.exp(log_density - log_density.max()), grid, initial=0)
    return lambda x: np.interp(x, grid, cdf / cdf[-1])


def test_a_pools_funnel_is_drawn_from_nested_laplace_approximations():
    """No Laplace approximation of the whole posterior exists here; given the scale the effects are Gaussian, so the
    nested proposal is close, and the chain keeps the exact posterior: the scale's draws pass a Kolmogorov-Smirnov
    test against its closed form, and each effect's mean E[scale² / (scale² + 1)] y_j is met within MCSE."""
    model, step = _pool()
    idata = independence.independence_sample(model, step, SharedTrace(model=model), 5000, 200, 2, random_seed=3)
    assert idata.posterior.attrs[independence.PROPOSAL_ATTR].startswith("Laplace approximations given")
    scale = idata.posterior["scale"].values.ravel()
    cdf = _scale_posterior_cdf()
    assert stats.kstest(scale[::5], cdf).pvalue > 1e-3
    # the control: the same test tells a slightly different posterior apart (the data shrunk by 15%)
    assert stats.kstest(scale[::5], _scale_posterior_cdf(0.85 * GROUPS)).pvalue < 1e-6
    grid = np.linspace(1e-9, 12, 200_001)
    density = np.gradient(cdf(grid), grid)
    shrinkage = np.trapezoid(density * grid**2 / (grid**2 + 1), grid)
    summary = az.summary(idata, var_names=["effect"], round_to="none")
    gap = np.abs(summary["mean"].values - shrinkage * GROUPS) / summary["mcse_mean"].values
    assert gap.max() < 4.5


def _log_ratio_of_two_estimates(xs: np.ndarray, log_q: np.ndarray) -> tuple[float, float]:
    """log E_q[f1 / q] - log E_q[f2 / q] and its standard error, for two normalised Gaussians f inside the bulk of
    the draws xs of q (narrower than q everywhere, so that f / q stays bounded and its mean estimate honest)."""
    centre, spread = xs.mean(axis=0), xs.std(axis=0)
    logs, errors = [], []
    for shift, widen in ((0.0, 0.5), (0.2, 0.4)):
        log_ratio = stats.norm.logpdf(xs, centre + shift * spread, widen * spread).sum(axis=1) - log_q
        top = np.max(log_ratio)
        ratio = np.exp(log_ratio - top)
        logs.append(np.log(ratio.mean()) + top)
        errors.append(ratio.std() / np.sqrt(ratio.size) / ratio.mean())
    return logs[0] - logs[1], float(np.hypot(*errors))


def test_the_nested_proposals_density_is_the_density_of_its_draws():
    """Importance sampling from the proposal with its own log density: E_q[f / q] is the same for any two normalised
    densities f, so the log of the ratio of two such estimates is 0 within Monte Carlo error when `log_density` is
    the density `draw` samples from (up to its constant) across grid cells, defensive tails and nodes. The control:
    the same check fails for a log density whose Jacobian per node has the wrong sign."""
    model, step = _pool()
    density = independence._LogDensity(model, step)
    proposal = independence.moved_to_the_mean(
        nested_laplace.NestedLaplaceProposal(density, density.scale_coordinates(model), density.flat.data),
        density,
        np.random.default_rng(0),
    )
    xs, log_q = proposal.draw(np.random.default_rng(1), 400_000)
    gap, error = _log_ratio_of_two_estimates(xs, log_q)
    assert abs(gap) < 4 * error
    theta = xs[:, proposal.scales]
    log_jacobian = proposal.log_det[proposal._nearest(proposal._z(theta))]  # log det L at each draw's node
    wrong, error = _log_ratio_of_two_estimates(xs, log_q - 2 * log_jacobian)
    assert abs(wrong) > 6 * error


def test_three_group_scales_are_not_suitable():
    """Three pools' funnels: no Laplace approximation of the whole, and the nested one grids at most two scales."""
    rng = np.random.default_rng(0)
    with pm.Model() as model:
        effects = []
        for name in "abc":
            scale = pm.HalfNormal(f"scale_{name}", 1)
            effects.append(pm.Normal(f"effect_{name}", 0, scale, shape=4))
        pm.Normal("y", effects[0] + effects[1] + effects[2], 1, observed=rng.normal(size=4))
        step = pm.NUTS()
    with pytest.raises(independence.NotSuitable, match="3 scales, more than 2"):
        independence.independence_sample(model, step, SharedTrace(model=model), 100, 100, 2, random_seed=1)


def test_thinning_keeps_kept_draws_from_repeating():
    assert independence.thinning(0.95) == 1
    assert independence.thinning(0.5) == 4  # 0.5^4 = 6% <= 10% < 0.5^3
    assert independence.thinning(0.25) == 9
    model, step = _poisson_model()
    density = independence._LogDensity(model, step)
    proposal = independence.laplace_proposal(density)
    points, stats_ = independence.independence_chain(proposal, density, 500, np.random.default_rng(1), thin=4)
    assert points.shape == (500, 1) and len(stats_) == 500
    repeats = np.mean(points[1:, 0] == points[:-1, 0])
    assert repeats == pytest.approx(1 - np.mean([s["accepted"] for s in stats_[1:]]))  # moved: differs from the last
    assert repeats < 0.05  # one iteration apart this chain repeats about 20% of its draws


def test_heavy_tails_fail_the_pareto_check():
    """A Student-t(2) likelihood of one row: the posterior's tails are heavier than the proposal's t(7)."""
    with pm.Model() as model:
        location = pm.Flat("location")
        pm.StudentT("y", nu=1.5, mu=location, sigma=1, observed=[0.0])
        step = pm.NUTS()
    with pytest.raises(independence.NotSuitable, match="Pareto k"):
        independence.independence_sample(model, step, SharedTrace(model=model), 100, 100, 2, random_seed=1)


def _largest_gap_in_mcse(ours, nuts, name: str, moment: str) -> float:
    """The largest gap between two runs' posterior means (or sds) of `name`, in their combined MCSE."""
    a, b = (az.summary(i, var_names=[name], round_to="none") for i in (ours, nuts))
    return float(np.max(np.abs(a[moment] - b[moment]) / np.hypot(a[f"mcse_{moment}"], b[f"mcse_{moment}"])))


def _sampled_both_ways(name: str, seed: int, cache, monkeypatch):
    """A gallery spec sampled by dagspec's choice and by NUTS (the independence sampler switched off)."""
    monkeypatch.setenv("DAGSPEC_CACHE_DIR", str(cache))
    spec, options = GALLERY / f"{name}.dag", dict(draws=1000, tune=500, chains=2, random_seed=seed)
    ours = dagspec.sample(spec, **options)
    assert ours.posterior.attrs["dagspec_sampler"] == "independence"
    nuts = dagspec.sample(spec, optimize={"independence": False}, **options)
    assert nuts.posterior.attrs["dagspec_sampler"] == "pymc"
    return spec, options, ours, nuts


@pytest.mark.slow
def test_sample_uses_it_for_a_small_glm_with_the_posterior_nuts_gives(tmp_path, monkeypatch):
    spec, options, ours, nuts = _sampled_both_ways("ucbadmit_m11_7", 7, tmp_path, monkeypatch)
    assert how_drawn(ours).startswith("drawn with independence Metropolis-Hastings from Laplace approximations")
    again = dagspec.sample(spec, **options)
    np.testing.assert_array_equal(ours.posterior["a"].values, again.posterior["a"].values)  # the seed fixes it
    for name in ("a", "diff_a"):
        assert _largest_gap_in_mcse(ours, nuts, name, "mean") < 4, name
    assert np.isfinite(dagspec.loo(spec, ours).elpd_loo)  # what follows a fit works on these draws too
    asked = dagspec.sample(spec, target_accept=0.9, **{**options, "draws": 100, "tune": 100})
    assert asked.posterior.attrs["dagspec_sampler"] == "pymc"  # a NUTS option given: NUTS


@pytest.mark.slow
def test_reedfrogs_pool_is_drawn_from_nested_approximations_with_the_posterior_nuts_gives(tmp_path, monkeypatch):
    _, _, ours, nuts = _sampled_both_ways("reedfrogs_m13_2", 11, tmp_path, monkeypatch)
    assert "given its group scales" in ours.posterior.attrs["dagspec_sampler_reason"]
    assert ours.posterior.attrs[independence.THINNING_ATTR] > 1
    for name in ("a_bar", "sigma", "a"):
        for moment in ("mean", "sd"):
            assert _largest_gap_in_mcse(ours, nuts, name, moment) < 4.5, (name, moment)
