"""Multinomial outcomes (counts per category in several columns): the spec compiles to exactly the hand-written
pm.Multinomial(n = row totals, p = softmax(eta, 0 at the reference)), its data are checked with coded errors, and
predictions, prior draws, predictive checks, LOO and generated scripts handle it."""

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

RNG = np.random.default_rng(587)
N = 24
X = RNG.normal(size=N)
G = RNG.choice(["a", "b", "c"], N)
GROUPS = ["a", "b", "c"]
G_CODES = pd.Categorical(G, categories=GROUPS).codes
COUNTS = RNG.integers(0, 6, size=(N, 3))
COUNTS[COUNTS.sum(axis=1) == 0, 0] = 1
DATA = pd.DataFrame({"x": X, "g": G, "bus": COUNTS[:, 0], "car": COUNTS[:, 1], "walk": COUNTS[:, 2]})
DATA["total"] = COUNTS.sum(axis=1)

SPEC = """
node g : categorical
node mode ~ Multinomial(reference = "car")
x, g -> mode
observed mode = [bus, car, walk], x, g
tau ~ Exponential(1)
prior x -> mode ~ Normal(0, 1) as b_x
prior g -> mode ~ Normal(0, tau) as a_g
"""

TOTALS_SPEC = SPEC.replace('(reference = "car")', '(reference = "car", n = total)').replace(
    "observed mode", "node total\nobserved total, mode"
)


def _reference(levels=("bus", "car", "walk"), reference=1, n=None):
    counts = DATA[list(levels)].to_numpy()
    categories = [level for i, level in enumerate(levels) if i != reference]
    with pm.Model(coords={"g": GROUPS, "mode__category": categories}) as model:
        tau = pm.Exponential("tau", 1)
        intercept = pm.Normal("mode_intercept", 0, 10, dims="mode__category")
        slope = pm.Normal("b_x", 0, 1, dims="mode__category")
        effect = pm.Normal("a_g", 0, tau, dims=("g", "mode__category"))
        eta = intercept + slope * X[:, None] + effect[G_CODES]
        logits = pt.concatenate([eta[:, :reference], pt.zeros((N, 1)), eta[:, reference:]], axis=1)
        pm.Multinomial(
            "mode", n=counts.sum(axis=1) if n is None else n, p=pt.special.softmax(logits, axis=-1), observed=counts
        )
    return model


def test_a_multinomial_outcome_is_the_hand_written_model():
    spec = dagspec.parse(SPEC)
    model = spec.build(DATA, optimize=False)
    assert model.named_vars_to_dims["b_x"] == ("mode__category",)
    assert model.named_vars_to_dims["a_g"] == ("g", "mode__category")
    assert list(model.coords["mode__category"]) == ["bus", "walk"]
    assert list(model.coords["mode__level"]) == ["bus", "car", "walk"]
    assert_same_log_density(model, _reference(), points=4, spread=0.5)
    assert_same_log_density(spec.build(DATA), _reference(), points=2, spread=0.5)  # the optimizer leaves it as written


def test_the_first_column_is_the_default_reference_and_totals_can_be_a_column():
    text = SPEC.replace('(reference = "car")', "(n = total)").replace(
        "observed mode", "node total\nobserved total, mode"
    )
    assert_same_log_density(dagspec.parse(text).build(DATA), _reference(reference=0), points=3, spread=0.5)


def test_a_2d_array_with_declared_levels_and_literal_rows():
    data = {"x": X, "g": G, "choices": COUNTS.tolist()}
    text = SPEC.replace('(reference = "car")', '(levels = ["bus", "car", "walk"], reference = "car")')
    spec = dagspec.parse(text.replace("observed mode = [bus, car, walk]", "observed mode = choices"))
    assert_same_log_density(spec.build(data), _reference(), points=2, spread=0.5)
    literal = dagspec.parse("node y ~ Multinomial\nobserved y = [[1, 0, 2], [0, 3, 1]]").build()
    assert list(literal.coords["y__level"]) == [0, 1, 2]
    np.testing.assert_array_equal(literal.rvs_to_values[literal["y"]].eval(), [[1, 0, 2], [0, 3, 1]])


def test_column_expressions_name_their_categories():
    spec = dagspec.parse('node y ~ Multinomial\nobserved y = [bus + walk, col("car")]')
    model = spec.build(DATA)
    assert list(model.coords["y__level"]) == ["bus + walk", "car"]


def test_compile_says_what_the_totals_and_categories_are():
    from dagspec.render.plan import plan_text
    from dagspec.render.report import compile_report

    spec = dagspec.parse(SPEC)
    text = compile_report(spec, spec.plan(DATA))
    assert "mode ~ Multinomial(eta = softmax(" in text and "0 at 'car'), n = each row's sum of counts)" in text
    assert "observed columns bus, car, walk" in text
    assert "levels bus, car, walk (its columns); a linear predictor for each of bus, walk" in text
    assert "columns bus, car, walk" in plan_text(spec.plan(DATA), "spec.dag")
    totals = dagspec.parse(TOTALS_SPEC)
    assert "n = total)" in compile_report(totals, totals.plan(DATA))


def _codes(text: str, data=DATA) -> list[str]:
    with pytest.raises(DagspecError) as raised:
        dagspec.parse(text).build(data)
    return [d.code for d in raised.value.diagnostics]


@pytest.mark.parametrize(
    ("column", "values", "what"),
    [
        ("bus", 1.5, "not whole numbers"),
        ("bus", -1, "negative values"),
        ("walk", np.nan, "missing values"),
        ("walk", "many", "not numbers"),
    ],
)
def test_bad_counts_are_coded_errors(column, values, what):
    data = DATA.astype({column: object}).copy()
    data.loc[3, column] = values
    with pytest.raises(DagspecError) as raised:
        dagspec.parse(SPEC).build(data)
    [found] = raised.value.diagnostics
    assert found.code == "DS587" and what in found.message and "row(s) 3" in found.message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("node y ~ Multinomial\nobserved y = [bus]", "DS589"),  # one category
        ("node y ~ Multinomial\nobserved y = [bus, 3]", "DS589"),  # not a column
        ("node y ~ Multinomial\nobserved y = [bus, train]", "DS502"),  # a missing column
        ('node y ~ Multinomial(reference = "train")\nobserved y = [bus, car]', "DS462"),
        ('node y ~ Multinomial(levels = ["a", "b", "c"])\nobserved y = [bus, car]', "DS589"),
        ("node y ~ Multinomial(missing = impute)\nobserved y = [bus, car]", "DS409"),
        ("node y ~ Multinomial(link = logit)\nobserved y = [bus, car]", "DS409"),
        ("node y ~ Multinomial(n = 3)\nobserved y = [bus, car]", "DS590"),  # totals that are not the sums
        ("node y ~ Multinomial\nnode z ~ Normal\ny -> z\nobserved y = [bus, car], z = x", "DS153"),
    ],
)
def test_misuse_is_a_coded_error(text, code):
    assert code in _codes(text)


def test_a_row_without_counts_is_kept_with_a_warning():
    data = DATA.copy()
    data.loc[[2, 5], ["bus", "car", "walk"]] = 0
    spec = dagspec.parse(SPEC)
    columns = spec.columns(data)
    [warning] = columns.warnings
    assert warning.code == "DS588" and "2 row(s)" in warning.message and "2, 5" in warning.message
    assert len(columns["mode"].values) == N  # kept: a multinomial with n = 0 adds log 1 = 0
    with pm.Model() as zero:
        pm.Multinomial("y", n=0, p=[0.2, 0.8], observed=[0, 0])
    assert zero.compile_logp()({}) == 0.0


# ---- predictions, prior draws, predictive checks and LOO -----------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    spec = dagspec.parse(TOTALS_SPEC)
    idata = dagspec.sample(spec, DATA, draws=100, tune=100, chains=1, cores=1, random_seed=3)
    return spec, idata


@pytest.mark.slow
def test_predictions_give_category_probabilities_and_counts_given_totals(fitted):
    spec, idata = fitted
    new = pd.DataFrame({"x": [-1.0, 0.0, 1.5], "g": ["a", "b", "c"], "total": [5, 0, 12]})
    mean = dagspec.predict(spec, idata, new, kind="mean", random_seed=1).predictions["mode"]
    assert mean.dims[-1] == "mode__level" and list(mean.coords["mode__level"].values) == ["bus", "car", "walk"]
    post = idata.posterior
    eta = (
        post["mode_intercept"].values[..., None, :]
        + post["b_x"].values[..., None, :] * new["x"].to_numpy()[:, None]
        + post["a_g"].values[..., [0, 1, 2], :]
    )
    bus, walk = np.exp(eta[..., 0]), np.exp(eta[..., 1])
    np.testing.assert_allclose(mean.sel(mode__level="car").values, 1 / (1 + bus + walk), rtol=1e-8)
    np.testing.assert_allclose(mean.sel(mode__level="walk").values, walk / (1 + bus + walk), rtol=1e-8)
    draws = dagspec.predict(spec, idata, new, kind="outcome", random_seed=1).predictions["mode"]
    assert draws.dims[-1] == "mode__level" and "levels" not in draws.attrs
    assert (draws.sum("mode__level").values == [5, 0, 12]).all()  # each row's total, as given
    fitted_rows = dagspec.predict(spec, idata, kind="outcome", random_seed=1, data=DATA).predictions["mode"]
    assert (fitted_rows.sum("mode__level").values == DATA["total"].to_numpy()).all()


@pytest.mark.slow
def test_new_counts_need_totals(fitted):
    _, idata = fitted
    spec = dagspec.parse(SPEC)  # totals are the row sums of the counts, which new rows do not have
    new = pd.DataFrame({"x": [0.0], "g": ["a"]})
    with pytest.raises(DagspecError) as raised:
        dagspec.predict(spec, idata, new, kind="outcome")
    assert raised.value.diagnostics[0].code == "DS591"
    given = new.assign(bus=[1], car=[2], walk=[0])  # ... or given counts: their sums are the totals
    draws = dagspec.predict(spec, idata, given, kind="outcome", random_seed=2).predictions["mode"]
    assert (draws.sum("mode__level").values == 3).all()


@pytest.mark.slow
def test_loo_and_the_posterior_predictive(fitted):
    spec, idata = fitted
    elpd = dagspec.loo(spec, idata.copy(), DATA, outcome="mode")
    assert np.isfinite(elpd.elpd_loo) and elpd.elpd_loo < 0 and elpd.n_data_points == N  # one term per row
    checked = dagspec.posterior_predictive(spec, idata.copy(), DATA, random_seed=1)
    draws = checked.posterior_predictive["mode"]
    assert draws.shape == (1, 100, N, 3)
    assert (draws.sum("mode__level").values == DATA["total"].to_numpy()).all()
    np.testing.assert_array_equal(checked.observed_data["mode"].values, COUNTS)


def test_prior_draws_keep_the_totals():
    prior = dagspec.sample_prior(dagspec.parse(SPEC), DATA, draws=20, random_seed=1)
    draws = prior.prior_predictive["mode"]
    assert draws.shape == (1, 20, N, 3)
    assert (draws.sum("mode__level").values == COUNTS.sum(axis=1)).all()


# ---- code generation -------------------------------------------------------------------------------------------


def _generated(text, data, tmp_path):
    data_file = tmp_path / "data.csv"
    data.to_csv(data_file, index=False)
    script = tmp_path / "model.py"
    script.write_text(dagspec.parse(text).to_source("pymc", data=data, output=script))
    saved, sys.argv = sys.argv, [str(script), str(data_file)]
    try:
        return script.read_text(), runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved


@pytest.mark.parametrize("text", [SPEC, TOTALS_SPEC], ids=["row sums", "totals column"])
def test_the_generated_script_builds_the_same_model(text, tmp_path):
    source, model = _generated(text, DATA, tmp_path)
    assert "np.column_stack([data['bus'], data['car'], data['walk']])" in source  # read from the file, not pasted
    assert "pm.Multinomial('mode'" in source
    assert_same_log_density(model, dagspec.parse(text).build(DATA, optimize=False), points=2, spread=0.5)


def test_generated_scripts_quote_column_names(tmp_path):
    odd = 'car\'s "fast" lane\\n'
    data = DATA.rename(columns={"car": odd})
    quoted = '"' + odd.replace("\\", "\\\\").replace('"', '\\"') + '"'  # a string of the spec language
    text = f"node y ~ Multinomial(reference = {quoted})\nobserved y = [bus, col({quoted}), walk]"
    source, model = _generated(text, data, tmp_path)
    assert list(model.coords["y__level"]) == ["bus", odd, "walk"]
    assert_same_log_density(model, dagspec.parse(text).build(data, optimize=False), points=1)


def test_the_pymc3_script_writes_a_multinomial():
    source = dagspec.parse(TOTALS_SPEC).to_source("pymc3", data=DATA)
    assert (
        "pm.Multinomial('mode', n=tt.cast(total, 'int64'), p=tt.nnet.softmax(logits_mode), observed=mode_obs" in source
    )


@pytest.mark.slow
def test_the_worked_example_recovers_its_simulated_coefficients():
    """docs/language.md's careers example (docs/data/make_careers.py's truth), within 3 posterior sds."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    [text] = [
        t for t in re.findall(r"```dag\n(.*?)```", (root / "docs" / "language.md").read_text(), re.S) if "careers" in t
    ]
    spec = dagspec.parse(text.replace('"docs/data/', f'"{root}/docs/data/'))
    post = dagspec.sample(spec, draws=300, tune=300, chains=1, cores=1, random_seed=1).posterior
    slopes = post["b_math"].sel(career__category=["engineer", "doctor"])
    south = (post["b_region"].sel(region="south") - post["b_region"].sel(region="north")).sel(
        career__category=["engineer", "doctor"]
    )
    for draws, truth in ((slopes, [1.0, 0.5]), (south, [-0.6, 0.4])):
        gap = np.abs(draws.mean(("chain", "draw")).values - truth)
        assert (gap < 3 * draws.std(("chain", "draw")).values).all(), (gap, truth)


def test_the_prediction_table_has_a_column_per_level():
    import xarray as xr

    from dagspec.render.summary import prediction_table

    draws = np.random.default_rng(1).dirichlet([1, 2, 3], size=(1, 50, 2))
    predictions = xr.Dataset(
        {"mode": (("chain", "draw", "__obs__", "mode__level"), draws)}, coords={"mode__level": ["bus", "car", "walk"]}
    )
    table = prediction_table(predictions, pd.DataFrame({"x": [0.0, 1.0]}))
    assert list(table.columns[:3]) == ["x", "mode[bus]_mean", "mode[bus]_sd"]
    np.testing.assert_allclose(table["mode[walk]_mean"], draws[0, :, :, 2].mean(axis=0))
