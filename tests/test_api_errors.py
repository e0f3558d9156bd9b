"""User errors raised through the Python API carry coded diagnostics, never a bare traceback."""

import json

import numpy as np
import pandas as pd
import pytest

import dagspec


def codes(exc_info):
    return [d.code for d in exc_info.value.diagnostics]


def test_bad_ir_json_is_ds108():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.Spec.from_json('{"version": 1, "statements": [{"kind": "nope"}]}')
    assert codes(info) == ["DS108"]
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.Spec.from_json("not json")
    assert codes(info) == ["DS108"]


def test_newer_ir_version_is_refused():
    document = json.loads(dagspec.parse("a ~ Normal(0, 1)").to_json())
    document["version"] = 99
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.Spec.from_json(document)
    assert "version 99" in info.value.diagnostics[0].message


def test_data_of_the_wrong_type_is_ds511():
    spec = dagspec.parse("x -> y\nobserved x, y")
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build(data=[1, 2, 3])
    assert codes(info) == ["DS511"]


def test_missing_spec_file_is_ds107(tmp_path):
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.load(tmp_path / "nope.dag")
    assert codes(info) == ["DS107"]
    assert info.value.diagnostics[0].file.endswith("nope.dag")


def test_data_passed_to_build_overrides_named_files():
    spec = dagspec.parse('x -> y\nobserved x, y from "missing.csv"')
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 3.9, 6.1]})
    model = spec.build(frame, optimize=False)
    assert {v.name for v in model.free_RVs} == {"y_intercept", "b_x_y", "y_sigma"}


def test_column_mapping_and_dict_data():
    spec = dagspec.parse('x -> y\nobserved x = "X col", y')
    model = spec.build({"X col": np.arange(4.0), "y": np.arange(4.0) * 2})
    assert np.allclose(model["x"].get_value(), np.arange(4.0))


def test_several_problems_are_reported_together():
    spec = dagspec.parse("node g : categorical\ng, x -> y\nobserved g, x, y")
    frame = pd.DataFrame({"g": ["a", None, "b"], "x": [1.0, "oops", 2.0], "y": [1.0, 2.0, np.inf]})
    with pytest.raises(dagspec.DagspecError) as info:
        spec.build(frame)
    assert codes(info) == ["DS504", "DS505", "DS504"]
    assert "first at row(s) 1" in info.value.diagnostics[0].message


def test_unknown_or_missing_sampler_is_ds601():
    from dagspec.backends.sample import SAMPLERS, installed_samplers

    spec = dagspec.parse("a ~ Normal(0, 1)")
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.sample(spec, sampler="stan")
    assert codes(info) == ["DS601"]
    assert "samplers: nutpie" in info.value.diagnostics[0].hint
    missing = [s for s in SAMPLERS if s not in installed_samplers()]
    for sampler in missing:
        with pytest.raises(dagspec.DagspecError) as info:
            dagspec.sample(spec, sampler=sampler)
        assert "is not installed" in info.value.diagnostics[0].message


def test_enormous_models_are_refused_before_building():
    n = 2_000
    frame = pd.DataFrame({"g": np.arange(n), "t": np.arange(n) % 1_000, "y": np.zeros(n)})
    spec = dagspec.parse("node g : categorical\nnode t : categorical\nnode y ~ Normal\nt -> y by g\nobserved g, t, y")
    with pytest.raises(dagspec.DagspecError) as info:
        spec.plan(frame)  # 2,000 x 1,000 cells
    assert codes(info) == ["DS413"] and "2,000,000 elements" in info.value.diagnostics[0].message


def test_a_categorical_with_too_many_levels_is_refused():
    from dagspec import data as data_module

    frame = pd.DataFrame({"g": np.arange(data_module.MAX_LEVELS + 1), "y": 0.0})
    spec = dagspec.parse("node g : categorical\ng -> y\nobserved g, y")
    with pytest.raises(dagspec.DagspecError) as info:
        spec.plan(frame)
    assert codes(info) == ["DS413"] and "levels" in info.value.diagnostics[0].message


def test_booleans_and_integer_coded_levels_are_accepted():
    spec = dagspec.parse('node g : categorical(levels = ["1", "2", "3"])\nnode t\ng, t -> y\nobserved g, t, y')
    frame = pd.DataFrame({"g": [1, 2, 3, 1], "t": [True, False, True, False], "y": [0.1, 0.2, 0.3, 0.4]})
    columns = spec.columns(frame)
    assert list(columns["g"].values) == [0, 1, 2, 0]
    assert list(columns["t"].values) == [1.0, 0.0, 1.0, 0.0]
    with pytest.raises(dagspec.DagspecError) as info:
        spec.columns(frame.assign(g=[1, 2, 4, 1]))
    assert codes(info) == ["DS506"] and "4" in info.value.diagnostics[0].message
