"""An LKJ prior's standard deviations, correlations and covariance (`stds`, `corr`, `cov` in a `let`) are the
tutorial's formulas applied to its Cholesky factor, on every path that makes draws; PyMC's own `<name>_stds` and
`<name>_corr` are stored for the parts no `let` names."""

import re
from pathlib import Path

import numpy as np
import pytest

import dagspec
from dagspec.backends.exact import posterior_from_draws
from dagspec.backends.predict import unpack_cholesky
from dagspec.backends.pymc import build_model
from dagspec.render.summary import summary_table

ROOT = Path(__file__).resolve().parent.parent
HETEROGENOUS = ROOT / "specs" / "tutorial" / "heterogenous.dag"

CELLS = """node g : categorical
node t : categorical
node y ~ Normal(intercept = none)
t -> y by g
observed g = [0, 0, 0, 1, 1, 1], t = [0, 1, 2, 0, 1, 2], y = [2.0, 1.0, 0.3, -2.5, 2.0, 0.7]
"""


def _tutorial(packed):
    """The tutorial's formulas, per draw: cov = chol chol', sigma_ab = sqrt(diag(cov)),
    corr = diag(1 / sigma_ab) cov diag(1 / sigma_ab), Rho = corr[triu_indices(n, k=1)]."""
    chol = unpack_cholesky(np.reshape(packed, (-1, np.shape(packed)[-1])))
    cov = chol @ np.swapaxes(chol, -1, -2)
    sigma_ab = np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1))
    scale = np.stack([np.diag(1 / s) for s in sigma_ab])
    corr = scale @ cov @ scale
    rows, cols = np.triu_indices(chol.shape[-1], k=1)
    return {"cov": cov, "sigma_ab": sigma_ab, "corr": corr, "Rho": corr[:, rows, cols]}


def _flat(dataset, name):
    values = dataset[name].values
    return values.reshape((-1,) + values.shape[2:])


def _assert_tutorial_quantities(dataset):
    expected = _tutorial(_flat(dataset, "chol_cov"))
    np.testing.assert_allclose(_flat(dataset, "sigma_ab"), expected["sigma_ab"], rtol=1e-12)
    np.testing.assert_allclose(_flat(dataset, "Rho"), expected["Rho"][:, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_flat(dataset, "chol_cov_corr"), expected["corr"], rtol=1e-12, atol=1e-15)
    assert "chol_cov_stds" not in dataset  # named sigma_ab by the spec


def _random_points(model, count, seed):
    rng = np.random.default_rng(seed)
    start = model.initial_point()
    for _ in range(count):
        yield {name: value + rng.normal(0.0, 0.7, size=np.shape(value)) for name, value in start.items()}


def _evaluate(model, names, point):
    """The variables `names` at a point of the value variables."""
    outputs = model.replace_rvs_by_values([model[n] for n in names])
    function = model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore")
    return dict(zip(names, function(point)))


def test_heterogenous_stores_sigma_ab_and_rho_under_the_tutorials_names():
    spec = dagspec.load(HETEROGENOUS)
    model = spec.build(optimize=False)
    assert [d.name for d in model.deterministics] == ["chol_cov_corr", "sigma_ab", "Rho"]
    assert model["Rho"].ndim == 0 and model["sigma_ab"].ndim == 1


@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_the_models_compute_the_tutorials_formulas(optimize):
    """The literal model (exact and collapsed draws, predictions, ppc) and the optimized one NUTS samples."""
    model = dagspec.load(HETEROGENOUS).build(optimize=optimize)
    for point in _random_points(model, 4, seed=19):
        values = _evaluate(model, ["chol_cov", "sigma_ab", "Rho", "chol_cov_corr"], point)
        expected = _tutorial(values["chol_cov"][None])  # PyMC's packed factor
        np.testing.assert_allclose(values["sigma_ab"], expected["sigma_ab"][0], rtol=1e-12)
        np.testing.assert_allclose(values["Rho"], expected["Rho"][0, 0], rtol=1e-12)
        np.testing.assert_allclose(values["chol_cov_corr"], expected["corr"][0], rtol=1e-12, atol=1e-15)


def test_draws_made_without_nuts_get_the_named_parts():
    """Exact and collapsed sampling draw the free parameters, then derive the rest (posterior_from_draws)."""
    spec = dagspec.load(HETEROGENOUS)
    plan = spec.plan(None, False)
    model = build_model(plan)
    rng = np.random.default_rng(3)
    chains, draws = 2, 25
    values = {
        "a_bar": rng.normal(size=(chains, draws)),
        "b_bar": rng.normal(size=(chains, draws)),
        "ab_did": rng.normal(size=(chains, draws, 3, 2)),
        "error": rng.exponential(size=(chains, draws)),
    }
    packed = rng.normal(size=(chains, draws, 3))
    packed[..., [0, 2]] = np.abs(packed[..., [0, 2]])  # positive diagonal
    values["chol_cov"] = packed
    idata = posterior_from_draws(plan, model, values, draws, chains, rng)
    _assert_tutorial_quantities(idata.posterior)


def test_prior_draws_get_the_named_parts():
    prior = dagspec.sample_prior(HETEROGENOUS, draws=40, random_seed=4).prior
    _assert_tutorial_quantities(prior)


@pytest.mark.slow
def test_sampled_sigma_ab_and_rho_are_the_tutorials_draw_by_draw():
    """The default sampler for this spec (collapsed NUTS on error and chol_cov, the rest drawn exactly), then the
    posterior predictive and predictions, which rebuild the model with its derived quantities."""
    spec = dagspec.load(HETEROGENOUS)
    idata = dagspec.sample(spec, draws=100, tune=100, chains=1, random_seed=5)
    assert idata.posterior.attrs["dagspec_sampler"] == "collapsed"
    _assert_tutorial_quantities(idata.posterior)
    assert np.all(np.abs(idata.posterior["Rho"].values) <= 1)
    table = summary_table(idata, spec)  # what `dagspec sample` prints
    assert "sigma_ab[0]" in table and "\nRho " in table and "chol_cov_corr" not in table
    dagspec.posterior_predictive(spec, idata, random_seed=5)
    assert idata.posterior_predictive["y_hat"].shape == (1, 100, 100)
    predictions = dagspec.predict(spec, idata, {"x1": [0, 2], "x2": [1, 0]}, random_seed=5)
    assert predictions.predictions["y_hat"].shape == (1, 100, 2)


def test_unnamed_parts_keep_pymcs_names_after_the_alias():
    spec = dagspec.parse(
        CELLS + "prior chol ~ LKJCholeskyCov(eta = 2, sd = Exponential(1)) as L\n"
        "prior t -> y by g ~ MvNormal(mu = [0, 0, 0], chol = chol) as ab\n"
    )
    assert [d.name for d in spec.build(optimize=False).deterministics] == ["L_stds", "L_corr"]


def test_the_stored_parts_have_arvizs_dimension_names_as_the_reference_says():
    spec = dagspec.parse(
        CELLS + "prior chol ~ LKJCholeskyCov(eta = 2, sd = Exponential(1)) as L\n"
        "prior t -> y by g ~ MvNormal(mu = [0, 0, 0], chol = chol) as ab\n"
    )
    prior = dagspec.sample_prior(spec, draws=5, random_seed=1).prior
    assert prior["L"].dims[2:] == ("L_dim_0",) and prior["L"].shape[2:] == (6,)  # n(n + 1)/2, packed
    assert prior["L_stds"].dims[2:] == ("L_stds_dim_0",) and prior["L_stds"].shape[2:] == (3,)
    assert prior["L_corr"].dims[2:] == ("L_corr_dim_0", "L_corr_dim_1") and prior["L_corr"].shape[2:] == (3, 3)


def test_a_let_names_exactly_one_part_and_other_lets_add_quantities():
    spec = dagspec.parse(
        CELLS + "prior L ~ LKJCholeskyCov(eta = 2, sd = Exponential(1), n = 3)\n"
        "prior t -> y by g ~ MvNormal(mu = [0, 0, 0], chol = L) as ab\n"
        "let R = corr(L)\n"
        "let r02 = corr(L)[0, 2]\n"
        "let s2 = 2 * stds(L)[-1]\n"
        "let Sigma = cov(L)\n"
    )
    model = spec.build(optimize=False)
    assert [d.name for d in model.deterministics] == ["L_stds", "R", "r02", "s2", "Sigma"]
    for point in _random_points(model, 3, seed=7):
        values = _evaluate(model, ["L", "L_stds", "R", "r02", "s2", "Sigma"], point)
        expected = _tutorial(values["L"][None])  # the model's L is PyMC's packed factor
        np.testing.assert_allclose(values["Sigma"], expected["cov"][0], rtol=1e-12)
        np.testing.assert_allclose(values["L_stds"], expected["sigma_ab"][0], rtol=1e-12)
        np.testing.assert_allclose(values["R"], expected["corr"][0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(values["r02"], expected["corr"][0, 0, 2], rtol=1e-12)
        np.testing.assert_allclose(values["s2"], 2 * expected["sigma_ab"][0, 2], rtol=1e-12)


def test_the_language_reference_lists_the_names_its_example_stores():
    text = (ROOT / "docs" / "language.md").read_text()
    example = next(block for block in re.findall(r"```dag\n(.*?)```", text, re.S) if "stds(" in block)
    model = dagspec.parse(example).build(optimize=False)
    assert [d.name for d in model.deterministics] == ["chol_cov_corr", "sigma_ab", "Rho", "Sigma"]
    assert "`sigma_ab`, `Rho`, `Sigma` and PyMC's `chol_cov_corr`" in text


def test_compile_and_codegen_show_the_names():
    from dagspec.render.report import compile_report

    spec = dagspec.load(HETEROGENOUS)
    report = compile_report(spec)
    assert "  sigma_ab = stds(chol_cov)\n  Rho = corr(chol_cov)[0, 1]\n" in report
    assert "  chol_cov_corr = corr(chol_cov)  (PyMC's name" in report
    for target in ("pymc", "pymc3"):
        source = spec.to_source(target)
        assert (
            "chol_cov, chol_cov_corr, chol_cov_stds = pm.LKJCholeskyCov('chol_cov', eta=2, "
            "sd_dist=pm.Exponential.dist(lam=1), n=2, compute_corr=True, store_in_trace=False)"
        ) in source
        assert "sigma_ab = pm.Deterministic('sigma_ab', chol_cov_stds)" in source
        assert "Rho = pm.Deterministic('Rho', chol_cov_corr[0, 1])" in source
        assert "'sigma_ab', 'Rho'" in source  # summarised
