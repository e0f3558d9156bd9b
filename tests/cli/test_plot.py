"""`dagspec plot`: trace, posterior, forest and ppc figures from a NetCDF file; unreadable files fail clearly."""

import numpy as np
import pytest
from cli_support import png_size, run

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # ArviZ on newer matplotlib


@pytest.fixture(scope="module")
def posterior(tmp_path_factory):
    import arviz as az

    rng = np.random.default_rng(1)
    idata = az.from_dict(
        posterior={
            "slope": rng.normal(size=(2, 100)),
            "error": rng.gamma(2, size=(2, 100)),
            "cells": rng.normal(size=(2, 100, 30)),
            "slope__raw": rng.normal(size=(2, 100)),
        }
    )
    path = tmp_path_factory.mktemp("plot") / "post.nc"
    idata.to_netcdf(str(path))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["trace", "posterior", "forest"])
def test_each_kind_makes_a_png(capsys, tmp_path, posterior, kind):
    png = tmp_path / f"{kind}.png"
    code, _, err = run(capsys, "plot", posterior, "-o", png, "--kind", kind)
    assert code == 0 and f"wrote {png}" in err
    width, height = png_size(png)
    assert 200 < width < 5000 and 100 < height < 5000


@pytest.mark.slow
def test_chosen_variables_and_other_formats(capsys, tmp_path, posterior):
    svg = tmp_path / "f.svg"
    assert run(capsys, "plot", posterior, "-o", svg, "--var", "slope", "error", "--kind", "forest")[0] == 0
    assert "<svg" in svg.read_text()
    png = tmp_path / "t.png"
    assert run(capsys, "plot", posterior, "-o", png, "--var", "slope", "--var", "cells")[0] == 0
    png_size(png)


def test_user_errors_exit_2_without_a_traceback(capsys, tmp_path, posterior):
    garbage = tmp_path / "garbage.nc"
    garbage.write_text("this is not NetCDF")
    cases = [
        (["plot", tmp_path / "missing.nc", "-o", tmp_path / "x.png"], "no such file"),
        (["plot", garbage, "-o", tmp_path / "x.png"], "cannot read"),
        (["plot", posterior, "-o", tmp_path / "x.png", "--var", "nope"], "not in the posterior: nope"),
        (["plot", posterior, "-o", tmp_path / "x.unknown"], "cannot plot to .unknown"),
        (["plot", posterior, "-o", tmp_path / "x.png", "--kind", "pairs"], "invalid choice"),
    ]
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert code == 2 and message in err and "Traceback" not in err, (argv, err)
    assert not (tmp_path / "x.png").exists()


def test_a_netcdf_without_a_posterior(capsys, tmp_path):
    import arviz as az

    path = tmp_path / "prior_only.nc"
    az.from_dict(prior={"a": np.zeros((1, 10))}).to_netcdf(str(path))
    code, _, err = run(capsys, "plot", path, "-o", tmp_path / "x.png")
    assert code == 2 and "no posterior" in err


@pytest.fixture(scope="module")
def predictive(tmp_path_factory):
    """Files with posterior and prior predictive draws, with prior ones only, and with neither."""
    import arviz as az

    rng = np.random.default_rng(2)
    observed = {"y_hat": rng.normal(size=30), "x2_hat": rng.normal(size=30)}
    both = az.from_dict(
        posterior={"slope": rng.normal(size=(2, 50))},
        posterior_predictive={name: rng.normal(size=(2, 50, 30)) for name in observed},
        prior_predictive={name: rng.normal(scale=5, size=(1, 50, 30)) for name in observed},
        observed_data=observed,
    )
    folder = tmp_path_factory.mktemp("ppc")
    both.to_netcdf(str(folder / "both.nc"))
    prior_only = az.from_dict(
        prior={"slope": rng.normal(size=(1, 50))},
        observed_data=observed,
        prior_predictive={name: rng.normal(size=(1, 50, 30)) for name in observed},
    )
    prior_only.to_netcdf(str(folder / "prior.nc"))
    return folder


@pytest.mark.slow
def test_ppc_plots_posterior_or_prior_draws(capsys, tmp_path, predictive):
    for argv in [
        [predictive / "both.nc"],
        [predictive / "both.nc", "--group", "prior", "--var", "y_hat"],
        [predictive / "prior.nc"],
    ]:
        png = tmp_path / "ppc.png"
        code, _, err = run(capsys, "plot", *argv, "-o", png, "--kind", "ppc")
        assert code == 0 and f"wrote {png}" in err, err
        width, height = png_size(png)
        assert 200 < width < 5000 and 100 < height < 5000
        png.unlink()


def test_ppc_without_predictive_draws_names_the_command_that_makes_them(capsys, tmp_path, predictive, posterior):
    target = tmp_path / "x.png"
    cases = [
        (
            [posterior],
            f"{posterior} has no predictive draws to plot (it has: posterior); write posterior predictive "
            f"draws with `dagspec sample FILE --out {posterior}`, prior ones with "
            f"`dagspec sample FILE --prior --out {posterior}`",
        ),
        (
            [predictive / "prior.nc", "--group", "posterior"],
            f"has no posterior predictive draws; write them with `dagspec sample FILE --out {predictive / 'prior.nc'}`",
        ),
        ([predictive / "both.nc", "--var", "z"], "no posterior predictive draws of z; there are y_hat, x2_hat"),
    ]
    for argv, message in cases:
        code, _, err = run(capsys, "plot", *argv, "-o", target, "--kind", "ppc")
        assert code == 2 and message in err and "Traceback" not in err, (argv, err)
    code, _, err = run(capsys, "plot", posterior, "-o", target, "--group", "prior")
    assert code == 2 and "--group is for --kind ppc" in err
    assert not target.exists()
