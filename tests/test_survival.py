"""Durations with censoring and truncation: Exponential, Weibull, Gamma and LogNormal outcomes with `censored =
column` (right, left and interval codes, `upper = column`) and any outcome with `truncated = [lower, upper]` compile
to exactly the hand-written PyMC model (equal log densities at random points); the codes, intervals and bounds are
checked against the data; codegen writes each construct for PyMC and refuses PyMC3 with a code; predictions give
the (truncated) mean time, survival curves and median times for every duration family."""

import runpy
import sys

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest
from logp_support import assert_same_log_density

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


def _bounds():
    t = DATA["t"].to_numpy()
    return np.where(CODES == -1, t, -np.inf), np.where(CODES == 1, t, np.inf)


@pytest.mark.parametrize("family", ["Exponential", "Weibull", "Gamma", "LogNormal"])
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
        eta = a + bx * DATA["x"].to_numpy() + bg[(DATA["g"] == "b").to_numpy().astype(int)]
        dist = _reference_dist(family, pm.math.exp(eta), eta)
        pm.Censored("t", dist, lower=lower, upper=upper, observed=DATA["t"].to_numpy())
    # PyMC's normal log cdf (LogNormal's) differs from its own log ccdf by up to 1e-8 (scipy's is between)
    assert_same_log_density(
        spec.build(DATA, optimize=False), reference, spread=0.5, rel=1e-7 if family == "LogNormal" else 1e-9
    )


def _reference_dist(family, mu, eta):
    """The family as the user would write it in PyMC, from its mean (or, for LogNormal, the linear predictor)."""
    if family == "Exponential":
        return pm.Exponential.dist(lam=1 / mu)
    if family == "LogNormal":  # mu on the log scale: the linear predictor itself (identity link)
        return pm.LogNormal.dist(mu=eta, sigma=pm.Exponential("t_sigma", 1))
    alpha = pm.Exponential("t_alpha", 1)
    if family == "Weibull":
        return pm.Weibull.dist(alpha=alpha, beta=mu / pt.gamma(1 + 1 / alpha))
    return pm.Gamma.dist(alpha=alpha, beta=alpha / mu)


def test_only_duration_outcomes_are_censored():
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
    bad = DATA.assign(status=DATA["status"].replace({"left": "censored"}))
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build(bad)
    assert [d.code for d in info.value.diagnostics] == ["DS536"]
    assert "'censored'" in info.value.diagnostics[0].message
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build(DATA.assign(status=np.where(CODES == 1, 3, 0)))
    assert [d.code for d in info.value.diagnostics] == ["DS536"]


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


# ---- interval censoring --------------------------------------------------------------------------------------

INTERVAL = pd.DataFrame(
    {
        "x": RNG.normal(size=40),
        "t": RNG.exponential(2.0, 40).round(2) + 0.05,
        "status": RNG.choice(["none", "right", "left", "interval"], 40),
    }
)
INTERVAL["t_end"] = np.where(INTERVAL["status"] == "interval", INTERVAL["t"] + RNG.exponential(1.0, 40) + 0.1, np.nan)


@pytest.mark.parametrize("family", ["Exponential", "Weibull", "Gamma", "LogNormal"])
def test_interval_censored_durations_are_the_hand_written_likelihood(family):
    """Each row's term from PyMC's own log density and log cdf: log(F(upper) - F(t)) for an interval."""
    spec = dagspec.parse(f"""
node status
node t_end
node t ~ {family}(censored = status, upper = t_end)
x -> t
observed x, t, status, t_end
prior t.intercept ~ Normal(0.5, 1) as a
prior x -> t ~ Normal(0, 0.5) as bx
""")
    t, codes = INTERVAL["t"].to_numpy(), INTERVAL["status"].map({"none": 0, "right": 1, "left": -1, "interval": 2})
    upper = INTERVAL["t_end"].fillna(1.0).to_numpy()
    with pm.Model() as reference:
        eta = pm.Normal("a", 0.5, 1) + pm.Normal("bx", 0, 0.5) * INTERVAL["x"].to_numpy()
        dist = _reference_dist(family, pm.math.exp(eta), eta)
        log_cdf, log_cdf_upper = pm.logcdf(dist, t), pm.logcdf(dist, upper)
        terms = {
            0: pm.logp(dist, t),
            1: pt.log(1 - pt.exp(log_cdf)),
            -1: log_cdf,
            2: pt.log(pt.exp(log_cdf_upper) - pt.exp(log_cdf)),
        }
        pm.Potential("t", sum(pt.switch(pt.eq(codes.to_numpy(), c), term, 0.0) for c, term in terms.items()).sum())
    assert_same_log_density(spec.build(INTERVAL, optimize=False), reference, spread=0.5, rel=1e-7)


def _interval_spec(family="Weibull", upper="upper = t_end"):
    return dagspec.parse(
        f"node status\nnode t_end\nnode t ~ {family}(censored = status, {upper})\nx -> t\nobserved x, t, status, t_end"
    )


def test_interval_rows_need_an_upper_end_above_their_lower_end():
    interval = (INTERVAL["status"] == "interval").to_numpy()
    first = np.flatnonzero(interval)[0]
    cases = {
        "DS560": INTERVAL.assign(t_end=INTERVAL["t_end"].where(np.arange(40) != first)),
        "DS561": INTERVAL.assign(t_end=np.where(np.arange(40) == first, INTERVAL["t"] - 0.01, INTERVAL["t_end"])),
    }
    for code, data in cases.items():
        with pytest.raises(dagspec.DagspecError) as info:
            _interval_spec().build(data)
        assert [d.code for d in info.value.diagnostics] == [code]
        assert f"row(s) {first}" in info.value.diagnostics[0].message
    spec = dagspec.parse("node status\nnode t ~ Gamma(censored = status)\nx -> t\nobserved x, t, status")
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build(INTERVAL)
    assert [d.code for d in info.value.diagnostics] == ["DS560"]
    assert "upper = t_upper" in info.value.diagnostics[0].hint


def test_negative_durations_are_an_error():
    with pytest.raises(dagspec.DagspecError) as info:
        _interval_spec().build(INTERVAL.assign(t=-INTERVAL["t"]))
    assert [d.code for d in info.value.diagnostics] == ["DS508"]
    assert "negative time" in info.value.diagnostics[0].hint


# ---- truncation ---------------------------------------------------------------------------------------------

TRUNCATED = {  # family: its bounds, and data inside them
    "Normal": ("[0, 10]", lambda: RNG.uniform(0.1, 9.9, 30)),
    "StudentT": ("[-2, none]", lambda: RNG.normal(0, 1, 30).clip(-1.9)),
    "LogNormal": ("[none, 20]", lambda: RNG.lognormal(0, 1, 30).clip(max=19)),
    "Gamma": ("[1, none]", lambda: 1 + RNG.exponential(1, 30)),
    "Beta": ("[0.1, 0.9]", lambda: RNG.uniform(0.15, 0.85, 30)),
    "Exponential": ("[0, 5]", lambda: RNG.uniform(0.01, 4.9, 30)),
    "Weibull": ("[0.5, none]", lambda: 0.5 + RNG.exponential(1, 30)),
    "Poisson": ("[1, none]", lambda: RNG.integers(1, 8, 30)),
    "NegativeBinomial": ("[1, 20]", lambda: RNG.integers(1, 20, 30)),
    "Binomial": ("[1, 10]", lambda: RNG.integers(1, 11, 30)),
}


def _truncation_reference(family, eta):
    exp, aux = pm.math.exp(eta), pm.Exponential
    if family in ("Normal", "LogNormal"):
        return getattr(pm, family).dist(mu=eta, sigma=aux("y_sigma", 1))
    if family == "StudentT":
        return pm.StudentT.dist(mu=eta, sigma=aux("y_sigma", 1), nu=pm.Gamma("y_nu", 2, 0.1))
    if family == "Gamma":
        alpha = aux("y_alpha", 1)
        return pm.Gamma.dist(alpha=alpha, beta=alpha / exp)
    if family == "Beta":
        kappa, mean = aux("y_kappa", 0.1), pm.math.invlogit(eta)
        return pm.Beta.dist(alpha=mean * kappa, beta=(1 - mean) * kappa)
    if family == "Exponential":
        return pm.Exponential.dist(lam=1 / exp)
    if family == "Weibull":
        alpha = aux("y_alpha", 1)
        return pm.Weibull.dist(alpha=alpha, beta=exp / pt.gamma(1 + 1 / alpha))
    if family == "Poisson":
        return pm.Poisson.dist(mu=exp)
    if family == "NegativeBinomial":
        return pm.NegativeBinomial.dist(mu=exp, alpha=aux("y_alpha", 1))
    return pm.Binomial.dist(n=10, logit_p=eta)


@pytest.mark.parametrize("family", list(TRUNCATED))
def test_truncated_outcomes_are_the_hand_written_model(family):
    bounds, values = TRUNCATED[family]
    y = values()
    data = pd.DataFrame({"x": RNG.normal(size=30), "y": y})
    trials = "n = 10, " if family == "Binomial" else ""
    spec = dagspec.parse(f"node y ~ {family}({trials}truncated = {bounds})\nx -> y\nobserved x, y")
    lower, upper = (None if b.strip() == "none" else float(b) for b in bounds.strip("[]").split(","))
    with pm.Model() as reference:
        eta = pm.Normal("y_intercept", 0, 10) + pm.Normal("b_x_y", 0, 10) * data["x"].to_numpy()
        pm.Truncated("y", _truncation_reference(family, eta), lower=lower, upper=upper, observed=y)
    assert_same_log_density(spec.build(data, optimize=False), reference, spread=0.3, rel=1e-8)


@pytest.mark.parametrize("family", list(TRUNCATED))
def test_the_mean_of_a_truncated_outcome_is_exact(family):
    """E[y | bounds] against numerical integration (or a sum) of y times the truncated density."""
    from scipy import integrate, stats

    from dagspec.backends.truncation import truncated_mean

    params = {
        "Normal": ({"mu": 1.0, "sigma": 2.0}, stats.norm(1.0, 2.0)),
        "StudentT": ({"mu": 1.0, "sigma": 2.0, "nu": 3.0}, stats.t(3.0, 1.0, 2.0)),
        "LogNormal": ({"mu": 0.5, "sigma": 0.8}, stats.lognorm(0.8, scale=np.exp(0.5))),
        "Gamma": ({"alpha": 2.5, "beta": 0.7}, stats.gamma(2.5, scale=1 / 0.7)),
        "Beta": ({"alpha": 2.0, "beta": 3.0}, stats.beta(2.0, 3.0)),
        "Exponential": ({"lam": 0.4}, stats.expon(scale=2.5)),
        "Weibull": ({"alpha": 1.7, "beta": 2.0}, stats.weibull_min(1.7, scale=2.0)),
        "Poisson": ({"mu": 3.5}, stats.poisson(3.5)),
        "NegativeBinomial": ({"mu": 3.5, "alpha": 2.0}, stats.nbinom(2.0, 2.0 / 5.5)),
        "Binomial": ({"n": 10, "p": 0.3}, stats.binom(10, 0.3)),
    }
    kwargs, reference = params[family]
    bounds = {"Beta": [(0.1, 0.9), (None, 0.5)], "Binomial": [(1, None), (2, 6)]}.get(
        family,
        [(1.0, 7.0), (2.0, None), (None, 3.0)] if family not in ("Normal", "StudentT") else [(-1.0, 2.0), (0.0, None)],
    )
    for lower, upper in bounds:
        ours = truncated_mean(family, kwargs, lower, upper).eval()
        low = reference.support()[0] if lower is None else lower
        high = reference.support()[1] if upper is None else upper
        if family in ("Poisson", "NegativeBinomial", "Binomial"):
            k = np.arange(int(low), int(min(high, 400)) + 1)
            expected = np.sum(k * reference.pmf(k)) / np.sum(reference.pmf(k))
        else:
            mass = integrate.quad(reference.pdf, low, high)[0]
            expected = integrate.quad(lambda v: v * reference.pdf(v), low, high)[0] / mass
        assert ours == pytest.approx(expected, rel=1e-6), (lower, upper)


def test_truncation_is_checked_against_the_data_and_the_family():
    spec = dagspec.parse("node y ~ Normal(truncated = [0, 10])\nx -> y\nobserved x, y")
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build({"x": [1.0, 2.0, 3.0], "y": [1.0, 12.0, -1.0]})
    assert [d.code for d in info.value.diagnostics] == ["DS562"]
    assert "row(s) 1, 2" in info.value.diagnostics[0].message and "[0, 10]" in info.value.diagnostics[0].message
    for text, code in [
        ("node y ~ Bernoulli(truncated = [0, 1])", "DS471"),
        ("node y ~ Normal(truncated = [10, 0])", "DS472"),
        ("node y ~ Normal(truncated = [none, none])", "DS472"),
        ("node y ~ Normal(truncated = 5)", "DS472"),
        ("node y ~ Poisson(truncated = [0.5, 3])", "DS472"),
        ("node y ~ Normal(truncated = [0, 1], missing = impute)", "DS471"),
        ("node c\nnode y ~ Weibull(truncated = [0, 1], censored = c)\nobserved c", "DS471"),
        ("node u\nnode y ~ Weibull(upper = u)\nobserved u", "DS470"),
        ("node c\nnode y ~ Weibull(censored = c, upper = u)\nobserved c", "DS473"),
    ]:
        with pytest.raises(dagspec.DagspecError) as info:
            dagspec.parse(text + "\nobserved y")
        assert code in [d.code for d in info.value.diagnostics], text


# ---- survival curves and medians ----------------------------------------------------------------------------


def _scipy_duration(family, mu, shape):
    """The family at one draw as scipy has it (mu: the mean, or for LogNormal the mean of log t)."""
    from scipy import special, stats

    if family == "Exponential":
        return stats.expon(scale=mu)
    if family == "Weibull":
        return stats.weibull_min(shape, scale=mu / special.gamma(1 + 1 / shape))
    if family == "Gamma":
        return stats.gamma(shape, scale=mu / shape)
    return stats.lognorm(shape, scale=np.exp(mu))


@pytest.mark.parametrize("family", ["Exponential", "Weibull", "Gamma", "LogNormal"])
@pytest.mark.parametrize("truncated", ["", ", truncated = [0.5, 8]"])
def test_survival_curves_and_medians_of_every_duration_family(family, truncated):
    """From a made-up posterior: S(t) and the median per draw and new row against scipy's distributions."""
    import arviz as az

    link = "identity" if family == "LogNormal" else "log"  # LogNormal's mu is on the log scale already
    spec = dagspec.parse(f"node t ~ {family}(link = {link}{truncated})\nx -> t\nobserved x, t")
    rng = np.random.default_rng(5)
    shape_name = {"Exponential": None, "LogNormal": "t_sigma"}.get(family, "t_alpha")
    posterior = {"t_intercept": rng.normal(0.8, 0.2, (1, 5)), "b_x_t": rng.normal(0.3, 0.1, (1, 5))}
    if shape_name:
        posterior[shape_name] = rng.uniform(0.6, 2.0, (1, 5))
    idata = az.from_dict(posterior=posterior)
    times = [0.3, 1.0, 4.0, 9.0]
    curves = dagspec.survival(spec, idata, pd.DataFrame({"x": [0.0, 1.5]}), times=times)
    assert curves["survival"].shape == (1, 5, 2, 4) and curves["median"].shape == (1, 5, 2)
    for draw in range(5):
        for row, x in enumerate([0.0, 1.5]):
            eta = posterior["t_intercept"][0, draw] + posterior["b_x_t"][0, draw] * x
            shape = posterior[shape_name][0, draw] if shape_name else None
            dist = _scipy_duration(family, eta if family == "LogNormal" else np.exp(eta), shape)
            survival, median = dist.sf(np.array(times)), dist.median()
            if truncated:
                above, beyond = dist.sf(0.5), dist.sf(8.0)
                survival = ((survival - beyond) / (above - beyond)).clip(0, 1)
                median = dist.isf((above + beyond) / 2)
            np.testing.assert_allclose(curves["survival"].values[0, draw, row], survival, rtol=1e-8, atol=1e-12)
            assert curves["median"].values[0, draw, row] == pytest.approx(median, rel=1e-8)


@pytest.mark.parametrize(
    "text",
    [
        "node status\nnode t_end\nnode t ~ Gamma(censored = status, upper = t_end)\nx -> t\nobserved x, t, status, t_end",
        "node t ~ LogNormal(truncated = [0, 30])\nx -> t\nobserved x, t",
        "node status\nnode t ~ LogNormal(censored = status)\nobserved t, status",
    ],
    ids=["gamma-interval", "lognormal-truncated", "lognormal-censored-no-predictor"],
)
def test_prior_posterior_predictions_ppc_and_loo_of_the_new_constructs(text):
    spec = dagspec.parse(text)
    data = INTERVAL.assign(t=INTERVAL["t"].clip(upper=29))
    if "upper" not in text:
        data["status"] = data["status"].replace({"interval": "right"})
    prior = dagspec.sample_prior(spec, data, draws=20, random_seed=1)
    assert prior.prior_predictive["t"].shape == (1, 20, 40)
    assert np.all(prior.prior_predictive["t"].values >= 0)  # Normal(0, 10) priors: some underflow to 0
    idata = dagspec.sample(spec, data, draws=60, tune=60, chains=1, cores=1, random_seed=4)
    draws = idata.posterior_predictive["t"] if "posterior_predictive" in idata.groups() else None
    ppc = dagspec.posterior_predictive(spec, idata, data, random_seed=1).posterior_predictive["t"]
    assert ppc.shape == (1, 60, 40) and np.all(ppc.values > 0)
    assert draws is None or draws.shape == ppc.shape
    if "censored" in text:  # right-censored rows replicate as min(T, t), left-censored ones as max(T, t)
        codes = data["status"].to_numpy()
        assert np.all(ppc.values[..., codes == "right"] <= data["t"].to_numpy()[codes == "right"])
        assert np.all(ppc.values[..., codes == "left"] >= data["t"].to_numpy()[codes == "left"])
    else:
        assert ppc.values.max() <= 30
    assert np.isfinite(dagspec.loo(spec, idata.copy(), data).elpd_loo)
    new = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    mean = dagspec.predict(spec, idata, new, kind="mean", random_seed=1).predictions["t"]
    outcome = dagspec.predict(spec, idata, new, kind="outcome", random_seed=1).predictions["t"]
    assert mean.shape == outcome.shape == (1, 60, 3)
    assert np.all(mean.values > 0) and np.all(outcome.values > 0)
    curves = dagspec.survival(spec, idata, new, times=[1.0, 2.0])
    assert curves["survival"].shape == (1, 60, 3, 2)
    assert np.all(np.diff(curves["survival"].values, axis=-1) <= 0)


# ---- generated scripts ------------------------------------------------------------------------------------------


def _run_script(spec, data, tmp_path):
    data_file, script = tmp_path / "data.csv", tmp_path / "model.py"
    data.to_csv(data_file, index=False)
    script.write_text(spec.to_source("pymc", data=data, output=script))
    saved, sys.argv = sys.argv, [str(script), str(data_file)]
    try:
        return runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved


@pytest.mark.parametrize(
    "text",
    [
        "node status\nnode t_end\nnode t ~ Gamma(censored = status, upper = t_end)\nx -> t\nobserved x, t, status, t_end",
        "node status\nnode t_end\nnode t ~ LogNormal(censored = status, upper = t_end)\nobserved t, status, t_end",
        "node status\nnode t ~ Exponential(censored = status)\nx -> t\nobserved x, t, status",
        "node status\nnode t ~ Weibull(censored = status)\nx -> t\nobserved x, t, status",
        "node t ~ Weibull(truncated = [0.5, none])\nx -> t\nobserved x, t",
        "node n ~ Poisson(truncated = [1, 12])\nx -> n\nobserved x, n",
    ],
)
def test_generated_scripts_write_censoring_and_truncation_exactly(text, tmp_path):
    data = INTERVAL.assign(t=INTERVAL["t"] + 0.5, t_end=INTERVAL["t_end"] + 0.5, n=RNG.integers(1, 13, 40))
    if "upper" not in text:
        data["status"] = data["status"].replace({"interval": "left"})
    spec = dagspec.parse(text)
    generated = _run_script(spec, data, tmp_path)
    assert_same_log_density(spec.build(data, optimize=False), generated, spread=0.3)
    with pytest.raises(dagspec.DagspecError) as info:
        spec.to_source("pymc3", data=data)
    assert [d.code for d in info.value.diagnostics] == ["DS448"]
    assert ("truncated" if "truncated" in text else "censored") in info.value.diagnostics[0].message


def test_a_generated_script_refuses_censoring_codes_it_does_not_know(tmp_path):
    """The spec was checked against one data file; the script may be run on another whose codes are new."""
    spec = dagspec.parse("node status\nnode t ~ Exponential(censored = status)\nobserved t, status")
    data = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "status": ["none", "right", "none", "left"]})
    data_file, script = tmp_path / "data.csv", tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", data=data, output=script))
    for bad in (["none", "right", "lost", "left"], [0, 1, 3, -1]):
        data.assign(status=bad).to_csv(data_file, index=False)
        saved, sys.argv = sys.argv, [str(script), str(data_file)]
        try:
            with pytest.raises(ValueError, match="censoring codes other than .* rows \\[2\\]"):
                runpy.run_path(str(script), run_name="generated")
        finally:
            sys.argv = saved


def test_optimizations_leave_truncated_likelihoods_whole():
    """Sufficient statistics, collapsed cells and closed-form posteriors assume the family's own density on every
    row: a truncated Normal or Binomial keeps its likelihood (and its truncation) through the passes."""
    from dagspec.optimize.exact import exact_draws
    from dagspec.plan import LikelihoodVar

    rows = 60
    cases = [
        ("node y ~ Normal(truncated = [0, none])\nx -> y\nobserved x, y", {"x": RNG.normal(size=rows)}),
        (
            "node g : categorical\nnode y ~ Binomial(n = 10, truncated = [1, 10])\ng -> y\nobserved g, y",
            {"g": RNG.choice(["a", "b"], rows)},
        ),
    ]
    for text, columns in cases:
        data = pd.DataFrame({**columns, "y": RNG.integers(1, 10, rows).astype(float)})
        plan = dagspec.parse(text).plan(data)
        (likelihood,) = [e for e in plan.entries if isinstance(e, LikelihoodVar)]
        assert likelihood.truncation is not None and len(plan.coords["__obs__"]) == rows
        assert exact_draws(dagspec.parse(text).plan(data, optimize=False)) is None
