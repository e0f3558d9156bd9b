"""Many like Normal regressions built as one vectorised likelihood (optimize/batch.py): the same log density as
the literal model, every parameter under its own name, and a build whose work grows linearly with the spec."""

import cProfile
import pstats

import numpy as np
import pandas as pd
import pytest
from logp_support import log_density_gaps

import dagspec
from dagspec.optimize import batch

GROUP = 4  # the smallest group these tests vectorise: small models compile fast


@pytest.fixture(autouse=True)
def _small_groups(monkeypatch):
    monkeypatch.setattr(batch, "MIN_GROUP", GROUP)


def _chain(n, rows=30, seed=0, priors=()):
    """A chain of regressions v0 -> v1 -> ... -> v{n-1}, all observed."""
    lines = [f"node v{i}" + (" ~ Normal" if i else "") for i in range(n)]
    lines += [f"v{i - 1} -> v{i}" for i in range(1, n)]
    lines.append("observed " + ", ".join(f"v{i}" for i in range(n)))
    data = pd.DataFrame(np.random.default_rng(seed).normal(size=(rows, n)), columns=[f"v{i}" for i in range(n)])
    return dagspec.parse("\n".join([*lines, *priors])), data


def test_a_chain_of_regressions_is_one_likelihood_with_the_literal_posterior():
    # priors of their own for some, so the vectors' prior arguments differ element by element
    spec, data = _chain(GROUP + 4, priors=["prior v3 -> v4 ~ Normal(1, 2)", "prior v5.sigma ~ Exponential(3)"])
    gaps, literal, optimized = log_density_gaps(spec, data, points=4, mode="FAST_COMPILE")
    assert np.ptp(gaps) < 1e-6  # a constant: centring's Jacobian; a wrong element would move it by far more
    assert [v.name for v in optimized.observed_RVs] == ["regressions__0"]
    assert {rv.name for rv in literal.free_RVs} <= set(optimized.named_vars)  # each under its name
    assert optimized.named_vars_to_dims["regressions__0__slope0"] == ("regressions__0__outcome",)
    assert list(optimized.coords["regressions__0__outcome"]) == [f"v{i}" for i in range(1, GROUP + 4)]
    kept = spec.build(data, optimize={"batch": False})
    assert len(kept.observed_RVs) == GROUP + 3


def test_a_few_regressions_stay_as_they_are():
    spec, data = _chain(GROUP - 1)
    assert len(spec.build(data).observed_RVs) == GROUP - 2


def test_regressions_of_two_shapes_are_two_groups_and_an_outcome_read_elsewhere_is_data():
    spec, data = _chain(GROUP + 2)
    rng = np.random.default_rng(1)
    for i in range(GROUP):
        data[f"w{i}"] = rng.normal(size=len(data))
    data["c"] = rng.integers(0, 2, size=len(data))
    text = "\n".join(
        [
            *[f"node v{i}" + (" ~ Normal" if i else "") for i in range(GROUP + 2)],
            *[f"v{i - 1} -> v{i}" for i in range(1, GROUP + 2)],
            *[f"v{i} -> w{i}\nprior w{i}.sigma ~ HalfNormal(2)" for i in range(GROUP)],  # another prior family
            "node c ~ Bernoulli",
            f"v{GROUP + 1} -> c",  # reads the chain's last outcome, which is data in the grouped model
            "observed " + ", ".join(data.columns),
        ]
    )
    spec = dagspec.parse(text)
    gaps, literal, optimized = log_density_gaps(spec, data, points=4, mode="FAST_COMPILE")
    assert np.ptp(gaps) < 1e-6
    assert {v.name for v in optimized.observed_RVs} == {"regressions__0", "regressions__1", "c"}
    assert {rv.name for rv in literal.free_RVs} <= set(optimized.named_vars)


def test_regressions_sharing_a_parameter_stay_as_they_are():
    """A scale every regression reads is one parameter: it cannot be an element of a vector per regression."""
    _, data = _chain(GROUP + 2)
    text = "\n".join(
        [
            "s ~ Exponential(1)",
            *[f"node v{i} ~ Normal(sigma = s)" for i in range(1, GROUP + 2)],
            *[f"v{i - 1} -> v{i}" for i in range(1, GROUP + 2)],
            "observed " + ", ".join(data.columns),
        ]
    )
    gaps, _, optimized = log_density_gaps(dagspec.parse(text), data, points=4, mode="FAST_COMPILE")
    assert np.ptp(gaps) < 1e-6
    assert len(optimized.observed_RVs) == GROUP + 1


def _build_calls(n):
    spec, data = _chain(n)
    profile = cProfile.Profile()
    profile.enable()
    spec.build(data)
    profile.disable()
    return pstats.Stats(profile).total_calls


def test_the_build_does_linear_work_in_the_number_of_regressions():
    """Python function calls (a count, not a time) of plan + build: work a + b·n makes twice the regressions cost
    less than twice the calls; a scan over every entry per entry adds c·n² and pushes the ratio towards 4 (the
    scans this replaced gave 2.05 here; the pass without them 1.97)."""
    _build_calls(batch.MIN_GROUP)  # PyTensor's and PyMC's one-time caches
    small, large = _build_calls(150), _build_calls(300)
    assert large / small < 2.0


def test_a_generated_script_keeps_one_likelihood_per_outcome():
    spec, data = _chain(GROUP + 2)
    script = spec.to_source(data=data, optimize=True)
    assert "regressions__" not in script
    assert all(f"pm.Normal('v{i}'" in script for i in range(1, GROUP + 2))
