"""Observation weights (`weights = w`) and measurement error (`se = s`): each spec compiles to exactly the
hand-written PyMC model (equal log densities at random points), through path models; the causal analysis keeps a
node measured with error as the same node; codegen writes the same model; and sampling, predictions, prior draws,
predictive checks and LOO handle both."""

import runpy
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from logp_support import assert_same_log_density

import dagspec

WAFFLE = Path(__file__).resolve().parents[1] / "specs" / "gallery" / "data" / "WaffleDivorce.csv"


def _standardize(values):
    return (values - values.mean()) / values.std(ddof=1)


def _same_log_density(ours, theirs, seed=0):
    assert_same_log_density(ours, theirs, seed, rel=1e-10)


# ---- measurement error ---------------------------------------------------------------------------------

WAFFLE_M15_1 = f"""
node D_sd
node D ~ Normal(se = D_sd)
A, M -> D
observed A = standardize(MedianAgeMarriage), M = standardize(Marriage), D = standardize(Divorce) from "{WAFFLE}"
observed D_sd = col("Divorce.SE") / sd(Divorce) from "{WAFFLE}"
prior D.intercept ~ Normal(0, 0.2) as a
prior A -> D ~ Normal(0, 0.5) as bA
prior M -> D ~ Normal(0, 0.5) as bM
prior D.sigma ~ Exponential(1) as sigma
"""

WAFFLE_M15_2 = f"""
node D_sd
node M_sd
node M ~ Normal(se = M_sd, intercept = none, sigma = 1)
node D ~ Normal(se = D_sd)
A, M -> D
observed A = standardize(MedianAgeMarriage), M = standardize(Marriage), D = standardize(Divorce) from "{WAFFLE}"
observed D_sd = col("Divorce.SE") / sd(Divorce), M_sd = col("Marriage.SE") / sd(Marriage) from "{WAFFLE}"
prior D.intercept ~ Normal(0, 0.2) as a
prior A -> D ~ Normal(0, 0.5) as bA
prior M -> D ~ Normal(0, 0.5) as bM
prior D.sigma ~ Exponential(1) as sigma
"""


def _waffle():
    d = pd.read_csv(WAFFLE)
    return {
        "A": _standardize(d["MedianAgeMarriage"].to_numpy()),
        "M": _standardize(d["Marriage"].to_numpy()),
        "D": _standardize(d["Divorce"].to_numpy()),
        "D_sd": d["Divorce.SE"].to_numpy() / d["Divorce"].std(ddof=1),
        "M_sd": d["Marriage.SE"].to_numpy() / d["Marriage"].std(ddof=1),
    }


def test_rethinking_m15_1_is_the_hand_written_model():
    w = _waffle()
    with pm.Model() as reference:  # the book's ulam model, as written
        a, bA, bM = pm.Normal("a", 0, 0.2), pm.Normal("bA", 0, 0.5), pm.Normal("bM", 0, 0.5)
        sigma = pm.Exponential("sigma", 1)
        D_true = pm.Normal("D_true", a + bA * w["A"] + bM * w["M"], sigma, shape=50)
        pm.Normal("D_obs", D_true, w["D_sd"], observed=w["D"])
    model = dagspec.parse(WAFFLE_M15_1).build()
    _same_log_density(model, reference)
    assert model.named_vars_to_dims["D_true"] == ("__obs__",)


def test_rethinking_m15_2_measures_the_predictor_too():
    w = _waffle()
    with pm.Model() as reference:
        M_true = pm.Normal("M_true", 0, 1, shape=50)
        pm.Normal("M_obs", M_true, w["M_sd"], observed=w["M"])
        a, bA, bM = pm.Normal("a", 0, 0.2), pm.Normal("bA", 0, 0.5), pm.Normal("bM", 0, 0.5)
        sigma = pm.Exponential("sigma", 1)
        D_true = pm.Normal("D_true", a + bA * w["A"] + bM * M_true, sigma, shape=50)
        pm.Normal("D_obs", D_true, w["D_sd"], observed=w["D"])
    _same_log_density(dagspec.parse(WAFFLE_M15_2).build(), reference)


RNG = np.random.default_rng(15)
N = 24
z = RNG.normal(size=N)
x = 0.5 * z + RNG.normal(size=N)
m_true = 0.3 + 0.8 * x + RNG.normal(scale=0.5, size=N)
m_se = RNG.uniform(0.2, 0.6, size=N)
y = 1.0 - 0.6 * m_true + 0.4 * z + RNG.normal(scale=0.4, size=N)
PATH_DATA = pd.DataFrame({"z": z, "x": x, "m": m_true + RNG.normal(scale=m_se), "m_se": m_se, "y": y})

# a mismeasured mediator: x -> m -> y, m measured with known standard errors; z confounds x and y
PATH = """
node z
node x
node m_se
node m ~ StudentT(se = m_se)
node y ~ Normal
z -> x -> m -> y
z -> y
observed z, x, m, m_se, y
prior m.intercept ~ Normal(0, 1) as a_m
prior x -> m ~ Normal(0, 1) as bx
prior m.sigma ~ Exponential(1) as sigma_m
prior m.nu ~ Gamma(2, 0.1) as nu
prior y.intercept ~ Normal(0, 1) as a_y
prior m -> y ~ Normal(0, 1) as bm
prior z -> y ~ Normal(0, 1) as bz
prior y.sigma ~ Exponential(1) as sigma_y
"""


def test_a_mismeasured_mediator_is_drawn_from_its_regression_and_its_children_read_its_true_values():
    with pm.Model() as reference:
        a_m, bx = pm.Normal("a_m", 0, 1), pm.Normal("bx", 0, 1)
        sigma_m, nu = pm.Exponential("sigma_m", 1), pm.Gamma("nu", 2, 0.1)
        m = pm.StudentT("m_true", nu=nu, mu=a_m + bx * x, sigma=sigma_m, shape=N)
        pm.Normal("m_obs", m, m_se, observed=PATH_DATA["m"].to_numpy())
        a_y, bm, bz = pm.Normal("a_y", 0, 1), pm.Normal("bm", 0, 1), pm.Normal("bz", 0, 1)
        pm.Normal("y", a_y + bm * m + bz * z, pm.Exponential("sigma_y", 1), observed=y)
    _same_log_density(dagspec.parse(PATH).build(PATH_DATA), reference)


def test_the_causal_analysis_keeps_a_mismeasured_node_as_the_same_node():
    graph = "node z\nnode x\nnode m_se\nnode m ~ Normal(se = m_se)\nnode y ~ Normal\nz -> x -> m -> y\nz -> y\n"
    graph += "observed z, x, m, m_se, y\nestimate m -> y\n"
    spec = dagspec.parse(graph)
    (estimate,) = spec.checked.estimates
    assert set(estimate.adjust) in ({"x"}, {"z"})  # the back door m <- x <- z -> y
    plain = dagspec.parse(graph.replace("(se = m_se)", ""))
    assert estimate.adjust == plain.checked.estimates[0].adjust
    assert set(spec.checked.causal_graph().predecessors("m")) == {"x"}  # the standard errors are not a cause


def test_compile_says_what_is_measured_and_what_is_weighted():
    from dagspec.render.report import compile_report

    spec = dagspec.parse(PATH)
    text = compile_report(spec, spec.plan(PATH_DATA))
    assert "m: measured with error: 24 true values m_true[row]" in text
    assert "from its regression on x" in text
    weighted = _weighted_spec("Normal")
    text = compile_report(weighted, weighted.plan(pd.DataFrame({"x": X, "y": OUTCOMES["Normal"], "w": W})))
    assert "weights w: each row's log-likelihood times its weight" in text


def _run_script(spec, tmp_path, data):
    data_file = tmp_path / "data.csv"
    data.to_csv(data_file, index=False)
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", data=data, output=script))
    saved, sys.argv = sys.argv, [str(script), str(data_file)]
    try:
        return runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved


def test_generated_scripts_build_the_same_model(tmp_path):
    spec = dagspec.parse(PATH)
    generated = _run_script(spec, tmp_path, PATH_DATA)
    _same_log_density(spec.build(PATH_DATA, optimize=False), generated)
    source = spec.to_source("pymc", data=PATH_DATA)
    assert "m_measured = pm.Normal('m', mu=m_true, sigma=m_se, observed=m_obs, dims='__obs__')" in source
    assert "pm.StudentT('m_true'" in spec.to_source("pymc3", data=PATH_DATA)


@pytest.fixture(scope="module")
def measured():
    spec = dagspec.parse(PATH)
    return spec, dagspec.sample(spec, PATH_DATA, draws=150, tune=300, chains=1, cores=1, random_seed=3)


def test_sampling_predictions_prior_draws_checks_and_loo_with_measurement_error(measured):
    spec, idata = measured
    assert idata.posterior["m_true"].dims[-1] == "__obs__"
    from dagspec.render.summary import user_variables

    assert "m_true" in user_variables(idata, spec)
    # new rows have no measurement: m is predicted as its true value, from its regression on x
    new = pd.DataFrame({"z": [0.0, 0.0], "x": [0.0, 1.0]})
    mean = dagspec.predict(spec, idata, new, kind="mean", random_seed=1, data=PATH_DATA).predictions
    post = idata.posterior
    np.testing.assert_allclose(mean["m"].isel(__obs__=1).values, (post["a_m"] + post["bx"]).values, rtol=1e-8)
    expected_y = post["a_y"] + post["bm"] * (post["a_m"] + post["bx"])
    np.testing.assert_allclose(mean["y"].isel(__obs__=1).values, expected_y.values, rtol=1e-8)
    drawn = dagspec.predict(spec, idata, new, kind="outcome", random_seed=1, data=PATH_DATA).predictions
    assert drawn["m"].shape == (1, 150, 2)
    # the fitted rows: new measurements of the fitted true values
    fitted = dagspec.predict(spec, idata, kind="outcome", random_seed=1, data=PATH_DATA).predictions
    assert fitted["m"].shape == (1, 150, N)
    prior = dagspec.sample_prior(spec, PATH_DATA, draws=40, random_seed=1)
    assert prior.prior["m_true"].shape == (1, 40, N) and prior.prior_predictive["m"].shape == (1, 40, N)
    checked = dagspec.posterior_predictive(spec, idata.copy(), PATH_DATA, random_seed=1)
    assert checked.posterior_predictive["m"].sizes["__obs__"] == N
    elpd = dagspec.loo(spec, idata.copy(), PATH_DATA, outcome="y")
    assert np.isfinite(elpd.elpd_loo) and elpd.n_data_points == N
    # do(m = 1): the children read the true values, so setting m sets them
    done = dagspec.do(spec, idata, {"m": 1.0}, data=PATH_DATA, outcomes=["y"], random_seed=1).posterior_predictive
    expected = (post["a_y"] + post["bm"] + post["bz"] * z.mean()).mean().item()
    assert abs(done["y"].mean().item() - expected) < 0.1


# ---- observation weights ----------------------------------------------------------------------------------

W = np.array([1.0, 2.0, 0.5, 0.0, 3.0, 1.5])
X = np.array([0.1, 0.5, -0.3, 1.2, -0.8, 0.4])
OUTCOMES = {
    "Normal": np.array([0.3, 1.4, 0.1, 2.9, -1.2, 0.6]),
    "Bernoulli": np.array([0, 1, 0, 1, 0, 1]),
    "Poisson": np.array([1, 3, 0, 4, 0, 2]),
    "Gamma": np.array([0.3, 1.4, 0.1, 2.9, 0.2, 0.6]),
}


def _weighted_spec(family):
    return dagspec.parse(
        f"node w\nnode y ~ {family}(weights = w)\nx -> y\n"
        "prior y.intercept ~ Normal(0, 1) as a\nprior x -> y ~ Normal(0, 1) as b\nobserved x, y, w"
    )


@pytest.mark.parametrize("family", list(OUTCOMES))
def test_weights_multiply_each_rows_log_likelihood(family):
    y = OUTCOMES[family]
    with pm.Model() as reference:
        a, b = pm.Normal("a", 0, 1), pm.Normal("b", 0, 1)
        eta = a + b * X
        dist = {
            "Normal": lambda: pm.Normal.dist(eta, pm.Exponential("y_sigma", 1)),
            "Bernoulli": lambda: pm.Bernoulli.dist(logit_p=eta),
            "Poisson": lambda: pm.Poisson.dist(pm.math.exp(eta)),
            "Gamma": lambda: (lambda alpha: pm.Gamma.dist(alpha=alpha, beta=alpha / pm.math.exp(eta)))(
                pm.Exponential("y_alpha", 1)
            ),
        }[family]()
        pm.Potential("weighted", (W * pm.logp(dist, y)).sum())
    data = pd.DataFrame({"x": X, "y": y, "w": W})
    spec = _weighted_spec(family)
    _same_log_density(spec.build(data), reference)
    _same_log_density(spec.build(data, optimize=False), reference, seed=1)


def test_weights_in_generated_scripts_and_pymc3_refuses(tmp_path):
    data = pd.DataFrame({"x": X, "y": OUTCOMES["Poisson"], "w": W})
    spec = _weighted_spec("Poisson")
    _same_log_density(spec.build(data), _run_script(spec, tmp_path, data))
    assert "weights * pm.logp(pm.Poisson.dist(mu=mu), value)" in spec.to_source("pymc", data=data)
    with pytest.raises(dagspec.DagspecError) as info:
        spec.to_source("pymc3", data=data)
    assert info.value.diagnostics[0].code == "DS448"


def test_weights_draw_unweighted_rows_and_loo_refuses_them():
    import arviz as az

    data = pd.DataFrame({"x": X, "y": OUTCOMES["Normal"], "w": W})
    spec = _weighted_spec("Normal")
    prior = dagspec.sample_prior(spec, data, draws=100, random_seed=1)
    assert prior.prior_predictive["y"].shape == (1, 100, 6)
    draws = prior.prior_predictive["y"].values[0]
    expected = (prior.prior["a"].values[0, :, None] + prior.prior["b"].values[0, :, None] * X) - draws
    assert abs(np.mean(expected / prior.prior["y_sigma"].values[0, :, None])) < 0.2  # the family's own draws
    idata = az.InferenceData(posterior=prior.prior)  # any draws of the parameters serve: no weight enters them
    checked = dagspec.posterior_predictive(spec, idata.copy(), data, random_seed=1)
    assert checked.posterior_predictive["y"].shape == (1, 100, 6)  # one draw per row, weight 0 or not
    mean = dagspec.predict(spec, idata, pd.DataFrame({"x": [1.0]}), kind="mean").predictions
    np.testing.assert_allclose(mean["y"].values[..., 0], (idata.posterior["a"] + idata.posterior["b"]).values)
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.loo(spec, idata, data)
    assert info.value.diagnostics[0].code == "DS685"


@pytest.mark.parametrize(
    ("weights", "code", "what"),
    [
        ([1.0, -2.0, 1, 1, 1, 1], "DS585", "negative values"),
        ([1.0, np.nan, 1, 1, 1, 1], "DS585", "missing or infinite values"),
        (["1", "two", "1", "1", "1", "1"], "DS585", "values that are not numbers"),
    ],
)
def test_bad_weights_are_errors_naming_the_rows(weights, code, what):
    data = pd.DataFrame({"x": X, "y": OUTCOMES["Normal"], "w": weights})
    with pytest.raises(dagspec.DagspecError) as info:
        _weighted_spec("Normal").build(data)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == code and what in diagnostic.message and "row(s) 1)" in diagnostic.message


def test_standard_errors_must_be_positive():
    data = PATH_DATA.assign(m_se=np.r_[0.0, PATH_DATA["m_se"].to_numpy()[1:]])
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(PATH).build(data)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "DS586" and "not positive" in diagnostic.message


def test_loo_integrates_out_the_true_values_of_a_measured_node_nothing_reads():
    import arviz as az
    from scipy import stats

    data = pd.DataFrame({"x": X, "y": OUTCOMES["Normal"], "s": np.linspace(0.2, 0.7, 6)})
    spec = dagspec.parse("node s\nnode y ~ Normal(se = s)\nx -> y\nobserved x, y, s")
    rng = np.random.default_rng(4)
    draws = {"y_intercept": rng.normal(size=(1, 20)), "b_x_y": rng.normal(size=(1, 20))}
    draws["y_sigma"] = rng.exponential(size=(1, 20))
    draws["y_true"] = rng.normal(size=(1, 20, 6))  # not read: the measurement is integrated over it
    idata = dagspec.log_likelihood(spec, az.from_dict(posterior=draws), data)
    mu = draws["y_intercept"][..., None] + draws["b_x_y"][..., None] * X
    scale = np.sqrt(draws["y_sigma"][..., None] ** 2 + data["s"].to_numpy() ** 2)
    expected = stats.norm.logpdf(OUTCOMES["Normal"], mu, scale)
    np.testing.assert_allclose(idata.log_likelihood["y"].values, expected, rtol=1e-10)
