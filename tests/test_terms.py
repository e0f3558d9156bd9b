"""Terms of the linear predictor besides free slopes: fixed coefficients and offsets (`prior x -> y = 1`),
and data scalars (a JSON file's single values) as the hyperparameters of priors.

Each construct compiles to exactly a hand-written PyMC model (equal log densities at random points), and
predictions recompute it from new rows."""

import json
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytest
from logp_support import assert_same_log_density

import dagspec
from dagspec.render.report import compile_report

RNG = np.random.default_rng(15)


def _same_log_density(ours, theirs, seed=0):
    assert_same_log_density(ours, theirs, seed, rel=1e-8)


# ---- fixed coefficients and offsets ------------------------------------------------------------------

OFFSET = """
node x
node log_days
node y ~ Poisson
x, log_days -> y
observed x, y, log_days = log(days)
prior x -> y ~ Normal(0, 1)
prior log_days -> y = 1
"""
OFFSET_DATA = pd.DataFrame(
    {"x": [0.1, 0.5, -0.3, 1.2, 0.8, -1.0], "y": [2, 5, 1, 9, 4, 0], "days": [1.0, 2.0, 1.5, 4.0, 3.0, 0.5]}
)


def test_an_offset_is_the_hand_written_poisson_model_with_log_exposure():
    ours = dagspec.parse(OFFSET).build(OFFSET_DATA, optimize=False)
    d = OFFSET_DATA
    with pm.Model() as theirs:
        intercept = pm.Normal("y_intercept", 0, 10)
        slope = pm.Normal("b_x_y", 0, 1)
        pm.Poisson("y", mu=pm.math.exp(intercept + slope * d.x.values + np.log(d.days.values)), observed=d.y.values)
    _same_log_density(ours, theirs)
    assert [rv.name for rv in ours.free_RVs] == ["y_intercept", "b_x_y"]


def test_a_fixed_slope_intercept_and_sigma_are_numbers_not_parameters():
    spec = dagspec.parse(
        "x -> y\nobserved x = [1.0, 2.0, 3.0, 4.0], y = [2.1, 3.9, 6.2, 7.8]\n"
        "prior x -> y = 2\nprior y.intercept = -0.5\nprior y.sigma ~ Exponential(1)"
    )
    x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.1, 3.9, 6.2, 7.8])
    with pm.Model() as theirs:
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", mu=-0.5 + 2 * x, sigma=sigma, observed=y)
    _same_log_density(spec.build(optimize=False), theirs)
    _same_log_density(spec.build(), theirs)  # the optimizer leaves fixed terms alone
    fixed = dagspec.parse("x -> y\nobserved x = [1.0, 2.0, 3.0], y = [1.0, 2.0, 3.5]\nprior y.sigma = 0.5")
    with pm.Model() as theirs:
        a, b = pm.Normal("y_intercept", 0, 10), pm.Normal("b_x_y", 0, 10)
        pm.Normal("y", mu=a + b * np.array([1.0, 2.0, 3.0]), sigma=0.5, observed=[1.0, 2.0, 3.5])
    _same_log_density(fixed.build(optimize=False), theirs)


def test_compile_lists_a_fixed_coefficient_as_fixed():
    spec = dagspec.parse(OFFSET)
    param = spec.checked.params["log_days -> y"]
    assert param.fixed == 1.0 and not param.default_prior
    text = compile_report(spec)
    assert "2 generated parameters and 1 fixed" in text
    assert "log_days -> y  b_log_days_y  fixed = 1" in text


def test_the_printed_spec_and_the_json_ir_keep_the_fixed_value():
    spec = dagspec.parse(OFFSET)
    assert "prior log_days -> y = 1" in spec.to_text()
    for again in (dagspec.parse(spec.to_text()), dagspec.Spec.from_json(spec.to_json())):
        assert again.checked.params["log_days -> y"].fixed == 1.0


def test_predictions_take_the_offset_from_the_new_rows():
    spec = dagspec.parse(OFFSET)
    a, b = RNG.normal(0, 1, (2, 50)), RNG.normal(0.5, 0.1, (2, 50))
    idata = az.from_dict(posterior={"y_intercept": a, "b_x_y": b})
    new = pd.DataFrame({"x": [0.0, 1.0], "days": [2.0, 10.0]})
    got = dagspec.predict(spec, idata, new, data=OFFSET_DATA).predictions["y"].values
    expected = np.exp(a[..., None] + b[..., None] * new.x.values + np.log(new.days.values))
    np.testing.assert_allclose(got, expected, rtol=1e-10)


# ---- data scalars as hyperparameters ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
KILPISJARVI = ROOT / "specs" / "gallery" / "data" / "kilpisjarvi.json"
KILPISJARVI_SPEC = f"""
node x
node y ~ Normal
node pmualpha
node psalpha
node pmubeta
node psbeta
x -> y
observed x, y, pmualpha, psalpha, pmubeta, psbeta from "{KILPISJARVI}"
prior y.intercept ~ Normal(pmualpha, psalpha) as alpha
prior x -> y ~ Normal(pmubeta, psbeta) as beta
prior y.sigma ~ HalfFlat() as sigma
"""


def test_json_scalars_are_the_priors_hyperparameters_of_posteriordb_kilpisjarvi():
    d = json.loads(KILPISJARVI.read_text())
    with pm.Model() as theirs:  # posteriordb's kilpisjarvi.stan, written in PyMC
        alpha = pm.Normal("alpha", d["pmualpha"], d["psalpha"])
        beta = pm.Normal("beta", d["pmubeta"], d["psbeta"])
        sigma = pm.HalfFlat("sigma")
        pm.Normal("y", alpha + beta * np.asarray(d["x"], dtype=float), sigma, observed=d["y"])
    _same_log_density(dagspec.parse(KILPISJARVI_SPEC).build(optimize=False), theirs)


def test_scalars_passed_in_a_mapping_feed_priors_and_family_options():
    spec = dagspec.parse(
        "node s\nnode trials\nnode k ~ Binomial(n = trials)\nx -> k\n"
        "observed x, k, s, trials\nprior x -> k ~ Normal(0, s)"
    )
    data = {"x": [0.0, 1.0, 2.0], "k": [1, 3, 4], "s": 2.5, "trials": 5}
    with pm.Model() as theirs:
        a, b = pm.Normal("k_intercept", 0, 10), pm.Normal("b_x_k", 0, 2.5)
        pm.Binomial("k", n=5, logit_p=a + b * np.array([0.0, 1.0, 2.0]), observed=[1, 3, 4])
    _same_log_density(spec.build(data, optimize=False), theirs)


def test_predictions_read_the_scalars_from_the_spec_file_when_new_rows_lack_them():
    spec = dagspec.parse(KILPISJARVI_SPEC)
    a, b = RNG.normal(-30, 1, (2, 40)), RNG.normal(0.01, 0.001, (2, 40))
    idata = az.from_dict(posterior={"alpha": a, "beta": b, "sigma": np.abs(RNG.normal(1, 0.1, (2, 40)))})
    got = dagspec.predict(spec, idata, pd.DataFrame({"x": [2016.0, 2020.0]})).predictions["y"].values
    np.testing.assert_allclose(got, a[..., None] + b[..., None] * np.array([2016.0, 2020.0]))


def test_a_missing_scalar_is_a_missing_column_error():
    spec = dagspec.parse(KILPISJARVI_SPEC.replace("pmubeta, psbeta from", 'pmubeta, psbeta = "nope" from'))
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build()
    assert [d.code for d in info.value.diagnostics] == ["DS502"]


# ---- reference (treatment) coding ------------------------------------------------------------------------

LEVELS = ["control", "low", "high"]
GROUPS = ["control", "low", "high", "control", "low", "high", "low"]
Y = [0.1, 1.2, 2.1, -0.2, 0.9, 1.8, 1.0]


@pytest.mark.parametrize("reference", LEVELS)
def test_reference_coding_drops_the_reference_levels_effect(reference):
    spec = dagspec.parse(
        f'node g : categorical(levels = {json.dumps(LEVELS)}, reference = "{reference}")\n'
        "node y ~ Normal\ng -> y\nobserved g, y\nprior g -> y ~ Normal(0, 2)"
    )
    others = [lv for lv in LEVELS if lv != reference]
    # the hand-written model: one dummy column per non-reference level (R's contr.treatment)
    dummies = np.array([[g == lv for lv in others] for g in GROUPS], dtype=float)
    with pm.Model(coords={"g__contrasts": others}) as theirs:
        a = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b_g_y", 0, 2, dims="g__contrasts")
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", a + pm.math.dot(dummies, b), sigma, observed=Y)
    ours = spec.build({"g": GROUPS, "y": Y}, optimize=False)
    _same_log_density(ours, theirs)
    assert list(ours.coords["g__contrasts"]) == others
    _same_log_density(spec.build({"g": GROUPS, "y": Y}), theirs)  # the optimizer keeps the coding


def test_reference_coded_predictions_use_zero_for_the_reference_and_refuse_new_levels():
    spec = dagspec.parse(
        f'node g : categorical(levels = {json.dumps(LEVELS)}, reference = "low")\n'
        "node y ~ Normal\ng -> y\nobserved g, y"
    )
    a, b = RNG.normal(0, 1, (2, 30)), RNG.normal(0, 1, (2, 30, 2))
    full = np.stack([b[..., 0], np.zeros_like(a), b[..., 1]], axis=-1)  # as sampling stores it
    idata = az.from_dict(
        posterior={"y_intercept": a, "b_g_y": b, "y_sigma": np.ones((2, 30)), "b_g_y__levels": full},
        coords={"g__contrasts": ["control", "high"], "g": LEVELS},
        dims={"b_g_y": ["g__contrasts"], "b_g_y__levels": ["g"]},
    )
    data = {"g": GROUPS, "y": Y}
    got = dagspec.predict(spec, idata, pd.DataFrame({"g": ["control", "low", "high"]}), data=data).predictions["y"]
    np.testing.assert_allclose(got.values, np.stack([a + b[..., 0], a, a + b[..., 1]], axis=-1))
    open_spec = dagspec.parse('node g : categorical(reference = "low")\nnode y ~ Normal\ng -> y\nobserved g, y')
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.predict(open_spec, idata, pd.DataFrame({"g": ["control", "zzz"]}), data=data)
    assert info.value.diagnostics[0].code == "DS515"


def test_compile_shows_the_reference_level():
    spec = dagspec.parse(
        'node g : categorical(levels = ["a", "b"], reference = "a")\nnode y ~ Normal\ng -> y\n'
        'observed g = ["a", "b", "b"], y = [1.0, 2.0, 2.5]'
    )
    text = compile_report(spec, spec.plan())
    assert "b_g_y[g] (0 at the reference a)" in text
    assert "g__contrasts" in text


# ---- interactions as syntax ------------------------------------------------------------------------------

INTERACTION = """
node g : categorical(levels = ["a", "b"])
x, z, x * z -> y
x * g -> y
observed x, z, g, y
prior x * z -> y ~ Normal(0, 1) as bxz
"""
IDATA = {
    "x": [0.1, 0.5, -0.3, 1.2, 0.8, -1.0],
    "z": [1.0, 2.0, 0.5, 1.5, 3.0, 2.2],
    "g": ["a", "b", "a", "b", "a", "b"],
    "y": [0.3, 1.4, 0.1, 2.9, 2.2, -1.8],
}


def test_interactions_are_the_hand_written_products():
    spec = dagspec.parse(INTERACTION)
    x, z = np.array(IDATA["x"]), np.array(IDATA["z"])
    g = np.array([0, 1, 0, 1, 0, 1])
    with pm.Model(coords={"g": ["a", "b"]}) as theirs:
        a = pm.Normal("y_intercept", 0, 10)
        bx, bz = pm.Normal("b_x_y", 0, 10), pm.Normal("b_z_y", 0, 10)
        bxz = pm.Normal("bxz", 0, 1)
        bxg = pm.Normal("b_x_g_y", 0, 10, dims="g")  # x * g: a slope of x per level of g
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", a + bx * x + bz * z + bxz * x * z + bxg[g] * x, sigma, observed=IDATA["y"])
    _same_log_density(spec.build(IDATA, optimize=False), theirs)
    assert spec.checked.params["x * z -> y"].name == "bxz"
    assert "bxz * x * z" in compile_report(spec)


def test_predictions_and_do_recompute_the_product_from_new_values():
    spec = dagspec.parse(INTERACTION)
    shape = (2, 20)
    d = {
        "y_intercept": RNG.normal(0, 1, shape),
        "b_x_y": RNG.normal(1, 0.1, shape),
        "b_z_y": RNG.normal(-1, 0.1, shape),
        "bxz": RNG.normal(2, 0.1, shape),
        "b_x_g_y": RNG.normal(0, 1, shape + (2,)),
        "y_sigma": np.full(shape, 1e-9),
    }
    idata = az.from_dict(posterior=d, coords={"g": ["a", "b"]}, dims={"b_x_g_y": ["g"]})

    def mean(x, z, g):
        return d["y_intercept"] + d["b_x_y"] * x + d["b_z_y"] * z + d["bxz"] * x * z + d["b_x_g_y"][..., g] * x

    new = pd.DataFrame({"x": [2.0, -1.0], "z": [0.5, 3.0], "g": ["b", "a"]})
    got = dagspec.predict(spec, idata, new, data=IDATA).predictions["y"].values
    np.testing.assert_allclose(got, np.stack([mean(2.0, 0.5, 1), mean(-1.0, 3.0, 0)], axis=-1))
    done = dagspec.do(spec, idata, {"x": 3.0}, data=IDATA, random_seed=1).posterior_predictive["y"].values
    z, g = np.array(IDATA["z"]), [0, 1, 0, 1, 0, 1]
    np.testing.assert_allclose(done, np.stack([mean(3.0, z[i], g[i]) for i in range(6)], axis=-1), atol=1e-6)


def test_the_printed_spec_keeps_the_interaction():
    spec = dagspec.parse(INTERACTION)
    assert "x, z, x * z -> y" in spec.to_text() and "prior x * z -> y ~ Normal(0, 1) as bxz" in spec.to_text()
    for again in (dagspec.parse(spec.to_text()), dagspec.Spec.from_json(spec.to_json())):
        assert "x * z -> y" in again.checked.params and "x * g -> y" in again.checked.params


def test_the_interaction_is_a_cause_in_the_graph_through_both_factors():
    graph = dagspec.parse(INTERACTION).causal_graph()
    assert {("x", "y"), ("z", "y"), ("g", "y")} <= set(graph.edges)
