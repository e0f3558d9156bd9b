"""Simulation-based calibration on a real local Dask cluster: a correct spec passes, a wrong prior is caught, a
run stopped half-way resumes to the same result; and the rank statistics on their own."""

import operator

import numpy as np
import pytest

import dagspec
from dagspec.cli import main
from dagspec.diagnostics import DagspecError
from dagspec.validate import runner
from dagspec.validate import sbc as sbc_module
from dagspec.validate.sbc import FitSettings, calibration, seeds

COIN = """p ~ Beta(2, 2) as p_heads
heads ~ Binomial(n = 10, p = p) as flips
observed heads = 7
"""
# the same coin fitted with a prior that believes in heads: its posteriors sit above the simulated truths
BIASED_COIN = COIN.replace("Beta(2, 2)", "Beta(8, 2)")
FAST = dict(draws=400, chains=1)


def test_a_correct_exact_spec_is_calibrated(client):
    result = dagspec.sbc(dagspec.parse(COIN), sims=60, client=client, seed=3, **FAST)
    assert len(result.records) == 60 and not result.failed
    assert result.calibrated, result.table()
    assert [r.get("error") for r in result.records if r["status"] != "ok"] == []
    assert {r["sampler"] for r in result.records} == {"exact"}
    assert result.findings() == []


def test_a_fit_with_another_prior_is_caught(client):
    result = dagspec.sbc(dagspec.parse(COIN), sims=60, client=client, seed=3, fit=dagspec.parse(BIASED_COIN), **FAST)
    assert not result.calibrated
    [finding] = result.findings()
    assert finding.code == "DS653" and "p_heads" in finding.message
    assert "sits above the true values" in result.parameters[0].shape  # the ranks pile up low


def test_a_linear_gaussian_regression_is_calibrated(client, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=15)
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{a},{2 * a + rng.normal()}\n" for a in x))
    (tmp_path / "m.dag").write_text(
        'node y ~ Normal\nx -> y\nobserved x, y from "d.csv"\n'
        "prior x -> y ~ Normal(0, 1) as slope\nprior y.intercept ~ Normal(0, 1)\n"
        "prior y.sigma ~ Exponential(1)\n"
    )
    result = dagspec.sbc(tmp_path / "m.dag", sims=40, client=client, seed=1, **FAST)
    assert [r.get("error") for r in result.records if r["status"] != "ok"] == []
    assert {r["sampler"] for r in result.records} == {"gaussian"}
    assert result.calibrated, result.table()
    assert set(result.table().index) == {"slope", "y_intercept", "y_sigma"}


def test_a_logistic_regression_drawn_by_independence_metropolis_hastings_is_calibrated(client, tmp_path):
    """The independence sampler (backends/independence.py) on simulated Bernoulli data: its ranks are uniform."""
    x = np.random.default_rng(1).normal(size=40)
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{a},{int(a > 0)}\n" for a in x))
    (tmp_path / "m.dag").write_text(
        'node y ~ Bernoulli\nx -> y\nobserved x, y from "d.csv"\n'
        "prior x -> y ~ Normal(0, 1) as slope\nprior y.intercept ~ Normal(0, 1)\n"
    )
    result = dagspec.sbc(tmp_path / "m.dag", sims=60, client=client, seed=4, **FAST)
    assert [r.get("error") for r in result.records if r["status"] != "ok"] == []
    samplers = [r["sampler"] for r in result.records]
    assert set(samplers) <= {"independence", "pymc"} and samplers.count("independence") >= 50, samplers
    assert result.calibrated, result.table()


class Interrupted(runner.Progress):
    """Stops the run (as Ctrl-C would) after a few simulations have been recorded."""

    def update(self, failed):
        super().update(failed)
        if self.new == 4:
            raise KeyboardInterrupt


def test_a_run_stopped_half_way_resumes_to_the_same_result(client, tmp_path, monkeypatch):
    spec = dagspec.parse(COIN)
    whole = dagspec.sbc(spec, sims=12, client=client, seed=11, out=tmp_path / "whole", **FAST)
    monkeypatch.setattr(sbc_module, "Progress", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        dagspec.sbc(spec, sims=12, client=client, seed=11, out=tmp_path / "resumed", **FAST)
    monkeypatch.undo()
    kept = sorted(p.name for p in (tmp_path / "resumed" / "records").iterdir())
    assert 4 <= len(kept) < 12 and all(name.endswith(".json") for name in kept)  # no partial file left
    resumed = dagspec.sbc(spec, sims=12, client=client, out=tmp_path / "resumed", **FAST)  # the seed is recorded
    assert [r["ranks"] for r in resumed.records] == [r["ranks"] for r in whole.records]
    assert resumed.seed == 11
    with pytest.raises(DagspecError) as caught:  # the folder holds a run with another seed
        dagspec.sbc(spec, sims=12, client=client, seed=12, out=tmp_path / "resumed", **FAST)
    assert caught.value.codes == ["DS651"]


def test_a_failed_task_is_recorded_and_the_run_goes_on(client, tmp_path):
    store = runner.RecordStore(tmp_path, {"command": "test"})
    tasks = {"good": (dict, ()), "bad": (operator.truediv, (1, 0))}
    records = runner.run_tasks(client, tasks, store, runner.Progress("test", 2, quiet=True))
    assert records["good"]["status"] == "ok"
    assert records["bad"]["status"] == "failed" and "ZeroDivisionError" in records["bad"]["error"]
    assert set(store.load(["good", "bad"])) == {"good", "bad"}


def test_the_command_line_on_a_scheduler(client, tmp_path, capsys):
    (tmp_path / "coin.dag").write_text(COIN)
    (tmp_path / "biased.dag").write_text(BIASED_COIN)
    common = [
        "--sims",
        "40",
        "--seed",
        "2",
        "--draws",
        "300",
        "--chains",
        "1",
        "--scheduler",
        client.scheduler.address,
        "--quiet",
    ]
    assert main(["sbc", str(tmp_path / "coin.dag"), "--out", str(tmp_path / "ok"), *common]) == 0
    assert "every parameter is calibrated" in capsys.readouterr().out
    assert (tmp_path / "ok" / "ecdf.png").stat().st_size > 0 and (tmp_path / "ok" / "summary.csv").exists()
    assert (
        main(
            [
                "sbc",
                str(tmp_path / "coin.dag"),
                "--fit",
                str(tmp_path / "biased.dag"),
                "--out",
                str(tmp_path / "bad"),
                *common,
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert "miscalibrated: p_heads" in captured.out and "DS653" in captured.err


def test_seeds_depend_on_the_run_seed_and_the_index_only():
    assert seeds(1, 5) == seeds(1, 5)
    assert len({seeds(1, i) for i in range(50)}) == 50 and seeds(2, 5) != seeds(1, 5)


def test_uniform_ranks_pass_and_shifted_or_narrow_ones_fail():
    rng = np.random.default_rng(1)
    uniform = calibration("a", rng.integers(0, 100, size=200), 99, 0.95)
    assert uniform.inside_band and uniform.chi2_p > 0.01
    low = calibration("b", rng.integers(0, 40, size=200), 99, 0.95)
    assert not low.inside_band and "above the true values" in low.shape
    ends = calibration("c", np.concatenate([rng.integers(0, 15, 100), rng.integers(85, 100, 100)]), 99, 0.95)
    assert not ends.inside_band and "too narrow" in ends.shape


def test_nothing_to_simulate_and_too_few_draws_are_coded_errors():
    with pytest.raises(DagspecError) as caught:
        dagspec.sbc(dagspec.parse("p ~ Beta(1, 1)"), sims=2)
    assert caught.value.codes == ["DS650"]
    with pytest.raises(DagspecError) as caught:
        dagspec.sbc(dagspec.parse(COIN), sims=2, draws=50, chains=1)
    assert caught.value.codes == ["DS655"]


def test_a_command_killed_mid_way_resumes_to_the_same_result(client, tmp_path):
    """SIGKILL (no chance to clean up) while fits are running; the records written survive, whole."""
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "coin.dag").write_text(COIN)
    command = [
        sys.executable,
        "-m",
        "dagspec",
        "sbc",
        str(tmp_path / "coin.dag"),
        "--sims",
        "40",
        "--seed",
        "4",
        "--draws",
        "300",
        "--chains",
        "1",
        "--scheduler",
        client.scheduler.address,
        "--quiet",
        "--out",
        str(tmp_path / "killed"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = tmp_path / "killed" / "records"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(records.glob("*.json")) if records.is_dir() else []) < 3:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    kept = sorted(records.glob("[!.]*"))  # a record being written when killed stays a hidden temporary file
    assert 3 <= len(kept) < 40 and all(p.suffix == ".json" for p in kept)
    (records / ".sim-00039.json.x1y2z3.partial").write_text('{"half": ')  # as a kill mid-write leaves it
    resumed = dagspec.sbc(tmp_path / "coin.dag", sims=40, client=client, out=tmp_path / "killed", draws=300, chains=1)
    assert sorted(p.name for p in records.iterdir()) == [f"sim-{i:05d}.json" for i in range(40)]
    whole = dagspec.sbc(tmp_path / "coin.dag", sims=40, client=client, seed=4, draws=300, chains=1)
    assert [r["ranks"] for r in resumed.records] == [r["ranks"] for r in whole.records]


def test_each_element_of_a_vector_parameter_is_ranked():
    from dagspec.validate.sbc import run_simulation

    rng = np.random.default_rng(0)
    g, x = rng.choice(["a", "b", "c"], size=30), rng.normal(size=30)
    spec = dagspec.parse(
        "node g : categorical\nnode y ~ Normal\ng -> y\nx -> y\nobserved g, x, y\nprior g -> y ~ Normal(0, 1) as b\n"
    )
    columns = spec.columns({"g": g, "x": x, "y": x + rng.normal(size=30)})
    record = run_simulation(spec, spec, columns, columns, 7, 1, FitSettings(draws=200, chains=1), 99)
    assert record["sim"] == 7 and set(record["ranks"]) == {"b[a]", "b[b]", "b[c]", "b_x_y", "y_intercept", "y_sigma"}
    assert all(0 <= rank <= 99 for rank in record["ranks"].values())
    assert len(set(record["truth"].values())) == 6  # each element its own prior draw


def test_failed_divergent_and_autocorrelated_fits_are_reported():
    from dagspec.validate.sbc import analyse

    records = [
        {
            "key": f"sim-{i:05d}",
            "status": "ok",
            "sim": i,
            "ranks": {"a": i % 10},
            "divergences": int(i == 3),
            "min_ess": 40.0 if i == 5 else None,
        }
        for i in range(10)
    ]
    records.append({"key": "sim-00010", "status": "failed", "error": "ValueError: boom"})
    result = analyse(records, 99, seed=1)
    codes = {f.code: f.message for f in result.findings()}
    assert result.failed == {10: "ValueError: boom"} and result.diverged == {3: 1}
    assert "1 of 11 fits failed (simulations 10)" in codes["DS654"]
    assert "simulations 3" in codes["DS656"] and "lowest 40" in codes["DS659"]


def test_a_fitting_spec_must_fit_what_is_simulated():
    with pytest.raises(DagspecError) as caught:
        dagspec.sbc(
            dagspec.parse(COIN),
            sims=2,
            fit=dagspec.parse("q ~ Beta(1, 1)\nk ~ Binomial(n = 3, p = q)\nobserved k = 1\n"),
        )
    assert caught.value.codes == ["DS652"]
