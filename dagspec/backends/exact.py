"""A plan whose posterior is known in closed form → independent posterior draws, without MCMC.

Two cases are recognised. A parameter that no observed value depends on has its prior as posterior (given
its parents): it is drawn ancestrally. A Beta(a, b) parameter with constant a and b whose only observed
children are Binomial(n, p) or Bernoulli(p) variables with constant n, reading it as p and nothing else
that is random, has the posterior Beta(a + successes, b + failures). When every free parameter is one of
these, the draws are exact and independent (their effective sample size is the number of draws); otherwise
dagspec samples with NUTS as usual.
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import pymc as pm
import xarray as xr

from ..optimize.order import reads
from ..plan import Const, DerivedVar, LikelihoodVar, LogDensity, Plan, RandomVariable, VarRef
from .pymc import build_model
from .predictive import quiet


def conjugate_updates(plan: Plan) -> dict[str, tuple[float, float]] | None:
    """{Beta parameter: its posterior (alpha, beta)} when the posterior is exact, else None."""
    entries = {e.name: e for e in plan.entries}
    graph = nx.DiGraph()
    for entry in plan.entries:
        graph.add_node(entry.name)
        graph.add_edges_from((name, entry.name) for name in reads(entry) if name in entries)
    observed = _observed_names(entries)
    if not observed and not any(isinstance(e, RandomVariable) for e in plan.entries):
        return None
    free = [e for e in plan.entries if isinstance(e, RandomVariable) and e.observed is None]
    updates = {}
    for entry in free:
        if not (nx.descendants(graph, entry.name) & observed):
            continue  # the prior is the posterior
        update = _beta_binomial(entry, graph, entries, observed)
        if update is None:
            return None
        updates[entry.name] = update
    return updates


def _beta_binomial(entry: RandomVariable, graph: nx.DiGraph, entries: dict, observed: set[str]) -> tuple[float, float] | None:
    if entry.dist != "Beta" or entry.dims or set(entry.args) - {"alpha", "beta"}:
        return None
    alpha, beta = (entry.args.get(k, Const(1.0)) for k in ("alpha", "beta"))
    if not (isinstance(alpha, Const) and isinstance(beta, Const)):
        return None
    successes, failures = 0.0, 0.0
    for child in graph.successors(entry.name):
        child = entries[child]
        if isinstance(child, DerivedVar) and not (nx.descendants(graph, child.name) & observed):
            continue  # a derived quantity that no data depends on
        if not (isinstance(child, RandomVariable) and child.observed is not None and child.dist in ("Binomial", "Bernoulli")
                and child.args.get("p") == VarRef(entry.name) and isinstance(child.observed, Const)):
            return None
        n = child.args.get("n", Const(1.0))
        if set(child.args) - {"p", "n"} or not isinstance(n, Const):
            return None
        k = np.asarray(child.observed.value, dtype=float)
        successes += float(k.sum())
        failures += float((np.broadcast_to(np.asarray(n.value, dtype=float), k.shape) - k).sum())
    return float(alpha.value) + successes, float(beta.value) + failures


def _observed_names(entries: dict) -> set[str]:
    """The entries that observe data: likelihoods, sufficient-statistic densities, observed random variables."""
    return {name for name, e in entries.items() if isinstance(e, (LikelihoodVar, LogDensity))
            or (isinstance(e, RandomVariable) and e.observed is not None)}


def exact_sample(plan: Plan, updates: dict[str, tuple[float, float]], draws: int, chains: int, random_seed=None):
    """Independent draws of every free parameter and derived quantity, as InferenceData (chain, draw, ...)."""
    import arviz as az

    rng = np.random.default_rng(random_seed)
    model = build_model(plan)
    names = [e.name for e in plan.entries if (isinstance(e, RandomVariable) and e.observed is None)
             or (isinstance(e, DerivedVar) and e.name in model.named_vars)]
    values = {name: rng.beta(a, b, size=(chains, draws)) for name, (a, b) in updates.items()}
    rest = [n for n in names if n not in updates]
    with model, quiet():
        if rest and not updates:  # the prior is the posterior: ancestral draws
            drawn = pm.sample_prior_predictive(draws=draws * chains, var_names=rest, random_seed=rng).prior
        elif rest:  # the others given the conjugate draws
            known = xr.Dataset({n: (("chain", "draw"), v) for n, v in values.items()})
            drawn = pm.sample_posterior_predictive(known, var_names=rest, random_seed=rng,
                                                   progressbar=False).posterior_predictive
    for name in rest:
        array = drawn[name].values
        values[name] = array.reshape((chains, draws) + array.shape[2:])
    return az.from_dict(posterior={n: values[n] for n in names},
                        coords={k: v for k, v in model.coords.items() if v is not None},
                        dims={n: list(model.named_vars_to_dims.get(n, ())) for n in names},
                        sample_stats={"diverging": np.zeros((chains, draws), dtype=bool)})
