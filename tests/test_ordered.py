"""Ordered categorical outcomes (OrderedLogistic, OrderedProbit): each spec compiles to exactly the hand-written
PyMC model (equal log densities at random points), and predictions, prior draws, LOO and codegen handle them."""

import runpy
import sys

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from logp_support import assert_same_log_density

import dagspec

RNG = np.random.default_rng(14)
N = 60
DATA = pd.DataFrame(
    {
        "rating": RNG.integers(1, 6, N),  # levels 1..5
        "x": RNG.normal(size=N),
        "g": RNG.choice(["a", "b", "c"], N),
        "t": RNG.integers(0, 2, N),
        "grade": RNG.choice(["low", "mid", "high"], N),
    }
)
ORDERED = pm.distributions.transforms.ordered


def _same_log_density(ours, theirs, seed=0):
    assert_same_log_density(ours, theirs, seed)


def _codes(column, levels):
    return pd.Categorical(column, categories=levels).codes.astype(int)


def test_ordered_logit_on_a_slope_and_categorical_effects():
    spec = dagspec.parse("""
node y ~ OrderedLogistic
node g : categorical
x, g -> y
observed y = "rating", x, g
prior x -> y ~ Normal(0, 0.5) as bx
prior y.cutpoints ~ Normal(0, 1.5) as cutpoints
""")
    levels = [1, 2, 3, 4, 5]
    with pm.Model(coords={"g": ["a", "b", "c"], "cut": list(range(4))}) as reference:
        bx = pm.Normal("bx", 0, 0.5)
        bg = pm.Normal("b_g_y", 0, 10, dims="g")
        cutpoints = pm.Normal("cutpoints", 0, 1.5, dims="cut", transform=ORDERED, initval=np.linspace(-1, 1, 4))
        eta = bx * DATA["x"].to_numpy() + bg[_codes(DATA["g"], ["a", "b", "c"])]
        pm.OrderedLogistic("y", eta=eta, cutpoints=cutpoints, observed=_codes(DATA["rating"], levels))
    _same_log_density(spec.build(DATA, optimize=False), reference)
    _same_log_density(spec.build(DATA), reference)  # the optimized model (a QR basis, if any) is the same posterior


def test_ordered_probit_with_declared_text_levels_a_pool_and_cells():
    spec = dagspec.parse("""
node y ~ OrderedProbit(levels = ["low", "mid", "high"])
node g : categorical
node t : categorical
g -> y
t -> y by g
observed y = "grade", g, t
prior tau ~ Exponential(1)
prior g -> y ~ Normal(0, tau) as a_g
prior t -> y by g ~ Normal(0, 1) as b_cell
prior y.cutpoints ~ StudentT(3, 0, 2)
""")
    with pm.Model(coords={"g": ["a", "b", "c"], "t": [0, 1], "cut": [0, 1]}) as reference:
        tau = pm.Exponential("tau", 1)
        a = pm.Normal("a_g", 0, tau, dims="g")
        cells = pm.Normal("b_cell", 0, 1, dims=("g", "t"))
        cutpoints = pm.StudentT("y_cutpoints", nu=3, mu=0, sigma=2, dims="cut", transform=ORDERED, initval=[-0.5, 0.5])
        g, t = _codes(DATA["g"], ["a", "b", "c"]), DATA["t"].to_numpy()
        pm.OrderedProbit(
            "y", eta=a[g] + cells[g, t], cutpoints=cutpoints, observed=_codes(DATA["grade"], ["low", "mid", "high"])
        )
    _same_log_density(spec.build(DATA, optimize=False), reference)


def test_levels_from_the_data_are_sorted_and_label_the_cutpoints():
    spec = dagspec.parse('node y ~ OrderedLogistic\nx -> y\nobserved y = "rating", x')
    model = spec.build(DATA, optimize=False)
    assert list(model.coords["y__level"]) == [1, 2, 3, 4, 5]
    assert list(model.coords["y__cutpoints"]) == ["1|2", "2|3", "3|4", "4|5"]
    start = model.initial_point()["y_cutpoints_ordered__"]
    assert np.all(np.isfinite(start))


def test_a_declared_level_no_row_has_is_a_warning():
    spec = dagspec.parse('node y ~ OrderedLogistic(levels = [0, 1, 2, 3, 4, 5, 6])\nx -> y\nobserved y = "rating", x')
    found = spec.columns(DATA).warnings
    assert [d.code for d in found] == ["DS133"] and "level(s) 0, 6" in found[0].message


SPEC = """
node y ~ OrderedLogistic(levels = [1, 2, 3, 4, 5])
x -> y
observed y = "rating", x
prior x -> y ~ Normal(0, 1) as bx
"""


@pytest.fixture(scope="module")
def fitted():
    spec = dagspec.parse(SPEC)
    idata = dagspec.sample(spec, DATA, draws=100, tune=200, chains=2, cores=1, random_seed=3)
    return spec, idata


def test_predictions_give_level_probabilities_and_level_draws(fitted):
    spec, idata = fitted
    new = pd.DataFrame({"x": [-2.0, 0.0, 2.0]})
    mean = dagspec.predict(spec, idata, new, kind="mean", random_seed=1).predictions["y"]
    assert mean.dims[-1] == "y__level" and list(mean.coords["y__level"].values) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(mean.sum("y__level"), 1.0, rtol=1e-9)
    assert np.all(mean.values >= 0)
    # by hand from the posterior: P(y = 1 | x) = invlogit(c1 - bx x)
    bx = idata.posterior["bx"].values
    c1 = idata.posterior["y_cutpoints"].values[..., 0]
    expected = 1 / (1 + np.exp(-(c1[..., None] - bx[..., None] * new["x"].to_numpy())))
    np.testing.assert_allclose(mean.sel(y__level=1).values, expected, rtol=1e-8)
    draws = dagspec.predict(spec, idata, new, kind="outcome", random_seed=1).predictions["y"]
    assert set(np.unique(draws.values)) <= {1, 2, 3, 4, 5}


def test_prior_draws_keep_the_cutpoints_ordered():
    spec = dagspec.parse(SPEC)
    prior = dagspec.sample_prior(spec, DATA, draws=200, random_seed=1)
    cutpoints = prior.prior["y_cutpoints"].values
    assert np.all(np.diff(cutpoints, axis=-1) > 0)
    codes = prior.prior_predictive["y"].values
    assert codes.min() >= 0 and codes.max() <= 4


def test_loo_and_the_posterior_predictive(fitted):
    spec, idata = fitted
    elpd = dagspec.loo(spec, idata.copy(), DATA)
    assert np.isfinite(elpd.elpd_loo) and elpd.elpd_loo < 0
    checked = dagspec.posterior_predictive(spec, idata.copy(), DATA, random_seed=1)
    assert set(np.unique(checked.posterior_predictive["y"].values)) <= {0, 1, 2, 3, 4}
    assert checked.observed_data["y"].values.tolist() == _codes(DATA["rating"], [1, 2, 3, 4, 5]).tolist()


def test_generated_script_builds_the_same_model(tmp_path):
    spec = dagspec.parse(
        SPEC.replace('observed y = "rating", x', 'node g : categorical\ng -> y\nobserved y = "rating", x, g')
    )
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
    pymc3 = spec.to_source("pymc3", data=DATA)
    assert "pm.OrderedLogistic('y', eta=eta, cutpoints=tt.sort(y_cutpoints), observed=" in pymc3
    assert "transform=pm.distributions.transforms.ordered" in pymc3 and "testval=" in pymc3


def test_the_predictive_check_compares_level_frequencies(fitted):
    """`dagspec plot --kind ppc` draws az.plot_ppc: for integer codes, observed vs predicted level frequencies."""
    import matplotlib

    matplotlib.use("Agg")
    import arviz as az
    import matplotlib.pyplot as plt

    spec, idata = fitted
    checked = dagspec.posterior_predictive(spec, idata.copy(), DATA, random_seed=1)
    axes = np.atleast_1d(az.plot_ppc(checked, var_names=["y"], num_pp_samples=20, random_seed=0))
    assert axes[0].get_lines() or axes[0].patches
    plt.close("all")
