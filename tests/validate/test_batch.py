"""`batch`: one spec fitted to many data sets on a real local Dask cluster, with resume and recorded failures."""

import json

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec.cli import main
from dagspec.diagnostics import DagspecError
from dagspec.validate.batch import data_sets, summary_table

SPEC = "node y ~ Normal\nx -> y\nobserved x, y\nprior x -> y ~ Normal(0, 10) as slope\n"


def frame(slope: float, seed: int, rows: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    return pd.DataFrame({"x": x, "y": 1 + slope * x + 0.1 * rng.normal(size=rows)})


def test_each_data_set_gets_its_posterior_and_a_failure_is_recorded(client, tmp_path):
    sets = {"one": frame(1.0, 1), "two": frame(2.0, 2), "broken": frame(3.0, 3).drop(columns="y")}
    records = dagspec.batch(dagspec.parse(SPEC), sets, tmp_path, client=client, draws=300, chains=2, seed=1)
    assert records["one"]["status"] == records["two"]["status"] == "ok"
    assert records["broken"]["status"] == "failed" and "DS5" in records["broken"]["error"]  # y is missing
    means = summary_table(records)
    assert abs(means.loc["slope", "one"] - 1) < 0.05 and abs(means.loc["slope", "two"] - 2) < 0.05
    assert np.isnan(means["broken"]).all()
    import arviz as az

    assert float(az.from_netcdf(tmp_path / "fits" / "two.nc").posterior["slope"].mean()) == pytest.approx(
        records["two"]["summary"]["slope"]["mean"]
    )
    # a second run does only what has no record (the failed fit is a record too) and gives the same answer
    before = (tmp_path / "records" / "one.json").stat().st_mtime_ns
    again = dagspec.batch(
        dagspec.parse(SPEC), {**sets, "three": frame(3.0, 4)}, tmp_path, client=client, draws=300, chains=2, seed=1
    )
    assert (tmp_path / "records" / "one.json").stat().st_mtime_ns == before
    assert again["one"]["summary"] == records["one"]["summary"] and again["three"]["status"] == "ok"
    assert json.loads((tmp_path / "manifest.json").read_text())["command"] == "batch"


def test_data_sets_from_a_folder_or_a_grouping_column(tmp_path):
    table = pd.concat([frame(1.0, 1).assign(site="north"), frame(2.0, 2).assign(site="../south")])
    split = data_sets(data=table, by="site")
    assert list(split) == ["_south", "north"] and list(split["north"].columns) == ["x", "y"]
    frame(1.0, 1).to_csv(tmp_path / "a.csv", index=False)
    frame(1.0, 2).to_parquet(tmp_path / "b.parquet")
    (tmp_path / "notes.txt").write_text("not data")
    assert list(data_sets(tmp_path)) == ["a", "b"]
    with pytest.raises(DagspecError) as caught:
        data_sets(data=table, by="region")
    assert caught.value.codes == ["DS657"]


def test_the_command_line_splits_a_table(client, tmp_path, capsys):
    (tmp_path / "m.dag").write_text(SPEC)
    pd.concat([frame(1.0, 1).assign(g="a"), frame(-1.0, 2).assign(g="b")]).to_csv(tmp_path / "d.csv", index=False)
    code = main(
        [
            "batch",
            str(tmp_path / "m.dag"),
            "--data",
            str(tmp_path / "d.csv"),
            "--by",
            "g",
            "--draws",
            "200",
            "--chains",
            "2",
            "--seed",
            "1",
            "--out",
            str(tmp_path / "out"),
            "--scheduler",
            client.scheduler.address,
            "--quiet",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "slope" in out and " a " in out.splitlines()[0] + " "
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert set(summary["fit"]) == {"a", "b"} and (tmp_path / "out" / "fits" / "b.nc").exists()
    assert main(["batch", str(tmp_path / "m.dag"), "--data", str(tmp_path / "d.csv")]) == 2  # no --by
    pd.DataFrame({"x": [1.0, 2.0]}).to_csv(tmp_path / "d.csv", index=False)  # no y: every fit fails
    (tmp_path / "sets").mkdir()
    pd.DataFrame({"x": [1.0, 2.0]}).to_csv(tmp_path / "sets" / "only.csv", index=False)
    assert (
        main(
            [
                "batch",
                str(tmp_path / "m.dag"),
                "--data-dir",
                str(tmp_path / "sets"),
                "--out",
                str(tmp_path / "none"),
                "--scheduler",
                client.scheduler.address,
                "--quiet",
            ]
        )
        == 1
    )
    assert "DS658" in capsys.readouterr().err
