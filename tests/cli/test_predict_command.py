"""`dagspec predict`: a table of predictions for new rows from a posterior file, CSV and NetCDF outputs, errors."""

import arviz as az
import numpy as np
import pandas as pd
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
