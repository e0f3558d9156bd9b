"""The Python API reports what the CLI prints, as DagspecWarnings carrying their codes: sampler health
(DS602-DS605), a fall back from draws without MCMC to NUTS (DS633), check and data warnings (issue 13)."""

import warnings

import pandas as pd
import pytest

import dagspec
from dagspec import cli
from dagspec.backends.sample import planned_sampler

# 20 independent draws per chain: too few for the ESS that dagspec asks of a posterior (DS605)
REGRESSION = dagspec.parse("x -> y\nobserved x = [0.0, 1.0, 2.0, 3.0, 4.0], y = [0.1, 2.2, 3.9, 6.1, 8.0]")
# One row and a flat prior on sigma: its marginal posterior does not fall off, so the grid gives up (DS633)
ONE_ROW = "x -> y\nobserved x = [1.0], y = [2.0]\nprior y.sigma ~ HalfFlat()\n"


def _caught(function, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [w.message for w in caught if issubclass(w.category, dagspec.DagspecWarning)]


def test_the_warning_class_is_exported_and_carries_the_finding():
    assert issubclass(dagspec.DagspecWarning, UserWarning) and "DagspecWarning" in dagspec.__all__
    _, found = _caught(dagspec.sample, REGRESSION, draws=20, chains=2, random_seed=1)
    low_ess = next(w for w in found if w.code == "DS605")
    assert low_ess.diagnostic.code == "DS605" and str(low_ess).startswith("DS605 effective sample size below 200")
    assert "hint: draw more samples" in str(low_ess)


def test_a_warning_survives_being_sent_to_another_process():
    """pickle (multiprocessing, Dask) and pytest-xdist rebuild a warning from its args, the text alone."""
    import pickle

    from dagspec.diagnostics import finding

    sent = dagspec.DagspecWarning(finding("DS651", folder="out", what="seed"))
    for received in (pickle.loads(pickle.dumps(sent)), dagspec.DagspecWarning(*sent.args)):
        assert (received.code, str(received)) == ("DS651", str(sent))


def test_sample_reports_health_in_python_and_ci_can_make_it_fail():
    with warnings.catch_warnings():
        warnings.simplefilter("error", dagspec.DagspecWarning)
        with pytest.raises(dagspec.DagspecWarning) as info:
            dagspec.sample(REGRESSION, draws=20, chains=2, random_seed=1)
    assert info.value.code in ("DS604", "DS605")
    _, found = _caught(dagspec.sample, REGRESSION, draws=500, chains=2, random_seed=1)
    assert found == []  # enough independent draws: nothing to report


def test_check_and_data_warnings_reach_python():
    _, found = _caught(dagspec.parse, "node unused\nx -> y\nobserved x, y")
    assert [w.code for w in found] == ["DS309"] and str(found[0]).startswith("<string>:1:6: DS309")
    spec = dagspec.parse("x, z -> y\nobserved x, z, y")
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "z": [1.0] * 4, "y": [1.1, 2.3, 2.8, 4.2]})
    _, found = _caught(spec.plan, data)
    assert [w.code for w in found] == ["DS513"]


@pytest.mark.slow
def test_a_fall_back_to_nuts_is_said_with_its_reason():
    assert planned_sampler(dagspec.parse(ONE_ROW)) == "gaussian"
    idata, found = _caught(dagspec.sample, dagspec.parse(ONE_ROW), draws=50, tune=50, chains=1, random_seed=1)
    assert idata.posterior.attrs["dagspec_sampler"] == "pymc"
    fallback = next(w for w in found if w.code == "DS633")
    assert "could not be integrated on a grid" in str(fallback) and "y_sigma" in str(fallback)


@pytest.mark.slow
def test_the_command_line_says_so_too(tmp_path, capsys):
    (tmp_path / "one_row.dag").write_text(ONE_ROW)
    code = cli.main(
        [
            "sample",
            str(tmp_path / "one_row.dag"),
            "--draws",
            "50",
            "--tune",
            "50",
            "--chains",
            "1",
            "--seed",
            "1",
            "--quiet",
            "--strict",
        ]
    )
    err = capsys.readouterr().err
    assert "warning DS633 independent draws without MCMC was planned, but the marginal posterior of y_sigma" in err
    assert code == 1  # --strict: a fall back to NUTS is a problem of the run
    assert err.count("DS633") == 1  # printed once, not again by Python's warning machinery
