"""`dagspec forecast`: a table of forecasts h time steps past each group's data from a posterior file, CSV and
NetCDF outputs, coded errors."""

import arviz as az
import numpy as np
import pandas as pd
from cli_support import run

AR1 = """
node unit : categorical
node y ~ Normal
observed y, unit, y1 = lag(y, 1, time = year, by = unit) from "panel.csv"
y1, unit -> y
prior y.intercept ~ Normal(0, 2) as alpha
prior y1 -> y ~ Normal(0, 0.5) as phi
prior unit -> y ~ Normal(0, 1) as a_unit
"""
WALK = """
node year : categorical
node y ~ Normal
year -> y
observed y, year from "panel.csv"
prior tau ~ Exponential(1)
prior year -> y ~ GaussianRandomWalk(sigma = tau) as trend
"""
PANEL = pd.DataFrame({"unit": ["a"] * 4 + ["b"] * 3, "year": [1, 2, 3, 4, 1, 2, 3], "y": [1.0, 2, 3, 4, 5, 6, 7]})


def _fit(tmp_path, text, **posterior):
    """A spec, its panel and a (made-up) posterior as `sample --out` writes it: 1 chain, 10 draws of each value."""
    (tmp_path / "model.dag").write_text(text)
    PANEL.to_csv(tmp_path / "panel.csv", index=False)
    draws = {
        name: np.broadcast_to(np.asarray(value, float), (1, 10) + np.shape(value)) for name, value in posterior.items()
    }
    dims = {"a_unit": ["unit"], "trend": ["year"]}
    coords = {"unit": ["a", "b"], "year": [1, 2, 3, 4]}
    az.from_dict(posterior=draws, dims=dims, coords=coords).to_netcdf(str(tmp_path / "fit.nc"))
    return tmp_path / "model.dag", tmp_path / "fit.nc"


def test_forecast_iterates_each_groups_series_and_writes_csv_and_netcdf(capsys, tmp_path):
    spec, fit = _fit(tmp_path, AR1, alpha=1.0, phi=0.5, a_unit=[0.0, -1.0], y_sigma=1e-9)
    csv, nc = tmp_path / "f.csv", tmp_path / "f.nc"
    code, out, err = run(capsys, "forecast", spec, fit, "--horizon", 2, "--kind", "mean", "-o", csv, "--out", nc)
    assert code == 0, err
    assert out.splitlines()[0] == "expected value per time step: posterior mean, sd and 94% HDI"
    table = pd.read_csv(csv)
    assert list(table.columns) == ["group", "step", "time", "y_mean", "y_sd", "y_hdi_3%", "y_hdi_97%"]
    assert table[["group", "step", "time"]].values.tolist() == [["a", 1, 5], ["a", 2, 6], ["b", 1, 4], ["b", 2, 5]]
    # a: 1 + 0.5 * 4 = 3, then 1 + 0.5 * 3 = 2.5; b: 1 + 0.5 * 7 - 1 = 3.5, then 1 + 0.5 * 3.5 - 1 = 1.75
    np.testing.assert_allclose(table["y_mean"], [3.0, 2.5, 3.5, 1.75], atol=1e-6)
    assert az.from_netcdf(nc).predictions["y"].shape == (1, 10, 2, 2)


def test_forecast_of_a_random_walk_goes_on_from_its_last_year(capsys, tmp_path):
    spec, fit = _fit(tmp_path, WALK, tau=1.0, trend=[0.0, 1.0, 2.0, 3.0], y_intercept=0.5, y_sigma=0.1)
    code, _, err = run(capsys, "forecast", spec, fit, "--horizon", 3, "--seed", 2, "-o", tmp_path / "f.csv")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "f.csv")
    assert list(table.columns[:2]) == ["step", "time"] and table["time"].tolist() == [5, 6, 7]
    assert np.all(np.isfinite(table["y_mean"])) and (np.diff(table["y_sd"]) > 0).all()  # the walk's spread grows


def test_forecast_errors_are_coded_without_a_traceback(capsys, tmp_path):
    spec, fit = _fit(tmp_path, AR1, alpha=1.0, phi=0.5, a_unit=[0.0, -1.0], y_sigma=1.0)
    code, _, err = run(capsys, "forecast", spec, fit, "--horizon", 0)
    assert code == 2 and "--horizon" in err and "Traceback" not in err
    code, _, err = run(capsys, "forecast", spec, fit, "--horizon", 2, "--outcome", "nope")
    assert code == 1 and "DS665" in err and "'nope' is not an outcome" in err and "Traceback" not in err
    (tmp_path / "static.dag").write_text('node y ~ Normal\nobserved y from "panel.csv"\n')
    code, _, err = run(capsys, "forecast", tmp_path / "static.dag", fit, "--horizon", 2)
    assert code == 1 and "DS665" in err and "own lags" in err and "Traceback" not in err
    assert not (tmp_path / "f.csv").exists()
