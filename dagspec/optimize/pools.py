"""Hierarchical pools → centred or non-centred parameters, chosen per pool from how much data each group has.

A pool is a parameter indexed by levels whose Normal (or MvNormal) prior reads other random variables.
Non-centred: z ~ Normal(0, 1) and the user's parameter = mu + sigma * z (MvNormal: mu + z @ chol.T), an exact
reparameterisation. It is chosen when the typical group's data are weak next to the spread between groups:
median_g I_g * tau^2 < 1, with I_g the information the group's rows carry about its effect on the linear
predictor's scale and tau^2 the variance of the effects between groups, estimated by moments from the groups' own
estimates (reedfrogs m13.2, where a few of 48 tanks lie near p = 1, mixed 4x better centred: the few do not
decide it). An MvNormal pool (a covariance's) is centred only where median_g I_g * tau^2 >= 100: the chimpanzees'
LKJ m14.3, whose actor pool is at 8.5, mixed worse centred than as the book's non-centred model (bulk ESS 88 vs
141 per 2000 draws), and the tutorial's heterogenous, at 11 000 (three groups of 33 rows with sigma 0.1), had 2-10
divergences non-centred under NUTS and none centred (2 seeds each, nutpie at 0.95). For a Normal outcome
I_g = n_g / sigma^2 (sigma from the residuals within groups); for Binomial and Bernoulli outcomes on the logit
link I_g = n_g p_g (1 - p_g) and for Poisson on the log link I_g = the group's expected count, both at the group's
smoothed rate; other families and links are non-centred when a group has fewer than 30 observations (a
covariance's pool always: nothing was measured for them).
"""

from __future__ import annotations

import numpy as np

from ..plan import DerivedVar, Func, LikelihoodVar, Op, Plan, RandomVariable, VarRef
from .common import data_expression, data_values, entries_by_name, outcome_values, replace
from .order import refs

FEW = 30
COVARIANCE_BAR = 100.0  # median I_g tau^2 above which an MvNormal pool is centred (module docstring)


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
            likelihood, index = use
            centred = _data_are_strong(plan, likelihood, index, covariance=entry.dist == "MvNormal")
            why = "the groups' data are strong" if centred else "the groups' data are weak"
        if not centred:
            _noncentre(plan, entry)
        plan.notes.append(f"{entry.name}: {'centred' if centred else 'non-centred'} pool ({why})")


def _is_pool(entry, entries) -> bool:
    if not isinstance(entry, RandomVariable) or entry.observed is not None or not entry.dims or entry.transform:
        return False
    reads_random = any(
        isinstance(v, VarRef) and isinstance(entries.get(v.name), (RandomVariable, DerivedVar))
        for v in entry.args.values()
    )
    if entry.dist == "Normal":
        return reads_random
    if entry.dist == "MvNormal" and "chol" in entry.args and not reads_random:  # a factor computed from them
        reads_random = any(isinstance(entries.get(n), (RandomVariable, DerivedVar)) for n in refs(entry.args["chol"]))
    return entry.dist == "MvNormal" and "chol" in entry.args and reads_random


def _use_of(plan: Plan, name: str):
    for likelihood in plan.entries:
        if isinstance(likelihood, LikelihoodVar):
            for term in likelihood.terms:
                if term.param == name and term.index and term.value is None:
                    return likelihood, term.index
    return None


def _data_are_strong(plan: Plan, likelihood: LikelihoodVar, index: tuple[str, ...], covariance: bool) -> bool:
    """Whether a pool (a covariance's: `covariance`) is better centred, by the module docstring's rule."""
    entries = entries_by_name(plan)
    codes = np.column_stack([np.asarray(entries[i].values) for i in index])
    _, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    groups = _group_estimates(plan, likelihood, outcome_values(plan, likelihood), inverse, counts, entries)
    if groups is None:  # no rule for the family: many rows per group, except for a covariance's pool
        return not covariance and bool(counts.min() >= FEW)
    estimates, information = groups
    if np.any(np.isinf(information)):
        return True  # no noise left within a group: the data pin it down
    # between-group variance, less what the noise in each group's estimate adds (method of moments)
    tau2 = max(0.0, estimates.var(ddof=1) - np.mean(1.0 / information)) if len(estimates) > 1 else 0.0
    return bool(np.median(information) * tau2 >= (COVARIANCE_BAR if covariance else 1.0))


def _group_estimates(plan: Plan, likelihood: LikelihoodVar, y, inverse, counts, entries):
    """Each group's own estimate of its linear predictor and the information its rows carry about it (None where
    dagspec has no rule for the family and link)."""
    total = np.bincount(inverse, weights=y)
    if likelihood.family == "Normal" and likelihood.link == "identity":
        means = total / counts
        residual = y - means[inverse]
        sigma2 = residual.var(ddof=len(counts)) if len(y) > len(counts) else np.inf
        if not np.isfinite(sigma2) or sigma2 <= 0:
            return means, np.full(len(counts), np.inf)
        return means, counts / sigma2
    if likelihood.family in ("Bernoulli", "Binomial") and likelihood.link == "logit":
        n_expr = likelihood.aux.get("n")
        trials = (
            np.ones(len(y))
            if n_expr is None
            else (
                data_values(plan, n_expr, entries)
                if isinstance(n_expr, VarRef)
                else data_expression(plan, n_expr, entries)
            )
        )
        if trials is None or np.shape(trials) not in ((), np.shape(y)):
            return None
        n = np.bincount(inverse, weights=np.broadcast_to(trials, np.shape(y)))
        p = (total + 0.5) / (n + 1.0)  # smoothed: a group with all or no successes still has a finite estimate
        return np.log(p / (1 - p)), n * p * (1 - p)
    if likelihood.family == "Poisson" and likelihood.link == "log":
        rate = (total + 0.5) / counts
        return np.log(rate), counts * rate
    return None


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
