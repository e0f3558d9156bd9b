"""A literal Plan → its linear-Gaussian blocks (or None): coefficients jointly Gaussian given a few scales.

Not a pass: the plan is left as it is, and the sampler uses what this finds. A block is a set of coefficients
with Normal, Flat or MvNormal priors whose means are affine in other coefficients, which enter the means of
Normal likelihoods linearly, and whose prior and likelihood sds are numbers, data or *scales*: scalar parameters
with fixed priors, or an LKJ covariance (the Cholesky factor of an MvNormal prior). Given its scales a block's
coefficients are Gaussian, and the scales' marginal posterior is known up to a constant (backends/gaussian.py):
one or two scalar scales are drawn on a grid, more (or a covariance) by NUTS on the scales alone. All a block
keeps of the data is sufficient statistics: per scale, cross-products of its Gaussian factors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sparse

from ..plan import Const, DistOf, LikelihoodVar, ListOf, LogDensity, Op, Plan, PriorPotential, RandomVariable, VarRef
from .common import data_expression
from .order import dependency_graph, informed_by

GRID_SCALES = 2  # one or two scalar scales: their marginal is integrated on a grid; more go to NUTS
MAX_COEFFICIENTS = {0: 2000, 1: 200, 2: 60, None: 200}  # per number of gridded scales (None: NUTS on the
# scales), what a batch of Cholesky factors affords


@dataclass
class Factors:
    """Groups of k Gaussian factors sharing one precision W (k × k): 1/s² for a scale s (k = 1), Σ⁻¹ for a
    covariance. They contribute count/2 · log det W − ½ Σ_jl W_jl (δᵀ gram_jl δ − 2 cross_jlᵀ δ + square_jl),
    δ being the coefficients minus the block's centre."""

    scale: str | None  # a scale or covariance, or None for factors whose sds are known (already divided out)
    gram: np.ndarray  # (k, k, P, P)
    cross: np.ndarray  # (k, k, P)
    square: np.ndarray  # (k, k)
    count: int


@dataclass
class GaussianBlock:
    coefficients: dict[str, tuple[int, tuple[int, ...]]]  # name → (offset into the block's vector, shape)
    scales: list[str]  # scalar scales first, then covariances
    covariances: dict[str, int] = field(default_factory=dict)  # covariance name → its size k
    factors: list[Factors] = field(default_factory=list)  # statistics of g − centre (exactly the same posterior)
    centre: np.ndarray | None = None

    @property
    def size(self) -> int:
        return sum(int(np.prod(shape)) for _, shape in self.coefficients.values())

    @property
    def gridded(self) -> bool:
        """Whether the scales are drawn on a grid (else by NUTS on the scales alone)."""
        return not self.covariances and len(self.scales) <= GRID_SCALES


@dataclass
class _Source:
    """The Gaussian factors one entry contributes (a prior, or a likelihood's rows), on the global coefficients:
    k designs and targets, one per component of the precision W of `scale`."""

    scale: str | None
    designs: list[sparse.csr_matrix]
    targets: list[np.ndarray]
    reads: set[str]


def gaussian_blocks(plan: Plan) -> list[GaussianBlock] | None:
    """The plan's free parameters as independent linear-Gaussian blocks, or None when some data-informed
    parameter is not part of one (or a block is too large to integrate)."""
    entries = {e.name: e for e in plan.entries}
    if any(isinstance(e, (LogDensity, PriorPotential)) for e in plan.entries):
        return None
    graph = dependency_graph(plan)
    observing = [
        e
        for e in plan.entries
        if isinstance(e, LikelihoodVar) or (isinstance(e, RandomVariable) and e.observed is not None)
    ]
    observed = {e.name for e in observing}
    upstream = informed_by(graph, observed)
    informed = [e for e in plan.entries if isinstance(e, RandomVariable) and e.observed is None and e.name in upstream]
    if not informed:
        return None  # prior-only models are drawn ancestrally (backends/exact.py)
    shapes = {e.name: tuple(len(plan.coords[d]) for d in e.dims) for e in informed}
    coefficients = [e for e in informed if e.dist in ("Normal", "Flat", "MvNormal")]
    scales = {e.name for e in informed} - {e.name for e in coefficients}
    covariances = {name: int(entries[name].args["n"].value) for name in scales if _fixed_covariance(entries[name])}
    if not all(name in covariances or _fixed_scalar(entries[name]) for name in scales):
        return None
    offsets, total = {}, 0
    for entry in coefficients:
        offsets[entry.name] = total
        total += int(np.prod(shapes[entry.name]))
    layout = _Layout(plan, entries, offsets, shapes, scales, total)
    found = [layout.prior(e) for e in coefficients if e.dist == "Normal"]
    found += [layout.multivariate_prior(e, covariances) for e in coefficients if e.dist == "MvNormal"]
    found += [layout.likelihood(e) for e in observing]
    sources = [s for s in found if s is not None]
    if len(sources) < len(found):  # scales read elsewhere than as sds fail here too
        return None
    return _split(sources, offsets, shapes, scales, covariances)


def _fixed_scalar(entry: RandomVariable) -> bool:
    """A scale parameter: scalar, univariate, with a prior of numbers."""
    return (
        not entry.dims
        and entry.dist not in ("LKJCholeskyCov", "Dirichlet")
        and all(isinstance(a, Const) and np.ndim(a.value) == 0 for a in entry.args.values())
    )


def _fixed_covariance(entry: RandomVariable) -> bool:
    """An LKJ covariance whose size, eta and sd prior are numbers."""
    sd = entry.args.get("sd")
    return (
        entry.dist == "LKJCholeskyCov"
        and not entry.dims
        and isinstance(entry.args.get("n"), Const)
        and isinstance(entry.args.get("eta"), Const)
        and isinstance(sd, DistOf)
        and all(isinstance(a, Const) for a in sd.args.values())
    )


class _Layout:
    """Turns priors and likelihoods into Gaussian factors on the vector of all coefficients."""

    def __init__(self, plan, entries, offsets, shapes, scales, total):
        self.plan, self.entries, self.offsets, self.shapes, self.scales = plan, entries, offsets, shapes, scales
        self.total = total
        self.starts = np.array(list(offsets.values()), dtype=np.int64)  # offsets ascend in insertion order
        self.names = list(offsets)

    def prior(self, entry: RandomVariable) -> _Source | None:
        if set(entry.args) - {"mu", "sigma"}:
            return None
        shape = self.shapes[entry.name]
        size = int(np.prod(shape))
        mean = self._affine(entry.args.get("mu", Const(0.0)), shape)
        if mean is None:
            return None
        own = sparse.csr_matrix(
            (np.ones(size), (np.arange(size), self.offsets[entry.name] + np.arange(size))), shape=(size, self.total)
        )
        return self._scaled(own - mean[0], mean[1], entry.args.get("sigma", Const(1.0)), shape)

    def multivariate_prior(self, entry: RandomVariable, covariances: dict[str, int]) -> _Source | None:
        """g[..., :] ~ MvNormal(mu, chol = L): per cell, k factors g[c, j] - mu_j sharing the precision (LLᵀ)⁻¹."""
        chol, mu = entry.args.get("chol"), entry.args.get("mu")
        shape = self.shapes[entry.name]
        if (
            set(entry.args) - {"mu", "chol"}
            or not (isinstance(chol, VarRef) and chol.name in covariances)
            or not shape
            or covariances[chol.name] != shape[-1]
        ):
            return None
        k, cells = shape[-1], int(np.prod(shape[:-1]))
        if isinstance(mu, Const) and np.shape(mu.value) in ((), (k,)):
            means = [Const(v) for v in np.broadcast_to(np.asarray(mu.value, dtype=float), (k,))]
        elif isinstance(mu, ListOf) and len(mu.items) == k:
            means = list(mu.items)
        else:
            return None
        designs, targets = [], []
        for j, mean in enumerate(means):
            affine = self._affine(mean, (cells,))
            if affine is None:
                return None
            columns = self.offsets[entry.name] + np.arange(cells) * k + j
            own = sparse.csr_matrix((np.ones(cells), (np.arange(cells), columns)), shape=(cells, self.total))
            designs.append(own - affine[0])
            targets.append(affine[1])
        return self._source(chol.name, designs, targets)

    def likelihood(self, entry) -> _Source | None:
        if isinstance(entry, RandomVariable):  # an observed random variable: y ~ Normal(mu, sigma), y given
            if entry.dist != "Normal" or set(entry.args) - {"mu", "sigma"} or not isinstance(entry.observed, Const):
                return None
            y = np.asarray(entry.observed.value, dtype=float)
            mean = self._affine(entry.args.get("mu", Const(0.0)), y.shape)
            return (
                None
                if mean is None
                else self._scaled(mean[0], y.ravel() - mean[1], entry.args.get("sigma", Const(1.0)), y.shape)
            )
        if entry.family != "Normal" or entry.link != "identity" or set(entry.aux) != {"sigma"} or not entry.plain:
            return None
        outcome = data_expression(self.plan, VarRef(entry.observed), self.entries)
        if outcome is None or outcome.ndim != 1:
            return None
        y = outcome
        n = len(y)
        rows, cols, values = [], [], []
        if entry.intercept:
            if entry.intercept not in self.offsets or self.shapes[entry.intercept] != ():
                return None
            rows.append(np.arange(n))
            cols.append(np.full(n, self.offsets[entry.intercept]))
            values.append(np.ones(n))
        for term in entry.terms:
            if term.matmul:  # a basis of data times a vector of weights (a spline)
                block = self._block(term, n)
                if block is None:
                    return None
                rows.append(block[0])
                cols.append(block[1])
                values.append(block[2])
                continue
            if term.param not in self.offsets:
                return None
            shape = self.shapes[term.param]
            if len(term.index) != len(shape):
                return None
            codes = [np.asarray(self.entries[c].values, dtype=np.int64) for c in term.index]
            flat = np.ravel_multi_index(tuple(codes), shape) if codes else np.zeros(n, dtype=np.int64)
            value = np.ones(n) if term.value is None else data_expression(self.plan, term.value, self.entries)
            if value is None:
                return None
            rows.append(np.arange(n))
            cols.append(self.offsets[term.param] + flat)
            values.append(np.broadcast_to(np.asarray(value, dtype=float), (n,)))
        design = (
            sparse.csr_matrix(
                (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, self.total)
            )
            if rows
            else sparse.csr_matrix((n, self.total))
        )
        return self._scaled(design, y, entry.aux["sigma"], (n,))

    def _block(self, term, n: int):
        """The (rows, columns, values) of `basis @ weights` in the design, for a basis of data (n x k)."""
        basis = data_expression(self.plan, term.value, self.entries)
        shape = self.shapes.get(term.param)
        if term.index or term.param not in self.offsets or basis is None or basis.shape != (n, *(shape or (-1,))):
            return None
        k = basis.shape[1]
        rows, cols = np.repeat(np.arange(n), k), self.offsets[term.param] + np.tile(np.arange(k), n)
        return rows, cols, basis.ravel()

    def _scaled(self, design, target, sigma, shape) -> _Source | None:
        """Factors (design·g - target) / sigma, with sigma known (numbers or data, divided out here) or a scale."""
        if isinstance(sigma, VarRef) and sigma.name in self.scales:
            scale = sigma.name
        else:
            known = data_expression(self.plan, sigma, self.entries)
            if known is None or not np.all(known > 0):
                return None
            weights = 1.0 / np.broadcast_to(known, shape).ravel()
            design, target, scale = sparse.diags(weights) @ design, target * weights, None
        return self._source(scale, [design], [target])

    def _source(self, scale, designs, targets) -> _Source:
        designs = [sparse.csr_matrix(d) for d in designs]
        touched = np.unique(np.concatenate([d.indices for d in designs]))
        names = {self.names[i] for i in np.unique(np.searchsorted(self.starts, touched, side="right") - 1)}
        return _Source(
            scale, designs, [np.asarray(t, dtype=float) for t in targets], names | ({scale} if scale else set())
        )

    def _affine(self, expr, shape) -> tuple[sparse.csr_matrix, np.ndarray] | None:
        """expr over the elements of `shape` as (A, c): expr = A·g + c, else None."""
        size = int(np.prod(shape))
        if isinstance(expr, Const):
            value = np.asarray(expr.value, dtype=float)
            try:
                return sparse.csr_matrix((size, self.total)), np.broadcast_to(value, shape).ravel().copy()
            except ValueError:
                return None
        if isinstance(expr, VarRef) and expr.name in self.offsets:
            own = self.shapes[expr.name]
            if own not in ((), shape):
                return None
            cols = self.offsets[expr.name] + (np.zeros(size, dtype=np.int64) if own == () else np.arange(size))
            return sparse.csr_matrix((np.ones(size), (np.arange(size), cols)), shape=(size, self.total)), np.zeros(size)
        if isinstance(expr, Op) and expr.op in ("+", "-") and len(expr.args) == 2:
            left, right = (self._affine(a, shape) for a in expr.args)
            if left is None or right is None:
                return None
            sign = 1.0 if expr.op == "+" else -1.0
            return left[0] + sign * right[0], left[1] + sign * right[1]
        if isinstance(expr, Op) and expr.op == "neg":
            inner = self._affine(expr.args[0], shape)
            return None if inner is None else (-inner[0], -inner[1])
        if isinstance(expr, Op) and expr.op in ("*", "/") and len(expr.args) == 2:
            number = expr.args[1] if expr.op == "/" or isinstance(expr.args[1], Const) else expr.args[0]
            other = expr.args[0] if number is expr.args[1] else expr.args[1]
            if not isinstance(number, Const) or np.ndim(number.value) != 0:
                return None
            factor = float(number.value) if expr.op == "*" else 1.0 / float(number.value)
            inner = self._affine(other, shape)
            return None if inner is None else (factor * inner[0], factor * inner[1])
        return None


def _split(sources: list[_Source], offsets: dict, shapes: dict, scales: set[str], covariances: dict[str, int]):
    """Independent blocks: coefficients and scales linked by shared factors, each with its own sufficient statistics."""
    links = nx.Graph()
    links.add_nodes_from(offsets)
    links.add_nodes_from(scales)
    for source in sources:
        names = sorted(source.reads)
        links.add_edges_from(zip(names, names[1:]))
    components = list(nx.connected_components(links))
    component_of = {name: i for i, component in enumerate(components) for name in component}
    by_component: dict[int, list[_Source]] = {}
    for source in sources:
        if source.reads:
            by_component.setdefault(component_of[next(iter(source.reads))], []).append(source)
    blocks = []
    for i, component in enumerate(components):
        names = [n for n in offsets if n in component]
        mine = sorted(component & scales, key=lambda n: (n in covariances, n))
        if not names:
            return None
        block = GaussianBlock({}, mine, {n: covariances[n] for n in mine if n in covariances})
        for name in names:
            block.coefficients[name] = (block.size, shapes[name])
        if block.size > MAX_COEFFICIENTS[len(mine) if block.gridded else None]:
            return None
        columns = np.concatenate([offsets[n] + np.arange(int(np.prod(shapes[n]))) for n in names])
        groups = {}
        for scale in [None, *mine]:
            group = [s for s in by_component.get(i, []) if s.scale == scale]
            if group:
                k = len(group[0].designs)
                groups[scale] = (
                    [sparse.vstack([s.designs[j][:, columns] for s in group]).tocsr() for j in range(k)],
                    [np.concatenate([s.targets[j] for s in group]) for j in range(k)],
                )
        grams = {scale: _grams(designs) for scale, (designs, _) in groups.items()}
        block.centre = _least_squares(groups, grams)
        block.factors = [
            _statistics(scale, designs, targets, grams[scale], block.centre)
            for scale, (designs, targets) in groups.items()
        ]
        blocks.append(block)
    return blocks


def _grams(designs) -> np.ndarray:
    """(k, k, P, P): the cross-products of k designs."""
    return np.array([[(dj.T @ dm).toarray() for dm in designs] for dj in designs])


def _least_squares(groups: dict, grams: dict) -> np.ndarray:
    """A least-squares fit of all factors with unit weights: the point the statistics are taken around."""
    gram = sum(np.trace(g, axis1=0, axis2=1) for g in grams.values())
    cross = sum(d.T @ t for designs, targets in groups.values() for d, t in zip(designs, targets))
    return np.linalg.lstsq(gram, cross, rcond=None)[0]


def _statistics(scale, designs, targets, gram: np.ndarray, centre: np.ndarray) -> Factors:
    """Cross-products of the factors in residual form: of g − centre, so that large targets do not cancel."""
    residuals = [t - d @ centre for d, t in zip(designs, targets)]
    cross = np.array([[dj.T @ rm for rm in residuals] for dj in designs])
    square = np.array([[rj @ rm for rm in residuals] for rj in residuals])
    return Factors(scale, gram, cross, square, designs[0].shape[0])
