"""Linear-Gaussian blocks drawn without MCMC: the decomposition is the literal model's density, the grid draws
follow the density they integrate, and the draws agree with NUTS."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import dagspec
from dagspec.backends import gaussian
from dagspec.backends.pymc import build_model
from dagspec.optimize.exact import conjugate_updates, exact_draws
from dagspec.optimize.gaussian import gaussian_blocks

ROOT = Path(__file__).resolve().parent.parent
GAUSSIAN_SPECS = [
    "simple_regression",
    "multivariate_regression",
    "fork",
    "no_fork",
    "include_collider",
    "exclude_collider",
    "pipe_regression",
    "path_analysis",
    "combined_confounds",
    "categorical",
    "no_heterogenous",
    "pooled_categorical",
    "heterogenous",
]
GALLERY = ["eight_schools", "kidiq_interaction", "milk_m5_7", "rugged_m8_3", "waffle_m5_3"]


def _spec(name):
    folder = "tutorial" if name in GAUSSIAN_SPECS else "gallery"
    return dagspec.load(ROOT / "specs" / folder / f"{name}.dag")


@pytest.mark.parametrize("name", GAUSSIAN_SPECS + GALLERY)
def test_marginal_times_conditional_is_the_literal_density(name):
    """log p(g, s, y) = log p(s | y) + log p(g | s, y) + a constant, at random points: the marginal of the
    scales (as NUTS samples it, and as the grid integrates it) and the Gaussian conditional of the coefficients
    are exactly the literal model's posterior."""
    plan = _spec(name).plan(None, False)
    blocks = gaussian_blocks(plan)
    assert blocks is not None
    literal = build_model(plan).compile_logp(jacobian=True)
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(6):
        point, ours = {}, 0.0
        for block in blocks:
            scales = gaussian.scales_model(plan, block)
            unconstrained = {
                v.name: rng.uniform(-1, 1, size=np.shape(x))
                for v, x in zip(scales.value_vars, scales.initial_point().values())
            }
            drawn = dict(
                zip(
                    [v.name for v in scales.unobserved_value_vars],
                    scales.compile_fn(scales.unobserved_value_vars)(unconstrained),
                )
            )
            marginal = scales.compile_logp(jacobian=True)(unconstrained)
            precisions = gaussian._precisions(block, {n: np.asarray(drawn[n])[None] for n in block.scales}, 1)
            if block.gridded and block.scales:  # the grid's numpy marginal is the same function
                u = np.array([[unconstrained[scales.rvs_to_values[scales[n]].name] for n in block.scales]])
                prior = gaussian._scale_prior(scales, block.scales)(u)
                np.testing.assert_allclose(gaussian._log_marginal(block, precisions, prior[1])[0], marginal, rtol=1e-10)
            precision, linear, _, _ = gaussian._system(block, precisions, slice(0, 1))
            chol = np.linalg.cholesky(precision[0])
            mean = np.linalg.solve(precision[0], linear[0])
            z = rng.normal(scale=2.0, size=block.size)  # some sds away from the conditional mean
            g = block.centre + mean + np.linalg.solve(chol.T, z)  # the statistics are of g - centre
            conditional = np.log(np.diag(chol)).sum() - block.size / 2 * np.log(2 * np.pi) - 0.5 * z @ z
            ours += conditional + marginal
            point.update(unconstrained)
            for coefficient, (offset, shape) in block.coefficients.items():
                point[coefficient] = g[offset : offset + int(np.prod(shape))].reshape(shape)
        gaps.append(literal(point) - ours)
    assert np.ptp(gaps) < 1e-7 * max(1.0, abs(gaps[0])), gaps


@pytest.mark.parametrize("name", ["heterogenous", "pooled_categorical"])
def test_the_integrated_out_gradient_is_the_derivative_of_the_marginal(name):
    """NUTS on the scales alone follows the gradient of one numpy Op: it must match finite differences."""
    plan = _spec(name).plan(None, False)
    (block,) = gaussian_blocks(plan)
    scales = gaussian.scales_model(plan, block)
    logp, dlogp = scales.compile_logp(), scales.compile_dlogp()
    names = [v.name for v in scales.value_vars]
    sizes = [int(np.prod(np.shape(x))) for x in scales.initial_point().values()]
    rng = np.random.default_rng(1)

    def point(flat):
        parts = np.split(flat, np.cumsum(sizes)[:-1])
        return {n: p.reshape(np.shape(x)) for n, p, x in zip(names, parts, scales.initial_point().values())}

    for _ in range(3):
        x = rng.uniform(-0.5, 0.5, sum(sizes))
        numeric = [(logp(point(x + h)) - logp(point(x - h))) / 2e-6 for h in np.eye(len(x)) * 1e-6]
        np.testing.assert_allclose(dlogp(point(x)), numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "dims, log_density, sample",
    [
        (
            1,
            lambda u: stats.gamma(3, scale=0.5).logpdf(np.exp(u[:, 0])) + u[:, 0],  # a Gamma scale, in log coordinates
            lambda rng, n: np.log(stats.gamma(3, scale=0.5).rvs(n, random_state=rng))[:, None],
        ),
        (
            1,
            lambda u: stats.norm(5e-4, 1e-4).logpdf(u[:, 0]),  # narrow, far from where the grid starts
            lambda rng, n: rng.normal(5e-4, 1e-4, (n, 1)),
        ),
        (
            1,
            lambda u: u[:, 0] - np.exp(u[:, 0]),  # log of an Exponential(1) draw: a long left tail
            lambda rng, n: np.log(rng.exponential(size=(n, 1))),
        ),
        (
            2,
            lambda u: stats.multivariate_normal([1, -2], [[1, 0.8], [0.8, 2]]).logpdf(u),
            lambda rng, n: rng.multivariate_normal([1, -2], [[1, 0.8], [0.8, 2]], n),
        ),
    ],
    ids=["gamma", "narrow", "exponential-tail", "correlated-2d"],
)
def test_grid_draws_follow_the_density(dims, log_density, sample):
    rng = np.random.default_rng(3)
    drawn = gaussian._grid_draws(log_density, dims, 20000, rng)
    reference = sample(rng, 20000)
    for i in range(dims):
        assert stats.ks_2samp(drawn[:, i], reference[:, i]).pvalue > 0.001
        sd = reference[:, i].std()
        assert abs(drawn[:, i].mean() - reference[:, i].mean()) < 4 * sd * np.sqrt(2 / 20000)
        assert abs(drawn[:, i].std() / sd - 1) < 0.03
    if dims == 2:
        assert abs(np.corrcoef(drawn.T)[0, 1] - np.corrcoef(reference.T)[0, 1]) < 0.02


def test_the_grid_gives_up_where_the_mass_meets_points_it_cannot_evaluate():
    values = -0.5 * np.linspace(-6, 6, 64) ** 2
    far, near = values.copy(), values.copy()
    far[:3], near[28:30] = np.nan, np.nan  # NaN: too ill-conditioned to evaluate
    assert not gaussian._mass_near_a_hole(far) and gaussian._mass_near_a_hole(near)

    def log_density(u):
        return np.where(np.abs(u[:, 0]) < 0.1, np.nan, -0.5 * u[:, 0] ** 2)

    assert gaussian._grid_draws(log_density, 1, 100, np.random.default_rng(0)) is None


def test_a_flat_marginal_is_left_to_nuts():
    assert gaussian._grid_draws(lambda u: np.zeros(len(u)), 1, 100, np.random.default_rng(0)) is None


def test_a_known_sd_makes_the_posterior_gaussian():
    """With sigma given, the posterior of a regression with Normal priors is the textbook Gaussian."""
    x = np.array([-1.0, 0.0, 1.0, 2.0])
    y = np.array([0.5, 1.1, 2.2, 2.8])
    spec = dagspec.parse(
        "node y ~ Normal(sigma = 0.5)\nx -> y\nobserved x, y\n"
        "prior y.intercept ~ Normal(0, 2)\nprior x -> y ~ Normal(0, 2)"
    )
    idata = dagspec.sample(spec, {"x": x, "y": y}, draws=4000, chains=2, random_seed=4)
    assert idata.posterior.attrs["dagspec_sampler"] == "gaussian"
    design = np.column_stack([np.ones(4), x])
    precision = design.T @ design / 0.25 + np.eye(2) / 4
    mean = np.linalg.solve(precision, design.T @ y / 0.25)
    cov = np.linalg.inv(precision)
    for i, name in enumerate(["y_intercept", "b_x_y"]):
        draws = idata.posterior[name].values.ravel()
        assert stats.kstest(draws, stats.norm(mean[i], np.sqrt(cov[i, i])).cdf).pvalue > 0.001
    both = np.column_stack([idata.posterior[n].values.ravel() for n in ["y_intercept", "b_x_y"]])
    np.testing.assert_allclose(np.cov(both.T), cov, rtol=0.08)


@pytest.mark.parametrize(
    "text",
    [
        "x -> y\nobserved x, y\nprior x -> y ~ LogNormal(0, 1)",  # a slope that is not Gaussian
        "node y ~ Bernoulli\nx -> y\nobserved x, y",  # not a Normal outcome
        "node y ~ StudentT(nu = 3)\nx -> y\nobserved x, y",
        "s ~ Exponential(1)\nx -> y\nobserved x, y\nprior y.sigma ~ Exponential(s)",  # a scale's scale
        "s ~ Exponential(1)\nx -> y\nobserved x, y\nprior x -> y ~ Normal(0, s)\nprior y.intercept ~ Normal(s, 1)",  # in a mean
        "x -> y\nobserved x, y\nprior y.sigma ~ HalfNormal(1)\nprior y.intercept ~ Normal(y_sigma, 1)",  # the sd as a mean
    ],
)
def test_other_models_are_not_gaussian_blocks(text):
    data = {"x": np.linspace(0, 1, 20), "z": np.cos(np.arange(20)), "y": (np.arange(20) % 2).astype(float)}
    spec = dagspec.parse(text)
    columns = {k: v for k, v in data.items() if k in {n for n in spec.checked.nodes}}
    assert gaussian_blocks(spec.plan(columns, False)) is None


def test_three_scales_or_a_covariance_are_left_to_nuts_on_the_scales():
    spec = dagspec.parse(
        "a ~ Exponential(1)\nb ~ Exponential(1)\nx -> y\nz -> y\nobserved x, z, y\n"
        "prior x -> y ~ Normal(0, a)\nprior z -> y ~ Normal(0, b)"
    )
    data = {"x": np.linspace(0, 1, 20), "z": np.cos(np.arange(20)), "y": np.sin(np.arange(20))}
    (block,) = gaussian_blocks(spec.plan(data, False))
    assert block.scales == ["a", "b", "y_sigma"] and not block.gridded
    assert exact_draws(spec.plan(data, False)).kind == "collapsed"
    (block,) = gaussian_blocks(_spec("heterogenous").plan(None, False))
    assert block.covariances == {"chol_cov": 2} and sorted(block.coefficients) == ["a_bar", "ab_did", "b_bar"]


def test_independent_regressions_are_separate_blocks():
    blocks = gaussian_blocks(_spec("path_analysis").plan(None, False))
    assert [sorted(b.coefficients) for b in blocks] == [["coeff_1", "intercept_1"], ["coeff_2", "intercept_2"]]
    assert [b.scales for b in blocks] == [["error_1"], ["error_2"]]


def test_beta_effects_per_cell_are_drawn_from_their_counts():
    """binary_heterogenous: one Beta(1, 1) probability per (x1, x2) cell, updated by that cell's counts."""
    import pandas as pd

    spec = dagspec.load(ROOT / "specs/tutorial/binary_heterogenous.dag")
    frame = pd.read_csv(ROOT / "specs/tutorial/data/binary_heterogenous.csv")
    alpha, beta = conjugate_updates(spec.plan(None, False))["treatment_effect"]
    cells = frame.groupby(["x1", "x2"])["y1"].agg(["sum", "count"])
    np.testing.assert_array_equal(alpha.ravel(), 1 + cells["sum"].values)
    np.testing.assert_array_equal(beta.ravel(), 1 + cells["count"].values - cells["sum"].values)
    idata = dagspec.sample(spec, draws=500, chains=2, random_seed=1)
    assert idata.posterior.attrs["dagspec_sampler"] == "exact"
    diff = idata.posterior["treatment_effect"].values[..., 1] - idata.posterior["treatment_effect"].values[..., 0]
    np.testing.assert_allclose(idata.posterior["diff"].values, diff)


def test_switching_exact_off_samples_with_nuts():
    spec = _spec("simple_regression")
    assert exact_draws(spec.plan(None, False)).kind == "gaussian"
    idata = dagspec.sample(spec, draws=100, tune=100, chains=1, random_seed=1, optimize={"exact": False})
    # MCMC: a regression's posterior is close to its Laplace approximation, so independence Metropolis-Hastings
    assert idata.posterior.attrs["dagspec_sampler"] == "independence"
    nuts = {"exact": False, "independence": False}
    idata = dagspec.sample(spec, draws=100, tune=100, chains=1, random_seed=1, optimize=nuts)
    assert idata.posterior.attrs["dagspec_sampler"] == "pymc"
    assert any("without MCMC" in note for note in spec.plan(None, True).notes)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["pooled_categorical", "eight_schools", "heterogenous"])
def test_gaussian_draws_agree_with_nuts(name):
    import arviz as az

    spec = _spec(name)
    ours = dagspec.sample(spec, draws=1000, chains=2, random_seed=2)
    assert ours.posterior.attrs["dagspec_sampler"] == ("collapsed" if name == "heterogenous" else "gaussian")
    # 500 draws: NUTS on the literal heterogenous model takes 0.05 s a draw; the tolerance is in MCSEs either way
    nuts = dagspec.sample(spec, draws=500, tune=500, chains=2, random_seed=2, sampler="pymc", target_accept=0.95)
    theirs = az.summary(nuts, kind="all", round_to="none")
    mine = az.summary(ours, kind="all", round_to="none")
    for row in [r for r in mine.index if theirs.loc[r, "sd"] > 0]:  # NUTS also has the optimizer's coordinates;
        for stat in ("mean", "sd"):  # a correlation's diagonal is constant
            mcse = np.hypot(theirs.loc[row, f"mcse_{stat}"], mine.loc[row, f"mcse_{stat}"])
            assert abs(theirs.loc[row, stat] - mine.loc[row, stat]) <= 4.5 * mcse, (row, stat)
