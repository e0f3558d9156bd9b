"""Many like Normal regressions → one vectorised likelihood (a spec of thousands of regressions builds in seconds).

Regressions of fixed data with the same shape — a Normal outcome on the identity link, an intercept, the same
number of data terms and a scale, each a free scalar with the same prior family — are one likelihood over the
matrix of their outcomes (rows × regressions): each column's intercept, slopes and scale are elements of one
vector per role, with the priors' numbers per element. The log density is the same sum, term by term; every
parameter keeps its name as a deterministic (its element of the vector), and the posterior its dims and coords.
PyTensor builds one graph for the group instead of one per regression, and a gradient costs one pass over the
matrix. Groups smaller than MIN_GROUP are left as they are: a small model builds fast anyway, and keeps one
variable per parameter. The vectors are in the posterior too, beside the deterministics named by the user.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..plan import (
    OBS_DIM,
    Const,
    DataVar,
    DerivedVar,
    Idx,
    LikelihoodVar,
    PExpr,
    Plan,
    RandomVariable,
    Term,
    VarRef,
)
from .common import data_expression, entries_by_name, free_scalar
from .order import reads

MIN_GROUP = 16
# priors whose arguments may differ element by element in one vector variable (univariate, no shape of their own)
ELEMENTWISE = {
    "Normal",
    "HalfNormal",
    "Exponential",
    "Flat",
    "StudentT",
    "HalfStudentT",
    "Cauchy",
    "HalfCauchy",
    "Gamma",
    "InverseGamma",
    "LogNormal",
    "Laplace",
}


@dataclass
class _Group:
    """Regressions of one shape, and the parameters of each by role (intercept, each slope, the scale)."""

    likelihoods: list[LikelihoodVar] = field(default_factory=list)
    params: list[list[RandomVariable]] = field(default_factory=list)  # per regression, in role order
    columns: list[list[np.ndarray]] = field(default_factory=list)  # per regression: each term's values


def vectorise_regressions(plan: Plan) -> None:
    entries = entries_by_name(plan)
    groups: dict[tuple, _Group] = {}
    for likelihood in (e for e in plan.entries if isinstance(e, LikelihoodVar)):
        shape = _shape(plan, likelihood, entries)
        if shape is not None:
            key, params, columns = shape
            group = groups.setdefault(key, _Group())
            group.likelihoods.append(likelihood)
            group.params.append(params)
            group.columns.append(columns)
    groups = _own_parameters(groups)
    chosen = [g for g in groups.values() if len(g.likelihoods) >= MIN_GROUP]
    grouped = {id(e) for g in chosen for e in g.likelihoods} | {id(p) for g in chosen for ps in g.params for p in ps}
    read = set().union(*(reads(e) for e in plan.entries if id(e) not in grouped))
    replaced: dict[int, list] = {}
    for number, group in enumerate(chosen):
        for likelihood, params in zip(group.likelihoods, group.params):
            # an outcome others read (a mediator's values in a regression not in the group) is its data
            replaced[id(likelihood)] = (
                [DataVar(likelihood.name, _outcome(plan, likelihood, entries), likelihood.node)]
                if likelihood.name in read
                else []
            )
            replaced.update((id(p), []) for p in params)
        replaced[id(group.likelihoods[0])] += _vectorise(plan, group, f"regressions__{number}", entries)
    if replaced:
        plan.entries = [new for entry in plan.entries for new in replaced.get(id(entry), [entry])]
        _drop_unread_outcome_data(plan, {e.observed for g in chosen for e in g.likelihoods})


def _own_parameters(groups: dict[tuple, _Group]) -> dict[tuple, _Group]:
    """The groups without the regressions that share a parameter with another (one element of one vector each)."""
    uses = Counter(id(p) for g in groups.values() for params in g.params for p in params)
    kept = {}
    for key, group in groups.items():
        own = [i for i, params in enumerate(group.params) if all(uses[id(p)] == 1 for p in params)]
        kept[key] = _Group(*([getattr(group, f)[i] for i in own] for f in ("likelihoods", "params", "columns")))
    return kept


def _shape(plan: Plan, likelihood: LikelihoodVar, entries: dict):
    """(The regression's shape, its parameters in role order, its terms' values), or None if it is not a plain
    Normal regression on data with free scalar parameters."""
    if (
        likelihood.family != "Normal"
        or likelihood.link != "identity"
        or not likelihood.plain
        or likelihood.predicted
        or likelihood.dims != (OBS_DIM,)
        or likelihood.intercept is None
        or set(likelihood.aux) != {"sigma"}
        or not isinstance(likelihood.aux["sigma"], VarRef)
    ):
        return None
    names = [likelihood.intercept, *(t.param for t in likelihood.terms), likelihood.aux["sigma"].name]
    params = [free_scalar(plan, name, entries) for name in names]
    if len(set(names)) != len(names) or any(p is None or not _elementwise(p) for p in params):
        return None
    columns = []
    for term in likelihood.terms:
        values = None if term.index or term.matmul or term.value is None else data_expression(plan, term.value, entries)
        if values is None or values.shape != (len(plan.coords[OBS_DIM]),):
            return None
        columns.append(values)
    key = tuple((p.dist, tuple(sorted(p.args)), p.initval is None) for p in params)  # type: ignore[union-attr]
    return key, params, columns


def _elementwise(param: RandomVariable) -> bool:
    return (
        param.dist in ELEMENTWISE
        and param.transform is None
        and (param.initval is None or isinstance(param.initval, (int, float)))
        and all(isinstance(a, Const) and np.ndim(a.value) == 0 for a in param.args.values())
    )


def _vectorise(plan: Plan, group: _Group, stem: str, entries: dict) -> list:
    """The group's vector parameters, its data matrices, its likelihood, and a deterministic per parameter."""
    dim = f"{stem}__outcome"
    plan.coords[dim] = [e.name for e in group.likelihoods]
    roles = ["intercept", *(f"slope{j}" for j in range(len(group.columns[0]))), "sigma"]
    new: list = []
    for r, role in enumerate(roles):
        members = [params[r] for params in group.params]
        first = members[0]
        args: dict[str, PExpr] = {a: Const(np.array([_number(m.args[a]) for m in members])) for a in first.args}
        initval = None if first.initval is None else np.array([_number(Const(m.initval)) for m in members])
        new.append(
            RandomVariable(
                f"{stem}__{role}", first.dist, args, dims=(dim,), source=f"{stem} ({role}s)", initval=initval
            )
        )
        new += [DerivedVar(m.name, Idx(VarRef(f"{stem}__{role}"), (Const(i),))) for i, m in enumerate(members)]
    outcomes = np.column_stack([_outcome(plan, e, entries) for e in group.likelihoods])
    new.append(DataVar(f"{stem}__y", outcomes, stem, dims=(OBS_DIM, dim), recipe={"kind": "stacked outcomes"}))
    terms = []
    for j in range(len(roles) - 2):
        values = np.column_stack([columns[j] for columns in group.columns])
        new.append(DataVar(f"{stem}__x{j}", values, stem, dims=(OBS_DIM, dim), recipe={"kind": "stacked terms"}))
        terms.append(Term(f"{stem}__slope{j}", (), VarRef(f"{stem}__x{j}"), address=f"{stem} (slope {j})"))
    new.append(
        LikelihoodVar(
            stem,
            stem,
            "Normal",
            "identity",
            intercept=f"{stem}__intercept",
            terms=terms,
            aux={"sigma": VarRef(f"{stem}__sigma")},
            observed=f"{stem}__y",
            dims=(OBS_DIM, dim),
        )
    )
    plan.notes.append(
        f"{stem}: {len(group.likelihoods)} Normal regressions with {len(roles) - 2} term(s) each "
        f"({', '.join(plan.coords[dim][:3])}{', ...' if len(group.likelihoods) > 3 else ''}) as one likelihood"
    )
    return new


def _number(expr: PExpr) -> float:
    assert isinstance(expr, Const), "a grouped parameter's prior arguments and start are numbers"
    return float(expr.value)


def _outcome(plan: Plan, likelihood: LikelihoodVar, entries: dict) -> np.ndarray:
    values = data_expression(plan, VarRef(likelihood.observed), entries)
    assert values is not None, "a plain regression observes a data container"
    return values


def _drop_unread_outcome_data(plan: Plan, containers: set[str]) -> None:
    """The grouped outcomes' own data containers, which nothing reads any more."""
    read = set().union(*(reads(e) for e in plan.entries))
    plan.entries = [e for e in plan.entries if not (isinstance(e, DataVar) and e.name in containers - read)]
