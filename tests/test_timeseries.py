"""Time series: `lag(x, k, time = t, by = g)` observes a node of its own (rows without a lag are dropped with DS565),
autoregressive outcomes are edges from their lags, and GaussianRandomWalk / AR1 priors over a time node's levels
compile to exactly the hand-written PyMC models (equal log densities at random points), in `spec.build()` and in the
generated script; forecasts iterate the recursion; a lagged node is a node of the causal DAG."""

import runpy
import sys

import numpy as np
import pandas as pd
import pymc as pm
import pytest

import dagspec
from dagspec.lags import lagged_nodes

RNG = np.random.default_rng(14)
YEARS = list(range(2001, 2009))
PANEL = pd.DataFrame(
    [{"unit": u, "year": t, "y": RNG.normal(), "x": RNG.normal()} for u in ("a", "b", "c") for t in YEARS]
).sample(frac=1, random_state=3)  # the rows in no order: lags order them by year within unit

AR2 = """
node unit : categorical
node y ~ Normal
observed y, unit, y1 = lag(y, 1, time = year, by = unit), y2 = lag(y, 2, time = year, by = unit)
y1, y2, unit -> y
prior y.intercept ~ Normal(0, 2) as alpha
prior y1 -> y ~ Normal(0, 0.5) as phi1
prior y2 -> y ~ Normal(0, 0.5) as phi2
prior unit -> y ~ Normal(0, 1) as a_unit
"""


def _same_log_density(ours, theirs, seed=0):
    assert sorted(ours.initial_point()) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(seed)
    for _ in range(6):
        point = {k: v + rng.normal(0, 0.5, np.shape(v)) for k, v in theirs.initial_point().items()}
        expected = theirs_logp(point)
        assert np.isfinite(expected)
        assert ours_logp(point) == pytest.approx(expected, rel=1e-9)


def _ar2_reference():
    """The AR(2) panel by hand: sort by unit and year, shift within unit, drop the first two years of each unit."""
    table = PANEL.sort_values(["unit", "year"]).copy()
    table["y1"] = table.groupby("unit")["y"].shift(1)
    table["y2"] = table.groupby("unit")["y"].shift(2)
    kept = table.dropna()
    with pm.Model(coords={"unit": ["a", "b", "c"]}) as reference:
        alpha = pm.Normal("alpha", 0, 2)
        phi1 = pm.Normal("phi1", 0, 0.5)
        phi2 = pm.Normal("phi2", 0, 0.5)
        a_unit = pm.Normal("a_unit", 0, 1, dims="unit")
        sigma = pm.Exponential("y_sigma", 1)
        code = kept["unit"].map({"a": 0, "b": 1, "c": 2}).to_numpy()
        mu = alpha + phi1 * kept["y1"].to_numpy() + phi2 * kept["y2"].to_numpy() + a_unit[code]
        pm.Normal("y", mu, sigma, observed=kept["y"].to_numpy())
    return reference, kept


def test_lags_order_rows_by_time_within_groups_and_drop_the_first_steps():
    spec = dagspec.parse(AR2)
    columns = spec.columns(PANEL)
    assert [(d.code, d.message[:14]) for d in columns.warnings] == [("DS565", "6 of 24 rows h")]
    reference, kept = _ar2_reference()
    assert sorted(columns["y1"].values) == sorted(kept["y1"])
    # row by row: each fitted row's lag is its own unit's value one and two years before
    table = PANEL.reset_index(drop=True)
    by_key = {(u, t): v for u, t, v in zip(table["unit"], table["year"], table["y"])}
    present = {round(v, 12): (u, t) for (u, t), v in by_key.items()}
    for y, y1, y2 in zip(columns["y"].values, columns["y1"].values, columns["y2"].values):
        unit, year = present[round(y, 12)]
        assert y1 == by_key[(unit, year - 1)] and y2 == by_key[(unit, year - 2)]


def test_an_autoregressive_panel_is_the_hand_written_model():
    spec = dagspec.parse(AR2)
    reference, _ = _ar2_reference()
    with pytest.warns(dagspec.DagspecWarning):
        _same_log_density(spec.build(PANEL, optimize=False), reference)


def test_a_lag_without_time_follows_the_row_order():
    data = {"y": [1.0, 2.0, 4.0, 3.0, 5.0]}
    spec = dagspec.parse("node y ~ Normal\nobserved y, y_1 = lag(y, 1)\ny_1 -> y")
    columns = spec.columns(data)
    assert [d.message[:6] for d in columns.warnings] == ["1 of 5"]
    assert columns["y"].values.tolist() == [2.0, 4.0, 3.0, 5.0]
    assert columns["y_1"].values.tolist() == [1.0, 2.0, 4.0, 3.0]


def test_a_gap_in_time_has_no_lag():
    data = {"t": [1, 2, 4, 5], "y": [1.0, 2.0, 3.0, 4.0]}
    spec = dagspec.parse("node y ~ Normal\nobserved y, y_1 = lag(y, 1, time = t)\ny_1 -> y")
    columns = spec.columns(data)
    assert [d.message[:6] for d in columns.warnings] == ["2 of 4"]
    assert columns["y"].values.tolist() == [2.0, 4.0]
    assert columns["y_1"].values.tolist() == [1.0, 3.0]


WALK = """
node year : categorical
node y ~ Normal
year, x -> y
observed y, x, year
prior tau ~ Exponential(1)
prior year -> y ~ GaussianRandomWalk(sigma = tau) as trend
"""
AR1 = WALK.replace("GaussianRandomWalk(sigma = tau)", "AR1(rho = phi, sigma = tau, init = Normal(0, 2))") + (
    "prior phi ~ Uniform(-1, 1)\n"
)


def _walk_reference(kind):
    code = PANEL["year"].to_numpy() - 2001
    with pm.Model(coords={"year": YEARS}) as reference:
        tau = pm.Exponential("tau", 1)
        if kind == "walk":
            trend = pm.GaussianRandomWalk("trend", sigma=tau, init_dist=pm.Normal.dist(0, 10), dims="year")
        else:
            phi = pm.Uniform("phi", -1, 1)
            trend = pm.AR(
                "trend", rho=phi, sigma=tau, init_dist=pm.Normal.dist(0, 2), ar_order=1, constant=False, dims="year"
            )
        intercept = pm.Normal("y_intercept", 0, 10)
        b = pm.Normal("b_x_y", 0, 10)
        sigma = pm.Exponential("y_sigma", 1)
        pm.Normal("y", intercept + trend[code] + b * PANEL["x"].to_numpy(), sigma, observed=PANEL["y"].to_numpy())
    return reference


@pytest.mark.parametrize("kind", ["walk", "ar1"])
def test_time_pools_are_the_hand_written_model(kind):
    spec = dagspec.parse(WALK if kind == "walk" else AR1)
    reference = _walk_reference(kind)
    _same_log_density(spec.build(PANEL, optimize=False), reference)


def test_a_walk_shows_its_default_initial_distribution():
    spec = dagspec.parse(WALK)
    prior = spec.checked.params["year -> y"].prior
    assert dagspec.printer.call_text(prior) == "GaussianRandomWalk(sigma = tau, init = Normal(0, 10))"


@pytest.mark.parametrize("text", [WALK, AR1, AR2])
def test_generated_script_matches_build(tmp_path, text):
    spec = dagspec.parse(text)
    data_file = tmp_path / "data.csv"
    PANEL.to_csv(data_file, index=False)
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", data=PANEL, output=script))
    saved, sys.argv = sys.argv, [str(script), str(data_file)]
    try:
        generated = runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved
    _same_log_density(spec.build(PANEL, optimize=False), generated)


def test_a_lagged_node_is_a_node_of_the_causal_dag():
    spec = dagspec.parse("""
node y ~ Normal
node x
observed y, x, y1 = lag(y, 1, time = year, by = unit)
y1 -> x
y1, x -> y
estimate x -> y
""")
    assert lagged_nodes(spec.checked)["y1"].present == "y"
    assert dagspec.adjustment_sets(spec, "x", "y") == [frozenset({"y1"})]
    assert spec.checked.estimates[0].adjust == ("y1",)


def _posterior(**values):
    """A posterior of 1 chain and 4 draws holding these values in every draw (dims named by xarray convention)."""
    import arviz as az
    import xarray as xr

    variables = {}
    for name, (value, dims) in values.items():
        array = np.broadcast_to(np.asarray(value, dtype=float), (1, 4) + np.shape(value))
        variables[name] = xr.DataArray(array.copy(), dims=("chain", "draw", *dims))
    return az.InferenceData(posterior=xr.Dataset(variables, coords={"unit": ["a", "b", "c"], "year": YEARS}))


def test_a_forecast_iterates_the_recursion_from_each_groups_last_values():
    spec = dagspec.parse(AR2)
    idata = _posterior(
        alpha=(0.5, ()), phi1=(0.6, ()), phi2=(-0.2, ()), a_unit=([0.0, 1.0, -1.0], ("unit",)), y_sigma=(1e-9, ())
    )
    result = dagspec.forecast(spec, idata, 3, data=PANEL, kind="mean", random_seed=1).predictions
    assert result["time"].values.tolist() == [[2009, 2010, 2011]] * 3
    for g, (unit, effect) in enumerate(zip("abc", [0.0, 1.0, -1.0])):
        series = PANEL[PANEL["unit"] == unit].sort_values("year")["y"].tolist()
        for _ in range(3):
            series.append(0.5 + 0.6 * series[-1] - 0.2 * series[-2] + effect)
        assert result["y"].values[0, :, g, :] == pytest.approx(np.tile(series[-3:], (4, 1)), abs=1e-6)


def test_a_forecast_extends_the_random_walk_past_its_last_year():
    spec = dagspec.parse("""
node year : categorical
node y ~ Normal
year -> y
observed y, year
prior tau ~ Exponential(1)
prior year -> y ~ GaussianRandomWalk(sigma = tau) as trend
""")
    trend = np.arange(len(YEARS), dtype=float)
    idata = _posterior(tau=(1e-9, ()), trend=(trend, ("year",)), y_intercept=(2.0, ()), y_sigma=(1e-9, ()))
    result = dagspec.forecast(spec, idata, 2, data=PANEL, kind="mean").predictions
    assert result["y"].values[0, :, 0, :] == pytest.approx(np.full((4, 2), 2.0 + trend[-1]), abs=1e-6)
    # predict for a later year: the walk goes on from the last fitted year (tau is ~0, so it stays there)
    new = pd.DataFrame({"year": [2010, 2003]})
    predicted = dagspec.predict(spec, idata, new, kind="mean").predictions["y"].values[0]
    assert predicted == pytest.approx(np.tile([2.0 + trend[-1], 2.0 + trend[2]], (4, 1)), abs=1e-6)


def test_a_forecast_needs_an_outcome_of_its_own_past():
    spec = dagspec.parse("node y ~ Normal\nx -> y\nobserved x, y")
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.forecast(spec, _posterior(y_sigma=(1.0, ())), 2, data=PANEL)
    assert [d.code for d in info.value.diagnostics] == ["DS665"]
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.forecast(dagspec.parse(AR2), _posterior(y_sigma=(1.0, ())), 0, data=PANEL)
    assert [d.code for d in info.value.diagnostics] == ["DS665"]


def test_posteriordb_ark_is_stans_model():
    """arK.stan: y[t] ~ normal(alpha + sum_k beta[k] y[t-k], sigma) for t > K, alpha, beta ~ normal(0, 10),
    sigma ~ cauchy(0, 2.5) on sigma > 0: its log density written out with scipy (sigma on the log scale PyMC samples,
    hence + log sigma), so that only dagspec's model is compiled."""
    import json
    from pathlib import Path

    from scipy import stats

    root = Path(__file__).resolve().parent.parent / "specs" / "gallery"
    y = np.asarray(json.loads((root / "data" / "arK.json").read_text())["y"])
    spec = dagspec.load(root / "arK.dag")
    with pytest.warns(dagspec.DagspecWarning, match="DS565 5 of 200"):
        model = spec.build(optimize=False)
    names = ["alpha", *(f"beta_{k}" for k in range(1, 6))]
    assert sorted(model.initial_point()) == sorted([*names, "sigma_log__"])
    logp = model.compile_logp()
    rng = np.random.default_rng(5)
    for _ in range(3):
        point = {name: rng.normal(0, 0.5) for name in names} | {"sigma_log__": rng.normal(-1, 0.5)}
        sigma = np.exp(point["sigma_log__"])
        mu = point["alpha"] + sum(point[f"beta_{k}"] * y[5 - k : len(y) - k] for k in range(1, 6))
        expected = (
            stats.norm(0, 10).logpdf([point[n] for n in names]).sum()
            + stats.halfcauchy(scale=2.5).logpdf(sigma)
            + np.log(sigma)
            + stats.norm(mu, sigma).logpdf(y[5:]).sum()
        )
        # abs: pytensor takes the log of an integer constant (the 10 of Normal(0, 10)) in float32, as a hand-written
        # pm.Normal(0, 10) does: each prior's constant term is off by ~3e-8, the data's terms agree to 1e-12
        assert logp({k: np.asarray(v) for k, v in point.items()}) == pytest.approx(expected, rel=1e-12, abs=1e-6)
