"""A literal Plan (with its data) → coded errors for a posterior that is improper or cannot be computed.

Each of these would otherwise be sampled into nonsense (means of 1e16, R-hat 2) or crash a sampler. The
first two are checked for every plan (Spec.plan), the third before sampling (an exactly fitting toy data set
still builds a model):

- DS531: a data value beyond ±1e100: its square (in sufficient statistics and log densities) overflows.
- DS425: improper (Flat, HalfFlat) coefficients of a linear predictor that the data do not identify: their
  columns in the design are linearly dependent (an intercept beside one effect per level) or all zero (a
  level with no rows). The likelihood is then constant along a direction that the prior does not bound.
- DS530: a Normal, StudentT or LogNormal outcome that its linear predictor fits exactly (a constant outcome
  beside an intercept): the posterior of the noise scale then grows without bound towards 0.

Memory grows with rows + coefficients: designs are sparse, ranks come from the Gram matrix of the columns
concerned, dense only per connected group of at most DENSE columns (a sparse LU beyond).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from .check.calls import LARGEST, number_words
from .check.model import CheckedModel
from .diagnostics import Diagnostics
from .optimize.common import data_expression
from .optimize.order import reads, refs
from .plan import Const, DataVar, DerivedVar, LikelihoodVar, Plan, RandomVariable, VarRef

IMPROPER = ("Flat", "HalfFlat")
EXACT_FAMILIES = ("Normal", "StudentT", "LogNormal")  # families with a noise scale that an exact fit sends to 0
DENSE = 1500  # columns of a Gram block decomposed densely (eigh); larger connected blocks use a sparse LU
EXACT_FIT = 1e-10  # residuals below this fraction of the outcome's largest value are an exact fit
CANDIDATE = 1e-6  # Gram eigenvalues below this fraction of the largest are checked for a null vector
NULL = 1e-9  # |Dv| below this fraction of |D| (largest singular value): v is a null vector of D


def check_plan(plan: Plan, model: CheckedModel, found: Diagnostics) -> None:
    """DS531 and DS425 for the literal plan: what no model should be built with (the optimizer's passes and
    any sampler fail on them)."""
    _check_magnitudes(plan, model, found)
    if found.errors:  # overflowing data would make the ranks below meaningless
        return
    entries = {e.name: e for e in plan.entries}
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        _check_identified(plan, model, entries, likelihood, found)


def check_posterior(plan: Plan, model: CheckedModel, found: Diagnostics) -> None:
    """DS530 for the literal plan: an exact fit builds a model like any other, but its posterior is improper."""
    entries = {e.name: e for e in plan.entries}
    for likelihood in [e for e in plan.entries if isinstance(e, LikelihoodVar)]:
        _check_exact_fit(plan, model, entries, likelihood, found)


# ---- DS531: numbers out of floating point's range ---------------------------------------------------


def _check_magnitudes(plan: Plan, model: CheckedModel, found: Diagnostics) -> None:
    for entry in plan.entries:
        if isinstance(entry, DataVar):
            values, node = entry.values, entry.node
        elif isinstance(entry, RandomVariable) and isinstance(entry.observed, Const):
            values, node = entry.observed.value, entry.source
        else:
            continue
        values = np.asarray(values)
        if values.dtype.kind not in "fiu":
            continue
        values = values[np.isfinite(values)]  # missing values (to impute) are not numbers to compute with
        if not values.size:
            continue
        largest = float(np.max(np.abs(values)))
        if largest > LARGEST:
            info = model.nodes[node]
            observation = info.observed
            column = observation.column if observation is not None and observation.column else node
            found.add(
                "DS531",
                observation.span if observation is not None else info.span,
                column=column,
                name=node,
                value=number_words(largest),
            )


# ---- the design of a linear predictor, sparse ---------------------------------------------------------


@dataclass
class _Design:
    matrix: sparse.csr_matrix  # rows × columns
    labels: list[tuple[str, str]]  # per column: (parameter, its element as text: "" for a scalar, "[a]")
    categorical: dict[str, str]  # parameter → the categorical node whose levels it has one effect for
    intercept: bool  # whether column 0 is the intercept


def _design(plan: Plan, entries: dict, likelihood: LikelihoodVar, params: set[str]) -> _Design | None:
    """The columns of `params` in the likelihood's linear predictor; None when a term's values are not data."""
    n = len(plan.coords.get(likelihood.dims[0], ())) if likelihood.dims else 0
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    labels: list[tuple[str, str]] = []
    categorical: dict[str, str] = {}
    intercept = likelihood.intercept is not None and likelihood.intercept in params
    if intercept:
        rows.append(np.arange(n))
        cols.append(np.zeros(n, dtype=np.int64))
        values.append(np.ones(n))
        labels.append((str(likelihood.intercept), ""))
    for term in likelihood.terms:
        if term.param not in params:
            continue
        entry = entries[term.param]
        shape = tuple(len(plan.coords[d]) for d in entry.dims)
        value = None if term.value is None else data_expression(plan, term.value, entries)
        if term.value is not None and (value is None or not np.isfinite(value).all()):
            return None  # not data, or data with values the model imputes
        if term.matmul:
            if value is None or value.ndim != 2 or (value.shape[1],) != shape:
                return None
            local = np.tile(np.arange(shape[0]), n)
            flat_rows, weights = np.repeat(np.arange(n), shape[0]), value.ravel()
        else:
            if len(term.index) != len(shape):
                return None
            codes = tuple(np.asarray(entries[c].values, dtype=np.int64) for c in term.index)
            local = np.ravel_multi_index(codes, shape) if codes else np.zeros(n, dtype=np.int64)
            flat_rows = np.arange(n)
            weights = np.ones(n) if value is None else np.broadcast_to(np.asarray(value, dtype=float), (n,))
            if value is None and len(term.index) == 1:
                categorical[term.param] = entries[term.index[0]].node
        rows.append(flat_rows)
        cols.append(len(labels) + local)
        values.append(weights)
        labels += [(term.param, _element(plan, entry.dims, i)) for i in range(int(np.prod(shape)))]
    if not labels:
        return None
    matrix = (
        sparse.csr_matrix(
            (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, len(labels))
        )
        if rows
        else sparse.csr_matrix((n, len(labels)))
    )
    return _Design(matrix, labels, categorical, intercept)


def _element(plan: Plan, dims: tuple[str, ...], flat: int) -> str:
    if not dims:
        return ""
    index = np.unravel_index(flat, tuple(len(plan.coords[d]) for d in dims))
    return "[" + ", ".join(str(plan.coords[d][i]) for d, i in zip(dims, index)) + "]"


def _normalised(matrix: sparse.csr_matrix) -> tuple[sparse.csc_matrix, np.ndarray]:
    """The columns divided by their largest absolute value (so that squares cannot overflow), and those values."""
    matrix = sparse.csc_matrix(matrix)
    scale = np.asarray(abs(matrix).max(axis=0).todense()).ravel()
    safe = np.where(scale > 0, scale, 1.0)
    return matrix @ sparse.diags(1.0 / safe), scale


# ---- DS425: improper coefficients the data do not identify ------------------------------------------


def _check_identified(
    plan: Plan, model: CheckedModel, entries: dict, likelihood: LikelihoodVar, found: Diagnostics
) -> None:
    # what informs a parameter: priors and likelihoods that read it (a derived quantity only reports it)
    read_elsewhere = set().union(
        *(reads(e) for e in plan.entries if isinstance(e, (RandomVariable, LikelihoodVar)) and e is not likelihood)
    )
    read_elsewhere |= set().union(
        *(refs(a) for a in likelihood.aux.values()), *(refs(t.value) for t in likelihood.terms)
    )
    own = ([likelihood.intercept] if likelihood.intercept else []) + [t.param for t in likelihood.terms]
    flat = {
        p
        for p in own
        if isinstance(entries.get(p), RandomVariable) and entries[p].dist in IMPROPER and p not in read_elsewhere
    }  # a parameter read elsewhere may be identified there (e.g. a pool's mean)
    design = _design(plan, entries, likelihood, flat) if flat else None
    if design is None:
        return
    columns, scale = _normalised(design.matrix)
    unidentified = set(np.flatnonzero(scale == 0).tolist())
    if unidentified:
        why = (
            "no row informs "
            + _listed(design, sorted(unidentified))
            + " (a level without rows, or a predictor that is 0 in every row)"
        )
    else:
        unidentified = _dependent_columns(columns)
        why = _dependence_words(design, unidentified, likelihood)
    if not unidentified:
        return
    involved = _params_of(design, unidentified)
    first = model.params[entries[involved[0]].source]
    found.add(
        "DS425",
        first.prior.span,
        names=_listed(design, sorted(unidentified)),
        have="has" if len(involved) == 1 else "have",
        dists=", ".join(sorted({entries[p].dist for p in involved})),
        why=why,
        suggestion=_remedies(plan, design, involved, entries, likelihood, model),
    )


def _dependent_columns(columns: sparse.csc_matrix) -> set[int]:
    """The columns taking part in a linear dependence among the (normalised) columns. Per connected block of
    their Gram matrix G = DᵀD: eigenvectors v of G with a small eigenvalue are candidates, and one is a null
    vector when |Dv| ≤ NULL·|D| (computed from D itself, not from G, whose squares lose half the digits) —
    numpy's matrix_rank of D, up to the tolerance."""
    rows = columns.shape[0]
    gram = (columns.T @ columns).tocsr()
    blocks, label = connected_components(gram != 0, directed=False)
    order = np.argsort(label, kind="stable")
    starts = np.searchsorted(label[order], np.arange(blocks + 1))
    dependent: set[int] = set()
    for block in np.flatnonzero(np.diff(starts) > 1):  # a lone non-zero column depends on nothing
        members = order[starts[block] : starts[block + 1]]
        sub = gram[members][:, members]
        if len(members) > DENSE:  # too many to decompose densely: the whole block is named
            if _singular(sub, max(rows, len(members)) * np.finfo(float).eps):
                dependent |= set(members.tolist())
            continue
        try:
            eigenvalues, vectors = np.linalg.eigh(sub.toarray())
        except np.linalg.LinAlgError:  # cannot tell: no finding
            continue
        top = eigenvalues.max()
        candidates = vectors[:, eigenvalues <= CANDIDATE * top]
        if candidates.size:
            lengths = np.linalg.norm(columns[:, members] @ candidates, axis=0)
            null = candidates[:, lengths <= NULL * np.sqrt(top)]
            if null.size:
                dependent |= set(members[np.abs(null).max(axis=1) > 1e-6].tolist())
    return dependent


def _singular(gram: sparse.csr_matrix, tolerance: float) -> bool:
    """Whether a large, sparse positive semi-definite matrix is singular: a vanishing pivot of its LU."""
    try:
        pivots = np.abs(splu(gram.tocsc()).U.diagonal())
    except RuntimeError:  # "Factor is exactly singular"
        return True
    return bool(pivots.min() <= tolerance * pivots.max())


def _dependence_words(design: _Design, dependent: set[int], likelihood: LikelihoodVar) -> str:
    involved = _params_of(design, dependent)
    effects = [
        p
        for p in involved
        if p in design.categorical and all(i in dependent for i, (q, _) in enumerate(design.labels) if q == p)
    ]
    if likelihood.intercept in involved and effects:
        node = design.categorical[effects[0]]
        return (
            f"{likelihood.node} has an intercept beside one effect per level of {node}, so adding a number to "
            f"{likelihood.intercept} and subtracting it from every {effects[0]} leaves the likelihood the same"
        )
    return (
        f"their columns in the linear predictor of {likelihood.node} are linearly dependent, so the "
        "likelihood stays the same along a direction that the flat prior does not bound"
    )


def _remedies(
    plan: Plan, design: _Design, involved: list[str], entries: dict, likelihood: LikelihoodVar, model: CheckedModel
) -> str:
    address = entries[involved[-1]].source
    remedies = [f"give {'it' if len(involved) == 1 else 'them'} a proper prior, e.g. `prior {address} ~ Normal(0, 10)`"]
    effects = [p for p in involved if p in design.categorical]
    if likelihood.intercept in involved and effects:
        family = model.nodes[likelihood.node].outcome_family
        remedies.append(f"drop the intercept: `node {likelihood.node} ~ {family}(intercept = none)`")
    if effects:
        node = design.categorical[effects[0]]
        level = plan.coords[node][0] if plan.coords.get(node) else "..."
        written = f'"{level}"' if isinstance(level, str) else level
        remedies.append(f"code {node} against a reference level: `node {node} : categorical(reference = {written})`")
    return "; or ".join(remedies)


def _params_of(design: _Design, columns) -> list[str]:
    return list(dict.fromkeys(design.labels[i][0] for i in sorted(columns)))


def _listed(design: _Design, columns: list[int], most: int = 6) -> str:
    """Parameters by name where all their elements are listed, else their elements: `y_intercept, b_g_y`."""
    chosen = set(columns)
    words = []
    for param in _params_of(design, columns):
        mine = [i for i, (p, _) in enumerate(design.labels) if p == param]
        if all(i in chosen for i in mine):
            words.append(param)
        else:
            elements = [param + design.labels[i][1] for i in mine if i in chosen]
            words += elements[:most] + ([f"... ({len(elements)} in all)"] if len(elements) > most else [])
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


# ---- DS530: an outcome its predictor fits exactly ---------------------------------------------------


def _check_exact_fit(
    plan: Plan, model: CheckedModel, entries: dict, likelihood: LikelihoodVar, found: Diagnostics
) -> None:
    sigma = likelihood.aux.get("sigma")
    if likelihood.family not in EXACT_FAMILIES or likelihood.link != "identity" or not isinstance(sigma, VarRef):
        return
    scale = entries.get(sigma.name)
    if not (isinstance(scale, RandomVariable) and scale.observed is None):
        return
    y = data_expression(plan, VarRef(likelihood.observed), entries)
    unknown = likelihood.imputed is not None or likelihood.censoring  # values filled in by the model, or censored
    if y is None or y.ndim != 1 or unknown or likelihood.weights or not np.isfinite(y).all():
        return  # not all of y is known, or its rows count by their weights
    observed = y
    y = np.log(y) if likelihood.family == "LogNormal" else y
    free, fixed = _free_and_fixed(plan, entries, likelihood)
    if free is None:
        return
    y = y - fixed  # what the free coefficients have to fit
    design = _design(plan, entries, likelihood, free)
    if design is None or len(y) <= len(design.labels):  # as many coefficients as rows: a fit is always exact
        return
    if not _fits_exactly(design, y):
        return
    node = model.nodes[likelihood.node]
    constant = np.ptp(observed) == 0
    found.add(
        "DS530",
        node.observed.span if node.observed is not None else node.span,
        family=likelihood.family,
        name=likelihood.node,
        scale=sigma.name,
        why=f" (it is {number_words(float(observed[0]))} in every row)" if constant else "",
    )


def _free_and_fixed(plan: Plan, entries: dict, likelihood: LikelihoodVar) -> tuple[set[str] | None, np.ndarray]:
    """The predictor's free coefficients, and what its fixed ones (`prior x -> y = 1`) add per row; (None, 0)
    when some coefficient is neither (e.g. effects computed from others), so that the check is skipped."""
    free: set[str] = set()
    fixed = np.zeros(len(plan.coords.get(likelihood.dims[0], ())) if likelihood.dims else 0)
    terms = [(likelihood.intercept, None, ())] if likelihood.intercept else []
    for param, value, index in terms + [(t.param, t.value, t.index) for t in likelihood.terms]:
        entry = entries.get(param)
        if isinstance(entry, RandomVariable):
            free.add(param)
        elif (
            isinstance(entry, DerivedVar)
            and isinstance(entry.expr, Const)
            and np.ndim(entry.expr.value) == 0
            and not index
        ):
            column = np.ones(len(fixed)) if value is None else data_expression(plan, value, entries)
            if column is None:
                return None, fixed
            fixed = fixed + float(entry.expr.value) * column
        else:
            return None, fixed
    return free, fixed


def _fits_exactly(design: _Design, y: np.ndarray) -> bool:
    """Whether y lies in the span of the design's columns, to EXACT_FIT of its largest value: least squares by
    the normal equations (small designs), the residual computed directly, so an ill-conditioned design can
    only miss an exact fit, never invent one. A constant y is checked structurally (an intercept, or one
    effect per level of a categorical node, spans the constants)."""
    top = float(np.max(np.abs(y)))
    if top == 0:
        return True
    if np.ptp(y) == 0 and (design.intercept or design.categorical):
        return True
    return _spans(design, y, top)


def _spans(design: _Design, y: np.ndarray, top: float) -> bool:
    if len(design.labels) > DENSE:
        return False
    columns, _ = _normalised(design.matrix)
    gram = (columns.T @ columns).toarray()
    try:
        coefficients = np.linalg.lstsq(gram, columns.T @ y, rcond=None)[0]
    except np.linalg.LinAlgError:  # cannot tell: no finding
        return False
    return bool(np.max(np.abs(y - columns @ coefficients)) <= EXACT_FIT * top)
