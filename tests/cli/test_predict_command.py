"""`dagspec predict`: a table of predictions for new rows from a posterior file, CSV and NetCDF outputs, errors."""

import arviz as az
import numpy as np
import pandas as pd
import pytest
from cli_support import run

SPEC = "node w\nnode h ~ Normal\nw -> h\nobserved h, w = center(weight)\n"


def _fit(tmp_path):
    """A spec, its (made-up) posterior as written by `sample --out`, and the fitted data's statistics."""
    (tmp_path / "h.dag").write_text(SPEC)
    rng = np.random.default_rng(1)
    posterior = {
        "h_intercept": rng.normal(150, 0.1, (2, 100)),
        "b_w_h": rng.normal(1.0, 0.01, (2, 100)),
        "h_sigma": np.abs(rng.normal(5, 0.1, (2, 100))),
    }
    idata = az.from_dict(posterior=posterior)
    idata.posterior.attrs["dagspec_statistics"] = '{"w: mean(weight)": 40.0}'
    idata.to_netcdf(str(tmp_path / "fit.nc"))
    pd.DataFrame({"weight": [40.0, 50.0]}).to_csv(tmp_path / "new.csv", index=False)
    return tmp_path / "h.dag", tmp_path / "fit.nc", tmp_path / "new.csv"


def test_predict_prints_and_writes_a_row_per_new_row(capsys, tmp_path):
    spec, fit, new = _fit(tmp_path)
    code, out, err = run(
        capsys, "predict", spec, fit, "--newdata", new, "-o", tmp_path / "p.csv", "--out", tmp_path / "p.nc"
    )
    assert code == 0, err
    assert out.splitlines()[0] == "expected value per row: posterior mean, sd and 94% HDI"
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table.columns) == ["weight", "h_mean", "h_sd", "h_hdi_3%", "h_hdi_97%"]
    np.testing.assert_allclose(table["h_mean"], [150, 160], atol=0.2)  # centred with the fitted mean, 40
    assert az.from_netcdf(tmp_path / "p.nc").predictions["h"].shape == (2, 100, 2)


def test_predict_outcome_draws_are_wider_than_the_mean(capsys, tmp_path):
    spec, fit, new = _fit(tmp_path)
    code, _, _ = run(
        capsys, "predict", spec, fit, "--newdata", new, "--kind", "outcome", "--seed", "1", "-o", tmp_path / "p.csv"
    )
    assert code == 0
    assert (pd.read_csv(tmp_path / "p.csv")["h_sd"] > 4).all()  # sigma is about 5


def test_predict_errors_are_one_line_without_a_traceback(capsys, tmp_path):
    spec, fit, new = _fit(tmp_path)
    code, _, err = run(capsys, "predict", spec, fit, "--newdata", new, "--outcome", "nope")
    assert code == 2 and "not an outcome" in err and "Traceback" not in err
    pd.DataFrame({"height": [1.0]}).to_csv(tmp_path / "bad.csv", index=False)
    code, _, err = run(capsys, "predict", spec, fit, "--newdata", tmp_path / "bad.csv")
    assert code == 1 and "DS502" in err and "weight" in err and "Traceback" not in err


def test_predict_survival_gives_s_of_t_and_the_median_per_row(capsys, tmp_path):
    (tmp_path / "t.dag").write_text("node status\nnode t ~ Weibull(censored = status)\nx -> t\nobserved x, t, status\n")
    rng = np.random.default_rng(2)
    posterior = {
        "t_intercept": rng.normal(1.0, 0.05, (2, 50)),
        "b_x_t": rng.normal(0.5, 0.05, (2, 50)),
        "t_alpha": rng.uniform(1.2, 1.5, (2, 50)),
    }
    az.from_dict(posterior=posterior).to_netcdf(str(tmp_path / "fit.nc"))
    pd.DataFrame({"x": [0.0, 1.0]}).to_csv(tmp_path / "new.csv", index=False)
    args = ["predict", tmp_path / "t.dag", tmp_path / "fit.nc", "--newdata", tmp_path / "new.csv", "--kind", "survival"]
    code, out, err = run(capsys, *args, "--times", "1,2.5,10", "-o", tmp_path / "s.csv", "--out", tmp_path / "s.nc")
    assert code == 0, err
    assert out.splitlines()[0] == "survival S(t) and median time per row: posterior mean, sd and 94% HDI"
    table = pd.read_csv(tmp_path / "s.csv")
    assert [c for c in table.columns if c.endswith("_mean")] == [
        "S(1)_mean",
        "S(2.5)_mean",
        "S(10)_mean",
        "median_mean",
    ]
    assert (table["S(1)_mean"] > table["S(2.5)_mean"]).all() and (table["S(2.5)_mean"] > table["S(10)_mean"]).all()
    mu, alpha = np.exp(posterior["t_intercept"] + posterior["b_x_t"]), posterior["t_alpha"]
    from scipy import special

    beta = mu / special.gamma(1 + 1 / alpha)
    assert table["median_mean"][1] == pytest.approx((beta * np.log(2) ** (1 / alpha)).mean(), rel=1e-6)
    assert az.from_netcdf(tmp_path / "s.nc").predictions["median"].shape == (2, 50, 2)
    code, _, err = run(capsys, *args)
    assert code == 2 and "--times" in err and "Traceback" not in err
    code, _, err = run(capsys, *args, "--times", "1,a")
    assert code == 2 and "times are" in err
