"""Distributional models (`x -> y.sigma`), zero-inflated and hurdle families, beta-binomial and categorical
outcomes: each spec compiles to exactly the hand-written PyMC model (equal log densities at random points), the
generated script builds the same model, and predictions, prior draws, predictive checks and LOO handle them."""

import runpy
import sys

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest
from logp_support import assert_same_log_density

import dagspec
from dagspec.diagnostics import DagspecError

RNG = np.random.default_rng(15)
N = 40
X = RNG.normal(size=N)
G = RNG.choice(["a", "b", "c"], N)
COUNTS = np.where(RNG.random(N) < 0.3, 0, RNG.poisson(np.exp(0.5 + 0.3 * X)))
DATA = pd.DataFrame(
    {
        "x": X,
        "g": G,
        "y": RNG.normal(size=N) * np.exp(0.4 * X),
        "count": COUNTS,
        "trials": COUNTS + RNG.integers(1, 8, N),
        "share": RNG.beta(2, 3, N),
        "amount": np.where(RNG.random(N) < 0.3, 0.0, RNG.gamma(2.0, 1.5, N)),
        "choice": RNG.choice(["bus", "car", "walk"], N),
    }
)
GROUPS = ["a", "b", "c"]
G_CODES = pd.Categorical(G, categories=GROUPS).codes


def _same_log_density(ours, theirs, seed=0):
    assert_same_log_density(ours, theirs, seed, points=3, spread=0.5)


def _errors(text: str) -> list[str]:
    with pytest.raises(DagspecError) as raised:
        spec = dagspec.parse(text)
        spec.build(DATA)
    return [d.code for d in raised.value.diagnostics]


# ---- distributional regression ----------------------------------------------------------------------------------

SIGMA_SPEC = """
node g : categorical
node y ~ Normal
x -> y
x -> y.sigma
g -> y.sigma
observed x, y, g
tau ~ Exponential(1)
prior x -> y.sigma ~ Normal(0, 1) as b_sigma
prior g -> y.sigma ~ Normal(0, tau)
prior y.sigma.intercept ~ Normal(0, 1)
"""


def test_edges_into_sigma_give_it_a_log_linear_predictor_with_a_pool():
    spec = dagspec.parse(SIGMA_SPEC)
    assert list(spec.checked.params) == [
        "y.intercept",
        "x -> y",
        "y.sigma.intercept",
        "x -> y.sigma",
        "g -> y.sigma",
    ]
    with pm.Model(coords={"g": GROUPS}) as reference:
        tau = pm.Exponential("tau", 1)
        a = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b_x_y", 0, 10)
        s0 = pm.Normal("y_sigma_intercept", 0, 1)
        bs = pm.Normal("b_sigma", 0, 1)
        gs = pm.Normal("b_g_y_sigma", 0, tau, dims="g")
        sigma = pt.exp(s0 + bs * X + gs[G_CODES])
        pm.Normal("y", a + b * X, sigma, observed=DATA["y"].to_numpy())
    _same_log_density(spec.build(DATA, optimize=False), reference)


@pytest.mark.parametrize(
    ("family", "dpar", "column", "reference"),
    [
        ("NegativeBinomial", "alpha", "count", lambda mu, d: pm.NegativeBinomial("y", mu=mu, alpha=d, observed=COUNTS)),
        (
            "Beta",
            "kappa",
            "share",
            lambda mu, d: pm.Beta("y", alpha=mu * d, beta=(1 - mu) * d, observed=DATA["share"].to_numpy()),
        ),
        ("StudentT", "nu", "y", None),
    ],
)
def test_every_positive_auxiliary_parameter_takes_edges_through_a_log_link(family, dpar, column, reference):
    spec = dagspec.parse(f"""
node y ~ {family}
x -> y
x -> y.{dpar}
observed x, y = "{column}"
""")
    link = {"NegativeBinomial": pt.exp, "Beta": pm.math.invlogit, "StudentT": lambda e: e}[family]
    with pm.Model() as model:
        a = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b_x_y", 0, 10)
        d0 = pm.Normal(f"y_{dpar}_intercept", 0, 2.5)
        d1 = pm.Normal(f"b_x_y_{dpar}", 0, 2.5)
        value = pt.exp(d0 + d1 * X)
        if family == "StudentT":
            sigma = pm.Exponential("y_sigma", 1)
            pm.StudentT("y", nu=value, mu=a + b * X, sigma=sigma, observed=DATA["y"].to_numpy())
        else:
            reference(link(a + b * X), value)
    _same_log_density(spec.build(DATA, optimize=False), model)


def test_compile_shows_the_generated_parameters_of_a_distributional_model():
    spec = dagspec.parse(SIGMA_SPEC)
    from dagspec.render.report import compile_report

    text = compile_report(spec, spec.plan(DATA))
    assert "y.sigma.intercept  y_sigma_intercept  Normal(0, 1)" in text
    assert "g -> y.sigma       b_g_y_sigma        Normal(0, tau)" in text
    assert "sigma = exp(y_sigma_intercept + b_sigma * x + b_g_y_sigma[g])" in text
    assert "sigma link log (per row: y_sigma)" in text


# ---- zero-inflated and hurdle families -------------------------------------------------------------------------

ZERO_MODELS = {
    "ZeroInflatedPoisson": (
        "zi",
        "count",
        lambda zero, mu, s: pm.ZeroInflatedPoisson("y", psi=1 - zero, mu=mu, observed=COUNTS),
    ),
    "ZeroInflatedNegativeBinomial": (
        "zi",
        "count",
        lambda zero, mu, s: pm.ZeroInflatedNegativeBinomial("y", psi=1 - zero, mu=mu, alpha=s, observed=COUNTS),
    ),
    "HurdlePoisson": ("hu", "count", lambda zero, mu, s: pm.HurdlePoisson("y", psi=1 - zero, mu=mu, observed=COUNTS)),
    "HurdleNegativeBinomial": (
        "hu",
        "count",
        lambda zero, mu, s: pm.HurdleNegativeBinomial("y", psi=1 - zero, mu=mu, alpha=s, observed=COUNTS),
    ),
    "HurdleGamma": (
        "hu",
        "amount",
        lambda zero, mu, s: pm.HurdleGamma("y", psi=1 - zero, alpha=s, beta=s / mu, observed=DATA["amount"].to_numpy()),
    ),
    "HurdleLogNormal": (
        "hu",
        "amount",
        lambda zero, mu, s: pm.HurdleLogNormal(
            "y", psi=1 - zero, mu=pt.log(mu), sigma=s, observed=DATA["amount"].to_numpy()
        ),
    ),
}


@pytest.mark.parametrize("family", list(ZERO_MODELS))
def test_zero_models_with_edges_into_their_zero_probability(family):
    zero, column, likelihood = ZERO_MODELS[family]
    spec = dagspec.parse(f"""
node g : categorical
node y ~ {family}
x -> y
g -> y.{zero}
observed x, g, y = "{column}"
prior y.{zero}.intercept ~ Normal(-1, 1)
""")
    other = {"HurdleLogNormal": "sigma"}.get(family, "alpha")
    log_link = family != "HurdleLogNormal"
    with pm.Model(coords={"g": GROUPS}) as reference:
        a = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b_x_y", 0, 10)
        z0 = pm.Normal(f"y_{zero}_intercept", -1, 1)
        zg = pm.Normal(f"b_g_y_{zero}", 0, 2.5, dims="g")
        s = pm.Exponential(f"y_{other}", 1) if "Poisson" not in family else None
        eta = a + b * X
        likelihood(pm.math.invlogit(z0 + zg[G_CODES]), pt.exp(eta) if log_link else pt.exp(eta), s)
    _same_log_density(spec.build(DATA, optimize=False), reference)


def test_a_zero_probability_without_edges_is_a_probability_with_a_beta_prior():
    spec = dagspec.parse("""
node y ~ ZeroInflatedPoisson
x -> y
observed x, y = "count"
""")
    assert str(spec.checked.params["y.zi"].prior.func) == "Beta"
    with pm.Model() as reference:
        a = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b_x_y", 0, 10)
        zi = pm.Beta("y_zi", 1, 1)
        pm.ZeroInflatedPoisson("y", psi=1 - zi, mu=pt.exp(a + b * X), observed=COUNTS)
    _same_log_density(spec.build(DATA, optimize=False), reference)


# ---- beta-binomial and categorical outcomes ------------------------------------------------------------------


def test_beta_binomial_reads_its_trials_from_a_column_and_shares_a_given_concentration():
    spec = dagspec.parse("""
node g : categorical
node trials
node y ~ BetaBinomial(n = trials, kappa = theta, intercept = none)
g -> y
observed y = "count", trials, g
phi ~ Exponential(1)
let theta = phi + 2
prior g -> y ~ Normal(0, 1.5) as a
""")
    with pm.Model(coords={"g": GROUPS}) as reference:
        a = pm.Normal("a", 0, 1.5, dims="g")
        phi = pm.Exponential("phi", 1)
        theta = pm.Deterministic("theta", phi + 2)
        p = pm.math.invlogit(a[G_CODES])
        pm.BetaBinomial("y", n=DATA["trials"].to_numpy(), alpha=p * theta, beta=(1 - p) * theta, observed=COUNTS)
    _same_log_density(spec.build(DATA, optimize=False), reference)


CATEGORICAL_SPEC = """
node g : categorical
node mode ~ Categorical(reference = "car")
x, g -> mode
observed mode = "choice", x, g
prior x -> mode ~ Normal(0, 1) as b_x
"""


def _categorical_reference():
    levels = ["bus", "car", "walk"]
    codes = pd.Categorical(DATA["choice"], categories=levels).codes
    with pm.Model(coords={"g": GROUPS, "mode__category": ["bus", "walk"]}) as reference:
        a = pm.Normal("mode_intercept", 0, 10, dims="mode__category")
        b = pm.Normal("b_x", 0, 1, dims="mode__category")
        c = pm.Normal("b_g_mode", 0, 10, dims=("g", "mode__category"))
        eta = a + b * X[:, None] + c[G_CODES]
        logits = pt.concatenate([eta[:, :1], pt.zeros((N, 1)), eta[:, 1:]], axis=1)
        pm.Categorical("mode", logit_p=logits, observed=codes)
    return reference


def test_a_categorical_outcome_has_a_linear_predictor_per_level_but_the_reference():
    spec = dagspec.parse(CATEGORICAL_SPEC)
    model = spec.build(DATA)
    assert model.named_vars_to_dims["b_x"] == ("mode__category",)
    assert list(model.coords["mode__category"]) == ["bus", "walk"]
    _same_log_density(model, _categorical_reference())


# ---- misuse ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('node y ~ Poisson\nx -> y.sigma\nobserved x, y = "count"', "DS150"),  # Poisson has no sigma
        ('node y ~ Poisson\nx -> y.zi\nobserved x, y = "count"', "DS150"),  # zi needs a zero-inflated family
        ('node y ~ Binomial(n = trials)\nx -> y.n\nobserved x, trials, y = "count"', "DS150"),  # trials are data
        ("node y ~ Normal(sigma = 1)\nx -> y.sigma\nobserved x, y", "DS150"),  # fixed in the declaration
        ("node y ~ Normal\nx -> y.mu\nobserved x, y", "DS150"),  # the mean: `x -> y`
        ('node y ~ Normal\nnode z\nx -> z.sigma\nobserved x, y, z = "count"', "DS151"),  # not an outcome
        ('node y ~ Normal\nnode z ~ Normal\ny.sigma -> z\nobserved y, z = "count"', "DS151"),  # a source
        ('node y ~ ZeroInflatedGamma\nobserved y = "amount"', "DS152"),  # zero inflation of a continuous family
        ('node y ~ HurdlePoison\nobserved y = "count"', "DS152"),  # misspelt
        ('node y ~ Categorical(reference = "train")\nobserved y = "choice"', "DS462"),  # an unknown reference
        ('node y ~ Categorical(levels = ["a", "b"], reference = "c")\nobserved y = "g"', "DS462"),
        ('node y ~ Categorical(link = logit)\nobserved y = "choice"', "DS409"),
        ("node y ~ Normal\nx -> y\nobserved x, y\nprior y.sigma.intercept ~ Normal(0, 1)", "DS204"),
        ('node y ~ Categorical\nnode z ~ Normal\ny -> z\nobserved y = "choice", z = "y"', "DS153"),
        ('node g : categorical(reference = "a")\nnode y ~ Categorical\ng -> y\nobserved y = "choice", g', "DS153"),
    ],
)
def test_misuse_is_a_coded_error(text, code):
    assert code in _errors(text)


def test_a_categorical_outcome_with_one_level_is_an_error():
    one = DATA.assign(choice="car")
    with pytest.raises(DagspecError) as raised:
        dagspec.parse('node y ~ Categorical\nobserved y = "choice"').build(one)
    assert [d.code for d in raised.value.diagnostics] == ["DS154"]


# ---- code generation -------------------------------------------------------------------------------------------


def _generated(spec, tmp_path):
    data_file = tmp_path / "data.csv"
    DATA.to_csv(data_file, index=False)
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", data=DATA, output=script))
    saved, sys.argv = sys.argv, [str(script), str(data_file)]
    try:
        return runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved


@pytest.mark.parametrize(
    "text",
    [
        SIGMA_SPEC,
        CATEGORICAL_SPEC,
        'node g : categorical\nnode y ~ HurdleNegativeBinomial\nx -> y\ng -> y.hu\nobserved x, g, y = "count"',
        'node y ~ ZeroInflatedPoisson\nx -> y\nx -> y.zi\nobserved x, y = "count"',
        'node y ~ HurdleGamma\nx -> y\nobserved x, y = "amount"',
        'node trials\nnode y ~ BetaBinomial(n = trials)\nx -> y\nx -> y.kappa\nobserved x, trials, y = "count"',
    ],
)
def test_the_generated_script_builds_the_same_model(text, tmp_path):
    spec = dagspec.parse(text)
    _same_log_density(spec.build(DATA, optimize=False), _generated(spec, tmp_path))


def test_pymc3_writes_zero_inflation_and_refuses_a_hurdle():
    zip_source = dagspec.parse('node y ~ ZeroInflatedPoisson\nx -> y\nobserved x, y = "count"').to_source(
        "pymc3", data=DATA
    )
    assert "pm.ZeroInflatedPoisson('y', psi=1 - y_zi, theta=mu, observed=" in zip_source
    categorical = dagspec.parse(CATEGORICAL_SPEC).to_source("pymc3", data=DATA)
    assert "pm.Categorical('mode', p=tt.nnet.softmax(logits_mode)" in categorical
    with pytest.raises(DagspecError) as raised:
        dagspec.parse('node y ~ HurdlePoisson\nobserved y = "count"').to_source("pymc3", data=DATA)
    assert raised.value.diagnostics[0].code == "DS448"
    assert "HurdlePoisson" in raised.value.diagnostics[0].message


# ---- predictions, prior draws, predictive checks and LOO -----------------------------------------------------

FITTED_SPEC = """
node mode ~ Categorical(reference = "car")
node y ~ Normal
node count ~ ZeroInflatedPoisson
x -> mode
x -> y
x -> y.sigma
x -> count
x -> count.zi
observed mode = "choice", x, y, count
prior count.intercept ~ Normal(0, 1)
prior x -> count ~ Normal(0, 0.5)
"""


@pytest.fixture(scope="module")
def fitted():
    spec = dagspec.parse(FITTED_SPEC)
    idata = dagspec.sample(spec, DATA, draws=100, tune=200, chains=1, cores=1, random_seed=3)
    return spec, idata


def test_predictions_give_category_probabilities_and_zero_model_means(fitted):
    spec, idata = fitted
    new = pd.DataFrame({"x": [-1.0, 0.0, 1.5]})
    mean = dagspec.predict(spec, idata, new, kind="mean", random_seed=1).predictions
    probabilities = mean["mode"]
    assert probabilities.dims[-1] == "mode__level"
    assert list(probabilities.coords["mode__level"].values) == ["bus", "car", "walk"]
    np.testing.assert_allclose(probabilities.sum("mode__level"), 1.0, rtol=1e-9)
    post = idata.posterior
    x = new["x"].to_numpy()
    eta = post["mode_intercept"].values[..., None, :] + post["b_x_mode"].values[..., None, :] * x[:, None]
    bus, walk = np.exp(eta[..., 0]), np.exp(eta[..., 1])
    np.testing.assert_allclose(probabilities.sel(mode__level="car").values, 1 / (1 + bus + walk), rtol=1e-8)
    zi = 1 / (1 + np.exp(-(post["count_zi_intercept"].values[..., None] + post["b_x_count_zi"].values[..., None] * x)))
    rate = np.exp(post["count_intercept"].values[..., None] + post["b_x_count"].values[..., None] * x)
    np.testing.assert_allclose(mean["count"].values, (1 - zi) * rate, rtol=1e-8)
    np.testing.assert_allclose(
        mean["y"].values, post["y_intercept"].values[..., None] + post["b_x_y"].values[..., None] * x, rtol=1e-8
    )
    draws = dagspec.predict(spec, idata, new, kind="outcome", random_seed=1).predictions
    assert set(np.unique(draws["mode"].values)) <= {0, 1, 2}
    assert draws["mode"].attrs["levels"] == '["bus", "car", "walk"]'
    assert draws["count"].values.min() >= 0


def test_prior_draws_of_a_distributional_model():  # (priors on the log scale that numpy's Poisson can draw from)
    prior = dagspec.sample_prior(dagspec.parse(FITTED_SPEC), DATA, draws=50, random_seed=1)
    assert prior.prior["y_sigma"].shape == (1, 50, N)
    assert np.all(prior.prior["y_sigma"].values > 0)
    assert set(np.unique(prior.prior_predictive["mode"].values)) <= {0, 1, 2}
    assert np.all(np.isfinite(prior.prior_predictive["y"].values))


def test_loo_and_the_posterior_predictive(fitted):
    spec, idata = fitted
    for outcome in ("mode", "y", "count"):
        elpd = dagspec.loo(spec, idata.copy(), DATA, outcome=outcome)
        assert np.isfinite(elpd.elpd_loo) and elpd.elpd_loo < 0
    checked = dagspec.posterior_predictive(spec, idata.copy(), DATA, random_seed=1)
    assert set(np.unique(checked.posterior_predictive["mode"].values)) <= {0, 1, 2}
    assert checked.observed_data["count"].values.tolist() == COUNTS.tolist()


def test_an_estimated_outcome_keeps_the_edges_into_its_parameters():
    """`estimate x -> y` chooses the regression of y's mean; `x -> y.sigma` still models its noise."""
    spec = dagspec.parse(
        'node y ~ Normal\nz -> x\nz, x -> y\nx -> y.sigma\nobserved x, y, z = "share"\nestimate x -> y'
    )
    assert {"x -> y", "z -> y", "y.sigma.intercept", "x -> y.sigma"} <= set(spec.checked.params)


@pytest.mark.parametrize(
    ("family", "aux"),
    [
        ("ZeroInflatedPoisson", {"zi": 0.3}),
        ("ZeroInflatedNegativeBinomial", {"zi": 0.3, "alpha": 2.0}),
        ("HurdlePoisson", {"hu": 0.4}),
        ("HurdleNegativeBinomial", {"hu": 0.4, "alpha": 1.5}),
        ("BetaBinomial", {"n": 12, "kappa": 3.0}),
    ],
)
def test_the_expected_value_of_a_count_family_is_its_distributions_mean(family, aux):
    """`predict(kind="mean")` reads _expected_value: it must be the mean of the distribution the likelihood is, here
    summed over its support from PyMC's own log probabilities."""
    from dagspec.backends.pymc import _expected_value, _family_kwargs

    mean = 0.6 if family == "BetaBinomial" else 2.5
    link = "logit" if family == "BetaBinomial" else "log"
    eta = float(np.log(mean / (1 - mean)) if link == "logit" else np.log(mean))
    kwargs = _family_kwargs(family, link, pt.as_tensor_variable(eta), aux)
    support = np.arange(0, 400)
    probabilities = np.exp(pm.logp(getattr(pm, family).dist(**kwargs), support).eval())
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    expected = float(pt.as_tensor_variable(_expected_value(family, pt.as_tensor_variable(mean), aux)).eval())
    assert expected == pytest.approx(float(np.sum(support * probabilities)), rel=1e-6)  # PyMC: a log-cdf difference


@pytest.mark.parametrize("family", ["HurdleGamma", "HurdleLogNormal"])
def test_the_expected_value_of_a_hurdle_amount_is_its_distributions_mean(family):
    from dagspec.backends.pymc import _expected_value, _family_kwargs

    aux = {"hu": 0.3, "alpha": 2.0} if family == "HurdleGamma" else {"hu": 0.3, "sigma": 0.5}
    link = "log" if family == "HurdleGamma" else "identity"
    eta = pt.as_tensor_variable(np.log(3.0) if family == "HurdleGamma" else 1.0)
    kwargs = _family_kwargs(family, link, eta, aux)
    draws = pm.draw(getattr(pm, family).dist(**kwargs), draws=100_000, random_seed=1)
    mean = pt.exp(eta) if family == "HurdleGamma" else eta
    expected = float(pt.as_tensor_variable(_expected_value(family, mean, aux)).eval())
    assert expected == pytest.approx(draws.mean(), abs=5 * draws.std() / np.sqrt(len(draws)))


def test_a_matrix_predictor_of_sigma_adds_its_product():
    design = np.array([[0.0, 31.0], [1.0, 45.0], [2.0, 52.0], [3.0, 38.0]])
    spec = dagspec.parse("""
node X : matrix(columns = ["dose", "age"])
node y ~ Normal
X -> y
X -> y.sigma
observed X = [[0.0, 31.0], [1.0, 45.0], [2.0, 52.0], [3.0, 38.0]], y = [1.1, 2.3, 3.2, 3.6]
""")
    with pm.Model(coords={"X__column": ["dose", "age"]}) as reference:
        a = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b_X_y", 0, 10, dims="X__column")
        s0 = pm.Normal("y_sigma_intercept", 0, 2.5)
        s = pm.Normal("b_X_y_sigma", 0, 2.5, dims="X__column")
        pm.Normal("y", a + pt.dot(design, b), pt.exp(s0 + pt.dot(design, s)), observed=[1.1, 2.3, 3.2, 3.6])
    _same_log_density(spec.build(optimize=False), reference)
