"""Linear-Gaussian blocks (optimize/gaussian.py) → independent posterior draws of their parameters.

Given its scales, a block's coefficients g are Gaussian: N(Q⁻¹r, Q⁻¹) with Q = Σ_f Σ_jl W_jl gram_jl and
r = Σ_f Σ_jl W_jl cross_jl over its factors, W being each factor group's precision (1/s² for a scale s, Σ⁻¹
for a covariance). Integrating g out leaves the scales' marginal log density, up to a constant,

    log p(scales) + Σ_f count/2 · log det W − ½ Σ_f Σ_jl W_jl square_jl + ½ rᵀQ⁻¹r − ½ log det Q.

One or two scalar scales are drawn from it by quadrature, without MCMC: the density is evaluated on a grid in
the scales' unconstrained coordinates that covers all but about e⁻²⁵ of the mass, interpolated with cubic
splines onto a grid some hundred times finer than a posterior sd, and drawn from cell by cell, uniformly within
a cell (an error far below Monte Carlo error). More scales, or a covariance, are sampled with NUTS on this
marginal alone: a posterior of a few dimensions without the funnels of the full hierarchical model. Either
way the coefficients are then drawn exactly given each draw of the scales.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.exceptions import SamplingError
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from scipy.linalg.lapack import dpotrf, dpotri, dtrtri
from scipy.ndimage import binary_dilation

from ..optimize.gaussian import GaussianBlock
from ..plan import Plan
from .predict import unpack_cholesky
from .predictive import quiet
from .pymc import build_model

TAIL = 25.0  # the grid keeps the points whose log density is within this of the largest (mass left out ≲ e⁻²⁵ per unit)
WIDEST = 200.0  # unconstrained coordinates beyond ±this: the marginal is improper or flat, leave it to NUTS
SEARCH_POINTS = {1: 64, 2: 24}  # per dimension, while finding where the mass is
FINAL_POINTS = {1: 256, 2: 96}  # per dimension, where the density is evaluated for drawing
FINE_POINTS = {1: 16384, 2: 512}  # per dimension, the spline-interpolated grid drawn from
MEMORY = 2.5e7  # float64 numbers held at once for a batch of precision matrices
ILL_CONDITIONED = 1e14  # ratio of Cholesky pivots beyond which Q's log density is not evaluated (NaN)
RELIABLE = 12.0  # the grid gives up if points within this of the top border points it could not evaluate
RESOLUTION = 1e-3  # the grid gives up where log densities are so large that their floating-point steps exceed this
# NUTS on the scales alone: their marginal has steep walls (a group sd cannot be much below the spread of the
# groups' estimates), which a full mass matrix and small steps cross without diverging
COLLAPSED_NUTS = {"target_accept": 0.95, "init": "jitter+adapt_full"}


class CannotDraw(Exception):
    """Why a block's posterior cannot be drawn this way (then `sample` uses NUTS, and says why: DS633)."""

    def __init__(self, why: str, names: list[str]):
        super().__init__(why)
        self.names = names


def gaussian_draws(
    plan: Plan, model: pm.Model, blocks: list[GaussianBlock], draws: int, chains: int, rng, nuts: dict
) -> tuple[dict, object]:
    """Independent draws {name: (chain, draw, ...)} of the blocks' parameters (the literal `model` gives the
    scales' priors) and the NUTS sampler's statistics if the scales of some block needed it (else None).
    CannotDraw when a block's marginal cannot be integrated on a grid (improper, flat out to the edge, or out
    of floating point's range) or its coefficients' conditional posterior is degenerate."""
    n = draws * chains
    values, stats = {}, None
    for block in blocks:
        if block.gridded:
            scales = _gridded_scales(model, block, n, rng)
            drawn = {name: scales[:, i] for i, name in enumerate(block.scales)}
        else:
            posterior, block_stats = _collapsed_nuts(plan, block, draws, chains, rng, nuts)
            drawn = {name: posterior[name].values.reshape((n,) + posterior[name].shape[2:]) for name in block.scales}
            if stats is not None:  # several blocks sampled with NUTS: a draw diverged if it did in any
                block_stats["diverging"] = block_stats["diverging"] | stats["diverging"]
            stats = block_stats
        deviations = _coefficient_draws(block, _precisions(block, drawn, n), n, rng)
        coefficients = block.centre + deviations
        for name, value in drawn.items():
            values[name] = value.reshape((chains, draws) + value.shape[1:])
        for name, (offset, shape) in block.coefficients.items():
            size = int(np.prod(shape))
            values[name] = coefficients[:, offset : offset + size].reshape((chains, draws) + shape)
    return values, stats


def _gridded_scales(model: pm.Model, block: GaussianBlock, n: int, rng) -> np.ndarray:
    """n draws (n × scales) of a block's zero, one or two scales from their marginal posterior on a grid."""
    if not block.scales:
        return np.empty((n, 0))
    prior = _scale_prior(model, block.scales)
    if prior is None:
        raise CannotDraw("a scale's prior is not on a continuous support bounded below", block.scales)

    def log_density(u):
        scales, log_prior = prior(u)
        return _log_marginal(block, _precisions(block, dict(zip(block.scales, scales.T)), len(u)), log_prior)

    unconstrained = _grid_draws(log_density, len(block.scales), n, rng)
    if unconstrained is None:
        raise CannotDraw(
            f"the marginal posterior of {' and '.join(block.scales)} could not be integrated on a grid "
            "(improper, flat out to the grid's edge, or beyond floating point's range)",
            block.scales,
        )
    return prior(unconstrained)[0]


def _scale_prior(model, names: list[str]):
    """u (points × scales, unconstrained) → (the scales, their log prior density with the Jacobian of u); None
    when a scale's prior is not on a bounded-below continuous support (PyMC gives it no transform)."""
    inputs = pt.matrix("u")
    values: list = []
    log_density: Any = 0
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


# ---- the Gaussian algebra, in numpy for many points at once ------------------------------------------


def _precisions(block: GaussianBlock, drawn: dict[str, np.ndarray], n: int) -> dict:
    """Draws of the scales (a covariance as PyMC's packed Cholesky factor) → {scale: (W, log det W)} per draw."""
    out = {}
    for name, value in drawn.items():
        if name in block.covariances:
            chol = unpack_cholesky(value.reshape(n, -1))
            inverse = np.linalg.solve(chol, np.broadcast_to(np.eye(chol.shape[-1]), chol.shape))
            out[name] = (
                np.swapaxes(inverse, -1, -2) @ inverse,
                -2 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1),
            )
        else:
            scale = value.reshape(n)
            out[name] = (scale[:, None, None] ** -2.0, -2 * np.log(scale))
    return out


def _system(block: GaussianBlock, precisions: dict, rows: slice):
    """For the points `rows` (a slice with start and stop): Q, r, Σ W·square and Σ count/2 · log det W."""
    count = rows.stop - rows.start
    known = (np.ones((count, 1, 1)), np.zeros(count))
    precision: Any = 0
    linear: Any = 0
    squares: Any = 0
    log_norm: Any = 0
    for f in block.factors:
        weight, log_det = (precisions[f.scale][0][rows], precisions[f.scale][1][rows]) if f.scale else known
        precision = precision + np.einsum("njk,jkab->nab", weight, f.gram)
        linear = linear + np.einsum("njk,jka->na", weight, f.cross)
        squares = squares + np.einsum("njk,jk->n", weight, f.square)
        log_norm = log_norm + f.count / 2 * log_det
    return precision, linear, squares, log_norm


def _log_marginal(block: GaussianBlock, precisions: dict, log_prior: np.ndarray) -> np.ndarray:
    """Per point; NaN where Q is too ill-conditioned to evaluate (a scale so small that its factors' precision
    swamps the others' in floating point) or not positive definite."""
    n = len(log_prior)
    result = np.full(n, np.nan)
    chunk = max(1, int(MEMORY // block.size**2))
    for start in range(0, n, chunk):
        rows = slice(start, min(n, start + chunk))
        precision, linear, squares, log_norm = _system(block, precisions, rows)
        chol, ok = _cholesky(precision)
        pivots = np.diagonal(chol, axis1=-2, axis2=-1) ** 2
        ok &= pivots.max(-1) < ILL_CONDITIONED * pivots.min(-1)
        z = np.linalg.solve(chol[ok], linear[ok][..., None])[..., 0]
        log_det = np.log(pivots[ok]).sum(-1)
        value = log_prior[rows][ok] + log_norm[ok] - 0.5 * squares[ok] + 0.5 * (z**2).sum(-1) - 0.5 * log_det
        result[np.flatnonzero(ok) + start] = value
    return result


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


def _coefficient_draws(block: GaussianBlock, precisions: dict, n: int, rng) -> np.ndarray:
    """g | scales ~ N(Q⁻¹r, Q⁻¹), per draw of the scales (all n at once when the block has none)."""
    points = n if block.scales else 1
    out = np.empty((n, block.size))
    chunk = max(1, int(MEMORY // block.size**2))
    for start in range(0, points, chunk):
        rows = slice(start, min(points, start + chunk))
        precision, linear, _, _ = _system(block, precisions, rows)
        chol, ok = _cholesky(precision)
        if not ok.all():
            raise CannotDraw(
                "the coefficients' conditional posterior precision is not positive definite", list(block.coefficients)
            )
        upper = np.swapaxes(chol, -1, -2)
        mean = np.linalg.solve(upper, np.linalg.solve(chol, linear[..., None]))[..., 0]
        count = n if not block.scales else len(mean)
        noise = rng.standard_normal((count, block.size, 1))
        deviation = np.linalg.solve(np.broadcast_to(upper, (count,) + upper.shape[1:]), noise)[..., 0]
        out[start : start + count] = mean + deviation
    return out


# ---- NUTS on the scales alone --------------------------------------------------------------------------


def _collapsed_nuts(plan: Plan, block: GaussianBlock, draws: int, chains: int, rng, nuts: dict):
    """The block's scales sampled with PyMC's NUTS on their marginal posterior: (posterior, sample_stats). Not
    in the step cache: pickling the step costs more than compiling this small model does."""
    options = {
        **COLLAPSED_NUTS,
        "progressbar": False,
        "compute_convergence_checks": False,
        "idata_kwargs": {"log_likelihood": False},
        **{k: v for k, v in nuts.items() if k != "initvals"},
    }
    with scales_model(plan, block), quiet():
        try:
            idata = pm.sample(draws=draws, chains=chains, random_seed=int(rng.integers(2**31)), **options)
        except SamplingError:
            raise CannotDraw(
                f"NUTS on {' and '.join(block.scales)} alone could not start (the log density is not "
                "finite at the initial point)",
                block.scales,
            ) from None
    return idata.posterior, idata.sample_stats


def scales_model(plan: Plan, block: GaussianBlock) -> pm.Model:
    """A PyMC model of the block's scales alone: their priors (from `plan`, which may hold only them) and their
    marginal likelihood (a potential)."""
    with build_model(Plan(plan.coords, [e for e in plan.entries if e.name in block.scales])) as model:
        inputs: list = []
        log_norm: Any = 0.0
        for f in block.factors:
            if f.scale is None:
                continue
            if f.scale in block.covariances:  # its Cholesky factor: the Op forms the precision itself
                chol = pm.expand_packed_triangular(block.covariances[f.scale], model[f.scale], lower=True)
                inputs.append(chol)
                log_norm = log_norm + f.count / 2 * (-2 * pt.log(pt.diagonal(chol)).sum())
            else:
                inputs.append(pt.reshape(model[f.scale] ** -2.0, (1, 1)))
                log_norm = log_norm + f.count / 2 * (-2 * pt.log(model[f.scale]))
        integrated = _IntegratedOut(block).make_node(*inputs).outputs[0]  # the rest: its gradients
        pm.Potential("coefficients_integrated_out", log_norm + integrated)
    return model


class _IntegratedOut(Op):
    """Per scaled factor group, the precision W of a scale (1 × 1: 1/s²) or the lower Cholesky factor L of a
    covariance (W = L⁻ᵀL⁻¹) → the log of ∫ exp(−½ Σ_f Σ_jl W_jl (gᵀ gram_jl g − 2 cross_jlᵀ g + square_jl)) dg up
    to a constant, and its gradient with respect to each input: with m = Q⁻¹r, with respect to W_jl
    G_jl = −½ square_jl + mᵀ cross_jl − ½ mᵀ gram_jl m − ½ tr(Q⁻¹ gram_jl), and with respect to L, −2 W Gₛ W L
    (lower part; Gₛ the symmetric part of G, since dW = −W (dL Lᵀ + L dLᵀ) W).

    All of it in numpy and LAPACK, one call per log density: PyTensor's Cholesky, inverse and triangular solves run
    in Python and cost more than the rest of the sampler together."""

    def __init__(self, block: GaussianBlock):
        known = [f for f in block.factors if f.scale is None]
        scaled = [f for f in block.factors if f.scale is not None]
        size = block.size
        self.size, self.shapes = size, [f.square.shape for f in scaled]
        self.cholesky = [f.scale in block.covariances for f in scaled]  # which inputs are factors L, not W
        self.base = (
            sum((f.gram[0, 0] for f in known), np.zeros((size, size))),
            sum((f.cross[0, 0] for f in known), np.zeros(size)),
            sum(float(f.square[0, 0]) for f in known),
        )
        # every scaled group's (j, l) entries stacked, so that one matrix product weighs them all
        self.grams = (
            np.concatenate([f.gram.reshape(-1, size * size) for f in scaled]) if scaled else np.zeros((0, size * size))
        )
        self.crosses = np.concatenate([f.cross.reshape(-1, size) for f in scaled]) if scaled else np.zeros((0, size))
        self.squares = np.concatenate([f.square.ravel() for f in scaled]) if scaled else np.zeros(0)

    def make_node(self, *inputs):
        inputs = [pt.as_tensor_variable(i) for i in inputs]
        return Apply(self, inputs, [pt.dscalar()] + [i.type() for i in inputs])

    def perform(self, node, inputs, outputs):
        weights = []
        for value, is_cholesky in zip(inputs, self.cholesky):
            if is_cholesky:
                inverse, info = dtrtri(value, lower=1)
                if info != 0:  # a singular factor: no covariance, no mass
                    return self._nowhere(inputs, outputs)
                weights.append(inverse.T @ inverse)
            else:
                weights.append(value)
        flat = np.concatenate([np.ravel(w) for w in weights]) if weights else np.zeros(0)
        precision = self.base[0] + (flat @ self.grams).reshape(self.size, self.size)
        linear = self.base[1] + flat @ self.crosses
        chol, info = dpotrf(precision, lower=1)
        if info != 0:  # not positive definite: no mass here
            return self._nowhere(inputs, outputs)
        inverse, _ = dpotri(chol, lower=1)  # Q⁻¹ in its lower triangle
        covariance = np.tril(inverse) + np.tril(inverse, -1).T
        mean = covariance @ linear
        outputs[0][0] = np.asarray(
            -0.5 * (self.base[2] + flat @ self.squares) + 0.5 * linear @ mean - np.log(np.diag(chol)).sum()
        )
        # mᵀ gram m + tr(Q⁻¹ gram) = Σ_ab gram_ab (m_a m_b + Q⁻¹_ab): one product for every (j, l)
        gradient = (
            -0.5 * self.squares + self.crosses @ mean - 0.5 * self.grams @ (np.outer(mean, mean) + covariance).ravel()
        )
        start = 0
        for i, (shape, weight) in enumerate(zip(self.shapes, weights)):
            size = int(np.prod(shape))
            by_weight = gradient[start : start + size].reshape(shape)
            if self.cholesky[i]:
                symmetric = (by_weight + by_weight.T) / 2
                by_weight = np.tril(-2 * weight @ symmetric @ weight @ inputs[i])
            outputs[i + 1][0] = by_weight
            start += size

    @staticmethod
    def _nowhere(inputs, outputs):
        outputs[0][0] = np.asarray(-np.inf)
        for i, value in enumerate(inputs):
            outputs[i + 1][0] = np.zeros_like(value)

    def grad(self, inputs, output_grads):
        gradients = self(*inputs)[1:]
        return [output_grads[0] * g for g in gradients]


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
    if _mass_near_a_hole(values):
        return None
    values = np.where(np.isnan(values), -np.inf, values)
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
    with np.errstate(all="ignore"):
        values = log_density(grid).reshape((points,) * len(box))
    return axes, np.where(np.isposinf(values), np.nan, values)  # an overflow is a point that cannot be evaluated


def _where_the_mass_is(axes, values: np.ndarray, box: np.ndarray):
    """The box around the points within TAIL of the top (one grid step wider), whether the grid already resolves
    it (the mass spans half of the grid or more, clear of its edges); None when the density is nowhere finite,
    or so large that floating point cannot tell values TAIL apart (priors and data many orders of magnitude
    apart in scale)."""
    if not np.isfinite(values).any() or _mass_near_a_hole(values):
        return None, False
    values = np.where(np.isnan(values), -np.inf, values)
    top = values.max()
    if np.spacing(abs(top)) > RESOLUTION:
        return None, False
    keep = values >= top - TAIL
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


def _mass_near_a_hole(values: np.ndarray) -> bool:
    """Whether points next to ones that could not be evaluated (NaN) are within RELIABLE of the top."""
    holes = np.isnan(values)
    if not holes.any() or holes.all():
        return holes.all()
    near = binary_dilation(holes)
    top = np.nanmax(values)
    return bool(np.any(near & ~holes & (values > top - RELIABLE)))
