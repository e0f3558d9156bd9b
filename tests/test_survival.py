"""Durations with censoring: Exponential and Weibull outcomes (a log link on the mean) and `censored = column`
compile to exactly the hand-written pm.Censored model (equal log densities at random points); the censoring codes
are checked; codegen writes pm.Censored for PyMC and refuses PyMC3 with a code; predictions give the mean time."""

import runpy
import sys

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest

import dagspec

RNG = np.random.default_rng(16)
N = 50
DATA = pd.DataFrame(
    {
        "x": RNG.normal(size=N),
        "g": RNG.choice(["a", "b"], N),
        "t": RNG.exponential(3.0, N).round(2) + 0.01,
        "status": RNG.choice(["none", "right", "left", "none"], N),
    }
)
CODES = DATA["status"].map({"none": 0, "right": 1, "left": -1}).to_numpy()


def _same_log_density(ours, theirs, seed=0):
    assert sorted(ours.initial_point()) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(seed)
    for _ in range(6):
        point = {k: v + rng.normal(0, 0.5, np.shape(v)) for k, v in theirs.initial_point().items()}
        expected = theirs_logp(point)
        assert np.isfinite(expected)
        assert ours_logp(point) == pytest.approx(expected, rel=1e-9)


def _bounds():
    t = DATA["t"].to_numpy()
    return np.where(CODES == -1, t, -np.inf), np.where(CODES == 1, t, np.inf)


@pytest.mark.parametrize("family", ["Exponential", "Weibull"])
def test_censored_durations_are_the_hand_written_model(family):
    spec = dagspec.parse(f"""
node status
node g : categorical
node t ~ {family}(censored = status)
x, g -> t
observed x, g, t, status
prior t.intercept ~ Normal(1, 1) as a
prior x -> t ~ Normal(0, 0.5) as bx
prior g -> t ~ Normal(0, 0.5) as bg
""")
    lower, upper = _bounds()
    with pm.Model(coords={"g": ["a", "b"]}) as reference:
        a = pm.Normal("a", 1, 1)
        bx = pm.Normal("bx", 0, 0.5)
        bg = pm.Normal("bg", 0, 0.5, dims="g")
        mu = pm.math.exp(a + bx * DATA["x"].to_numpy() + bg[(DATA["g"] == "b").to_numpy().astype(int)])
        if family == "Exponential":
            dist = pm.Exponential.dist(lam=1 / mu)
        else:
            alpha = pm.Exponential("t_alpha", 1)
            dist = pm.Weibull.dist(alpha=alpha, beta=mu / pt.gamma(1 + 1 / alpha))
        pm.Censored("t", dist, lower=lower, upper=upper, observed=DATA["t"].to_numpy())
    _same_log_density(spec.build(DATA, optimize=False), reference)


def test_only_exponential_and_weibull_outcomes_are_censored():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("node c\nnode t ~ Normal(censored = c)\nobserved t, c")
    assert [d.code for d in info.value.diagnostics] == ["DS446"]


def test_numeric_codes_and_a_comparison_censor_too():
    spec = dagspec.parse('node c\nnode t ~ Exponential(censored = c)\nx -> t\nobserved x, t, c = status != "none"')
    right = (DATA["status"] != "none").to_numpy()
    model = spec.build(DATA, optimize=False)
    mu = np.exp(0.3 + 0.2 * DATA["x"].to_numpy())
    t = DATA["t"].to_numpy()
    point = {"t_intercept": np.array(0.3), "b_x_t": np.array(0.2)}
    expected = np.sum(np.where(right, -t / mu, -np.log(mu) - t / mu)) + 2 * (-0.5 * np.log(2 * np.pi * 100))
    expected -= 0.5 * (0.3**2 + 0.2**2) / 100
    assert model.compile_logp()(point) == pytest.approx(expected, rel=1e-8)


def test_far_right_censored_times_stay_finite():
    """log S(t) = -t / mu in closed form: pm.Censored's logccdf underflows to -inf beyond about 745 means."""
    spec = dagspec.parse(
        "node c\nnode t ~ Exponential(censored = c, intercept = none)\nobserved t = [1000.0, 2.0], c = [1, 0]"
    )
    assert spec.build().compile_logp()({}) == pytest.approx(-1000.0 - 2.0)


def test_unknown_censoring_codes_are_an_error():
    spec = dagspec.parse("node status\nnode t ~ Exponential(censored = status)\nobserved t, status")
    bad = DATA.assign(status=DATA["status"].replace({"left": "interval"}))
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build(bad)
    assert [d.code for d in info.value.diagnostics] == ["DS536"]
    assert "'interval'" in info.value.diagnostics[0].message


def test_generated_script_writes_pm_censored_and_pymc3_refuses(tmp_path):
    spec = dagspec.parse("node status\nnode t ~ Weibull(censored = status)\nx -> t\nobserved x, t, status")
    data_file = tmp_path / "data.csv"
    DATA.to_csv(data_file, index=False)
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", data=DATA, output=script))
    saved, sys.argv = sys.argv, [str(script), str(data_file)]
    try:
        generated = runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved
    _same_log_density(spec.build(DATA, optimize=False), generated)
    with pytest.raises(dagspec.DagspecError) as info:
        spec.to_source("pymc3", data=DATA)
    assert [d.code for d in info.value.diagnostics] == ["DS448"]


def test_predictions_give_the_mean_time_without_the_censoring_column():
    spec = dagspec.parse("node status\nnode t ~ Exponential(censored = status)\nx -> t\nobserved x, t, status")
    idata = dagspec.sample(spec, DATA, draws=100, tune=200, chains=2, cores=1, random_seed=2)
    new = pd.DataFrame({"x": [0.0, 1.0]})
    mean = dagspec.predict(spec, idata, new, kind="mean", random_seed=1).predictions["t"]
    expected = np.exp(idata.posterior["t_intercept"] + idata.posterior["b_x_t"])
    np.testing.assert_allclose(mean.isel(__obs__=1).values, expected.values, rtol=1e-8)
    draws = dagspec.predict(spec, idata, new, kind="outcome", random_seed=1).predictions["t"]
    assert np.all(draws.values > 0)
    elpd = dagspec.loo(spec, idata.copy(), DATA)
    assert np.isfinite(elpd.elpd_loo)
    curves = dagspec.survival(spec, idata, new, times=[1.0, 5.0])
    np.testing.assert_allclose(
        curves["survival"].isel(__obs__=1).sel(time=5.0).values, np.exp(-5.0 / expected.values), rtol=1e-8
    )
    np.testing.assert_allclose(curves["median"].isel(__obs__=1).values, expected.values * np.log(2), rtol=1e-8)


def test_weibull_survival_curves_and_medians():
    spec = dagspec.parse("node status\nnode t ~ Weibull(censored = status)\nobserved t, status")
    idata = dagspec.sample(spec, DATA, draws=50, tune=100, chains=1, cores=1, random_seed=3)
    curves = dagspec.survival(spec, idata, pd.DataFrame({"t": [0.0]}).iloc[:, :0].assign(k=[0]), times=[2.0])
    alpha, mu = idata.posterior["t_alpha"].values, np.exp(idata.posterior["t_intercept"].values)
    from scipy import special

    beta = mu / np.exp(special.gammaln(1 + 1 / alpha))
    np.testing.assert_allclose(curves["survival"].values[..., 0, 0], np.exp(-((2.0 / beta) ** alpha)), rtol=1e-8)
    np.testing.assert_allclose(curves["median"].values[..., 0], beta * np.log(2) ** (1 / alpha), rtol=1e-8)
