"""The bases of smooth terms as PyTensor graphs of their node's values: B-splines (Cox–de Boor), the Hilbert-space
GP basis of pm.gp.HSGP times the kernel's spectral density, and a GP covariance over a distance matrix.

Computed in the model from the data container, so predictions and do() recompute them from new values with the
knots and boundary that the fitted values fixed (plan.py)."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.gp.hsgp_approx import calc_eigenvalues, calc_eigenvectors


def bspline(x, knots, degree):
    """The n x (len(knots) - degree - 1) B-spline basis of x over the full (clamped) knot vector: each row sums
    to one on [knots[0], knots[-1]], the right end included (as scipy's BSpline.design_matrix)."""
    knots = np.asarray(knots, dtype=float)
    degree = int(degree)
    x = pt.as_tensor_variable(x)[:, None]
    last = len(knots) - degree - 2  # the last interval of positive length: it holds the right end too
    basis = pt.cast((x >= knots[:-1]) & (x < knots[1:]), "float64")
    at_end = pt.cast(pt.eq(x, knots[-1]), "float64") * (np.arange(len(knots) - 1) == last)
    basis = basis + at_end
    for k in range(1, degree + 1):
        left, right = _inverse(knots[k:-1] - knots[: -k - 1]), _inverse(knots[k + 1 :] - knots[1:-k])
        basis = (x - knots[: -k - 1]) * left * basis[:, :-1] + (knots[k + 1 :] - x) * right * basis[:, 1:]
    return basis


def _inverse(width: np.ndarray) -> np.ndarray:
    """1 / width, with 0 for a zero width (a repeated knot: that term of the recursion is 0)."""
    safe = np.where(width > 0, width, 1.0)
    return np.where(width > 0, 1.0 / safe, 0.0)


def hsgp(x, centre, half_width, m, kernel, lengthscale, amplitude):
    """pm.gp.HSGP's prior_linearized basis on [centre - L, centre + L], each column scaled by the square root of
    the kernel's spectral density: f = hsgp(...) @ beta with beta ~ Normal(0, 1) (the non-centred HSGP)."""
    L = np.array([float(half_width)])
    eigenvalues = calc_eigenvalues(L, [int(m)])
    phi = calc_eigenvectors((pt.as_tensor_variable(x) - float(centre))[:, None], L, eigenvalues, [int(m)])
    covariance = getattr(pm.gp.cov, str(kernel))(1, ls=lengthscale)
    sqrt_psd = amplitude * pt.sqrt(covariance.power_spectral_density(np.sqrt(eigenvalues)))
    return phi * sqrt_psd


def gp_covariance(distances, etasq, rhosq, delta, kernel):
    """Statistical Rethinking's cov_GPL2 (etasq exp(-rhosq D²)) or cov_GPL1 (etasq exp(-rhosq D)), plus delta on
    the diagonal."""
    distances = np.asarray(distances, dtype=float)
    power = {"L2": distances**2, "L1": distances}[kernel]
    return etasq * pt.exp(-rhosq * power) + float(delta) * np.eye(len(distances))


FUNCTIONS = {"bspline": bspline, "hsgp": hsgp, "gp_covariance": gp_covariance, "cholesky": pt.linalg.cholesky}
