"""`dagspec compare`: the LOO table, Pareto k warnings in words (--strict), reused posteriors, and its errors."""

import numpy as np
import pandas as pd
import pytest
from cli_support import TUTORIAL, run

import dagspec

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# sigma fixed and tight priors: prior draws sit where a posterior would, so they can stand in for one
MODEL = "node y ~ Normal(sigma = 1)\nx -> y\nobserved x, y\n"
TIGHT = MODEL + "prior y.intercept ~ Normal(1, 0.05)\nprior x -> y ~ Normal({slope}, 0.05)\n"
VAGUE = MODEL + "prior y.intercept ~ Normal(0, 10)\nprior x -> y ~ Normal(0, 10)\n"


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    pd.DataFrame({"x": x, "y": 1 + 2 * x + rng.normal(size=40)}).to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "right.dag").write_text(TIGHT.format(slope=2))
    (tmp_path / "wrong.dag").write_text(TIGHT.format(slope=0))
    (tmp_path / "vague.dag").write_text(VAGUE)
    return tmp_path


@pytest.fixture
def prior_sampler(monkeypatch):
    """The sampler replaced by prior draws in two chains (quick, and a posterior to the spec's shapes)."""
    import arviz as az

    calls = []

    def fake(spec, data=None, draws=1000, chains=4, random_seed=None, **kwargs):
        calls.append(spec.name)
        prior = dagspec.sample_prior(spec, data, draws=draws * chains, random_seed=random_seed).prior
        posterior = {name: values.values.reshape(chains, draws, *values.shape[2:]) for name, values in prior.items()}
        stats = {"diverging": np.zeros((chains, draws), bool)}
        return az.from_dict(posterior=posterior, sample_stats=stats)

    monkeypatch.setattr(dagspec, "sample", fake)
    return calls


def test_the_table_is_best_first_with_a_verdict(capsys, folder, prior_sampler):
    code, out, err = run(
        capsys,
        "compare",
        folder / "wrong.dag",
        folder / "right.dag",
        "--data",
        folder / "data.csv",
        "--draws",
        200,
        "--chains",
        2,
        "--seed",
        1,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["rank", "elpd_loo", "p_loo", "elpd_diff", "se", "dse", "weight"]
    assert lines[1].split()[:2] == ["right", "0"] and lines[2].split()[:2] == ["wrong", "1"]
    assert lines[3].startswith("wrong: elpd ") and lines[3].endswith("clearly worse than right")
    assert "DS606" not in err and prior_sampler == [str(folder / "wrong.dag"), str(folder / "right.dag")]
    assert "sampling wrong.dag with" in err


def test_unreliable_rows_are_named_and_fail_with_strict(capsys, folder, prior_sampler):
    argv = [
        "compare",
        folder / "right.dag",
        folder / "vague.dag",
        "--data",
        folder / "data.csv",
        "--draws",
        200,
        "--chains",
        2,
        "--seed",
        1,
    ]
    code, out, err = run(capsys, *argv)
    assert code == 0 and out.splitlines()[1].startswith("right")
    (line,) = [line for line in err.splitlines() if "DS606" in line]
    assert line.startswith("loo: warning DS606 LOO is unreliable for rows 0, ")
    assert " of model vague (Pareto k above 0.7)" in line
    assert "of model right" not in line and "hint: look at those rows" in err
    assert run(capsys, *argv, "--strict")[0] == 1


def test_the_pareto_warning_lists_rows_per_model():
    from types import SimpleNamespace

    from dagspec.render.predictive import pareto_warning

    loos = {
        "a": SimpleNamespace(pareto_k=np.array([0.1, 0.9, 0.2, 0.71])),
        "b": SimpleNamespace(pareto_k=np.zeros(3)),
        "c": SimpleNamespace(pareto_k=np.r_[np.full(12, 1.2), 0.0]),
    }
    warning = pareto_warning(loos)
    assert warning.message.startswith(
        "LOO is unreliable for rows 1, 3 of model a; rows 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 "
        "and 2 more of model c (Pareto k above 0.7)"
    )
    assert pareto_warning({"b": loos["b"]}) is None
    assert "row 2 of model d" in pareto_warning({"d": SimpleNamespace(pareto_k=np.array([0, 0, 1.0]))}).message


def test_posteriors_written_by_sample_are_reused(capsys, folder, prior_sampler):
    import arviz as az

    stored = folder / "right.nc"
    assert (
        run(
            capsys,
            "sample",
            folder / "right.dag",
            "--data",
            folder / "data.csv",
            "--draws",
            100,
            "--chains",
            2,
            "--out",
            stored,
        )[0]
        == 0
    )
    assert {"log_likelihood", "posterior_predictive", "observed_data"} <= set(az.from_netcdf(stored).groups())
    prior_sampler.clear()
    code, out, err = run(
        capsys,
        "compare",
        f"{folder / 'right.dag'}={stored}",
        folder / "wrong.dag",
        "--data",
        folder / "data.csv",
        "--draws",
        100,
        "--chains",
        2,
    )
    assert code == 0 and prior_sampler == [str(folder / "wrong.dag")], err
    assert out.splitlines()[1].startswith("right")


def test_models_of_different_data_fail_before_sampling(capsys, tmp_path, prior_sampler):
    code, out, err = run(capsys, "compare", TUTORIAL / "path_analysis.dag", TUTORIAL / "pipe_regression.dag")
    assert code == 1 and out == "" and not prior_sampler
    assert err.startswith(
        "compare: error DS607 models do not predict the same data: path_analysis predicts x2, y1; "
        "pipe_regression predicts y1"
    )
    assert "--outcome NODE" in err
    code, _, err = run(
        capsys, "compare", TUTORIAL / "path_analysis.dag", TUTORIAL / "pipe_regression.dag", "--outcome", "nope"
    )
    assert code == 1 and "DS201 unknown name 'nope'" in err and not prior_sampler
    code, _, err = run(capsys, "compare", TUTORIAL / "fork.dag", TUTORIAL / "simple_regression.dag")
    assert code == 1 and "fork predicts y; simple_regression predicts y1" in err


def test_usage_errors(capsys, folder, prior_sampler):
    right = folder / "right.dag"
    cases = [
        (["compare", right], "two or more specs"),
        (["compare", right, folder / "missing.dag"], "no such file"),
        (["compare", right, f"{folder / 'wrong.dag'}={folder / 'missing.nc'}"], "no such file"),
        (["compare", right, right], "a spec is named twice"),
        (["compare", right, folder / "wrong.dag", "--data", folder / "missing.csv"], "no such data file"),
        (["compare", right, folder / "wrong.dag", "--draws", 0], "usage:"),
        (
            ["compare", right, folder / "wrong.dag", "--data", folder / "data.csv", "--draws", 4, "--chains", 2],
            "LOO needs at least 10 draws: --draws 4 --chains 2 make 8",
        ),
    ]
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert code == 2 and message in err and "Traceback" not in err, (argv, err)
    assert not prior_sampler


def test_models_with_the_same_stem_are_named_by_path(capsys, folder, prior_sampler):
    other = folder / "other"
    other.mkdir()
    (other / "right.dag").write_text(TIGHT.format(slope=0))
    code, out, _ = run(
        capsys,
        "compare",
        folder / "right.dag",
        other / "right.dag",
        "--data",
        folder / "data.csv",
        "--draws",
        100,
        "--chains",
        2,
    )
    assert code == 0 and out.splitlines()[1].startswith(str(folder / "right.dag"))


@pytest.mark.slow
def test_compare_samples_for_real(capsys, folder):
    import arviz as az

    stored = folder / "right.nc"
    quick = [
        "--data",
        folder / "data.csv",
        "--draws",
        200,
        "--tune",
        200,
        "--chains",
        2,
        "--seed",
        1,
        "--sampler",
        "pymc",
        "--cores",
        1,
        "--quiet",
    ]
    assert run(capsys, "sample", folder / "right.dag", *quick, "--out", stored)[0] == 0
    idata = az.from_netcdf(stored)
    assert idata.log_likelihood["y"].shape == idata.posterior_predictive["y"].shape == (2, 200, 40)
    code, out, err = run(capsys, "compare", f"{folder / 'right.dag'}={stored}", folder / "vague.dag", *quick)
    assert code == 0, err
    table = {line.split()[0]: line.split() for line in out.splitlines()[1:3]}
    assert set(table) == {"right", "vague"}  # a fitted vague model may be as good: both have the true slope
