"""Smooth terms + the fitted values of their node → the fixed numbers of their bases: a spline's knots, an HSGP's
centre and boundary. Pure numpy; the bases themselves are computed in the model (backends), so that predictions
and do() recompute them from new values with these numbers.
"""

from __future__ import annotations

import numpy as np


def quantile_knots(values: np.ndarray, count: int) -> np.ndarray:
    """`count` knots, the boundaries included, at evenly spaced quantiles of the values (R's default quantile,
    as Statistical Rethinking places them: `quantile(x, probs = seq(0, 1, length.out = count))`)."""
    return np.quantile(np.asarray(values, dtype=float), np.linspace(0.0, 1.0, count))


def clamped(knots: np.ndarray, degree: int) -> np.ndarray:
    """The full knot vector: each boundary knot repeated degree + 1 times (as R's bs(..., intercept = TRUE)),
    so that there are len(knots) + degree - 1 basis functions, summing to one over [first, last knot]."""
    knots = np.asarray(knots, dtype=float)
    return np.concatenate([np.repeat(knots[0], degree), knots, np.repeat(knots[-1], degree)])


def basis_size(knots: int | tuple, degree: int) -> int:
    return (knots if isinstance(knots, int) else len(knots)) + degree - 1


def hsgp_boundary(values: np.ndarray, c: float) -> tuple[float, float]:
    """As pm.gp.HSGP: the centre is the midpoint of the values, L is c times half their range."""
    values = np.asarray(values, dtype=float)
    low, high = float(np.min(values)), float(np.max(values))
    return (low + high) / 2, c * (high - low) / 2
