"""Lag and random-walk models through the rest of the workflow: the optimized build has the literal model's
posterior (log densities differ by a constant at random points), and prior draws, posterior predictive draws and
PSIS-LOO (through `compare`) have one finite value per fitted row, the rows without a lag left out."""

import warnings

import arviz as az
import numpy as np
import pytest
from logp_support import log_density_gaps
from test_timeseries import AR1, AR2, PANEL, WALK

import dagspec

AR2_WITHOUT_UNITS = (
    AR2.replace("node unit : categorical\n", "")
    .replace("observed y, unit,", "observed y,")
    .replace("y1, y2, unit -> y", "y1, y2 -> y")
    .replace("prior unit -> y ~ Normal(0, 1) as a_unit\n", "")
)


def _quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        # DS565 (the rows without lags, tested elsewhere); with prior draws for a posterior, LOO's high Pareto k
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.mark.parametrize("text", [AR2, WALK], ids=["lags", "walk"])
def test_the_optimized_build_has_the_literal_posterior(text):
    spec = dagspec.parse(text)
    gaps, _, _ = _quietly(log_density_gaps, spec, PANEL, True, points=4)
    assert np.all(np.isfinite(gaps))
    assert np.ptp(gaps) < 1e-6 * max(1.0, np.abs(gaps).max())


@pytest.mark.parametrize(
    "text, other, rows",
    [(AR2, AR2_WITHOUT_UNITS, 18), (WALK, AR1, 24)],  # AR(2): no lags for the first two years of each of 3 units
    ids=["lags", "walk"],
)
def test_prior_draws_predictive_draws_and_loo_have_one_finite_value_per_fitted_row(text, other, rows):
    """Prior draws stand in for a posterior (1 chain of 40 draws): the predictive check and LOO need parameter
    values of the right shapes, not a fit."""
    models = {}
    for name, model in (("first", text), ("second", other)):
        spec = dagspec.parse(model)
        prior = _quietly(dagspec.sample_prior, spec, PANEL, draws=40, random_seed=1)
        assert prior.prior_predictive["y"].shape == (1, 40, rows)
        assert np.all(np.isfinite(prior.prior_predictive["y"]))
        models[name] = (spec, az.InferenceData(posterior=prior.prior))
    spec, idata = models["first"]
    _quietly(dagspec.posterior_predictive, spec, idata, PANEL, random_seed=2)
    assert idata.posterior_predictive["y"].shape == (1, 40, rows) and idata.observed_data["y"].shape == (rows,)
    assert np.all(np.isfinite(idata.posterior_predictive["y"]))
    assert _quietly(dagspec.loo, spec, idata, PANEL).pareto_k.shape == (rows,)
    table = _quietly(dagspec.compare, models, PANEL)
    assert sorted(table.index) == ["first", "second"] and np.all(np.isfinite(table["elpd_loo"]))
