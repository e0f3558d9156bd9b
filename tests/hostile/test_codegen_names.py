"""Issue 13: a generated script's own names (mu_<node>, eta, X_, Q_, <g>_levels, data, ...) never collide with a
user's, and user names that are Python builtins or keywords do not break the script (the corpus of adversarial
names: generated_scripts.py)."""

import ast
import builtins

import numpy as np
import pandas as pd
import pytest
from generated_scripts import (
    CHUNKS,
    CORPUS,
    adversarial_data,
    adversarial_spec,
    assert_same_log_density,
    assigned_names,
    run_script,
)

import dagspec
from dagspec.optimize import for_scripts


def test_the_corpus_covers_helpers_builtins_and_keywords():
    expected = (
        "mu_y eta_k X_y Q_y R_inv_y g_levels g_codes cells_k Z_z b_hat_z missing_rows m_likelihood upper_d "
        "d_censored_logp c_codes data coords model HERE print len range float class None lambda match"
    )
    assert set(expected.split()) <= set(CORPUS)


@pytest.mark.parametrize("target", ["pymc", "pymc3"])
@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_no_script_name_is_bound_twice_or_shadows_a_builtin(target, optimize):
    spec = dagspec.parse(adversarial_spec(CORPUS, target, optimize))
    source = spec.to_source(target, adversarial_data(), optimize)
    assigned = assigned_names(source)
    imports = {
        alias.asname or alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert not set(assigned) & (set(dir(builtins)) | imports)
    model_variables = {}  # PyMC name → the identifier assigned the variable
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args:
            first = node.value.args[0]
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and isinstance(node.targets[0], ast.Name)
            ):
                model_variables[first.value] = node.targets[0].id
    for name in CORPUS:
        assert assigned.count(model_variables[name]) == 1, (
            f"{name} is assigned as {model_variables[name]!r} and reassigned"
        )


@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
@pytest.mark.parametrize("chunk", range(len(CHUNKS)))
def test_scripts_of_adversarial_names_build_the_same_model(chunk, optimize, tmp_path):
    (tmp_path / "spec.dag").write_text(adversarial_spec(CHUNKS[chunk], optimize=optimize))
    adversarial_data().to_csv(tmp_path / "data.csv", index=False)
    spec = dagspec.load(tmp_path / "spec.dag")
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", optimize=optimize, output=script))
    assert_same_log_density(spec.build(optimize=for_scripts(optimize)), run_script(script))


def test_a_user_variable_named_like_a_helper_keeps_its_value(tmp_path):
    """The issue's case: with two outcomes codegen writes mu_x, which overwrote the user's mu_x, so the
    intercept's prior mean became a 1000-vector."""
    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.normal(size=30), "x": rng.normal(size=30), "y": rng.normal(size=30)}).to_csv(
        tmp_path / "data.csv", index=False
    )
    (tmp_path / "two.dag").write_text(
        'a -> x\na -> y\nobserved a, x, y from "data.csv"\nmu_x ~ Normal(0, 1)\nprior y.intercept ~ Normal(mu_x, 1)\n'
    )
    spec = dagspec.load(tmp_path / "two.dag")
    script = tmp_path / "model.py"
    script.write_text(spec.to_source(output=script))
    assert "mu_x_ = " in script.read_text()  # the helper gives way: user names keep their spelling
    model = run_script(script)
    assert model["y_intercept"].type.ndim == 0
    assert_same_log_density(spec.build(optimize=False), model)


def test_names_with_a_double_underscore_are_dagspec_s_own():
    """A user's `b__z` was silently replaced by the non-centred pool's `b__z` (the user's variable vanished)."""
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(
            "node g : categorical\ng -> y\nprior g -> y ~ Normal(0, 1) as b\nb__z ~ Normal(0, 1)\nobserved g, y"
        )
    (found,) = info.value.diagnostics
    assert (found.code, found.span.line, found.span.column) == ("DS111", 4, 1)


@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_a_data_node_named_like_the_outcome_s_container(optimize):
    """An outcome's data container was `y_obs`: a data node `y_obs` crashed the literal build (duplicate name) and
    vanished from the optimized one."""
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"x": rng.normal(size=20), "y_obs": rng.normal(size=20), "y": rng.normal(size=20)})
    spec = dagspec.parse("node y ~ Normal\nx -> y\ny_obs -> y\nobserved x, y, y_obs")
    model = spec.build(data, optimize=optimize)
    assert np.array_equal(model["y_obs"].get_value(), data["y_obs"])
    assert np.array_equal(model["y__obs"].get_value(), data["y"])
    assert "b_y_obs_y" in model.named_vars


def test_a_user_name_equal_to_an_imputed_node_s_missing_values_is_a_clash():
    """PyMC stores an imputed node's missing values as `<node>_missing`: a user's variable of that name crashed the
    build (duplicate name)."""
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("y_missing ~ Normal(0, 1)\nnode y ~ Normal(missing = impute)\nx -> y\nobserved x, y")
    (found,) = info.value.diagnostics
    assert (found.code, found.span.line, found.span.column) == ("DS206", 2, 6)
    assert "'y_missing'" in found.message
