"""A compiled PyMC model and its NUTS step → posterior draws by independence Metropolis-Hastings from the
posterior's Laplace approximation, where that approximation is close enough to propose from (else why not).

The proposal is a multivariate Student-t (DEGREES_OF_FREEDOM) centred at the mode of the unconstrained posterior,
scaled by the inverse of the negative Hessian there, then moved to the posterior mean and covariance estimated by
importance sampling from it (PILOT draws, Pareto-smoothed weights): a skewed posterior (chimpanzees m11.4, an actor
who always pulls left) is met better by its mean than by its mode. Each chain draws its proposals independently
and accepts one with probability min(1, w(new) / w(current)), w = posterior density / proposal density: a
Metropolis-Hastings kernel whose stationary distribution is the posterior itself, so the draws are MCMC draws of
the same posterior, not of the approximation. It needs one log density per iteration and no trajectory: on the small
GLMs of the gallery (logit and log links, fixed priors) a run costs a few thousand log densities where NUTS pays
3-20 gradients per draw and PyMC's Python per leapfrog step.

A pool's joint density has no mode (it grows without bound as a group scale goes to zero), so for posteriors with
one or two scales the proposal is built in two levels first (backends/nested_laplace.py): the scales from a grid
of their Laplace-approximated marginal, the rest from split Student-t's at its conditional mode given them.

It is used only where it mixes well, judged before any chain runs on CHECK independent proposals: the Pareto k of
their importance weights (PSIS, Vehtari et al. 2024) below MAX_PARETO_K and the acceptance rate of an independence
chain run on them at least MIN_ACCEPTANCE. A kept draw is the chain's state after as many iterations as the
pilot's acceptance rate says a draw needs to differ from the one before it (thinning). Three group scales or more,
funnels the data do not resolve and posteriors with heavier tails than the proposal's stay with NUTS.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pymc as pm
from pymc.backends.base import MultiTrace
from pymc.blocking import DictToArrayBijection, RaveledVars
from pymc.logprob.transforms import LogTransform
from scipy import optimize

from ..allocation import collection_paused
from . import nested_laplace

# Heavier tails than a Gaussian: bounded weights where the posterior's tails are Gaussian (Normal priors). Measured
# (bulk ESS per draw of the moved proposal's chain on m11.4 / m11.8): 0.42 / 0.53 at 7, 0.44 / 0.60 at 10, 0.50 /
# 0.67 at 15; but at 15 the log of a Gamma(5, 5) rate (an exponential left tail) is borderline (Pareto k 0.15 in one
# pilot, 1.6 in another), at 10 well inside (-1.6).
DEGREES_OF_FREEDOM = 10
PILOT = 1000  # proposals to move the proposal by
# proposals for the pre-check (PSIS's tail fit uses the largest min(20%, 3 sqrt(n)) of them). Fewer were too noisy
# for the gate: Kline m12.2's Laplace proposal, k 0.58-0.94 in pilots of 4000, passed one pilot of 2000 with k
# under 0.5 (and its chains then mixed at 46-70 bulk ESS of 1000 draws); chimpanzees m13.4's nested one, k 0.1-0.26
# in pilots of 2000, had 0.51 in one of 1000
CHECK = 4000
# The weights' tail (PSIS's Pareto k, Vehtari et al. 2024): above 0.5 their variance is infinite, and an independence
# chain sticks for long stretches at its largest weights. Measured with 0.7 instead: Kline m12.2's Laplace proposal
# passed at k 0.58-0.7 in some pilots and its chains kept 46-70 bulk ESS of 1000 draws at R-hat 1.04, where NUTS
# keeps 176-475; a chimpanzees m13.4 pilot chain at k 0.52 stuck at one point for most of its 4000 iterations.
MAX_PARETO_K = 0.5
MAX_OUTSIDE = 0.01  # share of proposals where the posterior's density is 0 or underflows (a wasted iteration each)
# A kept draw is the state after `thin` iterations, thin the least with (1 - acceptance)^thin <= STAY: then a kept
# draw repeats the one before it with probability about STAY. Log densities cost no gradients and no trajectory,
# so a few iterations per draw cost less than one NUTS trajectory.
STAY = 0.1
MIN_ACCEPTANCE = 0.25  # below this (9 iterations or more per draw) NUTS is the better sampler
MAX_DIMENSION = 200  # the Hessian costs two gradients per dimension; independence proposals fade in high dimension
MAX_MODE_ITERATIONS = 500
PROPOSAL_ATTR = "dagspec_proposal"  # what the draws were proposed from, in words (for the sampler's reason)
THINNING_ATTR = "dagspec_iterations_per_draw"
STATS = {"accepted": bool, "acceptance_rate": np.float64, "log_weight": np.float64}


@dataclass
class Proposal:
    """A multivariate Student-t at `mode` whose scale matrix is factor @ factor.T."""

    mode: np.ndarray
    factor: np.ndarray  # lower triangular
    description = "its Laplace approximation"

    def moved(self, xs: np.ndarray, weights: np.ndarray) -> Proposal:
        """The proposal at the mean and covariance that these draws (n, d) of it and their normalised importance
        weights estimate; itself with fewer than 10 effective draws per dimension or no such covariance."""
        if 1 / np.sum(weights**2) < 10 * xs.shape[1]:
            return self
        mean = weights @ xs
        try:
            return Proposal(mean, np.linalg.cholesky(((xs - mean).T * weights) @ (xs - mean)))
        except np.linalg.LinAlgError:
            return self

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """n proposals (n, d) and their log densities up to a constant."""
        d = self.mode.size
        standard = (
            rng.standard_normal((n, d)) / np.sqrt(rng.chisquare(DEGREES_OF_FREEDOM, n) / DEGREES_OF_FREEDOM)[:, None]
        )
        distance = np.einsum("ij,ij->i", standard, standard)
        return self.mode + standard @ self.factor.T, -0.5 * (DEGREES_OF_FREEDOM + d) * np.log1p(
            distance / DEGREES_OF_FREEDOM
        )


class Proposing(Protocol):
    """What the independence chain proposes from: the Laplace proposal, or the nested one (nested_laplace.py)."""

    description: str

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]: ...

    def moved(self, xs: np.ndarray, weights: np.ndarray) -> Proposing: ...


class NotSuitable(Exception):
    """Why the posterior is not drawn by the independence sampler (then NUTS is)."""


def independence_sample(model: pm.Model, step, trace, draws: int, tune: int, chains: int, random_seed):
    """InferenceData of `chains` independence chains of `tune` warm-up (discarded) and `draws` kept iterations,
    recorded through `trace` (PyMC's NDArray, whose compiled function gives every variable and deterministic of a
    point) like pm.sample's; NotSuitable when the pre-check says NUTS is the better sampler. Python's cyclic
    collector is paused meanwhile: the run allocates about a hundred thousand small objects, and the full
    collections they set off walk every compiled graph the process holds (measured beside a CPU-bound process on
    reedfrogs m13.2: one run in sixteen took 1.2 s instead of 0.6 s, none with the collector paused)."""
    with collection_paused():
        return _independence_sample(model, step, trace, draws, tune, chains, random_seed)


def _independence_sample(model: pm.Model, step, trace, draws: int, tune: int, chains: int, random_seed):
    started = time.perf_counter()
    density = _LogDensity(model, step)
    if density.dimension > MAX_DIMENSION:
        raise NotSuitable(f"{density.dimension} unconstrained dimensions, more than {MAX_DIMENSION}")
    rng = np.random.default_rng(random_seed)
    pilot_rng, *chain_rngs = rng.spawn(chains + 1)
    proposal, acceptance = _suitable_proposal(model, density, pilot_rng)
    thin = thinning(acceptance)
    warmup = -(-tune // thin)  # blocks of `thin` iterations: about `tune` iterations of warm-up
    traces = []
    for chain, chain_rng in enumerate(chain_rngs):
        points, stats = independence_chain(proposal, density, warmup + draws, chain_rng, thin)
        recorded = copy.copy(trace)
        recorded.setup(draws, chain, sampler_vars=[STATS])
        for x, row in zip(points[warmup:], stats[warmup:]):
            recorded.record(density.point(x), [row], in_warmup=False)
        recorded.close()
        traces.append(recorded)
    multitrace = MultiTrace(traces)
    multitrace.report._n_tune, multitrace.report._n_draws = tune, draws
    multitrace.report._t_sampling = time.perf_counter() - started
    with model:
        idata = pm.to_inference_data(multitrace, model=model, log_likelihood=False)
    idata.posterior.attrs.update({PROPOSAL_ATTR: proposal.description, THINNING_ATTR: thin})
    return idata


def thinning(acceptance: float) -> int:
    """Iterations per kept draw for a chain accepting this share of its moves (STAY)."""
    return 1 if acceptance >= 1 - STAY else int(np.ceil(np.log(STAY) / np.log1p(-acceptance)))


def _suitable_proposal(model: pm.Model, density: _LogDensity, rng: np.random.Generator) -> tuple[Proposing, float]:
    """The first proposal that passes the pre-check, with its pilot chain's acceptance rate: for a posterior with one
    or two scales (positive parameters) the nested Laplace proposal, whose grid over them also meets a pool's funnel,
    where one Laplace approximation of the whole does not exist; else, or when that fails, the Laplace proposal moved
    to the mean. NotSuitable with the reasons of both."""
    scales = density.scale_coordinates(model)
    reasons = []
    if scales.size:
        try:
            nested = nested_laplace.NestedLaplaceProposal(density, scales, density.flat.data)
            proposal: Proposing = moved_to_the_mean(nested, density, rng)
            return proposal, check_pilot(proposal, density, rng)
        except (nested_laplace.NoGrid, NotSuitable) as why:
            reasons.append(f"nested Laplace approximations: {why}")
    try:
        proposal = moved_to_the_mean(laplace_proposal(density), density, rng)
        return proposal, check_pilot(proposal, density, rng)
    except NotSuitable as why:
        reasons.append(f"the Laplace approximation: {why}" if reasons else str(why))
    raise NotSuitable("; ".join(reasons))


class _LogDensity:
    """The unconstrained posterior's log density and gradient at a flat vector, as the NUTS step computes them."""

    def __init__(self, model: pm.Model, step):
        self.function = step._logp_dlogp_func  # compiled (and cached) with the step
        self.function.set_extra_values({})
        start = model.initial_point()
        self.flat = DictToArrayBijection.map({v.name: start[v.name] for v in step.vars})
        self.order = [v.name for v in model.value_vars]  # the order the trace's function takes a point in
        self.dimension = self.flat.data.size

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = self.function(x)
        return float(value), gradient

    def many(self, xs: np.ndarray) -> np.ndarray:
        values = np.array([self(x)[0] for x in xs])
        return np.where(np.isnan(values), -np.inf, values)

    def scale_coordinates(self, model: pm.Model) -> np.ndarray:
        """The positions in the flat vector of log-transformed variables (group scales and other positive
        parameters)."""
        values = {value.name: value for value in model.value_vars}
        positions: list[int] = []
        at = 0
        for name, _, size, _ in self.flat.point_map_info:
            if isinstance(model.rvs_to_transforms.get(model.values_to_rvs[values[name]]), LogTransform):
                positions.extend(range(at, at + size))
            at += size
        return np.array(positions, dtype=int)

    def point(self, x: np.ndarray) -> dict:
        point = DictToArrayBijection.rmap(RaveledVars(x, self.flat.point_map_info))
        return {name: point[name] for name in self.order}


def laplace_proposal(density: _LogDensity) -> Proposal:
    """The mode of the unconstrained posterior (BFGS from the model's initial point) and the inverse of the
    negative Hessian there (central differences of the gradient) as the proposal's scale."""

    def cost(x):
        value, gradient = density(x)
        return -value, -np.asarray(gradient, dtype=float)

    found = optimize.minimize(
        cost, density.flat.data, jac=True, method="BFGS", options={"maxiter": MAX_MODE_ITERATIONS}
    )
    if not found.success or not np.all(np.isfinite(found.x)):
        raise NotSuitable(f"no mode found ({found.message})")
    mode, d = found.x, found.x.size
    hessian = np.empty((d, d))
    for i in range(d):
        step = 1e-5 * max(1.0, abs(mode[i]))
        shift = np.zeros(d)
        shift[i] = step
        hessian[i] = -(density(mode + shift)[1] - density(mode - shift)[1]) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    if not np.all(np.isfinite(hessian)):
        raise NotSuitable("the curvature at the mode is not finite")
    try:  # the inverse is positive definite exactly where the negative Hessian is
        return Proposal(mode, np.linalg.cholesky(np.linalg.inv(hessian)))
    except np.linalg.LinAlgError:
        raise NotSuitable(
            "the posterior is not curved downwards in every direction at its mode (a group scale at zero, or a "
            "direction the data and priors leave flat)"
        ) from None


def moved_to_the_mean(proposal: Proposing, density: _LogDensity, rng: np.random.Generator) -> Proposing:
    """The proposal moved to the posterior's moments that importance sampling from it estimates (PILOT draws,
    Pareto-smoothed weights), where those weights are good enough to estimate them (Pareto k below 0.7, and enough
    effective draws for what the proposal estimates); else `proposal` itself."""
    import arviz as az

    xs, log_weights = _weighted_proposals(proposal, density, PILOT, rng)
    inside = np.isfinite(log_weights)  # a proposal where the posterior's density is 0 has weight 0
    if np.mean(inside) < 1 - MAX_OUTSIDE:
        return proposal
    smoothed, k = az.psislw(log_weights[inside].copy())
    if not float(k) < 0.7:
        return proposal
    weights = np.exp(smoothed - np.max(smoothed))
    return proposal.moved(xs[inside], weights / weights.sum())


def check_pilot(proposal: Proposing, density: _LogDensity, rng: np.random.Generator) -> float:
    """The acceptance rate of an independence chain run on CHECK proposals; NotSuitable unless their importance
    weights have Pareto k below MAX_PARETO_K and that rate is at least MIN_ACCEPTANCE."""
    import arviz as az

    _, log_weights = _weighted_proposals(proposal, density, CHECK, rng)
    inside = np.isfinite(log_weights)  # -inf: a proposal where the posterior's density is 0 (never accepted)
    if np.mean(inside) < 1 - MAX_OUTSIDE:
        raise NotSuitable(f"{int(np.sum(~inside))} of {CHECK} proposals outside the posterior")
    _, k = az.psislw(log_weights[inside].copy())
    if not float(k) < MAX_PARETO_K:
        raise NotSuitable(f"the proposal's importance weights have Pareto k {float(k):.2f} (at least {MAX_PARETO_K})")
    acceptance = float(np.mean(_accept(log_weights, rng)[1]))
    if acceptance < MIN_ACCEPTANCE:
        raise NotSuitable(
            f"an independence chain would accept {acceptance:.0%} of its moves (under {MIN_ACCEPTANCE:.0%})"
        )
    return acceptance


def independence_chain(
    proposal: Proposing, density: _LogDensity, n: int, rng: np.random.Generator, thin: int = 1
) -> tuple[np.ndarray, list[dict]]:
    """n blocks of `thin` iterations of an independence Metropolis-Hastings chain started at its first proposal:
    the point after each block (n, d) and the block's statistics (whether it moved, its mean acceptance
    probability, the current point's log weight)."""
    xs, log_weights = _weighted_proposals(proposal, density, n * thin, rng)
    current, probabilities = _accept(log_weights, rng)
    ends = np.arange(thin - 1, n * thin, thin)
    starts = np.concatenate([[0], current[ends[:-1]]])  # the point each block began at (the first: the start)
    moved = current[ends] != starts
    mean_probabilities = probabilities.reshape(n, thin).mean(axis=1)
    stats = [
        {"accepted": bool(m), "acceptance_rate": float(p), "log_weight": float(log_weights[c])}
        for m, p, c in zip(moved, mean_probabilities, current[ends])
    ]
    return xs[current[ends]], stats


def _weighted_proposals(
    proposal: Proposing, density: _LogDensity, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n proposals and their log importance weights (posterior over proposal density; -inf outside the support)."""
    xs, log_q = proposal.draw(rng, n)
    return xs, density.many(xs) - log_q


def _accept(log_weights: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The index of the chain's point after each iteration and the acceptance probability of each move, for
    proposals with these log importance weights (the first proposal is the start)."""
    uniform = np.log(rng.uniform(size=log_weights.size))
    current = np.zeros(log_weights.size, dtype=int)
    probabilities = np.ones(log_weights.size)
    at = 0
    for i in range(1, log_weights.size):
        log_ratio = log_weights[i] - log_weights[at]
        probabilities[i] = np.exp(min(0.0, log_ratio)) if np.isfinite(log_ratio) else float(log_ratio > 0)
        if uniform[i] < log_ratio:
            at = i
        current[i] = at
    return current, probabilities
