"""Issue 13: the optimizer's memory grows with rows + levels, not rows × levels (the whitening pass built a dense
rows × levels design: 8 GB for 10⁶ rows and 1000 levels, 745 GiB asked for with 10⁵ levels), and the
whitened model keeps exactly the literal model's posterior. Peak memory at full size: bench/hostile_data.md."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from logp_support import log_density_gaps

import dagspec
from dagspec.optimize import optimize
from dagspec.plan import make_plan

SPEC = "node g : categorical\nnode y ~ Normal\ng -> y\nobserved g, y\nprior g -> y ~ Normal(0, 1)"


def _peak_optimizing(rows: int, levels: int) -> tuple[float, list[str]]:
    """Peak MiB numpy and Python allocate while the passes run on a literal plan, and the plan's notes."""
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"g": rng.integers(0, levels, rows), "y": rng.normal(size=rows)})
    spec = dagspec.parse(SPEC)
    plan = make_plan(spec.checked, spec.columns(data))
    tracemalloc.start()
    try:
        optimize(plan, True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / 2**20, plan.notes


def test_many_levels_cost_no_rows_times_levels_matrix():
    peak, notes = _peak_optimizing(20_000, 2_000)  # the dense design alone was 305 MiB (610 MiB peak)
    assert peak < 20, peak
    assert not any("whitened" in n for n in notes)  # 2000 coefficients: beyond what whitening affords


def test_whitening_builds_its_cross_products_from_a_sparse_design():
    peak, notes = _peak_optimizing(50_000, 150)  # dense: 116 MiB
    assert any("whitened basis (151 coefficients" in n for n in notes)
    assert peak < 30, peak


def test_the_sparse_design_keeps_the_posterior_of_a_varying_slope_and_an_intercept():
    rng = np.random.default_rng(4)
    n = 150
    g, x = rng.integers(0, 3, n), rng.normal(size=n)
    data = pd.DataFrame({"g": g, "x": x, "y": 1.0 + np.array([0.5, -1.0, 2.0])[g] * x + rng.normal(0, 0.3, n)})
    spec = dagspec.parse(
        "node g : categorical\nnode x\nnode y ~ Normal\nx -> y by g\nobserved g, x, y\n"
        "prior y.intercept ~ Normal(0, 5)\nprior x -> y by g ~ Normal(0, 2)"
    )
    assert any("whitened" in note for note in spec.plan(data, optimize=True).notes)
    gaps, _, _ = log_density_gaps(spec, data, True)
    assert np.ptp(gaps) < 1e-6 * max(1.0, np.abs(gaps).max())  # log |det L|: the same at every point


def test_a_covariance_over_thousands_of_levels_is_a_shape_error():
    """n levels coupled by an LKJ covariance make n(n+1)/2 elements: DS413 bounds them as any parameter's."""
    rng = np.random.default_rng(2)
    rows = 3000
    data = pd.DataFrame({"g": rng.integers(0, 2, rows), "t": np.arange(rows) % 1500, "y": rng.normal(size=rows)})
    spec = dagspec.parse(
        "node g : categorical\nnode t : categorical\nnode y ~ Normal(intercept = none)\n"
        "t -> y by g\nobserved g, t, y\n"
        "prior chol_cov ~ LKJCholeskyCov(eta = 2, sd = Exponential(1))\n"
        "prior t -> y by g ~ MvNormal(mu = 0, chol = chol_cov) as ab"
    )
    with pytest.raises(dagspec.DagspecError) as info:
        spec.plan(data)
    [error] = info.value.diagnostics
    assert error.code == "DS413" and (error.span.line, error.span.column) == (6, 18)  # at LKJCholeskyCov
    assert "1,500 × 1,500 covariance, 1,125,750 elements" in error.message
    small = data.assign(t=np.arange(rows) % 30)
    assert spec.plan(small).coords["t"] == list(range(30))
