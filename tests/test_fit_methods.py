"""Fits besides NUTS (`dagspec.fit`, `sample --method`): the Laplace approximation is exact for a Gaussian
posterior and close to the exact draws for a regression; mean-field ADVI finds a Gaussian posterior; each is named,
never chosen in place of NUTS."""

import numpy as np
import pandas as pd
import pytest
from cli.cli_support import TUTORIAL, run  # noqa: E402  (tests/cli is a folder of the suite)

import dagspec

MEAN_ONLY = """
node y ~ Normal(sigma = 2) as y_hat
observed y
prior y.intercept ~ Normal(0, 10) as mu
"""


@pytest.fixture(scope="module")
def gaussian_posterior():
    """y_i ~ Normal(mu, 2), mu ~ Normal(0, 10): the posterior of mu is Normal in closed form."""
    y = np.random.default_rng(7).normal(3.0, 2.0, size=40)
    precision = len(y) / 4 + 1 / 100
    return pd.DataFrame({"y": y}), y.sum() / 4 / precision, precision**-0.5


def test_laplace_is_exact_for_a_gaussian_posterior(gaussian_posterior):
    data, mean, sd = gaussian_posterior
    idata = dagspec.fit(dagspec.parse(MEAN_ONLY), data, method="laplace", draws=4000, chains=1, random_seed=1)
    draws = idata.posterior["mu"].values.ravel()
    assert idata.posterior.attrs["dagspec_method"] == "laplace"
    assert abs(draws.mean() - mean) < 4 * sd / np.sqrt(draws.size)
    assert draws.std() == pytest.approx(sd, rel=4 / np.sqrt(2 * draws.size))


def test_laplace_matches_the_exact_draws_of_a_regression():
    spec = dagspec.load(TUTORIAL / "simple_regression.dag")
    laplace = dagspec.fit(spec, method="laplace", draws=1000, chains=2, random_seed=2).posterior
    exact = dagspec.sample(spec, draws=1000, chains=2, random_seed=2, progressbar=False).posterior
    assert laplace.sizes["chain"] == 2 and laplace.sizes["draw"] == 1000
    for name in ("intercept", "coeff"):  # Gaussian given the scale, and the scale is well determined
        a, b = laplace[name].values.ravel(), exact[name].values.ravel()
        assert abs(a.mean() - b.mean()) < 5 * b.std() / np.sqrt(a.size) * np.sqrt(2)
        assert a.std() == pytest.approx(b.std(), rel=0.15)
    # the scale's posterior is skewed, and Laplace's Gaussian on its log is an approximation: within a few percent
    a, b = laplace["error"].values.ravel(), exact["error"].values.ravel()
    assert a.mean() == pytest.approx(b.mean(), rel=0.04) and a.std() == pytest.approx(b.std(), rel=0.15)
    assert (laplace["error"].values > 0).all()  # drawn on the log scale: always inside the support


@pytest.mark.slow
def test_advi_finds_a_gaussian_posterior(gaussian_posterior):
    data, mean, sd = gaussian_posterior
    idata = dagspec.fit(dagspec.parse(MEAN_ONLY), data, method="advi", draws=2000, random_seed=3, iterations=20_000)
    draws = idata.posterior["mu"].values.ravel()
    assert abs(draws.mean() - mean) < 0.25 * sd and draws.std() == pytest.approx(sd, rel=0.25)


def test_unknown_methods_and_discrete_parameters_are_coded_errors(gaussian_posterior):
    data, _, _ = gaussian_posterior
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.fit(dagspec.parse(MEAN_ONLY), data, method="quap")
    assert info.value.codes == ["DS620"] and "laplace" in str(info.value)
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.fit(dagspec.parse("k ~ Poisson(3)"), method="laplace")
    assert info.value.codes == ["DS645"]


def test_an_improper_posterior_has_no_laplace_approximation():
    spec = dagspec.parse("node y ~ Normal(sigma = 1)\nobserved y\nprior y.intercept ~ Flat()\na ~ Flat()")
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.fit(spec, pd.DataFrame({"y": [1.0, 2.0]}), method="laplace")
    assert info.value.codes == ["DS646"]


def test_the_command_line_names_the_method(capsys):
    code, out, err = run(
        capsys,
        "sample",
        TUTORIAL / "simple_regression.dag",
        "--method",
        "laplace",
        "--draws",
        "200",
        "--chains",
        "1",
        "--seed",
        "1",
    )
    assert code == 0 and "Laplace approximation" in err and "not MCMC" in err and "coeff" in out
    code, _, err = run(capsys, "sample", TUTORIAL / "simple_regression.dag", "--method", "advi", "--sampler", "pymc")
    assert code == 2 and "--sampler is for NUTS" in err
    assert (
        dagspec.sample(TUTORIAL / "coin.dag", draws=50, chains=1, random_seed=1).posterior.attrs["dagspec_sampler"]
        != "laplace"
    )  # never chosen for you


def test_the_cli_lists_the_backends_methods():
    from dagspec.backends.approximate import METHODS
    from dagspec.cli.common import FIT_METHODS

    assert FIT_METHODS == METHODS


@pytest.mark.slow
def test_pathfinder_matches_the_exact_posterior(capsys, tmp_path):
    """Pathfinder (pymc-extras) on the tutorial's regression: its means within 0.2 posterior sds of the exact
    draws' (the Monte Carlo error of 2 x 500 draws is about 0.05 sd), its sds within 20%; named as what it is."""
    spec = dagspec.load(TUTORIAL / "simple_regression.dag")
    pathfinder = dagspec.fit(spec, method="pathfinder", draws=500, chains=2, random_seed=5).posterior
    exact = dagspec.sample(spec, draws=1000, chains=2, random_seed=5, progressbar=False).posterior
    assert pathfinder.attrs["dagspec_method"] == "pathfinder" and pathfinder.sizes["chain"] == 2
    assert 0 < pathfinder.attrs["dagspec_pareto_k"] < 2 and pathfinder.attrs["dagspec_pathfinder_paths"] == 4
    for name in ("intercept", "coeff", "error"):
        a, b = pathfinder[name].values.ravel(), exact[name].values.ravel()
        assert abs(a.mean() - b.mean()) < 0.2 * b.std(), name
        assert a.std() == pytest.approx(b.std(), rel=0.2), name
    out = tmp_path / "pathfinder.nc"
    code, printed, err = run(
        capsys, "sample", TUTORIAL / "simple_regression.dag", "--method", "pathfinder", "--draws", "200",
        "--chains", "1", "--seed", "1", "--out", out,
    )  # fmt: skip
    assert code == 0 and "Pathfinder" in err and "not MCMC" in err and "coeff" in printed
    import arviz as az

    written = az.from_netcdf(out)
    assert written.posterior.attrs["dagspec_method"] == "pathfinder" and "log_likelihood" in written.groups()


def test_pathfinder_without_pymc_extras_says_what_to_install(gaussian_posterior, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pymc_extras", None)  # as if it were not installed
    data, _, _ = gaussian_posterior
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.fit(dagspec.parse(MEAN_ONLY), data, method="pathfinder")
    assert info.value.codes == ["DS640"] and "dagspec[pathfinder]" in str(info.value)
