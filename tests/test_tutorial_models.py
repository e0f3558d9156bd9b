"""The hand-written tutorial models (tests/tutorial_models.py) build, have a finite log density and the tutorial's
variables; the tutorial data in specs/tutorial/data are exactly what its numpy generators produce."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tutorial_models import DATASETS, MODELS, load_data

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "specs" / "tutorial"

# free random variables of each model, in the tutorial's order of declaration, with their shapes
FREE_RVS = {
    "sum_of_normals": [("a", ()), ("b", ())],
    "coin": [("a", ())],
    "simple_regression": [("intercept", ()), ("coeff", ()), ("error", ())],
    "multivariate_regression": [("intercept_1", ()), ("coeff_1", ()), ("coeff_2", ()), ("error", ())],
    "pipe_regression": [("intercept_1", ()), ("coeff_1", ()), ("coeff_2", ()), ("error_2", ())],
    "path_analysis": [
        ("intercept_1", ()),
        ("coeff_1", ()),
        ("error_1", ()),
        ("intercept_2", ()),
        ("coeff_2", ()),
        ("error_2", ()),
    ],
    "no_fork": [("intercept", ()), ("slope", ()), ("error", ())],
    "fork": [("intercept", ()), ("slope_x", ()), ("slope_z", ()), ("error", ())],
    "include_collider": [("intercept", ()), ("slope_x", ()), ("slope_z", ()), ("error", ())],
    "exclude_collider": [("intercept", ()), ("slope_x", ()), ("error", ())],
    "combined_confounds": [
        ("intercept_1", ()),
        ("slope_1", ()),
        ("slope_2", ()),
        ("slope_3", ()),
        ("error_1", ()),
        ("error_2", ()),
    ],
    "categorical": [("cat_x1", (5,)), ("cat_x2", (4,)), ("error", ())],
    "pooled_categorical": [
        ("pooled_x2_mu", ()),
        ("pooled_x2_sigma", ()),
        ("cat_x1", (5,)),
        ("cat_x2", (4,)),
        ("error", ()),
    ],
    "no_heterogenous": [("cat_x1", (3,)), ("cat_x2", (2,)), ("error", ())],
    "heterogenous": [("error", ()), ("a_bar", ()), ("b_bar", ()), ("chol_cov", (3,)), ("ab_did", (3, 2))],
    "binary_heterogenous": [("treatment_effect", (3, 2))],
}

# observed variables (the tutorial's likelihood names) and deterministics
OBSERVED = {
    "sum_of_normals": [],
    "coin": ["likelihood"],
    "simple_regression": ["y_hat"],
    "multivariate_regression": ["y_hat"],
    "pipe_regression": ["y_hat"],
    "path_analysis": ["x2_hat", "y_hat"],
    "no_fork": ["y_hat"],
    "fork": ["y_hat"],
    "include_collider": ["y_hat"],
    "exclude_collider": ["y_hat"],
    "combined_confounds": ["x2_hat", "y_hat"],
    "categorical": ["y_hat"],
    "pooled_categorical": ["y_hat"],
    "no_heterogenous": ["y_hat"],
    "heterogenous": ["y_hat"],
    "binary_heterogenous": ["y_hat"],
}
DETERMINISTICS = {
    "sum_of_normals": ["c"],
    "heterogenous": ["chol_cov_corr", "chol_cov_stds", "sigma_ab", "Rho"],  # the first two from compute_corr=True
    "binary_heterogenous": ["diff"],
}

CSV_FILES = {
    "simple_regression.csv": ["x1", "y1"],
    "multivariate_regression.csv": ["x1", "x2", "y1"],
    "pipe.csv": ["x1", "x2", "y1"],
    "fork.csv": ["x", "z", "y"],
    "collider.csv": ["x", "z", "y"],
    "combined_confounds.csv": ["x1", "x2", "z", "y"],
    "categorical.csv": ["x1", "x2", "y1"],
    "heterogenous.csv": ["x1", "x2", "y1"],
    "binary_heterogenous.csv": ["x1", "x2", "y1"],
}


def _make_data():
    spec = importlib.util.spec_from_file_location("make_data", TUTORIAL / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sixteen_models():
    assert list(MODELS) == list(FREE_RVS)
    assert sorted(DATASETS) == sorted(MODELS)
    assert {file for file in DATASETS.values() if file} == set(CSV_FILES)
    assert DATASETS["sum_of_normals"] is None and DATASETS["coin"] is None
    assert load_data("coin") is None


@pytest.mark.parametrize("name", list(FREE_RVS))
def test_model_builds_with_the_tutorial_variables(name):
    model = MODELS[name](load_data(name))
    point = model.initial_point()

    assert [rv.name for rv in model.free_RVs] == [rv_name for rv_name, _ in FREE_RVS[name]]
    shapes = {rv.name: tuple(point[model.rvs_to_values[rv].name].shape) for rv in model.free_RVs}
    # chol_cov's value is its packed lower triangle (3 numbers for n = 2); the others are their own shapes
    assert shapes == dict(FREE_RVS[name])
    assert [rv.name for rv in model.observed_RVs] == OBSERVED[name]
    assert [d.name for d in model.deterministics] == DETERMINISTICS.get(name, [])
    assert all(rv.dtype == "float64" for rv in model.free_RVs)

    logp = model.compile_logp()(point)
    assert np.isfinite(logp)


def test_collider_likelihood_is_y_minus_mu_under_normal_0_sigma():
    """The tutorial's observed=y - mu: same density as Normal(mu, sigma) at y, at any parameter values."""
    from scipy import stats

    data = load_data("include_collider")
    model = MODELS["include_collider"](data)
    point = {
        "intercept": np.array(0.3),
        "slope_x": np.array(-1.2),
        "slope_z": np.array(0.4),
        "error_log__": np.log(np.array(2.5)),
    }
    mu = 0.3 - 1.2 * data["x"].to_numpy() + 0.4 * data["z"].to_numpy()
    expected = stats.norm(0, 2.5).logpdf(data["y"].to_numpy() - mu).sum()
    y_hat = model.compile_logp(vars=model.observed_RVs)(point)
    assert y_hat == pytest.approx(expected, rel=1e-12)


def test_data_files_are_the_tutorial_generators_bit_for_bit():
    generators = _make_data().DATASETS
    assert sorted(f"{stem}.csv" for stem in generators) == sorted(CSV_FILES)
    for stem, make in generators.items():
        frame, stored = make(), pd.read_csv(TUTORIAL / "data" / f"{stem}.csv")
        assert list(stored.columns) == CSV_FILES[f"{stem}.csv"] == list(frame.columns)
        for column in frame:
            assert stored[column].dtype == frame[column].dtype, (stem, column)
            assert np.array_equal(stored[column].to_numpy(), frame[column].to_numpy()), (stem, column)


def test_data_sets_have_the_tutorial_sizes_and_levels():
    sizes = {"fork.csv": 1000, "combined_confounds.csv": 1000, "binary_heterogenous.csv": 10000}
    for file in CSV_FILES:
        assert len(pd.read_csv(TUTORIAL / "data" / file)) == sizes.get(file, 100), file
    categorical = pd.read_csv(TUTORIAL / "data" / "categorical.csv")
    assert sorted(categorical["x1"].unique()) == [0, 1, 2, 3, 4]
    assert sorted(categorical["x2"].unique()) == [0, 1, 2, 3]
    binary = pd.read_csv(TUTORIAL / "data" / "binary_heterogenous.csv")
    assert binary["y1"].dtype == np.int64 and set(binary["y1"]) == {0, 1}
    centred = pd.read_csv(TUTORIAL / "data" / "simple_regression.csv")["x1"]
    assert abs(centred.mean()) < 1e-12


def test_true_values_name_free_variables_with_matching_shapes():
    module = _make_data()
    assert list(module.TRUE_VALUES) == list(MODELS)
    for name, values in module.TRUE_VALUES.items():
        shapes = dict(FREE_RVS[name])
        for parameter, value in values.items():
            assert parameter in shapes, (name, parameter)
            assert np.shape(value) == shapes[parameter], (name, parameter)
    for name, values in module.WRONG_MODEL_EXPECTATIONS.items():
        assert set(values) <= set(dict(FREE_RVS[name])), name
    wrong = module.WRONG_MODEL_EXPECTATIONS
    assert wrong["no_fork"]["slope"] == pytest.approx(54 / 81.01, rel=1e-12)
    assert wrong["include_collider"]["slope_x"] == pytest.approx(-54 / 36.01, rel=1e-12)
