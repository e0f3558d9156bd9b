"""The check every construct's tests make: a compiled spec and a hand-written PyMC model have the same log density
at random points (each value variable moved from its initial point by Normal(0, spread) noise, in the
unconstrained space both models sample in)."""

from __future__ import annotations

import numpy as np
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
