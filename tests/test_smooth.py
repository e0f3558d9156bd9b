"""Smooth terms: B-splines (`spline(x, knots = 5) -> y`), Hilbert-space GPs (`gp(x, m = 10) -> y`) and GPs over a
distance matrix (`gp(g, distance = "d.csv") -> y`).

The spline basis is checked against scipy's, each construct compiles to exactly a hand-written PyMC model (equal
log densities at random points; the HSGP against pm.gp.HSGP itself), and predictions recompute the basis from new
values with the fitted knots and boundary."""

from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytest
from logp_support import assert_same_log_density
from scipy import integrate, stats
from scipy.interpolate import BSpline

import dagspec
from dagspec.backends.bases import bspline
from dagspec.bases import clamped, quantile_knots
from dagspec.diagnostics import DagspecError

RNG = np.random.default_rng(15)


def _same_log_density(ours, theirs, seed=0):
    assert_same_log_density(ours, theirs, seed, rel=1e-8)


# ---- the B-spline basis --------------------------------------------------------------------------------------


@pytest.mark.parametrize("degree", [1, 2, 3, 5])
@pytest.mark.parametrize("knots", [[0.0, 1.0], [0.0, 0.3, 0.35, 2.0, 4.0], [-3.0, -1.0, 0.0, 0.5, 2.5, 3.0, 7.0]])
def test_the_spline_basis_is_scipys_design_matrix(knots, degree):
    full = clamped(np.array(knots), degree)
    x = np.concatenate([np.linspace(knots[0], knots[-1], 57), knots, RNG.uniform(knots[0], knots[-1], 20)])
    ours = bspline(x, full, degree).eval()
    theirs = BSpline.design_matrix(x, full, degree).toarray()
    assert ours.shape == theirs.shape == (len(x), len(knots) + degree - 1)
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)  # a partition of unity, the right end included


def test_quantile_knots_are_rs_type_7_quantiles():
    x = np.array([812.0, 815, 831, 850, 851, 853, 900, 1001, 1002, 1410])
    r_quantiles = [812.0, 850.0, 900.0, 1410.0]  # R: quantile(x, probs = seq(0, 1, length.out = 4))
    np.testing.assert_allclose(quantile_knots(x, 4), r_quantiles)


# ---- splines ------------------------------------------------------------------------------------------------

SPLINE = """
node x
node y ~ Normal
spline(x, knots = 5, degree = 3) -> y
observed x, y
prior x -> y ~ Normal(0, 3) as w
prior y.sigma ~ Exponential(1)
"""
X = np.sort(RNG.uniform(0, 10, 40))
SPLINE_DATA = pd.DataFrame({"x": X, "y": np.sin(X) + RNG.normal(0, 0.3, 40)})


def _spline_model(x, y, knots, degree=3, w_sd=3.0):
    basis = BSpline.design_matrix(x, clamped(knots, degree), degree).toarray()
    with pm.Model() as model:
        a = pm.Normal("y_intercept", 0, 10)
        w = pm.Normal("w", 0, w_sd, shape=basis.shape[1])
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", mu=a + pm.math.dot(basis, w), sigma=sigma, observed=y)
    return model


def test_a_spline_is_the_hand_written_model_with_scipys_basis():
    spec = dagspec.parse(SPLINE)
    theirs = _spline_model(X, SPLINE_DATA.y.values, np.quantile(X, np.linspace(0, 1, 5)))
    _same_log_density(spec.build(SPLINE_DATA, optimize=False), theirs)
    _same_log_density(spec.build(SPLINE_DATA), theirs)  # the optimizer passes leave the basis alone
    assert spec.build(SPLINE_DATA).named_vars_to_dims["w"] == ("x_y__basis",)


def test_explicit_knots_and_a_linear_spline():
    spec = dagspec.parse(SPLINE.replace("knots = 5, degree = 3", "knots = [0, 2.5, 5, 10], degree = 1"))
    theirs = _spline_model(X, SPLINE_DATA.y.values, np.array([0, 2.5, 5, 10.0]), degree=1)
    _same_log_density(spec.build(SPLINE_DATA, optimize=False), theirs)


def test_predictions_recompute_the_basis_from_the_fitted_knots():
    spec = dagspec.parse(SPLINE)
    # any draws will do as a posterior: the prediction is a function of them
    idata = az.InferenceData(posterior=dagspec.sample_prior(spec, SPLINE_DATA, draws=20, random_seed=1).prior)
    new = pd.DataFrame({"x": [0.5, 3.0, X.max()]})
    predicted = dagspec.predict(spec, idata, new, data=SPLINE_DATA).predictions["y"]
    knots = np.quantile(X, np.linspace(0, 1, 5))  # of the fitted rows, not the three new ones
    basis = BSpline.design_matrix(new.x.values, clamped(knots, 3), 3).toarray()
    post = idata.posterior
    expected = post["y_intercept"].values[..., None] + np.einsum("cdk,nk->cdn", post["w"].values, basis)
    np.testing.assert_allclose(predicted.values, expected, rtol=1e-10)
    with pytest.raises(DagspecError, match="DS577"):
        dagspec.predict(spec, idata, pd.DataFrame({"x": [11.0]}), data=SPLINE_DATA)
    intervened = dagspec.do(spec, idata, {"x": 3.0}, data=SPLINE_DATA, random_seed=1)  # the basis at x = 3, all rows
    at_three = BSpline.design_matrix([3.0], clamped(knots, 3), 3).toarray()[0]
    mean = post["y_intercept"].values + post["w"].values @ at_three
    draws = intervened.posterior_predictive["y"].values  # each row drawn around the same mean
    assert np.abs(draws.mean(axis=-1) - mean).max() < 6 * post["y_sigma"].values.max() / np.sqrt(draws.shape[-1])
    with pytest.raises(DagspecError, match="DS577"):
        dagspec.do(spec, idata, {"x": 20.0}, data=SPLINE_DATA)


# ---- Gaussian processes: the Hilbert-space approximation ----------------------------------------------------

HSGP = """
node x
node y ~ Normal
gp(x, m = 8, c = 1.5{kernel}) -> y
observed x, y
"""


@pytest.mark.parametrize("kernel", ["ExpQuad", "Matern52", "Matern32"])
def test_a_gp_is_the_hand_written_pm_gp_hsgp_model(kernel):
    spec = dagspec.parse(HSGP.format(kernel=f', kernel = "{kernel}"' if kernel != "ExpQuad" else ""))
    x, y = SPLINE_DATA.x.values, SPLINE_DATA.y.values
    with pm.Model() as theirs:
        a = pm.Normal("y_intercept", 0, 10)
        ell = pm.InverseGamma("lengthscale_x_y", 5, 5)
        eta = pm.Exponential("amplitude_x_y", 1)
        gp = pm.gp.HSGP(m=[8], c=1.5, cov_func=eta**2 * getattr(pm.gp.cov, kernel)(1, ls=ell))
        phi, sqrt_psd = gp.prior_linearized(X=x[:, None])
        beta = pm.Normal("b_x_y", 0, 1, shape=8)
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", mu=a + phi @ (beta * sqrt_psd), sigma=sigma, observed=y)
    _same_log_density(spec.build(SPLINE_DATA, optimize=False), theirs)
    _same_log_density(spec.build(SPLINE_DATA), theirs)


def test_gp_predictions_use_the_fitted_centre_and_boundary():
    spec = dagspec.parse(HSGP.format(kernel=""))
    idata = az.InferenceData(posterior=dagspec.sample_prior(spec, SPLINE_DATA, draws=10, random_seed=2).prior)
    new = np.array([0.2, 4.0, 9.5])
    predicted = dagspec.predict(spec, idata, pd.DataFrame({"x": new}), data=SPLINE_DATA).predictions["y"]
    x = SPLINE_DATA.x.values
    with pm.Model():  # pm.gp.HSGP's own out-of-sample basis: fitted on x, evaluated at the new values
        ell, eta = pm.Data("ell", 1.0), pm.Data("eta", 1.0)
        gp = pm.gp.HSGP(m=[8], c=1.5, cov_func=eta**2 * pm.gp.cov.ExpQuad(1, ls=ell))
        gp.prior_linearized(X=x[:, None])
        L = gp.L.eval()
    centre = (x.max() + x.min()) / 2
    phi = pm.gp.hsgp_approx.calc_eigenvectors(
        (new - centre)[:, None], L, pm.gp.hsgp_approx.calc_eigenvalues(L, [8]), [8]
    ).eval()
    post = idata.posterior
    omega = np.sqrt(pm.gp.hsgp_approx.calc_eigenvalues(L, [8]))[:, 0]
    ls, amp = post["lengthscale_x_y"].values[..., None], post["amplitude_x_y"].values[..., None]
    sqrt_psd = amp * np.sqrt(np.sqrt(2 * np.pi) * ls * np.exp(-0.5 * (ls * omega) ** 2))
    expected = post["y_intercept"].values[..., None] + np.einsum("nk,cdk->cdn", phi, post["b_x_y"].values * sqrt_psd)
    np.testing.assert_allclose(predicted.values, expected, rtol=1e-8)
    with pytest.raises(DagspecError, match="DS577"):
        dagspec.predict(spec, idata, pd.DataFrame({"x": [x.max() + 10]}), data=SPLINE_DATA)


# ---- Gaussian processes over a distance matrix ---------------------------------------------------------------

POINTS = {"d": (2.5, 1.0), "b": (1.2, 0.0), "a": (0.0, 0.0), "c": (0.5, 0.5)}  # Euclidean: every kernel is PD
DISTANCES = pd.DataFrame(  # rows not in the levels' order: they are matched by label
    [[float(np.hypot(p[0] - q[0], p[1] - q[1])) for q in POINTS.values()] for p in POINTS.values()],
    index=list(POINTS),
    columns=list(POINTS),
)
DISTANCE_SPEC = """
node g : categorical
node y ~ Poisson
gp(g, distance = "distances.csv") -> y
observed g, y
prior g -> y.etasq ~ Exponential(2)
prior g -> y.rhosq ~ Exponential(0.5)
prior g -> y as k
"""
G = pd.DataFrame({"g": ["a", "b", "c", "d", "a", "c", "d", "b"], "y": [3, 5, 2, 8, 4, 1, 9, 6]})


def _write_distances(folder: Path, table: pd.DataFrame = DISTANCES) -> Path:
    table.rename_axis("place").to_csv(folder / "distances.csv")
    (folder / "gp.dag").write_text(DISTANCE_SPEC)
    return folder / "gp.dag"


def test_a_distance_gp_is_the_hand_written_multivariate_normal_over_the_kernel(tmp_path):
    spec = dagspec.load(_write_distances(tmp_path))
    D = DISTANCES.loc[["a", "b", "c", "d"], ["a", "b", "c", "d"]].to_numpy()
    codes = pd.Categorical(G.g, categories=["a", "b", "c", "d"]).codes
    with pm.Model() as theirs:
        a = pm.Normal("y_intercept", 0, 10)
        etasq = pm.Exponential("etasq_g_y", 2)
        rhosq = pm.Exponential("rhosq_g_y", 0.5)
        K = etasq * pm.math.exp(-rhosq * D**2) + 0.01 * np.eye(4)
        k = pm.MvNormal("k", mu=np.zeros(4), cov=K)
        pm.Poisson("y", mu=pm.math.exp(a + k[codes]), observed=G.y.values)
    _same_log_density(spec.build(G, optimize=False), theirs)
    assert "k: non-centred pool (the groups' data are weak)" in spec.plan(G, optimize=True).notes
    assert spec.build(G).named_vars_to_dims["k"] == ("g",)  # k = L z, stored under its name


def _log_exponential_of_log(x):
    """The log density of log(a) for a ~ Exponential(1) (a standard Gumbel for the minimum): x - e^x."""
    return x - np.exp(x)


@pytest.mark.parametrize("r", [-7.0, -2.5, -0.3, 0.0, 0.7, 3.0, 9.0])
def test_the_log_ratio_of_two_standard_exponentials_is_standard_logistic(r):
    # the density of log(a) - log(g), a and g ~ Exponential(1) independent, is the convolution of two log-Exponential
    # densities; it is the Logistic(0, 1) density (P(a / g <= t) = t / (1 + t))
    density, error = integrate.quad(
        lambda x: np.exp(_log_exponential_of_log(x + r) + _log_exponential_of_log(x)), -np.inf, np.inf
    )
    assert density == pytest.approx(stats.logistic.pdf(r), rel=1e-7, abs=10 * error)


def test_the_gallery_m14_8_spec_is_the_books_model_with_a_over_g_integrated_out():
    # specs/gallery/kline_m14_8.dag samples log(a / g) ~ Logistic(0, 1) in place of the book's a, g ~ Exponential(1):
    # at any (r, b, etasq, rhosq, k) its log density must be that of the book's m14.8 (R code 14.39, in scipy)
    # integrated over the line log(a) - log(g) = r, i.e. over g with a = g e^r (Jacobian g e^r), so that b, k, etasq
    # and rhosq have the book's posterior exactly
    gallery = Path(__file__).parent.parent / "specs" / "gallery"
    ours = dagspec.load(gallery / "kline_m14_8.dag").build(optimize=False)
    levels = list(ours.coords["society"])
    d = pd.read_csv(gallery / "data" / "Kline2.csv")
    D = pd.read_csv(gallery / "data" / "islandsDistMatrix.csv", index_col=0).loc[levels, levels].to_numpy()
    row = pd.Categorical(d["culture"], categories=levels).codes
    P, T = d["population"].to_numpy(float), d["total_tools"].to_numpy()

    def along_a_over_g(u, r, b, k, rest):  # p_book(a = g e^r, g, ...) g e^r dg / p_spec(r, ...), g = e^u (dg = g du)
        a, g = np.exp(u + r), np.exp(u)
        log_density = stats.expon.logpdf([a, g]).sum() + stats.poisson.logpmf(T, a * P**b / g * np.exp(k[row])).sum()
        return np.exp(log_density + rest + (u + r) + u)

    ours_logp = ours.compile_logp(jacobian=False)
    rng = np.random.default_rng(148)
    for _ in range(4):  # around the posterior, where the log densities are small enough to compare to 1e-7
        r, log_b, log_etasq, log_rhosq = rng.normal([1.0, -1.3, -1.8, 0.0], [1.0, 0.3, 1.0, 1.0])
        b, etasq, rhosq = np.exp([log_b, log_etasq, log_rhosq])
        k = rng.normal(0, 0.3, len(levels))
        K = etasq * np.exp(-rhosq * D**2) + 0.01 * np.eye(len(levels))
        book_without_a_or_g = (  # the rest of R code 14.39's model (scipy)
            stats.expon.logpdf(b)
            + stats.expon.logpdf([etasq, rhosq], scale=[0.5, 2.0]).sum()
            + stats.multivariate_normal.logpdf(k, cov=K)
        )
        spec = ours_logp(
            {"log_a_over_g": r, "b_log__": log_b, "etasq_log__": log_etasq, "rhosq_log__": log_rhosq, "k": k}
        )
        args = (r, b, k, book_without_a_or_g - spec)
        marginal, error = integrate.quad(along_a_over_g, -60, 30, args=args, limit=200)
        assert marginal == pytest.approx(1.0, rel=1e-7, abs=10 * error)


# ---- code generation ----------------------------------------------------------------------------------------


def _script_model(spec, folder: Path, data=None, optimize=False):
    import runpy
    import sys

    script = folder / "model.py"
    script.write_text(spec.to_source("pymc", data=data, optimize=optimize, output=script))
    if data is not None:
        data.to_csv(folder / "data.csv", index=False)
    saved, sys.argv = sys.argv, [str(script)] + ([str(folder / "data.csv")] if data is not None else [])
    try:
        return runpy.run_path(str(script), run_name="generated")["model"], script.read_text()
    finally:
        sys.argv = saved


@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_generated_scripts_build_the_same_smooth_models(tmp_path, optimize):
    spec = dagspec.parse(SPLINE.replace("observed x, y", "gp(z, m = 6) -> y\nobserved x, y, z"))
    data = SPLINE_DATA.assign(z=RNG.normal(0, 1, len(SPLINE_DATA)))
    generated, source = _script_model(spec, tmp_path, data, optimize)
    _same_log_density(spec.build(data, optimize=optimize), generated)
    assert "def bspline_basis(x, knots, degree):" in source and "def hsgp_basis(" in source
    assert "bspline_basis(x, np.array([" in source
    gp = dagspec.load(_write_distances(tmp_path))
    generated, source = _script_model(gp, tmp_path, G, optimize)
    _same_log_density(gp.build(G, optimize=optimize), generated)
    assert "pm.MvNormal('k', mu=0, chol=pt.slinalg.cholesky(gp_covariance(np.array([[" in source or optimize


def test_the_pymc3_target_writes_splines_and_refuses_an_hsgp():
    spec = dagspec.parse(SPLINE)
    assert "def bspline_basis(x, knots, degree):\n" in spec.to_source("pymc3", data=SPLINE_DATA)
    assert "tt.cast(" in spec.to_source("pymc3", data=SPLINE_DATA)
    with pytest.raises(DagspecError, match="DS448.*x -> y"):
        dagspec.parse(HSGP.format(kernel="")).to_source("pymc3", data=SPLINE_DATA)


# ---- prior draws, posterior predictive checks and LOO -------------------------------------------------------


def test_prior_draws_ppc_and_loo_of_a_spline():
    spec = dagspec.parse(SPLINE)
    prior = dagspec.sample_prior(spec, SPLINE_DATA, draws=50, random_seed=3)
    assert prior.prior["w"].shape == (1, 50, 7) and prior.prior_predictive["y"].shape == (1, 50, 40)
    idata = dagspec.sample(spec, SPLINE_DATA, draws=200, chains=1, random_seed=3)
    assert idata.posterior.attrs["dagspec_sampler"] == "gaussian"  # linear-Gaussian in the weights: exact draws
    checked = dagspec.posterior_predictive(spec, idata, data=SPLINE_DATA, random_seed=3)
    assert checked.posterior_predictive["y"].shape == (1, 200, 40)
    assert np.isfinite(dagspec.loo(spec, idata, data=SPLINE_DATA).elpd_loo)


def test_prior_draws_of_gaussian_processes(tmp_path):
    prior = dagspec.sample_prior(dagspec.parse(HSGP.format(kernel="")), SPLINE_DATA, draws=30, random_seed=4)
    assert prior.prior["b_x_y"].shape == (1, 30, 8) and prior.prior_predictive["y"].shape == (1, 30, 40)
    prior = dagspec.sample_prior(dagspec.load(_write_distances(tmp_path)), G, draws=30, random_seed=4)
    assert prior.prior["k"].dims == ("chain", "draw", "g") and prior.prior_predictive["y"].shape == (1, 30, 8)


@pytest.mark.slow
def test_ppc_and_loo_of_gaussian_processes(tmp_path):
    for spec, data in [
        (dagspec.parse(HSGP.format(kernel="")), SPLINE_DATA),
        (dagspec.load(_write_distances(tmp_path)), G),
    ]:
        idata = dagspec.sample(spec, data, draws=100, tune=150, chains=1, random_seed=5)
        checked = dagspec.posterior_predictive(spec, idata, data=data, random_seed=5)
        assert checked.posterior_predictive["y"].shape == (1, 100, len(data))
        assert np.isfinite(dagspec.loo(spec, idata, data=data).elpd_loo)
