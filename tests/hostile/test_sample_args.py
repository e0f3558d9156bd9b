"""Impossible sampling arguments are coded errors from the Python API (DS634), not empty posteriors or numpy
tracebacks (issue 13)."""

import numpy as np
import pytest

import dagspec

SPEC = dagspec.parse("x -> y\nobserved x = [0.0, 1.0, 2.0, 3.0, 4.0], y = [0.1, 2.2, 3.9, 6.1, 8.0]")


@pytest.mark.parametrize(
    "arguments, named",
    [
        ({"chains": 0}, "chains = 0 must be at least 1"),
        ({"draws": 0}, "draws = 0 must be at least 1"),
        ({"tune": -5}, "tune = -5 must be at least 0"),
        ({"draws": "10"}, "draws = '10' is a str, not a whole number"),
        ({"draws": 10.0}, "draws = 10.0 is a float"),
        ({"chains": True}, "chains = True is a bool"),
        ({"random_seed": "x"}, "random_seed = 'x' is not a seed"),
        ({"random_seed": -1}, "random_seed = -1 is not a seed"),
        ({"random_seed": [1, "a"]}, "random_seed = [1, 'a'] is not a seed"),
        ({"random_seed": 1.5}, "random_seed = 1.5 is not a seed"),
    ],
)
def test_impossible_arguments_are_ds634(arguments, named):
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.sample(SPEC, **arguments)
    assert info.value.codes == ["DS634"] and named in info.value.diagnostics[0].message
    assert info.value.diagnostics[0].hint


def test_prior_draws_check_theirs_too():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.sample_prior(SPEC, draws=0)
    assert info.value.codes == ["DS634"]


@pytest.mark.filterwarnings("ignore::dagspec.DagspecWarning")  # 20 draws: too few for the health checks
@pytest.mark.parametrize("seed", [0, np.int64(3), [1, 2], np.random.default_rng(1), None])
def test_every_kind_of_seed_numpy_takes_is_accepted(seed):
    idata = dagspec.sample(SPEC, draws=20, chains=2, random_seed=seed)
    assert idata.posterior["b_x_y"].shape == (2, 20)
