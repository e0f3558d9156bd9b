"""Rows that share the levels of their outcome's categorical predictors → one term per cell (same posterior).

Bernoulli/Binomial rows become one Binomial count per cell, Poisson counts on the log link one Poisson count per
cell (the two differ from the rows' densities by a constant the collapse drops). Normal, LogNormal, Exponential,
Gamma, Beta, HurdleGamma and HurdleLogNormal rows become one log density over the cells from each cell's
sufficient statistics (cell_stats.py), exactly, and Poisson (sqrt link), zero-inflated and hurdle Poisson counts
up to a constant; their auxiliary parameters may be free scalars, fixed values, or linear predictors of their own
on the same categorical predictors (`g -> y.sigma`), evaluated once per cell. Only outcomes whose every row adds the
family's own density (not censored, truncated, weighted or imputed), whose terms are all categorical, which no
other node reads, and where some rows share a cell; the pointwise log-likelihood (LOO) comes from the literal model.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from ..plan import (
    OBS_DIM,
    Const,
    DataVar,
    DerivedVar,
    Func,
    Idx,
    LikelihoodVar,
    LogDensity,
    Op,
    PExpr,
    Plan,
    Term,
    VarRef,
)
from . import cell_stats
from .common import data_values, entries_by_name, outcome_values, position, replace
from .order import read_by_others


def collapse_cells(plan: Plan) -> None:
    read = read_by_others(plan.entries)  # collapsing one outcome does not change what reads another
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        if (
            not likelihood.plain
            or not likelihood.terms
            or likelihood.name in read
            or any(t.value is not None for t in likelihood.terms)
        ):
            continue
        if likelihood.family in ("Bernoulli", "Binomial") or (likelihood.family, likelihood.link) == ("Poisson", "log"):
            _collapse_counts(plan, likelihood)
        elif likelihood.family in cell_stats.FAMILIES and likelihood.link in cell_stats.FAMILIES[likelihood.family][0]:
            _collapse_statistics(plan, likelihood)


def _trials_name(likelihood: LikelihoodVar):
    """The trials of each row: a data container's name, a number, or None for Bernoulli (one each)."""
    trials = likelihood.aux.get("n")
    return trials.name if isinstance(trials, VarRef) else (trials.value if isinstance(trials, Const) else None)


def _cells(plan: Plan, index_names: list[str]):
    """The distinct rows of the index containers (cells × indices) and each row's cell."""
    entries = entries_by_name(plan)
    codes = np.column_stack([np.asarray(entries[name].values) for name in index_names])
    cells, inverse = np.unique(codes, axis=0, return_inverse=True)
    return cells, inverse.reshape(-1)


def _cell_indices(likelihood: LikelihoodVar, index_names: list[str], cells, dim: str, recipe: dict) -> list[DataVar]:
    """Each index's level in each cell, named after the likelihood (`y__cell__g`: never a statistic's name)."""
    return [
        DataVar(
            _cell_index_name(likelihood, name),
            cells[:, i].astype(np.int64),
            likelihood.node,
            dims=(dim,),
            recipe={"kind": "cell_index", "column": i, **recipe},
        )
        for i, name in enumerate(index_names)
    ]


def _cell_index_name(likelihood: LikelihoodVar, index: str) -> str:
    return f"{likelihood.name}__cell__{index}"


def _collapse_counts(plan: Plan, likelihood: LikelihoodVar) -> None:
    index_names = sorted({name for t in likelihood.terms for name in t.index})
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
    cells, inverse = _cells(plan, index_names)
    if len(cells) == len(outcome):  # no two rows share a cell: nothing to collapse
        return
    successes = np.bincount(inverse, weights=outcome).round().astype(np.int64)
    counts = np.bincount(inverse, weights=trials).round().astype(np.int64)
    dim = f"{likelihood.name}__cell"
    plan.coords[dim] = list(range(len(cells)))
    renamed = {name: _cell_index_name(likelihood, name) for name in index_names}
    recipe = {"index": index_names, "outcome": likelihood.observed, "trials": _trials_name(likelihood)}
    new = _cell_indices(likelihood, index_names, cells, dim, {**recipe, "counts": True})
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


def _collapse_statistics(plan: Plan, likelihood: LikelihoodVar) -> None:
    entries = entries_by_name(plan)
    index_names = {name for t in likelihood.terms for name in t.index}
    aux_rows: dict[str, PExpr] = {}  # auxiliary parameters with one value per row: their expressions per row
    for name, value in likelihood.aux.items():
        if not _scalar(value, entries):
            per_row = _per_row(value, entries)
            found = _indices(per_row, entries) if per_row is not None else None
            if per_row is None or found is None:
                return
            aux_rows[name] = per_row
            index_names |= found
    names = sorted(index_names)
    y = outcome_values(plan, likelihood)
    cells, inverse = _cells(plan, names)
    if len(cells) == len(y):  # no two rows share a cell: nothing to collapse
        return
    stem, dim = likelihood.name, f"{likelihood.name}__cell"
    plan.coords[dim] = list(range(len(cells)))
    renamed = {name: _cell_index_name(likelihood, name) for name in names}
    recipe = {"index": names, "outcome": likelihood.observed, "trials": None}
    statistics = cell_stats.statistics(likelihood.family)
    new: list = _cell_indices(likelihood, names, cells, dim, {**recipe, "counts": False})
    new += [
        DataVar(
            cell_stats.statistic_name(stem, *statistic),
            cell_stats.statistic(y, inverse, len(cells), *statistic),
            likelihood.node,
            dims=(dim,),
            recipe={"kind": "cell_statistic", **dict(zip(("aggregate", "transform", "positive"), statistic)), **recipe},
        )
        for statistic in statistics
    ]
    eta: PExpr | None = VarRef(likelihood.intercept) if likelihood.intercept else None
    for term in likelihood.terms:
        effect = Idx(VarRef(term.param), tuple(VarRef(renamed[i]) for i in term.index))
        eta = effect if eta is None else Op("+", (eta, effect))
    assert eta is not None  # the likelihood has terms
    aux = {
        name: _on_cells(aux_rows[name], renamed) if name in aux_rows else _float64(v)
        for name, v in likelihood.aux.items()
    }
    logp = cell_stats.cell_log_density(likelihood.family, likelihood.link, eta, aux, stem)
    replace(plan, likelihood, [*new, LogDensity(f"{stem}__likelihood", logp, likelihood.node)])
    read = ", ".join(cell_stats.describe(*statistic) for statistic in statistics)
    dropped = "the constant -Σ log y! dropped" if likelihood.family in cell_stats.COUNTS else "exact"
    plan.notes.append(
        f"{stem}: {len(y)} rows collapsed to the {likelihood.family} likelihood of {len(cells)} cells of "
        f"{', '.join(names)} from sufficient statistics ({read}; {dropped})"
    )


def _float64(expr: PExpr) -> PExpr:
    """A fixed value as a float64 number (PyTensor computes log(2.0) of a Python float in float32)."""
    return Const(np.float64(expr.value)) if isinstance(expr, Const) else expr


def _scalar(expr: PExpr, entries: dict) -> bool:
    """The same value in every row: a number or a variable without dims."""
    if isinstance(expr, Const):
        return np.ndim(expr.value) == 0
    entry = entries.get(expr.name) if isinstance(expr, VarRef) else None
    return entry is not None and not isinstance(entry, (DataVar, LikelihoodVar)) and not getattr(entry, "dims", ())


def _per_row(expr: PExpr, entries: dict) -> PExpr | None:
    """A distributional parameter's expression per row (`y_sigma`: the inverse link of its linear predictor)."""
    entry = entries.get(expr.name) if isinstance(expr, VarRef) else None
    return entry.expr if isinstance(entry, DerivedVar) and entry.dims == (OBS_DIM,) else None


def _indices(expr: PExpr, entries: dict) -> set[str] | None:
    """The index containers an expression reads the rows through; None where it reads rows otherwise (a numeric
    column, another outcome) or in a way not known here."""
    if isinstance(expr, Const):
        return set()
    if isinstance(expr, VarRef):
        entry = entries.get(expr.name)
        return (
            None if isinstance(entry, (DataVar, LikelihoodVar)) or getattr(entry, "dims", ()) == (OBS_DIM,) else set()
        )
    if isinstance(expr, (Op, Func)):
        found = [_indices(a, entries) for a in expr.args]
        return None if None in found else set().union(*(f for f in found if f is not None))
    if isinstance(expr, Idx) and isinstance(expr.target, VarRef) and _indices(expr.target, entries) is not None:
        names = [s.name for s in expr.subscripts if isinstance(s, VarRef)]
        by_rows = [entries.get(n) for n in names]
        if len(names) == len(expr.subscripts) and all(isinstance(e, DataVar) and e.dims == (OBS_DIM,) for e in by_rows):
            return set(names)
    return None


def _on_cells(expr: PExpr, renamed: dict[str, str]) -> PExpr:
    """The expression with each index container replaced by its level per cell."""
    if isinstance(expr, VarRef):
        return VarRef(renamed.get(expr.name, expr.name))
    if isinstance(expr, Op):
        return Op(expr.op, tuple(_on_cells(a, renamed) for a in expr.args))
    if isinstance(expr, Func):
        return Func(expr.name, tuple(_on_cells(a, renamed) for a in expr.args))
    if isinstance(expr, Idx):
        return Idx(_on_cells(cast(PExpr, expr.target), renamed), tuple(_on_cells(s, renamed) for s in expr.subscripts))
    return expr
