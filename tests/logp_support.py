"""The checks the construct and optimizer tests share: a compiled spec and a hand-written PyMC model have the same log
density at random points (each value variable moved from its initial point by Normal(0, spread) noise, in the
unconstrained space both models sample in), and an optimized build's log density differs from the literal build's
by a constant at the same values of the user's parameters."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest


def assert_same_log_density(ours, theirs, seed=0, points=6, spread=0.7, rel=1e-9, renamed=None):
    """`renamed` maps our value variables' names to the hand-written model's where they differ."""
    renamed = renamed or {}
    start = ours.initial_point()
    assert sorted(renamed.get(k, k) for k in start) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(seed)
    for _ in range(points):
        point = {k: v + rng.normal(0, spread, np.shape(v)) for k, v in start.items()}
        expected = theirs_logp({renamed.get(k, k): v for k, v in point.items()})
        assert np.isfinite(expected)
        assert ours_logp(point) == pytest.approx(expected, rel=rel)


def user_values(model, names, point):
    """The values of the user-named variables (free or deterministic) at a point of the model's value space."""
    outputs = model.replace_rvs_by_values([model[name] for name in names])
    function = pytensor.function(model.value_vars, outputs, on_unused_input="ignore")
    return dict(zip(names, function(*[point[v.name] for v in model.value_vars])))


def literal_point(literal, values):
    """The point of the literal model's value space where its free variables take `values`."""
    point = {}
    for rv in literal.free_RVs:
        value_var = literal.rvs_to_values[rv]
        transform = literal.rvs_to_transforms.get(rv)
        value = values[rv.name]
        point[value_var.name] = transform.forward(pt.as_tensor(value), *rv.owner.inputs).eval() if transform else value
    return point


def log_density_gaps(spec, data, optimize=True, points=6, jacobian=None, mode=None):
    """The build with `optimize`'s log density minus the literal build's at the same values of the user's parameters,
    at random points, less `jacobian(values)` where given; returns (gaps, literal model, optimized model). `mode`:
    the PyTensor mode everything here compiles in (e.g. "FAST_COMPILE" where a C compile of each small graph would
    cost far more than evaluating it); None, the configured one. The terms are summed in numpy."""
    literal, optimized = spec.build(data, optimize=False), spec.build(data, optimize=optimize)
    names = [rv.name for rv in literal.free_RVs]
    with pytensor.config.change_flags(mode=mode or pytensor.config.mode):
        lit_logp, opt_logp = literal.compile_logp(sum=False), optimized.compile_logp(sum=False)
        rng = np.random.default_rng(7)
        start = optimized.initial_point()
        gaps = []
        for _ in range(points):
            point = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in start.items()}
            values = user_values(optimized, names, point)
            gap = sum(map(np.sum, opt_logp(point))) - sum(map(np.sum, lit_logp(literal_point(literal, values))))
            gaps.append(gap - (jacobian(values) if jacobian else 0.0))
    return np.array(gaps), literal, optimized
