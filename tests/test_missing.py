"""Missing values modelled (`missing = impute`): each spec compiles to exactly the hand-written PyMC model with
masked observations (PyMC's own imputation; equal log densities at random points), through path models, and
sampling, predictions, prior draws, LOO and codegen handle the imputed values."""

import json
import runpy
import sys

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from logp_support import assert_same_log_density

import dagspec

RNG = np.random.default_rng(15)
N = 40
x = RNG.normal(size=N)
b = 0.5 + 0.8 * x + RNG.normal(scale=0.5, size=N)
y = 1.0 - 0.6 * b + RNG.normal(scale=0.4, size=N)
b[[2, 5, 11, 30]] = np.nan  # the mediator: four values missing
y[[7, 19]] = np.nan  # the outcome: two values missing
DATA = pd.DataFrame({"x": x, "b": b, "y": y})

PATH = """
node b ~ Normal(missing = impute)
node y ~ Normal(missing = impute)
x -> b -> y
observed x, b, y
prior b.intercept ~ Normal(0, 1) as a_b
prior x -> b ~ Normal(0, 1) as bx
prior b.sigma ~ Exponential(1) as sigma_b
prior y.intercept ~ Normal(0, 1) as a_y
prior b -> y ~ Normal(0, 1) as by
prior y.sigma ~ Exponential(1) as sigma_y
"""


def _path_reference():
    with pm.Model() as reference:
        a_b = pm.Normal("a_b", 0, 1)
        bx = pm.Normal("bx", 0, 1)
        sigma_b = pm.Exponential("sigma_b", 1)
        filled_b = pm.Normal("b", a_b + bx * x, sigma_b, observed=np.ma.masked_invalid(b))
        a_y = pm.Normal("a_y", 0, 1)
        by = pm.Normal("by", 0, 1)
        sigma_y = pm.Exponential("sigma_y", 1)
        pm.Normal("y", a_y + by * filled_b, sigma_y, observed=np.ma.masked_invalid(y))
    return reference


RENAMED = {"b_missing": "b_unobserved", "y_missing": "y_unobserved"}


def _same_log_density(ours, theirs, seed=0):
    assert_same_log_density(ours, theirs, seed, renamed=RENAMED)


def test_a_missing_mediator_is_imputed_from_its_parents_and_a_missing_outcome_is_predicted():
    spec = dagspec.parse(PATH)
    model = spec.build(DATA)
    _same_log_density(model, _path_reference())
    assert list(model.coords["b__missing"]) == [2, 5, 11, 30]
    assert list(model.coords["y__missing"]) == [7, 19]


def test_missing_values_stay_an_error_unless_the_spec_asks():
    spec = dagspec.parse(PATH.replace("(missing = impute)", ""))
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build(DATA)
    assert {d.code for d in info.value.diagnostics} == {"DS504"}


def test_empty_cells_and_json_nulls_are_missing(tmp_path):
    csv, document = tmp_path / "d.csv", tmp_path / "d.json"
    DATA.to_csv(csv, index=False)  # NaN → an empty cell
    document.write_text(json.dumps({k: [None if np.isnan(v) else v for v in DATA[k]] for k in DATA}))
    reference = _path_reference()
    for path in (csv, document):
        spec = dagspec.parse(PATH.replace("observed x, b, y", f"observed x, b, y from {json.dumps(str(path))}"))
        _same_log_density(spec.build(), reference)


def test_compile_says_what_is_imputed_from_what():
    from dagspec.render.report import compile_report

    spec = dagspec.parse(PATH)
    text = compile_report(spec, spec.plan(DATA))
    assert "b: 4 of 40 values imputed as b_missing[row] (rows 2, 5, 11, 30), from its regression on x" in text
    assert "y: 2 of 40 values imputed as y_missing[row] (rows 7, 19), from its regression on b" in text


def test_generated_script_builds_the_same_model(tmp_path):
    spec = dagspec.parse(PATH)
    data_file = tmp_path / "data.csv"
    DATA.to_csv(data_file, index=False)
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", data=DATA, output=script))
    saved, sys.argv = sys.argv, [str(script), str(data_file)]
    try:
        generated = runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved
    ours, theirs = spec.build(DATA, optimize=False), generated
    point = ours.initial_point()
    assert ours.compile_logp()(point) == pytest.approx(theirs.compile_logp()(point), rel=1e-12)
    assert "tt.set_subtensor(b_obs[missing_rows], b_missing)" in spec.to_source("pymc3", data=DATA)


@pytest.fixture(scope="module")
def fitted():
    spec = dagspec.parse(PATH)
    return spec, dagspec.sample(spec, DATA, draws=200, tune=300, chains=2, cores=1, random_seed=5)


def test_the_posterior_has_the_imputed_rows(fitted):
    spec, idata = fitted
    imputed = idata.posterior["b_missing"]
    assert list(imputed.coords["b__missing"].values) == [2, 5, 11, 30]
    # row 2's imputed value follows its regression on x (and y's information): near a_b + bx x[2]
    expected = (idata.posterior["a_b"] + idata.posterior["bx"] * x[2]).mean().item()
    assert abs(imputed.sel(b__missing=2).mean().item() - expected) < 0.6
    from dagspec.render.summary import user_variables

    assert {"b_missing", "y_missing"} <= set(user_variables(idata, spec))


def test_predictions_prior_draws_and_loo(fitted):
    spec, idata = fitted
    new = pd.DataFrame({"x": [0.0, 1.0]})
    mean = dagspec.predict(spec, idata, new, kind="mean", random_seed=1).predictions
    expected = idata.posterior["a_y"] + idata.posterior["by"] * (idata.posterior["a_b"] + idata.posterior["bx"])
    np.testing.assert_allclose(mean["y"].isel(__obs__=1).values, expected.values, rtol=1e-8)
    prior = dagspec.sample_prior(spec, DATA, draws=50, random_seed=1)
    assert prior.prior["b_missing"].shape[-1] == 4
    elpd = dagspec.loo(spec, idata.copy(), DATA, outcome="y")
    assert np.isfinite(elpd.elpd_loo) and elpd.n_data_points == N - 2  # the observed rows of y
    checked = dagspec.posterior_predictive(spec, idata.copy(), DATA, random_seed=1)
    assert checked.posterior_predictive["y"].sizes["y__observed"] == N - 2


def test_do_on_an_imputed_mediator_sets_every_row_its_children_read(fitted):
    """do(b = 2): y reads b's data with its missing rows filled in, so both the observed and the imputed rows are
    set (setting only b's likelihood left y reading the data)."""
    spec, idata = fitted
    quiet = idata.copy()
    quiet.posterior["sigma_y"] = quiet.posterior["sigma_y"] * 0 + 1e-9  # y's draws are then its mean, to the digit
    posterior = quiet.posterior
    done = dagspec.do(spec, quiet, {"b": 2.0}, data=DATA, outcomes=["y"], random_seed=1)
    drawn = done.posterior_predictive["y"]
    expected = posterior["a_y"] + posterior["by"] * 2.0
    np.testing.assert_allclose(drawn.values, np.broadcast_to(expected.values[..., None], drawn.shape), atol=1e-6)
