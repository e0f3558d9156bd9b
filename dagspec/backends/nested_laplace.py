"""A PyMC model's unconstrained log density with one or two group scales → an independence proposal from nested
Laplace approximations (as INLA builds them), for pooled GLMs whose joint posterior has no usable mode.

A pool's joint density rises without bound as its scale goes to zero (the funnel), so one Laplace approximation of
the whole posterior does not exist (reedfrogs m13.2) or proposes badly (chimpanzees m13.4). Given the scales,
though, the rest of the posterior (intercepts, group effects, slopes: a GLM with Gaussian priors) is close to
Gaussian. So the proposal is built in two levels, over the scales θ (log-transformed, SCALES at most) and the rest u:

- for θ on a grid, the conditional mode u*(θ), the negative Hessian H(θ) of the log density in u there, and how the
  mode moves with θ (du*/dθ = H⁻¹ ∂²log p/∂u∂θ); the Laplace approximation of the scales' marginal,
  L(θ) = log p(θ, u*(θ)) - ½ log det H(θ);
- the grid is laid out in the coordinates in which L is a standard quadratic at its maximum, GRID_STEPS apart, and
  filled outward from that maximum until L falls CUTOFF below it;
- θ is proposed from the grid's cells (each with probability proportional to exp L at its node, uniform within
  it), mixed with a Student-t over the whole space (DEFENSIVE of the mass) so that every θ can be proposed;
- u given θ is proposed at the nearest node's mode moved linearly to θ, in that node's standardising coordinates
  (H = L Lᵀ in an order that keeps each group's coordinate its own, r = Lᵀ (u - mode)) as independent split
  Student-t's (REST_DF) in r, whose scales below and above the
  mode `moved` fits to a pilot's importance weights: a Binomial intercept's conditional posterior is skewed (a
  tank where every tadpole survived has the prior's tail on one side), which the mode and curvature miss; a
  fifth of them come from the same widened (REST_DEFENSIVE, REST_WIDENING), so that u's tails are proposed too.

Every part of this density is computed exactly for any point, so independence Metropolis-Hastings on it
(backends/independence.py) draws from the posterior itself, and its pre-check decides whether it mixes.
"""

from __future__ import annotations

import collections
import copy
import itertools
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

SCALES = 2
# The grid's spacing in standard deviations of the scales' marginal at its maximum, by the number of scales.
# Measured: reedfrogs m13.2 (one scale) accepts 30% / 31% / 33% at 1 / 0.5 / 0.25; chimpanzees m13.4 (two, a
# node costing 5 ms) 62% / 67% at 1 / 0.75, where 0.5 needs more than MAX_NODES nodes.
GRID_STEPS = {1: 0.5, 2: 1.0}
CUTOFF = 6.0  # nodes are added while L is within this of its maximum (exp(-6): 0.25% of the peak density)
MAX_NODES = 400
DEFENSIVE = 0.05  # the share of a Student-t proposal for θ, so that the tails beyond the grid are proposed too
DEFENSIVE_DF = 4
DEFENSIVE_SCALE = 2.0  # in standard deviations
MAX_ITERATIONS = 50  # of the conditional mode's Newton iterations at one node
HALVINGS = 30
CLIMB_STEP = 0.5  # in the scales' unconstrained (log) units, while the maximum of L is sought
TOLERANCE = 1e-7  # relative; a mode this close makes the same proposal to the eye, and any proposal is exact
# Measured, four pilots of 2000 each (Pareto k; acceptance): reedfrogs m13.2 (49 coordinates u) with Gaussian r,
# moved by mean and sd: k 0.4-0.7; 25-45%. Split Student-t's at 10 / 20 / 50 degrees of freedom: k 0.26-0.43 /
# 0.23-0.51 / 0.34-0.53; 38-44% / 30-51% / 32-47%; chimpanzees m13.4: k 0.24-0.34 / 0.41-0.51 / 0.39-0.47;
# 60% / 65-67% / 65-68%. At 10 the weights stay clear of the pre-check's bound on both.
REST_DF = 10
# That share of u's proposals from the split-t's widened this much, so that a point in u's tails is proposed more
# often than its own fit would: Pareto k over eight pilots of 4000 (largest; acceptance) on reedfrogs m13.2 0.53
# (40%) without, 0.55 (36%) at 10% widened 1.5x, 0.42 (36%) at 20% widened 1.3x; chimpanzees m13.4 0.51 (61%),
# 0.54 (58%), 0.51 (58%).
REST_DEFENSIVE, REST_WIDENING = 0.2, 1.3
MIN_EFFECTIVE = 100  # effective importance draws for `moved` to fit two scales per coordinate


class NoGrid(Exception):
    """Why nested Laplace approximations cannot be built for this posterior."""


@dataclass
class _Node:
    theta: np.ndarray  # (d,) the scales
    mode: np.ndarray  # (n,) u*(θ)
    slope: np.ndarray  # (n, d) du*/dθ
    root: np.ndarray  # (n, n) lower Cholesky factor of H (the conditional precision) in the order `order`
    log_marginal: float  # L(θ)


class NestedLaplaceProposal:
    """The two-level proposal over the flat unconstrained vector (the scales at `scales`, the rest elsewhere)."""

    description = "Laplace approximations given its group scales (nested, as INLA's)"

    def __init__(self, density, scales: np.ndarray, start: np.ndarray):
        self.density, self.size = density, start.size
        self.scales = np.asarray(scales)
        self.rest = np.setdiff1d(np.arange(start.size), self.scales)
        if self.scales.size > SCALES:
            raise NoGrid(f"{self.scales.size} scales, more than {SCALES}")
        if self.scales.size == 0 or self.rest.size == 0:
            raise NoGrid("nothing to nest: no scales, or nothing but scales")
        self.order: np.ndarray | None = None  # of u's coordinates in every node's Cholesky factor
        peak = self._climb(start)
        self.centre, self.basis = peak.theta, self._standardising_basis(peak)
        self.step = GRID_STEPS[self.scales.size]
        self.nodes, self.index = self._fill(peak)
        logs = np.array([node.log_marginal for node in self.nodes])
        self.log_weights = logs - special.logsumexp(logs)
        self.log_det = np.array([np.sum(np.log(np.diag(node.root))) for node in self.nodes])  # log det L per node
        cells = np.empty((len(self.nodes), self.scales.size))
        for cell, k in self.index.items():
            cells[k] = cell
        self.node_z = self.step * cells  # exactly the centres `log_density` rounds a standardised θ to
        # the scales of the split Student-t's below and above the mode in each standardised coordinate
        self.below, self.above = np.ones(self.rest.size), np.ones(self.rest.size)

    # ---------------------------------------------------------------- building the grid

    def _at(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        x = np.empty(self.size)
        x[self.scales], x[self.rest] = theta, u
        return x

    def _conditional(self, theta: np.ndarray, u: np.ndarray, root: np.ndarray | None) -> _Node:
        """u*(θ) by Newton's method from u, halving a step that does not raise the log density (with the
        neighbour's curvature `root` while it converges, renewed where it stands every tenth step), then the
        curvature there and the node's L(θ)."""
        value, gradient = self.density(self._at(theta, u))
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            raise NoGrid("the log density is not finite where a conditional mode is sought")
        for iteration in range(MAX_ITERATIONS):
            if root is None or iteration % 10 == 9:
                root = self._curvature(theta, u, gradient)[0]
            step = np.empty(self.rest.size)
            step[self.order] = linalg.cho_solve((root, True), gradient[self.rest][self.order])  # H⁻¹ g
            for _ in range(HALVINGS):
                new_value, new_gradient = self.density(self._at(theta, u + step))
                if (
                    np.isfinite(new_value)
                    and np.all(np.isfinite(new_gradient))
                    and new_value >= value - TOLERANCE * max(1.0, abs(value))
                ):
                    break
                step = step / 2
            else:
                raise NoGrid("Newton's method found no higher log density towards a conditional mode")
            u, value, gradient = u + step, new_value, new_gradient
            if np.max(np.abs(step)) < TOLERANCE * max(1.0, np.max(np.abs(u))):
                break
        else:
            raise NoGrid(f"no conditional mode within {MAX_ITERATIONS} Newton steps")
        root, slope = self._curvature(theta, u, gradient)
        return _Node(theta, u, slope, root, value - np.sum(np.log(np.diag(root))))  # ½ log det H = Σ log diag

    def _curvature(self, theta: np.ndarray, u: np.ndarray, gradient: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The Cholesky factor of H (the negative Hessian in u, in `order`) and du*/dθ, by forward differences of the
        gradient (given at θ, u): one gradient per coordinate, and a proposal needs no more accuracy than that."""
        x = self._at(theta, u)
        columns = []
        for i in range(self.size):
            step = 1e-6 * max(1.0, abs(x[i]))
            shifted = x.copy()
            shifted[i] += step
            columns.append((self.density(shifted)[1] - gradient) / step)
        hessian = np.array(columns)
        if not np.all(np.isfinite(hessian)):
            raise NoGrid("the curvature given the scales is not finite")
        hessian = (hessian + hessian.T) / 2
        negative = -hessian[np.ix_(self.rest, self.rest)]
        if self.order is None:
            self.order = _fill_reducing_order(negative)
        try:
            root = linalg.cholesky(negative[np.ix_(self.order, self.order)], lower=True)
        except linalg.LinAlgError:
            raise NoGrid("the posterior given the scales is not curved downwards at its mode") from None
        slope = np.empty((self.rest.size, self.scales.size))  # H⁻¹ ∂²log p/∂u∂θ
        slope[self.order] = linalg.cho_solve((root, True), hessian[np.ix_(self.rest, self.scales)][self.order])
        return root, slope

    def _node_near(self, theta: np.ndarray, near: _Node | None, u: np.ndarray) -> _Node:
        if near is None:
            return self._conditional(theta, u, None)
        return self._conditional(theta, near.mode + near.slope @ (theta - near.theta), near.root)

    def _climb(self, start: np.ndarray) -> _Node:
        """The node of largest L on a grid of CLIMB_STEP in the raw scales, climbed to from the start's scales."""
        best = self._node_near(start[self.scales], None, start[self.rest])
        for _ in range(MAX_NODES):
            moves = [
                self._node_near(best.theta + sign * CLIMB_STEP * np.eye(self.scales.size)[axis], best, best.mode)
                for axis in range(self.scales.size)
                for sign in (-1, 1)
            ]
            top = max(moves, key=lambda node: node.log_marginal)
            if top.log_marginal <= best.log_marginal:
                return best
            best = top
        raise NoGrid("the scales' marginal has no maximum the grid reaches")

    def _standardising_basis(self, peak: _Node) -> np.ndarray:
        """B with θ = centre + B z, z standard where L is quadratic at its maximum: from L's curvature on the
        3^d stencil around the peak (CLIMB_STEP in raw units); the raw axes where that curvature is not negative
        definite."""
        d, h = self.scales.size, CLIMB_STEP

        def at(offset: np.ndarray) -> float:  # L at the peak moved by h times offset (entries -1, 0, 1)
            if not offset.any():
                return peak.log_marginal
            return self._node_near(peak.theta + h * offset, peak, peak.mode).log_marginal

        unit = np.eye(d)
        hessian = np.empty((d, d))
        for i in range(d):
            hessian[i, i] = (at(unit[i]) - 2 * peak.log_marginal + at(-unit[i])) / h**2
        for i, j in itertools.combinations(range(d), 2):
            both, apart = unit[i] + unit[j], unit[i] - unit[j]
            hessian[i, j] = hessian[j, i] = (at(both) - at(apart) - at(-apart) + at(-both)) / (4 * h**2)
        try:
            return np.linalg.cholesky(np.linalg.inv(-hessian))
        except np.linalg.LinAlgError:
            return np.eye(d)

    def _z(self, theta: np.ndarray) -> np.ndarray:
        """Standardised coordinates of the rows of theta (m, d)."""
        return linalg.solve_triangular(self.basis, (theta - self.centre).T, lower=True).T

    def _fill(self, peak: _Node) -> tuple[list[_Node], dict]:
        """Nodes at grid-step multiples of the standardised coordinates, filled outward from the peak's cell while
        L stays within CUTOFF of the largest seen."""
        d = self.scales.size
        nodes, index = [peak], {(0,) * d: 0}  # the peak is at the centre
        frontier, top = collections.deque([(0,) * d]), peak.log_marginal
        while frontier:
            cell = frontier.popleft()
            here = nodes[index[cell]]
            if here.log_marginal < top - CUTOFF:
                continue
            for axis, sign in itertools.product(range(d), (-1, 1)):
                neighbour = tuple(c + sign * (k == axis) for k, c in enumerate(cell))
                if neighbour in index:
                    continue
                if len(nodes) >= MAX_NODES:
                    raise NoGrid(f"the scales' marginal needs more than {MAX_NODES} grid nodes")
                theta = self.centre + self.basis @ (self.step * np.array(neighbour, dtype=float))
                node = self._node_near(theta, here, here.mode)
                index[neighbour] = len(nodes)
                nodes.append(node)
                top = max(top, node.log_marginal)
                frontier.append(neighbour)
        return nodes, index

    # ---------------------------------------------------------------- proposing

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """n proposals (n, size) and their log densities up to a constant."""
        d = self.scales.size
        from_grid = rng.uniform(size=n) >= DEFENSIVE
        cells = rng.choice(len(self.nodes), size=n, p=np.exp(self.log_weights))
        z = np.where(
            from_grid[:, None],
            self.node_z[cells] + self.step * (rng.uniform(size=(n, d)) - 0.5),
            DEFENSIVE_SCALE * rng.standard_t(DEFENSIVE_DF, size=(n, d)),
        )
        theta = self.centre + z @ self.basis.T
        nearest = self._nearest(z)
        size = np.abs(rng.standard_t(REST_DF, size=(n, self.rest.size)))
        below = rng.uniform(size=size.shape) < self.below / (self.below + self.above)
        r = np.where(below, -self.below * size, self.above * size)
        r *= np.where(rng.uniform(size=n) < REST_DEFENSIVE, REST_WIDENING, 1.0)[:, None]
        xs = np.empty((n, self.size))
        xs[:, self.scales] = theta
        for k in np.unique(nearest):
            rows = nearest == k
            node = self.nodes[k]
            offset = np.empty((int(rows.sum()), self.rest.size))
            offset[:, self.order] = linalg.solve_triangular(node.root, r[rows].T, lower=True, trans="T").T
            xs[np.ix_(rows, self.rest)] = node.mode + (theta[rows] - node.theta) @ node.slope.T + offset
        return xs, self._log_density(z, r, self.log_det[nearest])

    def _log_density(self, z: np.ndarray, r: np.ndarray, log_jacobian: np.ndarray) -> np.ndarray:
        """log q, up to a constant common to all, of the points with standardised θ z (n, d) and standardised rest r
        (n, rest) at a node whose log det L is log_jacobian (n,)."""
        d = self.scales.size
        cell_of = np.rint(z / self.step).astype(int)
        on_grid = np.array([self.index.get(tuple(c), -1) for c in cell_of])
        grid_part = np.where(on_grid >= 0, self.log_weights[np.maximum(on_grid, 0)], -np.inf) - d * np.log(self.step)
        t_part = np.sum(
            special.gammaln((DEFENSIVE_DF + 1) / 2)
            - special.gammaln(DEFENSIVE_DF / 2)
            - 0.5 * np.log(DEFENSIVE_DF * np.pi)
            - np.log(DEFENSIVE_SCALE)
            - (DEFENSIVE_DF + 1) / 2 * np.log1p((z / DEFENSIVE_SCALE) ** 2 / DEFENSIVE_DF),
            axis=1,
        )
        log_theta = np.logaddexp(np.log1p(-DEFENSIVE) + grid_part, np.log(DEFENSIVE) + t_part)
        standard = r / np.where(r < 0, self.below, self.above)
        log_split_t = np.sum(-(REST_DF + 1) / 2 * np.log1p(standard**2 / REST_DF), axis=1)
        log_widened = np.sum(-(REST_DF + 1) / 2 * np.log1p((standard / REST_WIDENING) ** 2 / REST_DF), axis=1)
        log_rest = (
            log_jacobian
            + np.logaddexp(
                np.log1p(-REST_DEFENSIVE) + log_split_t,
                np.log(REST_DEFENSIVE) + log_widened - self.rest.size * np.log(REST_WIDENING),
            )
            - np.sum(np.log((self.below + self.above) / 2))
        )
        return log_theta + log_rest

    def _standardised(self, xs: np.ndarray, theta: np.ndarray, nearest: np.ndarray) -> np.ndarray:
        """r (n, rest) with r = Lᵀ (u - centre) at each row's nearest node (H = L Lᵀ in `order`)."""
        r = np.empty((xs.shape[0], self.rest.size))
        for k in np.unique(nearest):
            rows = nearest == k
            node = self.nodes[k]
            centred = xs[np.ix_(rows, self.rest)] - node.mode - (theta[rows] - node.theta) @ node.slope.T
            r[rows] = centred[:, self.order] @ node.root  # r = Lᵀ (u - centre)
        return r

    def moved(self, xs: np.ndarray, weights: np.ndarray) -> NestedLaplaceProposal:
        """This proposal with the split Student-t of each standardised coordinate r scaled, below and above the
        mode, to the posterior's second moments there that these draws (n, size) of it and their normalised
        importance weights estimate (Geweke's split-t); itself with too few effective draws."""
        if 1 / np.sum(weights**2) < MIN_EFFECTIVE:
            return self
        theta = xs[:, self.scales]
        r = self._standardised(xs, theta, self._nearest(self._z(theta)))
        below = r < 0
        t_variance = REST_DF / (REST_DF - 2)  # a Student-t's second moment on either side of 0, at scale 1
        moved = copy.copy(self)
        moved.below, moved.above = (
            np.sqrt(((weights @ (r**2 * side)) / (weights @ side)) / t_variance) for side in (below, ~below)
        )
        return moved

    def _nearest(self, z: np.ndarray) -> np.ndarray:
        """The node nearest each standardised θ (the cell's own node on the grid)."""
        return np.argmin(((z[:, None, :] - self.node_z[None, :, :]) ** 2).sum(axis=2), axis=1)


def _fill_reducing_order(precision: np.ndarray) -> np.ndarray:
    """The coordinates ordered by how many others they are coupled with, fewest first: a pool's mean, coupled with
    every group, comes last, so that each group's standardised coordinate r stays its own (the Cholesky factor of
    an arrow-shaped precision has no fill), and a split-t fitted per coordinate meets each group's own skew."""
    scale = np.sqrt(np.abs(np.diag(precision)))
    coupled = np.abs(precision) > 1e-8 * np.outer(scale, scale)
    return np.argsort(coupled.sum(axis=1), kind="stable")
