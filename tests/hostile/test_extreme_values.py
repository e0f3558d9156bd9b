"""Extreme values that crashed with "this is a bug in dagspec" are coded errors naming the parameter or column,
or the draws without MCMC give up and say so (issue 13)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec.backends import gaussian

ROOT = Path(__file__).resolve().parents[2]
FORK = (ROOT / "specs" / "tutorial" / "fork.dag").read_text().replace(' from "data/fork.csv"', "")  # data passed in
RNG = np.random.default_rng(0)
Z = RNG.normal(size=50)
DATA = {"x": Z + RNG.normal(size=50), "z": Z, "y": 2 * Z + RNG.normal(size=50)}


def _prior(address_line: str, prior: str) -> str:
    """The fork with the prior of one line replaced."""
    lines = FORK.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(address_line))
    lines[index] = f"{address_line} ~ {prior}"
    return "\n".join(lines)


def test_a_constant_outcome_is_ds530_not_an_index_error():
    data = pd.DataFrame({**DATA, "y": np.full(50, 3.0)})
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.sample(dagspec.parse(FORK), data, draws=100, chains=2, random_seed=1)
    found = info.value.diagnostics[0]
    assert info.value.codes == ["DS530"] and "(it is 3 in every row)" in found.message and "error" in found.message
    assert found.span.line == FORK.splitlines().index("observed x, z, y") + 1


@pytest.mark.parametrize(
    "data, columns",
    [
        ({**DATA, "y": DATA["y"] * 1e300}, ["y"]),
        ({name: values * 1e200 for name, values in DATA.items()}, ["x", "z", "y"]),
    ],
    ids=["y-1e300", "all-1e200"],
)
def test_data_beyond_1e100_is_ds531_naming_the_column(data, columns):
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(FORK).build(pd.DataFrame(data))
    assert info.value.codes == ["DS531"] * len(columns)
    assert [d.message.split("'")[1] for d in info.value.diagnostics] == columns


@pytest.mark.parametrize(
    "line, prior, words",
    [
        ("prior x -> y", "Normal(0, 1e-300) as slope_x", "Normal(sigma = 1e-300) is too small"),
        ("prior y.sigma", "Exponential(1e300) as error", "Exponential(lam = 1e300) is too large"),
        ("prior y.intercept", "Normal(1e308, 1) as intercept", "Normal(mu = 1e308) is too large"),
        ("prior y.sigma", "HalfNormal(1e-320) as error", "HalfNormal(sigma = 9.99989e-321) is too small"),
    ],
)
def test_priors_beyond_floating_point_are_ds427_at_their_number(line, prior, words):
    text = _prior(line, prior)
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(text)
    found = info.value.diagnostics[0]
    assert info.value.codes == ["DS427"] and found.message.startswith(words)
    number = prior.split("(")[1].split(",")[-1].split(")")[0].strip()
    row = text.splitlines()[found.span.line - 1]
    assert row[found.span.column - 1 :].startswith(number)


def test_ordinary_small_and_large_numbers_pass():
    dagspec.parse(_prior("prior x -> y", "Normal(1e-300, 1e6) as slope_x"))  # a tiny location is harmless
    dagspec.parse(_prior("prior y.sigma", "Exponential(1e-6) as error"))


def test_a_discrete_prior_on_a_coefficient_is_ds426_at_check():
    text = _prior("prior x -> y", "DiscreteUniform(1, 1) as slope_x")
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(text)
    assert info.value.codes == ["DS426"] and "x -> y has a discrete prior (DiscreteUniform)" in str(info.value)
    assert (
        info.value.diagnostics[0].span.line
        == text.splitlines().index("prior x -> y ~ DiscreteUniform(1, 1) as slope_x") + 1
    )


def test_discrete_random_variables_are_rejected_only_where_data_inform_them():
    dagspec.parse("n ~ Poisson(3)")  # drawn from its prior: fine
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("n ~ Poisson(3)\ny ~ Normal(n, 1)\nobserved y = [1.0, 2.0]")
    assert info.value.codes == ["DS426"]


def test_the_grid_gives_up_on_a_density_that_overflows():
    rng = np.random.default_rng(0)
    assert gaussian._grid_draws(lambda u: np.full(len(u), np.inf), 1, 100, rng) is None
    overflowing = lambda u: np.where(np.abs(u[:, 0]) < 1, np.inf, -(u[:, 0] ** 2))  # noqa: E731
    assert gaussian._grid_draws(overflowing, 1, 100, rng) is None
    huge = lambda u: -1e180 * (1 + (u[:, 0] - 3) ** 2)  # noqa: E731 - steps of 1e164 between neighbours
    assert gaussian._grid_draws(huge, 1, 100, rng) is None  # was an IndexError: top - TAIL == top


@pytest.mark.slow
@pytest.mark.parametrize(
    "line, prior, data",
    [
        ("prior y.sigma", "Exponential(1e90) as error", DATA),
        ("prior y.sigma", "Exponential(lam = 1) as error", {**DATA, "y": DATA["y"] * 1e95}),
    ],
    ids=["rate-1e90", "y-1e95"],
)
def test_scales_far_apart_fall_back_to_nuts_with_a_note(line, prior, data):
    with pytest.warns(dagspec.DagspecWarning) as caught:
        idata = dagspec.sample(
            dagspec.parse(_prior(line, prior)), pd.DataFrame(data), draws=50, tune=50, chains=1, random_seed=1
        )
    assert idata.posterior.attrs["dagspec_sampler"] == "pymc"
    assert "DS633" in [getattr(w.message, "code", None) for w in caught]


@pytest.mark.slow
def test_a_log_density_that_is_infinite_at_the_start_is_ds635_naming_the_variable():
    spec = dagspec.parse("a ~ Normal(0, 1e-80)\ny ~ Normal(a, 1e-80)\nobserved y = [1e80, -1e80]")
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.sample(spec, draws=20, tune=20, chains=1, random_seed=1, sampler="pymc")
    assert info.value.codes == ["DS635"] and "-inf at the initial point for y" in str(info.value)
    drawn = dagspec.sample(spec, draws=20, chains=1, random_seed=1)  # the exact draws have no start to fail at
    assert drawn.posterior.attrs["dagspec_sampler"] == "gaussian"
