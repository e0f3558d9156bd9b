"""Helpers for the hostile-input tests of generated scripts: run one in-process, compare log densities."""
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest


def run_script(path: Path):
    """Execute a generated script as a module (not as __main__, so it builds its model but does not sample)."""
    saved, sys.argv = sys.argv, [str(path)]  # as if run with no arguments
    try:
        return runpy.run_path(str(path), run_name="generated")["model"]
    finally:
        sys.argv = saved


def assert_same_log_density(ours, theirs, seed=0, points=5):
    """The two PyMC models have the same free variables and the same log density at random points."""
    assert sorted(ours.initial_point()) == sorted(theirs.initial_point())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(seed)
    for _ in range(points):
        point = {k: v + rng.normal(0, 0.5, np.shape(v)) for k, v in ours.initial_point().items()}
        assert theirs_logp(point) == pytest.approx(ours_logp(point), rel=1e-8)
