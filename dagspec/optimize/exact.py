"""A literal Plan → how its posterior can be drawn without MCMC (Beta updates or linear-Gaussian blocks), or None.

Not a pass: `sample` uses what this finds on the literal plan, and `compile` lists it with the optimizations.
Three cases. A parameter that no observed value depends on has its prior as posterior (given its parents) and
is drawn ancestrally. A Beta(a, b) parameter with constant a and b whose only observed children are Binomial
or Bernoulli outcomes reading it (or one element of it per row) as p, with constant n and nothing else random,
has the posterior Beta(a + successes, b + failures) per element. And linear-Gaussian blocks (gaussian.py):
coefficients that are Gaussian given one or two scales. When every free parameter is one of these, the draws
are independent (their effective sample size is the number of draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..plan import Const, DerivedVar, LikelihoodVar, LogDensity, Plan, RandomVariable, VarRef
from .common import data_expression
from .gaussian import GaussianBlock, gaussian_blocks
from .order import dependency_graph, informed_by


@dataclass
class ExactDraws:
    """Beta posteriors {parameter: (alpha, beta)} (arrays for a parameter per cell), or Gaussian blocks."""

    updates: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
    blocks: list[GaussianBlock] | None = None

    @property
    def kind(self) -> str:
        """ "exact" (closed form), "gaussian" (scales on a grid) or "collapsed" (NUTS on some block's scales)."""
        if self.blocks is None:
            return "exact"
        return "gaussian" if all(b.gridded for b in self.blocks) else "collapsed"

    def notes(self) -> list[str]:
        """What `compile` lists: how `sample` draws without MCMC (the passes apply when a NUTS sampler is named)."""
        if self.blocks is None:
            drawn = f"{', '.join(self.updates)} from the Beta posterior" if self.updates else "the prior (no data)"
            return [f"sample: independent draws without MCMC, {drawn}"]
        notes = []
        for block in self.blocks:
            scales = " and ".join(block.scales)
            their = "their" if len(block.scales) > 1 else "its"
            coefficients = ", ".join(block.coefficients)
            if not block.gridded:
                notes.append(
                    f"sample: {coefficients} integrated out (Gaussian given {scales}); NUTS samples "
                    f"{scales} from {their} marginal posterior, then {coefficients} are drawn exactly"
                )
            elif block.scales:
                notes.append(
                    f"sample: independent draws without MCMC, {coefficients} Gaussian given {scales}, "
                    f"drawn from {their} marginal posterior by quadrature"
                )
            else:
                notes.append(f"sample: independent draws without MCMC, {coefficients} Gaussian")
        return notes


def exact_draws(plan: Plan) -> ExactDraws | None:
    """How to draw this literal plan's posterior independently, or None when it needs MCMC."""
    if any(isinstance(e, LikelihoodVar) and (e.imputed is not None or e.weights) for e in plan.entries):
        return None  # imputed or true values are parameters the closed forms do not cover, nor are weighted rows
    updates = conjugate_updates(plan)
    if updates is not None:
        return ExactDraws(updates=updates)
    blocks = gaussian_blocks(plan)
    return ExactDraws(blocks=blocks) if blocks is not None else None


def conjugate_updates(plan: Plan) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """{Beta parameter: its posterior (alpha, beta)} when the posterior is exact, else None."""
    entries = {e.name: e for e in plan.entries}
    graph = dependency_graph(plan)
    observed = _observed_names(entries)
    if not observed and not any(isinstance(e, RandomVariable) for e in plan.entries):
        return None
    free = [e for e in plan.entries if isinstance(e, RandomVariable) and e.observed is None]
    upstream = informed_by(graph, observed)
    updates = {}
    for entry in free:
        if entry.name not in upstream:
            continue  # the prior is the posterior
        update = _beta_binomial(entry, graph, entries, upstream, plan)
        if update is None:
            return None
        updates[entry.name] = update
    return updates


def _beta_binomial(entry: RandomVariable, graph: nx.DiGraph, entries: dict, upstream: set[str], plan: Plan):
    if entry.dist != "Beta" or set(entry.args) - {"alpha", "beta"}:
        return None
    alpha, beta = (entry.args.get(k, Const(1.0)) for k in ("alpha", "beta"))
    if not (isinstance(alpha, Const) and isinstance(beta, Const)):
        return None
    shape = tuple(len(plan.coords[d]) for d in entry.dims)
    successes, failures = np.zeros(shape), np.zeros(shape)
    for child in graph.successors(entry.name):
        child = entries[child]
        if isinstance(child, DerivedVar) and child.name not in upstream:
            continue  # a derived quantity that no data depends on
        counted = _counts(entry, child, plan, shape)
        if counted is None:
            return None
        successes, failures = successes + counted[0], failures + counted[1]
    return (
        np.broadcast_to(np.asarray(alpha.value, dtype=float), shape) + successes,
        np.broadcast_to(np.asarray(beta.value, dtype=float), shape) + failures,
    )


def _counts(entry: RandomVariable, child, plan: Plan, shape) -> tuple[np.ndarray, np.ndarray] | None:
    """Successes and failures per element of `entry` in one observed child, if it is a Binomial/Bernoulli on it."""
    if isinstance(child, RandomVariable) and child.observed is not None and child.dist in ("Binomial", "Bernoulli"):
        n = child.args.get("n", Const(1.0))
        if (
            shape
            or child.args.get("p") != VarRef(entry.name)
            or set(child.args) - {"p", "n"}
            or not isinstance(n, Const)
            or not isinstance(child.observed, Const)
        ):
            return None
        k = np.asarray(child.observed.value, dtype=float)
        return np.asarray(k.sum()), np.asarray((np.broadcast_to(np.asarray(n.value, dtype=float), k.shape) - k).sum())
    if (
        isinstance(child, LikelihoodVar)
        and child.plain
        and child.family in ("Bernoulli", "Binomial")
        and child.link == "identity"
        and child.intercept is None
        and len(child.terms) == 1
    ):
        (term,) = child.terms
        trials = data_expression(plan, child.aux.get("n", Const(1.0)))
        if (
            term.param != entry.name
            or term.value is not None
            or term.matmul
            or len(term.index) != len(shape)
            or trials is None
            or set(child.aux) - {"n"}
        ):
            return None
        entries = {e.name: e for e in plan.entries}
        k = np.asarray(entries[child.observed].values, dtype=float)
        codes = tuple(np.asarray(entries[c].values, dtype=np.int64) for c in term.index)
        flat = np.ravel_multi_index(codes, shape) if codes else np.zeros(len(k), dtype=np.int64)
        size = int(np.prod(shape))
        per_row = np.broadcast_to(trials, k.shape)
        return (np.bincount(flat, k, size).reshape(shape), np.bincount(flat, per_row - k, size).reshape(shape))
    return None


def _observed_names(entries: dict) -> set[str]:
    """The entries that observe data: likelihoods, sufficient-statistic densities, observed random variables."""
    return {
        name
        for name, e in entries.items()
        if isinstance(e, (LikelihoodVar, LogDensity)) or (isinstance(e, RandomVariable) and e.observed is not None)
    }
