"""An improper posterior is a coded error, never a sample (issue 13): flat coefficients that the data do not
identify (DS425), and an outcome its linear predictor fits exactly (DS530)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import dagspec
from dagspec import cli

RNG = np.random.default_rng(0)
N = 90
G1, G2, X = RNG.integers(0, 3, N), RNG.integers(0, 4, N), RNG.normal(size=N)
Y = np.array([0.0, 1.0, 2.0])[G1] + X + RNG.normal(size=N)

# the case of the issue: an intercept beside one effect per level, both flat
INTERCEPT_AND_LEVELS = """node g : categorical
node y ~ Normal
g -> y
observed g, y
prior y.intercept ~ Flat()
prior g -> y ~ Flat()
"""


def _error(text, data):
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(text).plan(pd.DataFrame(data))
    return info.value


def test_an_intercept_beside_every_level_with_flat_priors_is_ds425_everywhere():
    spec = dagspec.parse(INTERCEPT_AND_LEVELS)
    data = pd.DataFrame({"g": G1, "y": Y})
    for attempt in (
        lambda: dagspec.sample(spec, data, draws=50, chains=1),
        lambda: spec.build(data),
        lambda: spec.build(data, optimize=False),
    ):
        with pytest.raises(dagspec.DagspecError) as info:
            attempt()
        assert info.value.codes == ["DS425"]
    found = info.value.diagnostics[0]
    assert (found.span.line, found.span.column) == (5, 21)  # the intercept's Flat()
    assert "y_intercept and b_g_y" in found.message and "one effect per level of g" in found.message
    assert "proper prior" in found.hint and "intercept = none" in found.hint and "reference level" in found.hint


def test_check_and_compile_stop_instead_of_announcing_draws(tmp_path, capsys):
    pd.DataFrame({"g": G1, "y": Y}).to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "improper.dag").write_text(
        INTERCEPT_AND_LEVELS.replace("observed g, y", 'observed g, y from "data.csv"')
    )
    code = cli.main(["check", str(tmp_path / "improper.dag")])
    out, err = capsys.readouterr()
    assert code == 1 and "improper.dag:5:21: error DS425" in out + err
    code = cli.main(["compile", str(tmp_path / "improper.dag")])
    out, err = capsys.readouterr()
    assert code == 1 and "error DS425" in err and "independent draws" not in out


@pytest.mark.parametrize(
    "text, data, named",
    [
        (
            "node g1 : categorical\nnode g2 : categorical\nnode y ~ Normal(intercept = none)\ng1, g2 -> y\n"
            "observed g1, g2, y\nprior g1 -> y ~ Flat()\nprior g2 -> y ~ Flat()",
            {"g1": G1, "g2": G2, "y": Y},
            "b_g1_y and b_g2_y",
        ),  # two full sets of levels
        ("x -> y\nobserved x, y\nprior x -> y ~ Flat()", {"x": np.zeros(N), "y": Y}, "b_x_y"),  # x is 0 throughout
        (
            'node g : categorical(levels = ["a", "b", "c", "d"])\nnode y ~ Normal(intercept = none)\ng -> y\n'
            "observed g, y\nprior g -> y ~ Flat()",
            {"g": np.array(["a", "b", "c"])[G1], "y": Y},
            "b_g_y[d]",
        ),  # no rows
        (
            "x1, x2, x3 -> y\nobserved x1, x2, x3, y\nprior x1 -> y ~ Flat()\nprior x2 -> y ~ Flat()\n"
            "prior x3 -> y ~ Flat()",
            {"x1": X, "x2": G1 * 1.0, "x3": 0.3 * X - 2.5 * G1, "y": Y},
            "b_x1_y, b_x2_y and b_x3_y",
        ),
        (
            "node g : categorical\nnode y ~ Bernoulli\ng -> y\nobserved g, y\nprior y.intercept ~ Flat()\n"
            "prior g -> y ~ Flat() as b\nlet d = b[1] - b[0]",
            {"g": G1, "y": (Y > 1) * 1},
            "y_intercept and b",
        ),
    ],
    ids=["two-categoricals", "zero-predictor", "level-without-rows", "collinear", "bernoulli-with-a-let"],
)
def test_unidentified_flat_coefficients_are_named(text, data, named):
    error = _error(text, data)
    assert error.codes == ["DS425"] and error.diagnostics[0].message.startswith(f"the data do not identify {named},")


@pytest.mark.parametrize(
    "text, data",
    [
        ("x -> y\nobserved x, y\nprior x -> y ~ Flat()\nprior y.intercept ~ Flat()", {"x": X, "y": Y}),
        (
            "node g : categorical\ng -> y\nobserved g, y\nprior y.intercept ~ Flat()",
            {"g": G1, "y": Y},
        ),  # proper effects
        (
            "x1, x2 -> y\nobserved x1, x2, y\nprior x1 -> y ~ Flat()\nprior x2 -> y ~ Flat()",  # nearly, not exactly, collinear
            {"x1": X, "x2": X + 1e-5 * RNG.normal(size=N), "y": Y},
        ),
    ],
    ids=["slope", "proper-effects", "nearly-collinear"],
)
def test_identified_flat_coefficients_pass(text, data):
    dagspec.parse(text).plan(pd.DataFrame(data))


def test_thousands_of_levels_are_checked_without_a_dense_design():
    levels = RNG.integers(0, 3000, 100_000)
    data = {"g": levels, "y": RNG.normal(size=levels.size)}
    assert _error(INTERCEPT_AND_LEVELS, data).codes == ["DS425"]
    dagspec.parse(INTERCEPT_AND_LEVELS.replace("prior y.intercept ~ Flat()\n", "")).plan(pd.DataFrame(data))


@pytest.mark.parametrize(
    "text, data, words",
    [
        ("x -> y\nobserved x, y", {"x": X, "y": np.full(N, 3.0)}, "(it is 3 in every row)"),
        ("x -> y\nobserved x, y", {"x": X, "y": 2 * X + 1}, "fitted exactly by its linear predictor, so"),
        (
            "node g : categorical\nnode y ~ Normal(intercept = none)\ng -> y\nobserved g, y",
            {"g": G1, "y": np.full(N, 2.0)},
            "(it is 2 in every row)",
        ),
        ("node y ~ LogNormal\nx -> y\nobserved x, y", {"x": X, "y": np.full(N, 2.0)}, "LogNormal outcome 'y'"),
        (
            "x, z -> y\nobserved x, z, y\nprior x -> y = 1",
            {"x": X, "z": G1 * 1.0, "y": X + 3},  # y - 1·x is 3
            "fitted exactly by its linear predictor, so",
        ),
    ],
    ids=["constant", "line", "levels-without-intercept", "lognormal", "fixed-offset"],
)
def test_an_exact_fit_is_ds530_when_sampling(text, data, words):
    spec = dagspec.parse(text)
    spec.build(pd.DataFrame(data))  # a model like any other ...
    with pytest.raises(dagspec.DagspecError) as info:  # ... whose posterior is improper
        dagspec.sample(spec, pd.DataFrame(data), draws=50, chains=1)
    assert info.value.codes == ["DS530"] and words in info.value.diagnostics[0].message


def test_noise_a_known_sigma_or_a_fixed_slope_is_no_exact_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dagspec.DagspecWarning)
        noisy = pd.DataFrame({"x": X, "y": 2 * X + 1 + 1e-6 * RNG.normal(size=N)})
        assert dagspec.sample(dagspec.parse("x -> y\nobserved x, y"), noisy, draws=50, chains=1) is not None
        known = pd.DataFrame({"x": X, "y": 2 * X})
        assert (
            dagspec.sample(
                dagspec.parse("node y ~ Normal(sigma = 1)\nx -> y\nobserved x, y"), known, draws=50, chains=1
            )
            is not None
        )
        line = pd.DataFrame({"x": X, "z": G1 * 1.0, "y": 2 * X})  # x's coefficient is fixed at 1: y - x = x is left
        assert (
            dagspec.sample(dagspec.parse("x, z -> y\nobserved x, z, y\nprior x -> y = 1"), line, draws=50, chains=1)
            is not None
        )
        constant = pd.DataFrame({"x": X, "y": np.full(N, 3.0)})  # no intercept: a slope cannot fit a constant
        assert (
            dagspec.sample(
                dagspec.parse("node y ~ Normal(intercept = none)\nx -> y\nobserved x, y"), constant, draws=50, chains=1
            )
            is not None
        )
