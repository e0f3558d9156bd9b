"""Matrix predictors (`node X : matrix`, a K-vector coefficient per edge) and generated quantities that read data
(`let b0 = a - mean(x) * b`, per-row `let`s).

Each compiles to exactly a hand-written PyMC model (equal log densities at random points); predictions take a new
matrix, do() sets every row to one row of K numbers, and the generated script builds the same model."""

import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pymc as pm
import pytest

import dagspec

ROOT = Path(__file__).resolve().parent.parent
BLR = ROOT / "specs" / "gallery" / "data" / "sblrc_blr.json"
RNG = np.random.default_rng(15)

# posteriordb's sblrc-blr: y ~ Normal(X beta, sigma), beta ~ Normal(0, 10), sigma ~ HalfNormal(10)
BLR_SPEC = f"""
node X : matrix
node y ~ Normal(intercept = none)
X -> y
observed X, y from "{BLR}"
prior X -> y ~ Normal(0, 10) as beta
prior y.sigma ~ HalfNormal(10) as sigma
"""

NAMED = """
node X : matrix(columns = ["carat", "depth", "table"])
node y ~ Normal
X -> y
observed X, y
prior X -> y ~ Normal([1, 0, 0], [1, 2, 2]) as b
"""
X3 = RNG.normal(size=(40, 3))
Y3 = 0.5 + X3 @ np.array([1.0, -0.5, 0.2]) + RNG.normal(0, 0.3, 40)


def _points(model, count=5, seed=0):
    rng = np.random.default_rng(seed)
    return [{k: v + rng.normal(0, 0.7, np.shape(v)) for k, v in model.initial_point().items()} for _ in range(count)]


def _same_log_density(ours, theirs):
    assert sorted(ours.initial_point()) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    for point in _points(theirs):
        assert ours_logp(point) == pytest.approx(theirs_logp(point), rel=1e-8)


def _blr_by_hand():
    data = json.loads(BLR.read_text())
    X, y = np.array(data["X"]), np.array(data["y"])
    with pm.Model() as model:
        beta = pm.Normal("beta", 0, 10, shape=X.shape[1])
        sigma = pm.HalfNormal("sigma", 10)
        pm.Normal("y", X @ beta, sigma, observed=y)
    return model


def test_a_matrix_node_is_the_hand_written_regression_on_x_times_beta():
    spec = dagspec.parse(BLR_SPEC)
    model = spec.build(optimize=False)
    assert model.named_vars_to_dims["beta"] == ("X__column",)
    assert model.coords["X__column"] == (0, 1, 2, 3, 4)
    _same_log_density(model, _blr_by_hand())


def test_the_optimized_matrix_model_differs_by_a_constant_only():
    spec, theirs = dagspec.parse(BLR_SPEC), _blr_by_hand()
    ours_logp, theirs_logp = spec.build().compile_logp(), theirs.compile_logp()
    gaps = [ours_logp(p) - theirs_logp(p) for p in _points(theirs)]
    assert np.ptp(gaps) < 1e-6 * max(1.0, abs(gaps[0]))


def test_named_columns_label_the_coefficients_and_a_prior_list_gives_one_value_per_column():
    model = dagspec.parse(NAMED).build({"X": X3, "y": Y3}, optimize=False)
    assert model.coords["X__column"] == ("carat", "depth", "table")
    with pm.Model() as theirs:
        intercept = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b", np.array([1.0, 0, 0]), np.array([1.0, 2, 2]), shape=3)
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", intercept + X3 @ b, sigma, observed=Y3)
    _same_log_density(model, theirs)


def test_rows_given_as_lists_and_a_2d_array_are_the_same_matrix():
    spec = dagspec.parse(NAMED)
    as_array = spec.columns({"X": X3, "y": Y3})["X"].values
    as_lists = spec.columns({"X": X3.tolist(), "y": Y3})["X"].values
    np.testing.assert_array_equal(as_array, as_lists)
    assert as_array.shape == (40, 3)


@pytest.fixture(scope="module")
def named_fit():
    spec = dagspec.parse(NAMED)
    data = {"X": X3, "y": Y3}
    return spec, data, dagspec.sample(spec, data, draws=100, tune=100, chains=1, random_seed=1)


def test_predictions_take_a_new_matrix_and_refuse_another_number_of_columns(named_fit):
    spec, data, idata = named_fit
    new = RNG.normal(size=(4, 3))
    predicted = dagspec.predict(spec, idata, {"X": new}).predictions["y"].values[0]
    post = idata.posterior
    expected = post["y_intercept"].values[0][:, None] + post["b"].values[0] @ new.T
    np.testing.assert_allclose(predicted, expected, rtol=1e-10)
    with pytest.raises(dagspec.DagspecError, match="DS581"):  # the declared names count the columns
        dagspec.predict(spec, idata, {"X": new[:, :2]})
    unnamed = dagspec.parse(
        NAMED.replace('(columns = ["carat", "depth", "table"])', "").replace("[1, 0, 0], [1, 2, 2]", "0, 1")
    )
    with pytest.raises(dagspec.DagspecError, match="DS680"):
        dagspec.predict(unnamed, idata, {"X": new[:, :2]})


def test_do_sets_every_row_of_a_matrix_node_to_one_row(named_fit):
    spec, data, idata = named_fit
    row = [1.0, 0.0, 2.0]
    drawn = dagspec.do(spec, idata, {"X": row}, data=data, random_seed=2).posterior_predictive["y"]
    post = idata.posterior
    mean = post["y_intercept"].values[0] + post["b"].values[0] @ np.array(row)
    assert drawn.shape[-1] == 40
    assert abs(float(drawn.mean()) - mean.mean()) < 0.1
    with pytest.raises(dagspec.DagspecError, match="DS680"):
        dagspec.do(spec, idata, {"X": 1.0}, data=data)


def test_prior_predictive_ppc_and_loo_run_on_a_matrix_model(named_fit):
    spec, data, idata = named_fit
    prior = dagspec.sample_prior(spec, data, draws=50, random_seed=1)
    assert prior.prior["b"].dims[-1] == "X__column"
    assert prior.prior_predictive["y"].shape[-1] == 40
    ppc = dagspec.posterior_predictive(spec, idata, data, random_seed=1)
    assert ppc.posterior_predictive["y"].shape[-1] == 40
    assert np.isfinite(dagspec.loo(spec, idata, data).elpd_loo)


def _run_script(source: str, tmp_path: Path, *args: str):
    script = tmp_path / "model.py"
    script.write_text(source)
    saved, sys.argv = sys.argv, [str(script), *args]
    try:
        return runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved


@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_the_generated_script_reads_the_json_matrix_and_builds_the_same_model(optimize, tmp_path):
    spec = dagspec.parse(BLR_SPEC)
    source = spec.to_source("pymc", optimize=optimize, output=tmp_path / "model.py")
    assert "np.array(data['X'].tolist(), dtype=float)" in source
    if not optimize:  # the optimized script has the likelihood from sufficient statistics instead
        assert "pm.math.dot(X, beta)" in source
    _same_log_density(spec.build(optimize=optimize), _run_script(source, tmp_path))


def test_a_matrix_passed_in_is_written_into_the_script(tmp_path):
    spec = dagspec.parse(NAMED)
    data = {"X": X3[:5], "y": Y3[:5]}
    (tmp_path / "y.csv").write_text(
        "y\n" + "\n".join(repr(v) for v in Y3[:5].tolist()) + "\n"
    )  # a CSV holds the column
    model = _run_script(spec.to_source("pymc", data=data), tmp_path, str(tmp_path / "y.csv"))
    _same_log_density(spec.build(data, optimize=False), model)


# ---- generated quantities that read data --------------------------------------------------------------------

LETS = """
x1 -> y
observed x1 = [1.0, 2.0, 3.5, 4.0, 6.0], y = [2.1, 3.9, 6.2, 7.8, 11.5]
prior y.intercept as Intercept
prior x1 -> y as b1
let b0 = Intercept - mean(x1) * b1
let spread = sd(x1) * b1
let fit = Intercept + b1 * x1
let resid = y - fit
"""


def test_lets_reading_data_are_summaries_or_one_value_per_row():
    x, y = np.array([1.0, 2.0, 3.5, 4.0, 6.0]), np.array([2.1, 3.9, 6.2, 7.8, 11.5])
    model = dagspec.parse(LETS).build(optimize=False)
    assert model.named_vars_to_dims["fit"] == ("__obs__",)
    assert model.named_vars_to_dims["resid"] == ("__obs__",)
    assert "b0" not in model.named_vars_to_dims and "spread" not in model.named_vars_to_dims
    names = ["b0", "spread", "fit", "resid"]
    values = model.compile_fn(
        model.replace_rvs_by_values([model[n] for n in names]), inputs=model.value_vars, on_unused_input="ignore"
    )
    for point in _points(model):
        a, b = point["Intercept"], point["b1"]
        b0, spread, fit, resid = values(point)
        assert b0 == pytest.approx(a - x.mean() * b)
        assert spread == pytest.approx(x.std(ddof=1) * b)
        np.testing.assert_allclose(fit, a + b * x)
        np.testing.assert_allclose(resid, y - (a + b * x))


def test_per_row_lets_are_stored_with_the_row_dimension_and_codegen_matches(tmp_path):
    spec = dagspec.parse(LETS)
    source = spec.to_source("pymc")
    assert "pm.Deterministic('fit', Intercept + b1 * x1, dims='__obs__')" in source
    assert "pt.std(x1, ddof=1)" in source
    generated = _run_script(source, tmp_path)
    for name in ("b0", "fit", "resid"):
        assert name in generated.named_vars
    _same_log_density(spec.build(optimize=False), generated)


# ---- vector random variables declared with a size ------------------------------------------------------------


def test_a_size_makes_a_vector_random_variable_with_its_own_dimension():
    spec = dagspec.parse(
        "node K\nz ~ Normal(0, 1, size = 3)\nw ~ Exponential([1, 2, 4], size = 3)\nv ~ HalfNormal(2, size = K)\n"
        "let weighted = sum(w * z)\nx -> y\nobserved x, y, K\nprior y.intercept ~ Normal(z[0], 1)"
    )
    data = {"x": [1.0, 2.0, 3.0], "y": [0.5, 1.0, 2.0], "K": 2}
    model = spec.build(data, optimize=False)
    assert model.named_vars_to_dims["z"] == ("z__entry",) and model.coords["v__entry"] == (0, 1)
    with pm.Model() as theirs:
        z = pm.Normal("z", 0, 1, shape=3)
        pm.Exponential("w", np.array([1.0, 2, 4]), shape=3)
        pm.HalfNormal("v", 2, shape=2)
        a, b = pm.Normal("y_intercept", z[0], 1), pm.Normal("b_x_y", 0, 10)
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", a + b * np.array(data["x"]), sigma, observed=data["y"])
    _same_log_density(model, theirs)


# ---- matrix expressions: brms's centred design matrix (posteriordb diamonds) ----------------------------------

DIAMONDS = """
node X : matrix
node X_raw : matrix
node Y ~ Normal
X -> Y
observed Y, X = center(X[:, 1:]), X_raw = X[:, 1:] from "{path}"
prior Y.intercept ~ StudentT(3, 8, 10) as Intercept
prior X -> Y ~ Normal(0, 1) as b
prior Y.sigma ~ HalfStudentT(3, 10) as sigma
let b_Intercept = Intercept - sum(mean(X_raw) * b)
"""
DIAMONDS_HEAD = ROOT / "specs" / "gallery" / "data" / "diamonds_head.json"
DIAMONDS_FULL = Path("/work/shared/data/posteriordb/diamonds-diamonds/data.json")


def _diamonds_by_hand(path: Path):
    """posteriordb's diamonds.stan (brms 2.10): Xc = X[, 2:K] centred, normal_id_glm(Y | Xc, Intercept, b, sigma),
    b ~ normal(0, 1), Intercept ~ student_t(3, 8, 10), sigma ~ student_t(3, 0, 10) truncated at 0; generated
    b_Intercept = Intercept - dot(means_X, b)."""
    data = json.loads(path.read_text())
    X, Y = np.array(data["X"])[:, 1:], np.array(data["Y"])
    with pm.Model() as model:
        b = pm.Normal("b", 0, 1, shape=X.shape[1])
        intercept = pm.StudentT("Intercept", nu=3, mu=8, sigma=10)
        sigma = pm.HalfStudentT("sigma", nu=3, sigma=10)
        pm.Normal("Y", intercept + (X - X.mean(axis=0)) @ b, sigma, observed=Y)
        pm.Deterministic("b_Intercept", intercept - X.mean(axis=0) @ b)
    return model


@pytest.mark.parametrize(
    "path",
    [
        DIAMONDS_HEAD,
        pytest.param(
            DIAMONDS_FULL,
            marks=pytest.mark.skipif(not DIAMONDS_FULL.exists(), reason="posteriordb's full diamonds data"),
        ),
    ],
    ids=["first-40-rows", "posteriordb"],
)
def test_the_centred_design_matrix_is_the_posteriordb_diamonds_model(path):
    ours, theirs = dagspec.parse(DIAMONDS.format(path=path)).build(optimize=False), _diamonds_by_hand(path)
    _same_log_density(ours, theirs)
    derived = [
        model.compile_fn(
            model.replace_rvs_by_values([model["b_Intercept"]])[0], inputs=model.value_vars, on_unused_input="ignore"
        )
        for model in (ours, theirs)
    ]
    for point in _points(theirs, count=3):
        assert derived[0](point) == pytest.approx(derived[1](point), rel=1e-10)


def test_new_rows_of_a_centred_matrix_are_centred_on_the_fitted_means():
    spec = dagspec.parse(DIAMONDS.format(path=DIAMONDS_HEAD))
    fitted = spec.columns()
    raw = np.array(json.loads(DIAMONDS_HEAD.read_text())["X"])[:, 1:]
    np.testing.assert_allclose(fitted["X"].values, raw - raw.mean(axis=0))
    frozen = dagspec.transforms.Statistics(fitted.statistics, frozen=True)
    new = spec.checked
    from dagspec.data import resolve_columns

    again = resolve_columns(new, {"X": np.c_[np.ones(2), raw[:2]], "Y": [0.0, 0.0]}, statistics=frozen)
    np.testing.assert_allclose(again["X"].values, raw[:2] - raw.mean(axis=0))


# ---- indexing by a categorical node and vector priors (the docs' Rethinking m11.11) ----------------------------


def test_kline_m11_11_indexes_vector_priors_by_a_categorical_node():
    import pandas as pd

    spec = dagspec.parse(
        'node cid : categorical(levels = ["low", "high"])\nnode P\na ~ Normal([1, 1], 1)\nb ~ Exponential([1, 1])\n'
        "g ~ Exponential(1)\nT ~ Poisson(mu = exp(a[cid]) * P ** b[cid] / g)\n"
        f'observed T = total_tools, P = population, cid = contact from "{ROOT}/specs/gallery/data/Kline.csv"'
    )
    d = pd.read_csv(ROOT / "specs" / "gallery" / "data" / "Kline.csv")
    cid = (d.contact == "high").to_numpy().astype(int)  # the declared order: low 0, high 1
    with pm.Model() as theirs:
        a, b = pm.Normal("a", 1, 1, shape=2), pm.Exponential("b", 1, shape=2)
        g = pm.Exponential("g", 1)
        rate = pm.math.exp(a[cid]) * d.population.to_numpy() ** b[cid] / g
        pm.Poisson("T", rate, observed=d.total_tools.to_numpy())
    _same_log_density(spec.build(optimize=False), theirs)
