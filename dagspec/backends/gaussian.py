"""Linear-Gaussian blocks (optimize/gaussian.py) → independent posterior draws of their parameters, without MCMC.

Given its scales s, a block's coefficients g are Gaussian: N(Q⁻¹r, Q⁻¹) with Q = Σ gram/s² and r = Σ cross/s²
over its factors. Integrating g out leaves the scales' marginal log density, up to a constant,

    log p(s) − Σ count·log s − ½ Σ square/s² + ½ rᵀQ⁻¹r − ½ log det Q.

A block's one or two scales are drawn from it by quadrature: the density is evaluated on a grid in the scales'
unconstrained coordinates that covers all but about e⁻²⁵ of the mass, interpolated with cubic splines onto a
grid some hundred times finer than a posterior sd, and drawn from cell by cell, uniformly within a cell (an
error far below Monte Carlo error). The coefficients are then drawn exactly given each draw of the scales.
"""
from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from ..optimize.gaussian import GaussianBlock

TAIL = 25.0  # the grid keeps the points whose log density is within this of the largest (mass left out ≲ e⁻²⁵ per unit)
WIDEST = 200.0  # unconstrained coordinates beyond ±this: the marginal is improper or flat, leave it to NUTS
SEARCH_POINTS = {1: 64, 2: 24}  # per dimension, while finding where the mass is
FINAL_POINTS = {1: 256, 2: 96}  # per dimension, where the density is evaluated for drawing
FINE_POINTS = {1: 16384, 2: 512}  # per dimension, the spline-interpolated grid drawn from
MEMORY = 2.5e7  # float64 numbers held at once for a batch of precision matrices


def gaussian_draws(model: pm.Model, blocks: list[GaussianBlock], draws: int, chains: int, rng) -> dict | None:
    """Independent draws {name: (chain, draw, ...)} of the blocks' parameters (the literal `model` gives the
    scales' priors), or None when a block's marginal cannot be integrated on a grid (improper, or flat to the edge)."""
    n = draws * chains
    values = {}
    for block in blocks:
        scales = np.empty((n, 0))
        if block.scales:
            prior = _scale_prior(model, block.scales)
            if prior is None:
                return None
            unconstrained = _grid_draws(lambda u: _log_marginal(block, *prior(u)), len(block.scales), n, rng)
            if unconstrained is None:
                return None
            scales = prior(unconstrained)[0]
        coefficients = _coefficient_draws(block, scales, rng)
        if coefficients is None:
            return None
        for i, name in enumerate(block.scales):
            values[name] = scales[:, i].reshape(chains, draws)
        for name, (offset, shape) in block.coefficients.items():
            size = int(np.prod(shape))
            values[name] = coefficients[:, offset:offset + size].reshape((chains, draws) + shape)
    return values


def _scale_prior(model, names: list[str]):
    """u (points × scales, unconstrained) → (the scales, their log prior density with the Jacobian of u); None
    when a scale's prior is not on a bounded-below continuous support (PyMC gives it no transform)."""
    inputs = pt.matrix("u")
    values, log_density = [], 0
    for i, name in enumerate(names):
        rv = model[name]
        transform = model.rvs_to_transforms.get(rv)
        u = inputs[:, i]
        if transform is None:
            return None
        value = transform.backward(u, *rv.owner.inputs)
        values.append(value)
        jacobian = transform.log_jac_det(u, *rv.owner.inputs)
        log_density = log_density + pm.logp(rv, value) + jacobian
    compiled = pytensor.function([inputs], [pt.stack(values, axis=1), log_density], on_unused_input="ignore")
    return lambda u: compiled(np.asarray(u, dtype=float))


def _system(block: GaussianBlock, scales: np.ndarray):
    """Per row of `scales`: Q, r, Σ square/s², Σ count·log s."""
    weights = {None: np.ones(len(scales))}
    weights.update({name: scales[:, i] ** -2.0 for i, name in enumerate(block.scales)})
    logs = {None: np.zeros(len(scales))}
    logs.update({name: np.log(scales[:, i]) for i, name in enumerate(block.scales)})
    precision = sum(weights[f.scale][:, None, None] * f.gram for f in block.factors)
    linear = sum(weights[f.scale][:, None] * f.cross for f in block.factors)
    squares = sum(weights[f.scale] * f.square for f in block.factors)
    log_scales = sum(f.count * logs[f.scale] for f in block.factors)
    return precision, linear, squares, log_scales


def _log_marginal(block: GaussianBlock, scales: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    result = np.full(len(scales), -np.inf)
    chunk = max(1, int(MEMORY // block.size ** 2))
    for start in range(0, len(scales), chunk):
        part = slice(start, start + chunk)
        precision, linear, squares, log_scales = _system(block, scales[part])
        chol, ok = _cholesky(precision)
        z = np.linalg.solve(chol[ok], linear[ok][..., None])[..., 0]
        log_det = 2 * np.log(np.diagonal(chol[ok], axis1=-2, axis2=-1)).sum(-1)
        value = log_prior[part][ok] - log_scales[ok] - 0.5 * squares[ok] + 0.5 * (z ** 2).sum(-1) - 0.5 * log_det
        result[np.flatnonzero(ok) + start] = value
    return np.where(np.isnan(result), -np.inf, result)


def _cholesky(matrices: np.ndarray):
    """Lower Cholesky factors and which matrices had one (positive definite)."""
    try:
        return np.linalg.cholesky(matrices), np.ones(len(matrices), dtype=bool)
    except np.linalg.LinAlgError:
        chol, ok = np.zeros_like(matrices), np.zeros(len(matrices), dtype=bool)
        for i, matrix in enumerate(matrices):
            try:
                chol[i], ok[i] = np.linalg.cholesky(matrix), True
            except np.linalg.LinAlgError:
                pass
        return chol, ok


def _coefficient_draws(block: GaussianBlock, scales: np.ndarray, rng) -> np.ndarray | None:
    """g | s ~ N(Q⁻¹r, Q⁻¹) per row of `scales` (all at once when there are no scales)."""
    n = len(scales)
    rows = scales[:1] if not block.scales else scales
    out = np.empty((n, block.size))
    chunk = max(1, int(MEMORY // block.size ** 2))
    for start in range(0, len(rows), chunk):
        part = slice(start, start + chunk)
        precision, linear, _, _ = _system(block, rows[part])
        chol, ok = _cholesky(precision)
        if not ok.all():
            return None
        upper = np.swapaxes(chol, -1, -2)
        mean = np.linalg.solve(upper, np.linalg.solve(chol, linear[..., None]))[..., 0]
        count = n if not block.scales else len(mean)
        noise = rng.standard_normal((count, block.size, 1))
        deviation = np.linalg.solve(np.broadcast_to(upper, (count,) + upper.shape[1:]), noise)[..., 0]
        out[start:start + count] = mean + deviation
    return out


def _grid_draws(log_density, dims: int, n: int, rng) -> np.ndarray | None:
    """n draws (n × dims) from the density exp(log_density(points)) in dims ≤ 2 unconstrained coordinates."""
    from scipy.interpolate import RectBivariateSpline, make_interp_spline

    box = np.array([[-30.0, 30.0]] * dims)
    for _ in range(60):
        axes, values = _evaluate(log_density, box, SEARCH_POINTS[dims])
        new_box, settled = _where_the_mass_is(axes, values, box)
        if new_box is None or np.abs(new_box).max() > WIDEST:
            return None
        if settled:
            break
        box = new_box
    else:
        return None
    axes, values = _evaluate(log_density, box, FINAL_POINTS[dims])
    if not np.isfinite(values).all():  # a hole in the grid (e.g. a bound of the scale's support): draw as evaluated
        fine_axes, fine = axes, values
    else:
        fine_axes = [np.linspace(a[0], a[-1], FINE_POINTS[dims]) for a in axes]
        if dims == 1:
            fine = make_interp_spline(axes[0], values, k=3)(fine_axes[0])
        else:
            fine = RectBivariateSpline(axes[0], axes[1], values, kx=3, ky=3)(fine_axes[0], fine_axes[1])
    weights = np.exp(fine - fine.max()).ravel()
    cells = rng.choice(weights.size, size=n, p=weights / weights.sum())
    index = np.unravel_index(cells, fine.shape)
    steps = [a[1] - a[0] for a in fine_axes]
    return np.stack([fine_axes[i][index[i]] + steps[i] * (rng.random(n) - 0.5) for i in range(dims)], axis=1)


def _evaluate(log_density, box: np.ndarray, points: int):
    axes = [np.linspace(lo, hi, points) for lo, hi in box]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(box))
    return axes, log_density(grid).reshape((points,) * len(box))


def _where_the_mass_is(axes, values: np.ndarray, box: np.ndarray):
    """The box around the points within TAIL of the top (one grid step wider), whether the grid already resolves
    it (the mass spans half of the grid or more, clear of its edges); None when the density is nowhere finite."""
    if not np.isfinite(values).any():
        return None, False
    keep = values > values.max() - TAIL
    new_box, settled = box.copy(), True
    for i, axis in enumerate(axes):
        inside = np.flatnonzero(keep.any(axis=tuple(j for j in range(len(axes)) if j != i)))
        first, last, width = inside[0], inside[-1], box[i, 1] - box[i, 0]
        if first == 0:  # the mass reaches the edge: look further out
            new_box[i, 0], settled = box[i, 0] - width, False
        else:
            new_box[i, 0] = axis[first - 1]
        if last == len(axis) - 1:
            new_box[i, 1], settled = box[i, 1] + width, False
        else:
            new_box[i, 1] = axis[last + 1]
        if last - first + 1 < len(axis) // 2:
            settled = False
    return new_box, settled
