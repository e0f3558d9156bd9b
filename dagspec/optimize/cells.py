"""Bernoulli/Binomial outcomes whose terms are all categorical → one Binomial count per cell (same posterior)."""

from __future__ import annotations

import numpy as np

from ..plan import Const, DataVar, LikelihoodVar, Plan, Term, VarRef
from .common import data_values, entries_by_name, outcome_values, position
from .order import read_by_others


def collapse_cells(plan: Plan) -> None:
    read = read_by_others(plan.entries)  # collapsing one outcome does not change what reads another
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        used_elsewhere = likelihood.name in read
        if (
            (
                likelihood.family in ("Bernoulli", "Binomial")
                or (likelihood.family, likelihood.link) == ("Poisson", "log")
            )
            and likelihood.plain
            and likelihood.terms
            and not used_elsewhere
            and all(t.value is None for t in likelihood.terms)
        ):
            _collapse(plan, likelihood)


def _trials_name(likelihood: LikelihoodVar):
    """The trials of each row: a data container's name, a number, or None for Bernoulli (one each)."""
    trials = likelihood.aux.get("n")
    return trials.name if isinstance(trials, VarRef) else (trials.value if isinstance(trials, Const) else None)


def _collapse(plan: Plan, likelihood: LikelihoodVar) -> None:
    entries = entries_by_name(plan)
    index_names = sorted({name for t in likelihood.terms for name in t.index})
    codes = np.column_stack([np.asarray(entries[name].values) for name in index_names])
    outcome = outcome_values(plan, likelihood)
    if likelihood.family == "Binomial":
        trials_expr = likelihood.aux["n"]
        trials = (
            np.full(len(outcome), trials_expr.value)
            if isinstance(trials_expr, Const)
            else data_values(plan, trials_expr)
        )
        if trials is None:
            return
    else:  # Bernoulli: one trial per row; Poisson: the rows themselves are counted
        trials = np.ones(len(outcome))
    cells, inverse = np.unique(codes, axis=0, return_inverse=True)
    if len(cells) == len(outcome):  # no two rows share a cell: nothing to collapse
        return
    inverse = inverse.reshape(-1)
    successes = np.bincount(inverse, weights=outcome).round().astype(np.int64)
    counts = np.bincount(inverse, weights=trials).round().astype(np.int64)
    dim = f"{likelihood.name}__cell"
    plan.coords[dim] = list(range(len(cells)))
    renamed = {name: f"{likelihood.name}__{name}" for name in index_names}
    recipe = {"index": index_names, "outcome": likelihood.observed, "trials": _trials_name(likelihood)}
    new = [
        DataVar(
            renamed[name],
            cells[:, i].astype(np.int64),
            likelihood.node,
            dims=(dim,),
            recipe={"kind": "cell_index", "column": i, **recipe},
        )
        for i, name in enumerate(index_names)
    ]
    poisson = likelihood.family == "Poisson"
    new += [
        DataVar(
            f"{likelihood.name}__log_rows" if poisson else f"{likelihood.name}__trials",
            np.log(counts) if poisson else counts,
            likelihood.node,
            dims=(dim,),
            recipe={"kind": "cell_log_rows" if poisson else "cell_trials", **recipe},
        ),
        DataVar(
            f"{likelihood.name}__successes",
            successes,
            likelihood.node,
            dims=(dim,),
            recipe={"kind": "cell_successes", **recipe},
        ),
    ]
    plan.entries[position(plan, likelihood) : position(plan, likelihood)] = new
    likelihood.terms = [Term(t.param, tuple(renamed[i] for i in t.index), None, t.address) for t in likelihood.terms]
    if poisson:  # the cell's mean n exp(eta): log n added to its linear predictor
        likelihood.terms.append(Term(f"{likelihood.name}__log_rows"))
    else:
        likelihood.family = "Binomial"
        likelihood.aux = {"n": VarRef(f"{likelihood.name}__trials")}
    likelihood.observed = f"{likelihood.name}__successes"
    likelihood.dims = (dim,)
    plan.notes.append(
        f"{likelihood.name}: {len(outcome)} rows collapsed to {likelihood.family} counts in {len(cells)} cells "
        f"of {', '.join(index_names)}"
    )
