"""Terms of the linear predictor besides free slopes: fixed coefficients and offsets (`prior x -> y = 1`).

Each construct compiles to exactly a hand-written PyMC model (equal log densities at random points), and
predictions recompute it from new rows."""
import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytest

import dagspec
from dagspec.render.report import compile_report

RNG = np.random.default_rng(15)


def _same_log_density(ours, theirs, count=6, seed=0):
    assert sorted(ours.initial_point()) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(seed)
    for _ in range(count):
        point = {k: v + rng.normal(0, 0.7, np.shape(v)) for k, v in theirs.initial_point().items()}
        expected = theirs_logp(point)
        assert np.isfinite(expected)
        assert ours_logp(point) == pytest.approx(expected, rel=1e-8)


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
OFFSET_DATA = pd.DataFrame({"x": [0.1, 0.5, -0.3, 1.2, 0.8, -1.0], "y": [2, 5, 1, 9, 4, 0],
                            "days": [1.0, 2.0, 1.5, 4.0, 3.0, 0.5]})


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
    spec = dagspec.parse("x -> y\nobserved x = [1.0, 2.0, 3.0, 4.0], y = [2.1, 3.9, 6.2, 7.8]\n"
                         "prior x -> y = 2\nprior y.intercept = -0.5\nprior y.sigma ~ Exponential(1)")
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
