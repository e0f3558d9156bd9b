"""Predictive checks and model comparison: the literal model's log-likelihood per row (checked by hand with
scipy), prior and posterior predictive draws, PSIS-LOO and `compare`, and their coded errors (DS606-DS611)."""

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import special, stats

import dagspec

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # ArviZ on the hand-made groups and on Pareto k

REGRESSION = """node x
node y ~ Normal
x -> y
observed x, y
prior y.intercept ~ Normal(1, 2) as a
prior x -> y ~ Normal(0, 1) as b
prior y.sigma ~ Exponential(lam = 1) as s
"""
# categorical predictors only: the optimized model fits Binomial counts per level, the literal one each row
BERNOULLI = """node g : categorical
node y ~ Bernoulli
g -> y
observed g, y
prior g -> y ~ Normal(0, 1.5) as effect
prior y.intercept ~ Normal(0, 1) as base
"""


def regression_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": 1 + 2 * x + rng.normal(scale=0.5, size=n)})


def bernoulli_data(n=60, seed=1):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], size=n)
    p = np.select([g == "a", g == "b"], [0.2, 0.5], 0.8)
    return pd.DataFrame({"g": g, "y": rng.binomial(1, p)})


def fake_posterior(spec, data, draws=50, seed=0):
    """Prior draws standing in for a posterior: the log-likelihood must be right at any parameter values."""
    return az.InferenceData(posterior=dagspec.sample_prior(spec, data, draws=draws, random_seed=seed).prior)


def regression_by_hand(posterior, data):
    a, b, s = (posterior[name].values[..., None] for name in ("a", "b", "s"))
    return stats.norm.logpdf(data["y"].to_numpy(), a + b * data["x"].to_numpy(), s)


def bernoulli_by_hand(posterior, data):
    levels = sorted(set(data["g"]))
    index = np.array([levels.index(g) for g in data["g"]])
    p = special.expit(posterior["base"].values[..., None] + posterior["effect"].values[..., index])
    return stats.bernoulli.logpmf(data["y"].to_numpy(), p)


def codes(info):
    return [d.code for d in info.value.diagnostics]


# ---- the log-likelihood, per row ----


def test_log_likelihood_of_a_regression_is_per_row_and_matches_scipy():
    spec, data = dagspec.parse(REGRESSION), regression_data()
    idata = dagspec.log_likelihood(spec, fake_posterior(spec, data), data)
    pointwise = idata.log_likelihood["y"]
    assert pointwise.shape == (1, 50, 40)
    np.testing.assert_allclose(pointwise.values, regression_by_hand(idata.posterior, data), rtol=1e-10)
    np.testing.assert_array_equal(idata.observed_data["y"].values, data["y"])


def test_bernoulli_cells_still_give_one_log_likelihood_per_row():
    spec, data = dagspec.parse(BERNOULLI), bernoulli_data()
    (optimized,) = spec.build(data).observed_RVs
    assert tuple(optimized.shape.eval()) == (3,)  # the optimized model: Binomial counts for three cells
    idata = fake_posterior(spec, data)
    idata.add_groups(observed_data={"y": np.array([12, 20, 16])})  # as the optimized posterior has it: counts
    dagspec.log_likelihood(spec, idata, data)
    assert idata.log_likelihood["y"].shape == (1, 50, 60)
    np.testing.assert_allclose(idata.log_likelihood["y"].values, bernoulli_by_hand(idata.posterior, data), rtol=1e-10)
    np.testing.assert_array_equal(idata.observed_data["y"].values, data["y"])  # per row, replacing the counts


def test_only_a_log_likelihood_dagspec_computed_is_reused():
    """One dagspec did not compute (e.g. the optimized model's, per cell) is recomputed for LOO."""
    spec = dagspec.parse(
        "node g : categorical\nnode y ~ Bernoulli\ng -> y\n"
        'observed g = ["a", "b", "a", "b", "b", "a"], y = [0, 1, 1, 1, 0, 0]\n'
    )
    idata = fake_posterior(spec, None)
    expected = dagspec.loo(spec, idata)["elpd_loo"]
    idata.add_groups(log_likelihood={"y": np.zeros((1, 50, 2))}, observed_data={"y": np.array([1, 2])})
    assert dagspec.loo(spec, idata)["elpd_loo"] == pytest.approx(expected)
    dagspec.log_likelihood(spec, idata)
    idata.log_likelihood["y"] = idata.log_likelihood["y"] * 0 - 1.0  # marked as dagspec's: used as it is
    assert dagspec.loo(spec, idata)["elpd_loo"] == pytest.approx(-6.0)


# ---- prior predictive ----


def test_prior_predictive_has_the_prior_moments():
    spec = dagspec.parse(
        "node y ~ Normal(sigma = 1)\nobserved y = [1.0, 2.0, 3.0, 4.0, 5.0]\n"
        "prior y.intercept ~ Normal(3, 0.5) as level\n"
    )
    draws = 4000
    idata = dagspec.sample_prior(spec, draws=draws, random_seed=3)
    assert {"prior", "prior_predictive", "observed_data"} <= set(idata.groups())
    assert idata.prior["level"].shape == (1, draws)
    values = idata.prior_predictive["y"].values
    assert values.shape == (1, draws, 5) and idata.observed_data["y"].shape == (5,)
    # y = level + noise: mean 3, variance 0.5² + 1. The mean's Monte Carlo error: level is shared by a draw's
    # five rows, so var(mean) = 0.25 / draws + 1 / (5 draws).
    assert values.mean() == pytest.approx(3, abs=4 * np.sqrt(0.25 / draws + 1 / (5 * draws)))
    assert values.var() == pytest.approx(1.25, rel=0.1)
    assert idata.prior["level"].values.std() == pytest.approx(0.5, rel=0.1)


def test_prior_predictive_of_a_regression_uses_the_data_as_predictors():
    spec, data = dagspec.parse(REGRESSION), regression_data()
    idata = dagspec.sample_prior(spec, data, draws=3000, random_seed=4)
    y = idata.prior_predictive["y"].values[0]  # (draws, rows)
    slope = np.polyfit(data["x"], y.T, 1)[0]  # one least-squares slope per prior draw
    assert slope.std() == pytest.approx(1.0, rel=0.1)  # b ~ Normal(0, 1)
    assert y.mean() == pytest.approx(1 + 0 * data["x"].mean(), abs=0.2)


def test_a_spec_without_observations_has_only_a_prior():
    idata = dagspec.sample_prior(dagspec.parse("a ~ Normal(2, 0.5)\nlet c = a * 2\n"), draws=200, random_seed=1)
    assert set(idata.groups()) == {"prior"} and idata.prior["c"].shape == (1, 200)


def test_improper_priors_cannot_be_drawn_from():
    spec = dagspec.parse(
        "x -> y\nobserved x = [1.0, 2.0], y = [1.0, 3.0]\nprior x -> y ~ Flat()\nprior y.sigma ~ HalfFlat()\n"
    )
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.sample_prior(spec)
    assert codes(info) == ["DS610"]
    assert info.value.diagnostics[0].message == (
        "cannot draw from the prior: b_x_y, y_sigma have an improper prior (Flat, HalfFlat)"
    )


# ---- posterior predictive ----


def test_posterior_predictive_draws_each_row_from_the_literal_model():
    spec, data = dagspec.parse(BERNOULLI), bernoulli_data()
    idata = dagspec.posterior_predictive(spec, fake_posterior(spec, data, draws=400), data, random_seed=5)
    draws = idata.posterior_predictive["y"].values
    assert draws.shape == (1, 400, 60) and set(np.unique(draws)) <= {0, 1}
    np.testing.assert_array_equal(idata.observed_data["y"].values, data["y"])
    # each row's draws follow its own level: the mean of level c's rows ≈ its mean success probability
    p = special.expit(idata.posterior["base"].values[0, :, None] + idata.posterior["effect"].values[0])
    rows_c = (data["g"] == "c").to_numpy()
    # Monte Carlo error: the draws' probabilities vary (sd of p over draws) and each 0/1 draw adds at most 0.5
    error = np.sqrt(p[:, 2].var() / 400 + 0.25 / (400 * rows_c.sum()))
    assert draws[0][:, rows_c].mean() == pytest.approx(p[:, 2].mean(), abs=4 * error)


# ---- LOO ----

PATH = """node x1
node x2 ~ Normal
node y1 ~ Normal
x1 -> x2 -> y1
observed x1, x2, y1
"""


def path_data(n=30, seed=2):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = 2 * x1 + rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "y1": 1 - x2 + rng.normal(size=n)})


def test_loo_sums_outcomes_over_the_same_rows():
    spec, data = dagspec.parse(PATH), path_data()
    idata = dagspec.log_likelihood(spec, fake_posterior(spec, data, draws=100), data)
    both = dagspec.loo(spec, idata, data)
    assert both["n_data_points"] == 30 and len(both.pareto_k) == 30
    summed = az.InferenceData(
        posterior=idata.posterior,
        log_likelihood=xr.Dataset({"rows": idata.log_likelihood["x2"] + idata.log_likelihood["y1"]}),
    )
    assert both["elpd_loo"] == pytest.approx(az.loo(summed)["elpd_loo"])
    alone = dagspec.loo(spec, idata, data, outcome="y1")
    assert alone["elpd_loo"] == pytest.approx(az.loo(idata, var_name="y1")["elpd_loo"])


def test_loo_of_an_unknown_outcome_names_the_observed_ones():
    spec, data = dagspec.parse(PATH), path_data()
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.loo(spec, fake_posterior(spec, data), data, outcome="z")
    assert codes(info) == ["DS201"] and "x2, y1" in info.value.diagnostics[0].hint


def test_outcomes_of_different_shapes_are_not_summed():
    spec = dagspec.parse(
        "p ~ Beta(1, 1)\nheads ~ Binomial(n = 10, p = p)\nobserved heads = 8\n"
        "x -> y\nobserved x = [1.0, 2.0, 3.0, 4.0], y = [2.0, 4.1, 5.9, 8.2]\n"
    )
    idata = fake_posterior(spec, None)
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.loo(spec, idata)
    assert codes(info) == ["DS611"] and "(y: 4 rows, heads: 1 value)" in info.value.diagnostics[0].message
    assert dagspec.loo(spec, idata, outcome="y")["n_data_points"] == 4


def test_a_posterior_of_another_spec_is_ds608():
    spec, data = dagspec.parse(REGRESSION), regression_data()
    other = fake_posterior(dagspec.parse(BERNOULLI), bernoulli_data())
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.loo(spec, other, data)
    assert codes(info) == ["DS608"] and "it has no a, b, s" in info.value.diagnostics[0].message
    two_levels = bernoulli_data().assign(g=lambda frame: frame["g"].replace("c", "b"))
    wrong_shape = fake_posterior(dagspec.parse(BERNOULLI), two_levels)
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.posterior_predictive(dagspec.parse(BERNOULLI), wrong_shape, bernoulli_data())
    assert codes(info) == ["DS608"] and "effect has shape (2,) per draw, but (3,)" in info.value.diagnostics[0].message
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.log_likelihood(spec, az.InferenceData(prior=other.posterior), data)
    assert codes(info) == ["DS608"] and "no posterior group" in info.value.diagnostics[0].message


def test_loo_needs_a_few_draws():
    spec, data = dagspec.parse(REGRESSION), regression_data()
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.loo(spec, fake_posterior(spec, data, draws=1), data)
    assert codes(info) == ["DS612"] and "this posterior has 1" in info.value.diagnostics[0].message


def test_a_spec_that_observes_nothing_has_nothing_to_predict():
    spec = dagspec.parse("a ~ Normal(0, 1)\n")
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.posterior_predictive(spec, fake_posterior(spec, None))
    assert codes(info) == ["DS609"]


# ---- compare ----


def test_compare_refuses_models_of_different_data():
    data = path_data()
    path, pipe = dagspec.parse(PATH), dagspec.parse("x1, x2 -> y1\nobserved x1, x2, y1\n")
    models = {"path": (path, fake_posterior(path, data)), "pipe": (pipe, fake_posterior(pipe, data))}
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.compare(models, data)
    assert codes(info) == ["DS607"]
    assert info.value.diagnostics[0].message == (
        "models do not predict the same data: path predicts x2, y1; pipe predicts y1"
    )
    table = dagspec.compare(models, data, outcome="y1")  # on y1 alone they are comparable
    assert set(table.index) == {"path", "pipe"}

    four = dagspec.parse("x -> y\nobserved x = [1.0, 2.0, 3.0, 4.0], y = [2.0, 4.1, 5.9, 8.2]\n")
    three = dagspec.parse("x -> y\nobserved x = [1.0, 2.0, 3.0], y = [2.0, 4.1, 5.9]\n")
    changed = dagspec.parse("x -> y\nobserved x = [1.0, 2.0, 3.0, 4.0], y = [2.0, 4.1, 6.0, 8.2]\n")
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.compare({"four": (four, fake_posterior(four, None)), "three": (three, fake_posterior(three, None))})
    assert "four predicts 4 rows of y, three 3 rows" in info.value.diagnostics[0].message
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.compare({"a": (four, fake_posterior(four, None)), "b": (changed, fake_posterior(changed, None))})
    assert "the observed values of y differ between a and b (first at row 2)" in info.value.diagnostics[0].message
    assert info.value.diagnostics[0].short().startswith("compare: error DS607")
    binary = "observed x = [0.0, 1.0, 2.0, 3.0], y = [0, 1, 1, 1]\n"
    logistic, linear = dagspec.parse("node y ~ Bernoulli\nx -> y\n" + binary), dagspec.parse("x -> y\n" + binary)
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.compare(
            {"logistic": (logistic, fake_posterior(logistic, None)), "linear": (linear, fake_posterior(linear, None))}
        )
    assert info.value.diagnostics[0].message.endswith(
        "y is Bernoulli (discrete) in logistic but Normal (continuous) in linear, and a probability does not compare "
        "with a density"
    )


def test_compare_table_of_a_tight_and_a_wrong_model():
    """Prior draws as posteriors: a model whose prior sits on the truth beats one whose slope is fixed wrong."""
    data = regression_data(n=50)
    right = dagspec.parse(
        "x -> y\nobserved x, y\nprior y.intercept ~ Normal(1, 0.05)\nprior x -> y ~ Normal(2, 0.05)\n"
        "prior y.sigma ~ Gamma(alpha = 400, beta = 800)\n"
    )
    wrong = dagspec.parse(
        "x -> y\nobserved x, y\nprior y.intercept ~ Normal(1, 0.05)\nprior x -> y ~ Normal(0, 0.05)\n"
        "prior y.sigma ~ Gamma(alpha = 400, beta = 800)\n"
    )
    table = dagspec.compare(
        {"right": (right, fake_posterior(right, data, 400)), "wrong": (wrong, fake_posterior(wrong, data, 400))}, data
    )
    assert list(table.index) == ["right", "wrong"]
    assert {"rank", "elpd_loo", "p_loo", "elpd_diff", "weight", "se", "dse", "warning"} <= set(table.columns)
    assert table.loc["wrong", "elpd_diff"] > 2 * table.loc["wrong", "dse"]


# ---- with real posteriors (the optimized model's) ----

# PyMC's own sampler in this process: its compiled C code is cached, where nutpie compiles each model anew
QUICK = {"draws": 200, "tune": 200, "chains": 2, "sampler": "pymc", "cores": 1}


@pytest.mark.slow
def test_real_posteriors_give_per_row_log_likelihood_and_predictions():
    for text, data, by_hand in [
        (REGRESSION, regression_data(), regression_by_hand),
        (BERNOULLI, bernoulli_data(), bernoulli_by_hand),
    ]:
        spec = dagspec.parse(text)
        idata = dagspec.sample(spec, data, random_seed=11, **QUICK)
        dagspec.log_likelihood(spec, idata, data)
        dagspec.posterior_predictive(spec, idata, data, random_seed=12)
        rows = len(data)
        assert idata.log_likelihood["y"].shape == idata.posterior_predictive["y"].shape == (2, 200, rows)
        np.testing.assert_allclose(idata.log_likelihood["y"].values, by_hand(idata.posterior, data), rtol=1e-8)
        result = dagspec.loo(spec, idata, data)
        assert result["n_data_points"] == rows and result["p_loo"] < 6
        # the predictive mean of y over draws and rows matches the data's mean within a few standard errors
        predicted = idata.posterior_predictive["y"].values
        assert predicted.mean() == pytest.approx(data["y"].mean(), abs=4 * data["y"].std() / np.sqrt(rows))


@pytest.mark.slow
def test_compare_prefers_the_true_model():
    rng = np.random.default_rng(7)
    n = 150
    z = rng.normal(size=n)
    x = z + rng.normal(size=n)
    data = pd.DataFrame({"x": x, "z": z, "y": 0.5 * x + 1.5 * z + rng.normal(size=n)})
    true = dagspec.parse("node x\nz -> x\nx, z -> y\nobserved x, z, y\n")
    without_z = dagspec.parse("node x\nnode z\nz -> x\nz -> y\nx -> y\nobserved x, y\n")
    models = {
        name: (spec, dagspec.sample(spec, data, random_seed=3, **QUICK))
        for name, spec in [("true", true), ("without_z", without_z)]
    }
    table = dagspec.compare(models, data)
    assert table.index[0] == "true"
    # clearly: by more than twice the difference's standard error (dse), and than either model's own (se)
    assert table.loc["without_z", "elpd_diff"] > 2 * table.loc["without_z", "dse"]
    assert table.loc["without_z", "elpd_diff"] > 2 * table["se"].max()
    assert table.loc["true", "weight"] > 0.9


def test_optimized_posteriors_hold_every_variable_of_the_literal_model():
    """The literal model's log-likelihood and predictive draws read an optimized posterior by name: every
    optimizer pass must keep each literal free variable under its name (as a deterministic if need be)."""
    from pathlib import Path

    for path in sorted((Path(__file__).parent.parent / "specs" / "tutorial").glob("*.dag")):
        spec = dagspec.load(path)
        optimized = spec.build()
        missing = [v.name for v in spec.build(optimize=False).free_RVs if v.name not in optimized.named_vars]
        assert not missing, f"{path.name}: the optimized model has no {missing}"


def test_predictive_draws_read_the_effects_of_a_categorical_node_from_the_posterior():
    """A categorical node g has a data column and a dimension both named g; PyMC finds a dimension length's old value
    in constant_data by name, met the column there and redrew every effect of g from its prior (mean exp(0.5)
    here), in predictive checks and do() alike. Effects fixed at 3 in the posterior must give draws of mean e^3."""
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"x": rng.normal(size=30), "g": rng.choice(["a", "b", "c"], 30), "y": rng.poisson(2, 30)})
    spec = dagspec.parse(
        "node g : categorical\nnode y ~ Poisson\nx, g -> y\nobserved x, g, y\ntau ~ Exponential(1)\n"
        "prior g -> y ~ Normal(0, tau)\nprior y.intercept = 0\nprior x -> y = 0"
    )
    draws = 40
    idata = az.from_dict(
        posterior={"tau": np.ones((1, draws)), "b_g_y": np.full((1, draws, 3), 3.0)},
        constant_data={"g": pd.Categorical(data["g"]).codes, "x": data["x"].to_numpy(), "y__obs": data["y"]},
        coords={"g": ["a", "b", "c"], "__obs__": np.arange(30)},
        dims={"b_g_y": ["g"], "g": ["__obs__"], "x": ["__obs__"], "y__obs": ["__obs__"]},
    )
    checked = dagspec.posterior_predictive(spec, idata.copy(), data, random_seed=1).posterior_predictive["y"]
    intervened = dagspec.do(spec, idata.copy(), {"x": 1.0}, data=data, random_seed=1).posterior_predictive["y"]
    for predicted in (checked, intervened):
        assert abs(float(predicted.mean()) - np.exp(3)) < 5 * np.sqrt(np.exp(3) / predicted.size)
