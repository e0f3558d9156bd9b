"""Hierarchical pools → centred or non-centred parameters, chosen per pool from how much data each group has.

A pool is a parameter indexed by levels whose Normal (or MvNormal) prior reads other random variables.
Non-centred: z ~ Normal(0, 1) and the user's parameter = mu + sigma * z (MvNormal: mu + z @ chol.T), an exact
reparameterisation. It is chosen when some group's data are weak next to the spread between groups
(n_g * tau^2 / sigma^2 < 1, with sigma and tau estimated by moments from the group means of a Normal outcome); for other
families when a group has fewer than 30 observations.
"""
from __future__ import annotations

import numpy as np

from ..plan import DerivedVar, Func, LikelihoodVar, Op, Plan, RandomVariable, VarRef
from .common import entries_by_name, outcome_values, replace

FEW = 30


def choose_pool_parameterisation(plan: Plan) -> None:
    entries = entries_by_name(plan)
    for entry in list(plan.entries):
        asked = isinstance(entry, RandomVariable) and entry.parameterisation is not None
        if not asked and not _is_pool(entry, entries):
            continue
        if asked:
            centred, why = entry.parameterisation == "centered", "as the spec asks"
        else:
            use = _use_of(plan, entry.name)
            if use is None:
                continue
            centred = _data_are_strong(plan, *use)
            why = "every group has strong data" if centred else "some groups have little data"
        if not centred:
            _noncentre(plan, entry)
        plan.notes.append(f"{entry.name}: {'centred' if centred else 'non-centred'} pool ({why})")


def _is_pool(entry, entries) -> bool:
    if not isinstance(entry, RandomVariable) or entry.observed is not None or not entry.dims:
        return False
    reads_random = any(isinstance(v, VarRef) and isinstance(entries.get(v.name), (RandomVariable, DerivedVar))
                       for v in entry.args.values())
    if entry.dist == "Normal":
        return reads_random
    return entry.dist == "MvNormal" and "chol" in entry.args and reads_random


def _use_of(plan: Plan, name: str):
    for likelihood in plan.entries:
        if isinstance(likelihood, LikelihoodVar):
            for term in likelihood.terms:
                if term.param == name and term.index and term.value is None:
                    return likelihood, term.index
    return None


def _data_are_strong(plan: Plan, likelihood: LikelihoodVar, index: tuple[str, ...]) -> bool:
    entries = entries_by_name(plan)
    codes = np.column_stack([np.asarray(entries[i].values) for i in index])
    cells, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if likelihood.family != "Normal":
        return bool(counts.min() >= FEW)
    y = outcome_values(plan, likelihood)
    means = np.bincount(inverse, weights=y) / counts
    residual = y - means[inverse]
    sigma2 = residual.var(ddof=len(cells)) if len(y) > len(cells) else np.inf
    if not np.isfinite(sigma2) or sigma2 <= 0:
        return True  # no noise left within groups: the data pin every group down
    # between-group variance, less what the noise in each group mean adds (method of moments)
    tau2 = max(0.0, means.var(ddof=1) - sigma2 * np.mean(1.0 / counts)) if len(cells) > 1 else 0.0
    return bool(np.min(counts) * tau2 / sigma2 >= 1.0)


def _noncentre(plan: Plan, entry: RandomVariable) -> None:
    z = f"{entry.name}__z"
    standard = RandomVariable(z, "Normal", {}, dims=entry.dims, source=f"{entry.source} (non-centred)")
    if entry.dist == "Normal":
        mu, sigma = entry.args.get("mu"), entry.args.get("sigma")
        expr = VarRef(z) if sigma is None else Op("*", (sigma, VarRef(z)))
        expr = expr if mu is None else Op("+", (mu, expr))
    else:  # MvNormal(mu, chol): mu + z @ chol.T
        expr = Op("+", (entry.args["mu"], Func("matmul", (VarRef(z), Func("transpose", (entry.args["chol"],))))))
    replace(plan, entry, [standard, DerivedVar(entry.name, expr, entry.dims)])
