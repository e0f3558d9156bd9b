"""Generated PyMC scripts build the same model as spec.build(): equal log densities at random points."""

import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import dagspec
from dagspec.optimize import for_scripts

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = sorted((ROOT / "specs" / "tutorial").glob("*.dag"))
DOC_EXAMPLES = [
    block
    for doc in sorted((ROOT / "docs").glob("*.md"))
    for block in re.findall(r"```dag\n(.*?)```", doc.read_text(), re.S)
]


def _run_script(spec, tmp_path, optimize):
    script = tmp_path / "model.py"
    script.write_text(spec.to_source("pymc", optimize=optimize, output=script))
    saved, sys.argv = sys.argv, [str(script)]  # as if run with no arguments
    try:
        return runpy.run_path(str(script), run_name="generated")["model"]
    finally:
        sys.argv = saved


def _function_of_values(model, names):
    """A point (value variables) → the variables `names` there."""
    if not names:
        return lambda point: []
    outputs = model.replace_rvs_by_values([model[n] for n in names])
    return model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore")


def _same_log_density(ours, theirs, seed=0):
    """Equal log densities, and equal deterministics under the same names, at random points."""
    assert sorted(ours.initial_point()) == sorted(theirs.initial_point())
    names = sorted(d.name for d in ours.deterministics)
    assert names == sorted(d.name for d in theirs.deterministics)
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    ours_derived, theirs_derived = (_function_of_values(model, names) for model in (ours, theirs))
    rng = np.random.default_rng(seed)
    for _ in range(5):
        point = {k: v + rng.normal(0, 0.5, np.shape(v)) for k, v in ours.initial_point().items()}
        assert theirs_logp(point) == pytest.approx(ours_logp(point), rel=1e-8)
        for name, mine, generated in zip(names, ours_derived(point), theirs_derived(point)):
            np.testing.assert_allclose(generated, mine, rtol=1e-8, err_msg=name)


@pytest.mark.parametrize("path", TUTORIAL, ids=[p.stem for p in TUTORIAL])
@pytest.mark.parametrize("optimize", [False, True], ids=["literal", "optimized"])
def test_tutorial_scripts_match(path, optimize, tmp_path):
    """A script is the build with the passes a script takes (not `batch` and `covariance`, for_scripts)."""
    spec = dagspec.load(path)
    _same_log_density(spec.build(optimize=for_scripts(optimize)), _run_script(spec, tmp_path, optimize))


@pytest.mark.parametrize("number", range(len(DOC_EXAMPLES)))
def test_doc_example_scripts_match(number, tmp_path):
    spec = dagspec.parse(DOC_EXAMPLES[number], "example.dag")
    _same_log_density(spec.build(optimize=False), _run_script(spec, tmp_path, False))


def test_script_reads_like_the_tutorial():
    spec = dagspec.load(ROOT / "specs" / "tutorial" / "simple_regression.dag")
    source = spec.to_source(output=ROOT / "specs" / "tutorial" / "model.py")
    assert "intercept = pm.Normal('intercept', mu=0, sigma=10)" in source
    assert "mu = intercept + coeff * x1" in source
    assert "y_hat = pm.Normal('y_hat', mu=mu, sigma=error, observed=y1, dims='__obs__')" in source
    assert "pd.read_csv(sys.argv[1] if len(sys.argv) > 1 else HERE / 'data/simple_regression.csv')" in source


def test_poisson_cells_in_a_script_match(tmp_path):
    rng = np.random.default_rng(3)
    g, t = rng.integers(0, 3, 120), rng.integers(0, 2, 120)
    np.savetxt(
        tmp_path / "counts.csv",
        np.column_stack([g, t, rng.poisson(2.0, 120)]),
        fmt="%d",
        delimiter=",",
        header="g,t,y",
        comments="",
    )
    (tmp_path / "counts.dag").write_text(
        "node g : categorical\nnode t : categorical\nnode y ~ Poisson\ng -> y\nt -> y by g\n"
        'observed g, t, y from "counts.csv"\n'
    )
    spec = dagspec.load(tmp_path / "counts.dag")
    assert any("collapsed to Poisson counts in 6 cells" in note for note in spec.plan(optimize=True).notes)
    _same_log_density(spec.build(optimize=True), _run_script(spec, tmp_path, True))
