"""A PyMC model → its NUTS step, with the mass matrix adapted during tuning: dense for up to DENSE_UP_TO
unconstrained dimensions, diagonal (PyMC's default) beyond.

Measured on the gallery's hierarchical GLMs, the models the independence sampler leaves to NUTS (bench/notes/glm.md,
2 chains x 1000 draws after 1000 tuning steps, the same seed on both sides): over ten paired runs on reedfrogs
m13.2 (50 dimensions) and chimpanzees m13.4 (20) a dense mass matrix gave a median 1.2x (0.7-1.8x) the smallest
bulk ESS per second of the diagonal one, at the same gradients per draw and as many divergences (7 against 8): a
pool's mean is correlated with its members and a scale with its offsets, which a diagonal cannot take out. Its
cost per leapfrog step grows with the square of the dimension and its estimate needs tuning draws in proportion
to it, so larger models keep the diagonal. Either way NUTS samples the same posterior; only its metric differs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pymc as pm
from pymc.blocking import DictToArrayBijection
from pymc.step_methods.hmc.quadpotential import QuadPotentialFullAdapt

DENSE_UP_TO = 100
RECIPE = f"dense mass matrix up to {DENSE_UP_TO} dimensions"  # part of the step cache's key


def nuts_step(model: pm.Model, options: dict) -> pm.step_methods.NUTS:
    """PyMC's NUTS for `model` (inside its context) with `options` (target_accept, ...)."""
    start = model.initial_point()
    mean = DictToArrayBijection.map({v.name: start[v.name] for v in model.continuous_value_vars}).data
    if mean.size > DENSE_UP_TO:
        return pm.NUTS(**options)
    with warnings.catch_warnings():  # "QuadPotentialFullAdapt is an experimental feature": PyMC's adapt_full
        warnings.simplefilter("ignore", UserWarning)
        potential = QuadPotentialFullAdapt(mean.size, mean, np.eye(mean.size), 10)
    return pm.NUTS(potential=potential, **options)
