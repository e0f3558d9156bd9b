"""LKJ covariance priors → sampled in Stan's coordinates, the log standard deviations and the partial correlations,
instead of PyMC's (the entries of the covariance's Cholesky factor): the same prior over the covariance, without
the funnel between each scale and the correlations in its row (backends/lkj_coordinates.py says why and how)."""

from __future__ import annotations

from ..plan import Plan, RandomVariable

SCALES_AND_PARTIAL_CORRELATIONS = "scales_and_partial_correlations"


def sample_scales_and_correlations(plan: Plan) -> None:
    for entry in plan.entries:
        if isinstance(entry, RandomVariable) and entry.dist == "LKJCholeskyCov" and entry.transform is None:
            entry.transform = SCALES_AND_PARTIAL_CORRELATIONS
            plan.notes.append(f"{entry.name}: sampled in log standard deviations and partial correlations")
