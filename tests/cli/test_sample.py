"""`dagspec sample`: summary, health warnings, NetCDF output written atomically, Ctrl-C, sampler choice."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from cli_support import ROOT, TUTORIAL, run

import dagspec


def _posterior(divergent: int = 0):
    """A small fake posterior of coin.dag (its parameter is named `a`), with some divergent draws."""
    import arviz as az

    rng = np.random.default_rng(0)
    diverging = np.zeros((2, 200), bool)
    diverging[0, :divergent] = True
    return az.from_dict(
        posterior={"a": rng.beta(9, 3, size=(2, 200))},
        sample_stats={"diverging": diverging, "reached_max_treedepth": np.zeros((2, 200), bool)},
    )


@pytest.fixture
def fake_sampler(monkeypatch):
    """Replace the sampler with one returning a fixed posterior (as many divergences as the seed says), whose
    health findings it reports as dagspec.sample does (DagspecWarnings)."""
    from dagspec.backends.sample import report_health

    calls = []

    def fake(spec, data=None, **kwargs):
        calls.append(kwargs)
        return report_health(_posterior(divergent=kwargs.get("random_seed") or 0), spec)

    monkeypatch.setattr(dagspec, "sample", fake)
    return calls


def test_summary_and_options_reach_the_sampler(capsys, fake_sampler):
    code, out, err = run(
        capsys,
        "sample",
        TUTORIAL / "coin.dag",
        "--draws",
        200,
        "--tune",
        300,
        "--chains",
        2,
        "--seed",
        0,
        "--target-accept",
        0.95,
        "--sampler",
        "pymc",
        "--cores",
        1,
    )
    assert code == 0
    assert out.split("\n")[0].split() == ["mean", "sd", "hdi_3%", "hdi_97%", "ess_bulk", "ess_tail", "r_hat"]
    assert out.split("\n")[1].startswith("a ")
    call = fake_sampler[0]
    assert (call["draws"], call["tune"], call["chains"], call["random_seed"]) == (200, 300, 2, 0)
    assert (call["target_accept"], call["sampler"], call["cores"]) == (0.95, "pymc", 1)
    assert "sampling coin.dag with pymc: 2 chain(s) of 200 draws after 300 tuning steps" in err


def test_the_announced_sampler_allows_for_the_independence_pilot(capsys, fake_sampler):
    """Without a sampler named, a model planned for PyMC's NUTS may be drawn by independence Metropolis-Hastings
    (decided by a pilot inside dagspec.sample): the announcement says both, and --without independence one."""
    spec = ROOT / "specs" / "gallery" / "ucbadmit_m11_7.dag"
    _, _, err = run(capsys, "sample", spec, "--draws", 200, "--no-ppc")
    assert "with independence Metropolis-Hastings if a pilot of its Laplace proposals mixes, else pymc NUTS" in err
    _, _, err = run(capsys, "sample", spec, "--draws", 200, "--no-ppc", "--without", "independence")
    assert f"sampling {spec.name} with pymc: " in err
    assert fake_sampler[-1]["optimize"] == {"independence": False}


def test_sampler_problems_are_warnings_in_words_and_fail_with_strict(capsys, fake_sampler):
    code, _, err = run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--seed", 3)
    assert code == 0
    assert "warning DS602 3 divergent transition(s)" in err and "hint: raise --target-accept" in err
    assert run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--seed", 3, "--strict")[0] == 1
    assert run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--seed", 0, "--strict")[0] == 0


def test_health_warnings_name_each_problem():
    import arviz as az

    from dagspec.render.health import health_warnings

    rng = np.random.default_rng(0)
    posterior = {"a": rng.normal(size=(2, 50)) + np.array([[0.0], [3.0]])}  # two chains that disagree
    stats = {"diverging": np.zeros((2, 50), bool), "reached_max_treedepth": np.zeros((2, 50), bool)}
    stats["diverging"][0, :3] = True
    stats["reached_max_treedepth"][1, :2] = True
    found = health_warnings(az.from_dict(posterior=posterior, sample_stats=stats))
    assert [d.code for d in found] == ["DS602", "DS603", "DS604", "DS605"]
    assert "3 divergent" in found[0].message and "target-accept" in found[0].hint
    assert "2 draw(s) hit the maximum tree depth" in found[1].message
    assert "R-hat above 1.01 for a" in found[2].message
    assert "effective sample size below 200" in found[3].message  # 100 per chain: 400 for 4 chains


def test_huge_arrays_are_named_not_tabled():
    import arviz as az

    from dagspec.render.summary import summary_table

    spec = dagspec.parse("a ~ Normal(0, 1)\nb ~ Normal(0, 1)\n")
    rng = np.random.default_rng(0)
    idata = az.from_dict(posterior={"a": rng.normal(size=(2, 100)), "b": rng.normal(size=(2, 100, 60))})
    table = summary_table(idata, spec)
    assert "\na " in table and "b[" not in table and "b (60 values)" in table


def test_out_writes_a_netcdf_atomically(capsys, tmp_path, fake_sampler):
    import arviz as az

    out_file = tmp_path / "runs" / "coin.nc"  # the folder is created
    code, _, err = run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--out", out_file)
    assert code == 0 and f"wrote {out_file}" in err
    assert az.from_netcdf(out_file).posterior["a"].shape == (2, 200)
    assert sorted(p.name for p in out_file.parent.iterdir()) == ["coin.nc"]  # no temporary file left


def test_interrupted_sample_writes_nothing_and_keeps_the_old_file(capsys, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dagspec, "sample", interrupted)
    new = tmp_path / "new.nc"
    code, out, err = run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--out", new)
    assert code == 130 and err.splitlines()[-1] == "dagspec: interrupted; nothing was written"
    assert "Traceback" not in err and not new.exists()
    old = tmp_path / "old.nc"
    old.write_bytes(b"previous result")
    assert run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--out", old)[0] == 130
    assert old.read_bytes() == b"previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.nc"]


def test_ctrl_c_that_the_sampler_catches_still_stops_the_command(capsys, tmp_path, monkeypatch):
    """PyMC and nutpie catch KeyboardInterrupt and return the draws so far; the command must not save them."""

    def catches_ctrl_c(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            pass
        return _posterior()

    monkeypatch.setattr(dagspec, "sample", catches_ctrl_c)
    out_file = tmp_path / "partial.nc"
    before = signal.getsignal(signal.SIGINT)  # Python's default, or SIG_IGN in a run started in the background
    code, out, err = run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--out", out_file)
    assert code == 130 and out == "" and not out_file.exists()
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back


def test_a_write_that_fails_keeps_the_old_file(tmp_path):
    from dagspec.atomic import atomic_path

    old = tmp_path / "result.nc"
    old.write_text("old")
    with pytest.raises(OSError):
        with atomic_path(old) as temporary:
            temporary.write_text("half")
            raise OSError("disk full")
    assert old.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["result.nc"]


def test_atomic_files_get_ordinary_permissions(tmp_path):
    from dagspec.atomic import write_text

    umask = os.umask(0o022)
    try:
        write_text(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    write_text(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640


def test_unavailable_samplers_are_usage_errors(capsys, monkeypatch):
    from dagspec import cli

    monkeypatch.setitem(cli.SAMPLER_MODULES, "numpyro", ("dagspec_test_no_such_module",))
    code, _, err = run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "numpyro")
    assert code == 2 and err == (
        "dagspec: error: sampler numpyro is not installed: pip install 'dagspec[numpyro]', or use --sampler pymc\n"
    )
    assert run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "stan")[0] == 2  # not a choice at all


@pytest.mark.parametrize(
    "option",
    [["--draws", "0"], ["--chains", "-1"], ["--tune", "many"], ["--target-accept", "1.2"], ["--target-accept", "0"]],
)
def test_bad_numbers_are_usage_errors(capsys, option):
    code, _, err = run(capsys, "sample", TUTORIAL / "coin.dag", *option)
    assert code == 2 and "usage:" in err


def test_unwritable_output_fails_before_sampling(capsys, tmp_path, fake_sampler):
    code, _, err = run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--out", tmp_path)
    assert code == 2 and "is a folder" in err and not fake_sampler


def test_missing_data_file_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "sample", TUTORIAL / "fork.dag", "--data", tmp_path / "nope.csv")
    assert code == 2 and "no such data file" in err


@pytest.mark.slow
def test_sample_writes_netcdf_that_arviz_reads(capsys, tmp_path):
    import arviz as az

    out_file = tmp_path / "fork.nc"
    code, out, _ = run(
        capsys,
        "sample",
        TUTORIAL / "fork.dag",
        "--draws",
        50,
        "--tune",
        50,
        "--chains",
        1,
        "--seed",
        3,
        "--quiet",
        "--out",
        out_file,
    )
    assert code == 0
    assert {"slope_x", "slope_z", "intercept", "error"} <= {line.split()[0] for line in out.splitlines()[1:]}
    idata = az.from_netcdf(out_file)
    assert idata.posterior["slope_z"].shape == (1, 50)
    assert [p.name for p in tmp_path.iterdir()] == ["fork.nc"]


@pytest.mark.slow
def test_pymc_sampler_with_data_from_the_command_line(capsys, tmp_path):
    import arviz as az
    import pandas as pd

    rng = np.random.default_rng(5)
    x1 = rng.normal(size=60)
    data = tmp_path / "mine.csv"
    pd.DataFrame({"x1": x1, "y1": 2 + 5 * x1 + rng.normal(scale=0.5, size=60)}).to_csv(data, index=False)
    out_file = tmp_path / "simple.nc"
    code, out, _ = run(
        capsys,
        "sample",
        TUTORIAL / "simple_regression.dag",
        "--data",
        data,
        "--sampler",
        "pymc",
        "--draws",
        50,
        "--tune",
        100,
        "--chains",
        1,
        "--seed",
        1,
        "--target-accept",
        0.9,
        "--quiet",
        "--out",
        out_file,
    )
    assert code == 0 and "coeff" in out
    assert abs(float(az.from_netcdf(out_file).posterior["coeff"].mean()) - 5) < 0.5


@pytest.mark.slow
def test_real_ctrl_c_exits_130_and_writes_nothing(tmp_path):
    """Ctrl-C in the middle of a long run (end to end, in a child process)."""
    out_file = tmp_path / "long.nc"
    command = [
        sys.executable,
        "-m",
        "dagspec",
        "sample",
        str(TUTORIAL / "fork.dag"),
        "--draws",
        "1000000",
        "--tune",
        "200",
        "--chains",
        "1",
        "--seed",
        "1",
        "--out",
        str(out_file),
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    line = child.stderr.readline()  # the start line, printed before the model is built
    assert line.startswith("sampling fork.dag"), line
    time.sleep(4)  # into compilation or sampling: either way Ctrl-C must stop it
    child.send_signal(signal.SIGINT)
    try:
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert "dagspec: interrupted; nothing was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_prior_draws_are_summarised_and_written(capsys, tmp_path):
    import arviz as az

    out_file = tmp_path / "prior.nc"
    code, out, err = run(
        capsys, "sample", TUTORIAL / "simple_regression.dag", "--prior", "--draws", 200, "--seed", 1, "--out", out_file
    )
    assert code == 0 and "drawing 200 times from the prior of simple_regression.dag" in err
    lines = out.splitlines()
    assert lines[0] == "prior draws (200) of the parameters:"
    assert lines[1].split() == ["mean", "sd", "hdi_3%", "hdi_97%"]
    assert [line.split()[0] for line in lines[2:5]] == ["intercept", "coeff", "error"]
    assert lines[5] == "prior predictive of the outcomes (every row of every draw):"
    assert lines[7].split()[:2] == ["y_hat", "100"]  # 100 rows per draw
    idata = az.from_netcdf(out_file)
    assert {"prior", "prior_predictive", "observed_data"} <= set(idata.groups()) and "posterior" not in idata.groups()
    assert idata.prior_predictive["y_hat"].shape == (1, 200, 100)
    assert abs(float(idata.prior["coeff"].std()) - 10) < 1.5  # prior x1 -> y1 ~ Normal(0, 10)


def test_prior_draws_need_proper_priors(capsys, tmp_path):
    spec = tmp_path / "flat.dag"
    spec.write_text("x -> y\nobserved x = [1.0, 2.0], y = [1.0, 3.0]\nprior x -> y ~ Flat()\n")
    code, out, err = run(capsys, "sample", spec, "--prior")
    assert code == 1 and out == ""
    assert f"{spec}: error DS610 cannot draw from the prior: b_x_y has an improper prior (Flat)" in err
    assert "give it a proper prior" in err


def test_out_stores_per_row_predictions_unless_no_ppc(capsys, tmp_path, fake_sampler):
    import arviz as az

    with_ppc, without = tmp_path / "with.nc", tmp_path / "without.nc"
    assert run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--seed", 0, "--out", with_ppc)[0] == 0
    idata = az.from_netcdf(with_ppc)
    assert {"log_likelihood", "posterior_predictive", "observed_data"} <= set(idata.groups())
    assert idata.posterior_predictive["likelihood"].shape[:2] == (2, 200)
    assert run(capsys, "sample", TUTORIAL / "coin.dag", "--sampler", "pymc", "--out", without, "--no-ppc")[0] == 0
    assert not {"log_likelihood", "posterior_predictive"} & set(az.from_netcdf(without).groups())
    # a spec that observes nothing has nothing to predict: the posterior alone
    nothing = tmp_path / "sum.nc"
    assert run(capsys, "sample", TUTORIAL / "sum_of_normals.dag", "--sampler", "pymc", "--out", nothing)[0] == 0
    assert "log_likelihood" not in az.from_netcdf(nothing).groups()
