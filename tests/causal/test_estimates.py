"""`estimate` fits what it is asked and warns, relative to the declared DAG, when the adjustment is bad."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dagspec

TUTORIAL = Path(__file__).resolve().parent.parent.parent / "specs" / "tutorial"


@pytest.mark.parametrize(
    "name, codes",
    [
        ("include_collider", ["DS313"]),
        ("no_fork", ["DS316"]),
        ("exclude_collider", []),
        ("fork", []),
        ("combined_confounds", []),
    ],
)
def test_tutorial_confounds_warn_exactly_where_they_should(name, codes):
    assert [w.code for w in dagspec.load(TUTORIAL / f"{name}.dag").warnings] == codes


def test_chosen_set_and_why():
    spec = dagspec.load(TUTORIAL / "fork.dag")
    (estimate,) = spec.checked.estimates
    assert estimate.chosen and estimate.adjust == ("z",) and estimate.regressors == ("x", "z")
    assert [p.address for p in spec.checked.params.values()] == ["y.intercept", "x -> y", "z -> y", "y.sigma"]


def test_waffle_house_estimate_picks_the_smallest_set():
    spec = dagspec.parse("""
        S -> A; S -> M; S -> W; A -> M; A -> D; M -> D; W -> D
        observed S, A, M, W, D
        estimate W -> D as waffle_effect
    """)
    (estimate,) = spec.checked.estimates
    assert estimate.adjust == ("S",) and estimate.alternatives == [frozenset({"S"}), frozenset({"A", "M"})]
    assert "waffle_effect" in spec.parameters


def test_direct_effect_adjusts_for_the_mediator():
    spec = dagspec.parse("x -> m -> y\nx -> y\nobserved x, m, y\nestimate direct x -> y")
    assert spec.checked.estimates[0].adjust == ("m",)
    assert spec.parameters["direct_effect_x_y"] == "x -> y"  # the effect's clear default name
    assert dagspec.parse("x -> m -> y\nx -> y\nobserved x, m, y\nestimate direct x -> y adjust m").warnings == []


def test_a_latent_confounder_makes_the_estimate_an_error():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("node u\nu -> x; u -> y; x -> y\nobserved x, y\nestimate x -> y")
    assert info.value.codes == ["DS311"]
    assert "observe u" in info.value.diagnostics[0].hint


def _path_data(n=400, seed=11):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0, 1, n)
    x2 = 2 * x1 + rng.normal(0, 0.5, n)
    y1 = 5 * x2 + rng.normal(0, 0.5, n)
    return pd.DataFrame({"x1": x1, "x2": x2, "y1": y1})


@pytest.mark.slow
def test_intervention_recovers_the_true_causal_effect():
    spec = dagspec.parse("node x1\nnode x2 ~ Normal\nnode y1 ~ Normal\nx1 -> x2 -> y1\nobserved x1, x2, y1")
    data = _path_data()
    idata = dagspec.sample(spec, data, draws=300, tune=300, chains=2, random_seed=5)
    low = dagspec.do(spec, idata, {"x1": 0.0}, data=data, random_seed=1).posterior_predictive["y1"]
    high = dagspec.do(spec, idata, {"x1": 1.0}, data=data, random_seed=1).posterior_predictive["y1"]
    effect = (high.mean(dim="__obs__") - low.mean(dim="__obs__")).values.ravel()
    assert abs(effect.mean() - 10.0) < 4 * effect.std() / np.sqrt(len(effect)) + 0.15  # true effect 2 * 5
    mediator_held = dagspec.do(spec, idata, {"x1": 1.0, "x2": 0.0}, data=data, random_seed=1)
    assert abs(float(mediator_held.posterior_predictive["y1"].mean())) < 0.5  # x1 acts only through x2
