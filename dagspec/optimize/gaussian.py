"""A literal Plan → its linear-Gaussian blocks (or None): coefficients jointly Gaussian given a few scales.

Not a pass: the plan is left as it is, and the sampler uses what this finds. A block is a set of coefficients
with Normal (or Flat) priors whose means are affine in other coefficients, which enter the means of Normal
likelihoods linearly, and whose prior and likelihood sds are numbers or *scales*: scalar parameters with fixed
priors. Given its scales a block's coefficients are Gaussian, and the scales' marginal posterior is known up to
a constant, so both can be drawn without MCMC (backends/gaussian.py). All a block keeps of the data is
sufficient statistics: per scale, the cross-products of its Gaussian factors (a·g − b) / scale.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sparse

from ..plan import Const, LikelihoodVar, LogDensity, Op, Plan, PriorPotential, RandomVariable, VarRef
from .normal import data_expression
from .order import dependency_graph

MAX_SCALES = 2  # the scales' marginal is integrated on a grid: one or two dimensions
MAX_COEFFICIENTS = {0: 2000, 1: 200, 2: 60}  # per number of scales, what a grid of Cholesky factors affords


@dataclass
class Factors:
    """Gaussian factors sharing one scale s: they contribute -count·log s - Σ (a·g - b)² / (2 s²)."""

    scale: str | None  # a scale parameter, or None for factors whose sds are numbers (already divided out)
    gram: np.ndarray  # Σ a aᵀ
    cross: np.ndarray  # Σ a b
    square: float  # Σ b²
    count: int


@dataclass
class GaussianBlock:
    coefficients: dict[str, tuple[int, tuple[int, ...]]]  # name → (offset into the block's vector, shape)
    scales: list[str]
    factors: list[Factors] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(int(np.prod(shape)) for _, shape in self.coefficients.values())


@dataclass
class _Source:
    """The Gaussian factors one entry contributes (a prior, or a likelihood's rows), on the global coefficients."""

    scale: str | None
    design: sparse.csr_matrix
    target: np.ndarray
    reads: set[str]


def gaussian_blocks(plan: Plan) -> list[GaussianBlock] | None:
    """The plan's free parameters as independent linear-Gaussian blocks, or None when some data-informed
    parameter is not part of one (or a block is too large to integrate)."""
    entries = {e.name: e for e in plan.entries}
    if any(isinstance(e, (LogDensity, PriorPotential)) for e in plan.entries):
        return None
    graph = dependency_graph(plan)
    observing = [e for e in plan.entries if isinstance(e, LikelihoodVar)
                 or (isinstance(e, RandomVariable) and e.observed is not None)]
    observed = {e.name for e in observing}
    informed = [e for e in plan.entries if isinstance(e, RandomVariable) and e.observed is None
                and nx.descendants(graph, e.name) & observed]
    if not informed:
        return None  # prior-only models are drawn ancestrally (backends/exact.py)
    shapes = {e.name: tuple(len(plan.coords[d]) for d in e.dims) for e in informed}
    coefficients = [e for e in informed if e.dist in ("Normal", "Flat")]
    scales = {e.name for e in informed if e not in coefficients}
    if not all(_fixed_scalar(entries[name]) for name in scales):
        return None
    offsets, total = {}, 0
    for entry in coefficients:
        offsets[entry.name] = total
        total += int(np.prod(shapes[entry.name]))
    layout = _Layout(plan, offsets, shapes, scales, total)
    sources = [layout.prior(e) for e in coefficients if e.dist == "Normal"]
    sources += [layout.likelihood(e) for e in observing]
    if any(s is None for s in sources):  # scales read elsewhere than as sds fail here too
        return None
    return _split(sources, offsets, shapes, scales)


def _fixed_scalar(entry: RandomVariable) -> bool:
    """A scale parameter: scalar, univariate, with a prior of numbers."""
    return (not entry.dims and entry.dist not in ("MvNormal", "LKJCholeskyCov", "Dirichlet")
            and all(isinstance(a, Const) and np.ndim(a.value) == 0 for a in entry.args.values()))


class _Layout:
    """Turns priors and likelihoods into Gaussian factors on the vector of all coefficients."""

    def __init__(self, plan, offsets, shapes, scales, total):
        self.plan, self.offsets, self.shapes, self.scales, self.total = plan, offsets, shapes, scales, total
        self.entries = {e.name: e for e in plan.entries}

    def prior(self, entry: RandomVariable) -> _Source | None:
        if set(entry.args) - {"mu", "sigma"}:
            return None
        shape = self.shapes[entry.name]
        size = int(np.prod(shape))
        mean = self._affine(entry.args.get("mu", Const(0.0)), shape)
        if mean is None:
            return None
        own = sparse.csr_matrix((np.ones(size), (np.arange(size), self.offsets[entry.name] + np.arange(size))),
                                shape=(size, self.total))
        return self._scaled(own - mean[0], mean[1], entry.args.get("sigma", Const(1.0)), shape)

    def likelihood(self, entry) -> _Source | None:
        if isinstance(entry, RandomVariable):  # an observed random variable: y ~ Normal(mu, sigma), y given
            if entry.dist != "Normal" or set(entry.args) - {"mu", "sigma"} or not isinstance(entry.observed, Const):
                return None
            y = np.asarray(entry.observed.value, dtype=float)
            mean = self._affine(entry.args.get("mu", Const(0.0)), y.shape)
            return None if mean is None else self._scaled(mean[0], y.ravel() - mean[1],
                                                          entry.args.get("sigma", Const(1.0)), y.shape)
        if entry.family != "Normal" or entry.link != "identity" or set(entry.aux) != {"sigma"}:
            return None
        y = data_expression(self.plan, VarRef(entry.observed))
        if y is None or y.ndim != 1:
            return None
        n = len(y)
        rows, cols, values = [], [], []
        if entry.intercept:
            if entry.intercept not in self.offsets or self.shapes[entry.intercept] != ():
                return None
            rows.append(np.arange(n)), cols.append(np.full(n, self.offsets[entry.intercept])), values.append(np.ones(n))
        for term in entry.terms:
            if term.matmul or term.param not in self.offsets:
                return None
            shape = self.shapes[term.param]
            if len(term.index) != len(shape):
                return None
            codes = [np.asarray(self.entries[c].values, dtype=np.int64) for c in term.index]
            flat = np.ravel_multi_index(tuple(codes), shape) if codes else np.zeros(n, dtype=np.int64)
            value = np.ones(n) if term.value is None else data_expression(self.plan, term.value)
            if value is None:
                return None
            rows.append(np.arange(n)), cols.append(self.offsets[term.param] + flat)
            values.append(np.broadcast_to(np.asarray(value, dtype=float), (n,)))
        design = sparse.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                                   shape=(n, self.total)) if rows else sparse.csr_matrix((n, self.total))
        return self._scaled(design, y, entry.aux["sigma"], (n,))

    def _scaled(self, design, target, sigma, shape) -> _Source | None:
        """Factors (design·g - target) / sigma, with sigma known (numbers or data, divided out here) or a scale."""
        if isinstance(sigma, VarRef) and sigma.name in self.scales:
            scale = sigma.name
        else:
            known = data_expression(self.plan, sigma)
            if known is None or not np.all(known > 0):
                return None
            weights = 1.0 / np.broadcast_to(known, shape).ravel()
            design, target, scale = sparse.diags(weights) @ design, target * weights, None
        design = sparse.csr_matrix(design)
        touched = np.unique(design.indices)
        names = {n for n, o in self.offsets.items() if np.any((touched >= o) & (touched < o + int(np.prod(self.shapes[n]))))}
        return _Source(scale, design, np.asarray(target, dtype=float), names | ({scale} if scale else set()))

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


def _split(sources: list[_Source], offsets: dict, shapes: dict, scales: set[str]) -> list[GaussianBlock] | None:
    """Independent blocks: coefficients and scales linked by shared factors, each with its own sufficient statistics."""
    links = nx.Graph()
    links.add_nodes_from(offsets)
    links.add_nodes_from(scales)
    for source in sources:
        names = sorted(source.reads)
        links.add_edges_from(zip(names, names[1:]))
    blocks = []
    for component in nx.connected_components(links):
        names = [n for n in offsets if n in component]
        block_scales = sorted(component & scales)
        if not names or len(block_scales) > MAX_SCALES:
            return None
        columns = np.concatenate([offsets[n] + np.arange(int(np.prod(shapes[n]))) for n in names])
        block = GaussianBlock({}, block_scales)
        position = 0
        for name in names:
            block.coefficients[name] = (position, shapes[name])
            position += int(np.prod(shapes[name]))
        if block.size > MAX_COEFFICIENTS[len(block_scales)]:
            return None
        for scale in [None, *block_scales]:
            mine = [s for s in sources if s.scale == scale and s.reads & component]
            if not mine:
                continue
            design = sparse.vstack([s.design[:, columns] for s in mine]).tocsr()
            target = np.concatenate([s.target for s in mine])
            block.factors.append(Factors(scale, (design.T @ design).toarray(), design.T @ target,
                                         float(target @ target), design.shape[0]))
        blocks.append(block)
    return blocks
