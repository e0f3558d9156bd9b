"""An LKJCholeskyCov prior's packed Cholesky factor ↔ Stan's unconstrained coordinates for it: the log standard
deviations and the inverse hyperbolic tangents of the canonical partial correlations.

PyMC samples LKJCholeskyCov in the entries of the covariance's Cholesky factor L = diag(sigma) R (the diagonal
log-transformed). Row i's off-diagonal entries are sigma_i times a correlation, so as a scale sigma_i goes to
zero they are squeezed with it: a funnel between log L_ii and its row, which the non-centred pool above it does
not remove. In Stan's coordinates the scales and the correlations are separate (a priori independent) numbers.
Same distribution over the covariance, so the same posterior; measured on chimpanzees m14.3 under PyMC's NUTS
(bench/RESULTS.md): min bulk ESS 668-811 of 2000 draws against 113-278 in PyMC's coordinates, seeds 1-3 and the
benchmark's.

With z = tanh(y) the canonical partial correlations, row i of the correlation factor R is
R_ij = z_ij prod_{k<j} sqrt(1 - z_ik^2) (j < i) and R_ii = prod_{k<i} sqrt(1 - z_ik^2); L_ij = sigma_i R_ij.
The log Jacobian of (log sigma, y) → packed L is
sum_i [(i + 1) log sigma_i - log R_ii] + sum_{j<i} [log(1 - z_ij^2) + log(1 - sum_{k<j} R_ik^2) / 2]:
per row, (sigma_i, R_i,<i) → L_i,≤i has determinant sigma_i^i / R_ii (polar coordinates), log sigma → sigma
adds log sigma_i, and z → R_i,<i is triangular with diagonal sqrt(1 - sum_{k<j} R_ik^2).
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pymc.logprob.transforms import Transform


class ScalesAndPartialCorrelations(Transform):
    """The transform of an n × n LKJCholeskyCov's packed factor (a vector of n(n + 1)/2, rows of the lower
    triangle in order) to (log sigma_1..n, atanh z_21, atanh z_31, atanh z_32, ...)."""

    name = "log_sd_partial_corr"

    def __init__(self, n: int):
        self.n = n
        self.rows, self.columns = np.tril_indices(n)  # the packed order
        self.below_rows, self.below_columns = np.tril_indices(n, -1)

    def _lower(self, value, entries, rows, columns):
        """A (..., n, n) matrix, zero but for `entries` at (rows, columns)."""
        square = pt.zeros(pt.concatenate([value.shape[:-1], [self.n, self.n]]))
        return pt.set_subtensor(square[..., rows, columns], entries)

    def _parts(self, value):
        """(log sigma, log(1 - z^2) below the diagonal, S with S_ij = sum_{k<j} log(1 - z_ik^2), R)."""
        y = value[..., self.n :]
        log_one_minus_z2 = 2 * (np.log(2) - y - pt.softplus(-2 * y))  # log(1 - tanh(y)^2), stable for large |y|
        z = self._lower(value, pt.tanh(y), self.below_rows, self.below_columns)
        w = self._lower(value, log_one_minus_z2, self.below_rows, self.below_columns)
        s = pt.cumsum(w, axis=-1) - w
        factor = (z + np.eye(self.n)) * pt.exp(0.5 * s)
        return value[..., : self.n], log_one_minus_z2, s, factor

    def backward(self, value, *inputs):
        log_sigma, _, _, factor = self._parts(value)
        return (pt.exp(log_sigma)[..., :, None] * factor)[..., self.rows, self.columns]

    def forward(self, value, *inputs):
        chol = self._lower(value, value, self.rows, self.columns)
        sigma = pt.sqrt(pt.sum(chol**2, axis=-1))
        factor = chol / sigma[..., :, None]
        remaining = 1 - pt.cumsum(factor**2, axis=-1) + factor**2  # 1 - sum_{k<j} R_ik^2
        z = (factor / pt.sqrt(remaining))[..., self.below_rows, self.below_columns]
        return pt.concatenate([pt.log(sigma), pt.arctanh(z)], axis=-1)

    def log_jac_det(self, value, *inputs):
        log_sigma, log_one_minus_z2, s, _ = self._parts(value)
        rows = np.arange(self.n)
        return (
            ((rows + 1) * log_sigma).sum(-1)
            - 0.5 * s[..., rows, rows].sum(-1)
            + log_one_minus_z2.sum(-1)
            + 0.5 * s[..., self.below_rows, self.below_columns].sum(-1)
        )
