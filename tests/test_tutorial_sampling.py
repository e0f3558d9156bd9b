"""Sampling the tutorial specs recovers the generating values, and the wrong models show the tutorial's point."""

import importlib.util
from pathlib import Path

import arviz as az
import numpy as np
import pytest

import dagspec

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs" / "tutorial"


def _generator():
    spec = importlib.util.spec_from_file_location("make_data", SPECS / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
IDENTIFIED = {name: values for name, values in GENERATOR.TRUE_VALUES.items() if values}


def _draws(name, **kwargs):
    options = dict(draws=400, tune=400, chains=2, random_seed=20251124, cores=1)
    options.update(kwargs)
    return dagspec.sample(SPECS / f"{name}.dag", **options)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(IDENTIFIED))
def test_true_values_inside_94_percent_hdi(name):
    idata = _draws(name)
    # a family-wise 94% for the model: with k true values in all, each must be inside its 1 - 0.06 / k interval
    k = sum(np.size(truth) for truth in IDENTIFIED[name].values())
    for parameter, truth in IDENTIFIED[name].items():
        truth = np.asarray(truth, dtype=float)
        interval = az.hdi(idata.posterior[parameter], hdi_prob=1 - 0.06 / k)[parameter].values
        low, high = interval[..., 0], interval[..., 1]
        assert np.all((low <= truth) & (truth <= high)), f"{parameter}: {truth} outside [{low}, {high}]"


@pytest.mark.slow
def test_no_fork_shows_a_spurious_slope():
    expected = GENERATOR.WRONG_MODEL_EXPECTATIONS["no_fork"]["slope"]
    idata = _draws("no_fork")
    slope = idata.posterior["slope"]
    # the posterior sd covers the gap between this sample's estimate and the population value
    assert abs(float(slope.mean()) - expected) < 4 * float(slope.std()) + 0.01


@pytest.mark.slow
def test_include_collider_biases_slope_x_but_exclude_does_not():
    expected = GENERATOR.WRONG_MODEL_EXPECTATIONS["include_collider"]["slope_x"]
    included = _draws("include_collider").posterior["slope_x"]
    excluded = _draws("exclude_collider").posterior["slope_x"]
    assert float(included.mean()) < 0 and abs(float(included.mean()) - expected) < 4 * float(included.std()) + 0.02
    interval = az.hdi(excluded, hdi_prob=0.94)["slope_x"].values
    assert interval[0] <= 0 <= interval[1]
