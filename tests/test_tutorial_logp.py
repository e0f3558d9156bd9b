"""Each tutorial spec compiles to exactly the tutorial's model: same free variables and shapes, same log density."""

from pathlib import Path

import numpy as np
import pytest
from tutorial_models import MODELS, load_data

import dagspec

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs" / "tutorial"
NAMES = sorted(MODELS)


def test_every_tutorial_model_has_a_spec():
    assert sorted(p.stem for p in SPECS.glob("*.dag")) == NAMES


def _free_shapes(model):
    point = model.initial_point()
    return {rv.name: tuple(point[model.rvs_to_values[rv].name].shape) for rv in model.free_RVs}


def _random_points(model, count, seed):
    """Points on the unconstrained (value-variable) space, spread wider than the initial point."""
    rng = np.random.default_rng(seed)
    start = model.initial_point()
    for _ in range(count):
        yield {name: value + rng.normal(0.0, 0.7, size=np.shape(value)) for name, value in start.items()}


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_the_tutorial_model(name):
    spec = dagspec.load(SPECS / f"{name}.dag")
    compiled = spec.build(optimize=False)  # no data argument: the spec names its data files
    reference = MODELS[name](load_data(name))

    assert _free_shapes(compiled) == _free_shapes(reference)
    assert sorted(compiled.initial_point()) == sorted(reference.initial_point())

    ours, theirs = compiled.compile_logp(), reference.compile_logp()
    for point in _random_points(reference, 6, seed=sum(map(ord, name))):
        expected = theirs(point)
        assert np.isfinite(expected)
        assert ours(point) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_data_through_the_api_gives_the_same_model(name):
    data = load_data(name)
    if data is None:
        pytest.skip("no data set")
    spec = dagspec.load(SPECS / f"{name}.dag")
    from_files, from_frame = spec.build(optimize=False), spec.build(data, optimize=False)
    point = from_files.initial_point()
    assert from_files.compile_logp()(point) == from_frame.compile_logp()(point)


def test_categorical_parameters_carry_level_coords():
    model = dagspec.load(SPECS / "heterogenous.dag").build()
    assert model.named_vars_to_dims["ab_did"] == ("x1", "x2")
    assert list(model.coords["x1"]) == [0, 1, 2]
    assert list(model.coords["x2"]) == [0, 1]
