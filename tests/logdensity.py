"""Two PyMC models → whether they have the same free variables and the same log density at random points (the
check every construct's compilation gets against a hand-written PyMC model)."""

import numpy as np
import pytest


def same_log_density(ours, theirs, count=6, scale=0.5, seed=0, renamed=None, rel=1e-9):
    """Equal log densities at `count` points around the hand-written model's starting point; `renamed` maps our
    variable names to theirs where they differ."""
    renamed = renamed or {}
    start = ours.initial_point()
    assert sorted(renamed.get(k, k) for k in start) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(seed)
    for _ in range(count):
        point = {k: v + rng.normal(0, scale, np.shape(v)) for k, v in start.items()}
        expected = theirs_logp({renamed.get(k, k): v for k, v in point.items()})
        assert np.isfinite(expected)
        assert ours_logp(point) == pytest.approx(expected, rel=rel)
