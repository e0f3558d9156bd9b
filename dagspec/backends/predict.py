"""A Spec, its posterior and new rows → posterior draws of each outcome's mean or of new outcomes (`predictions`).

The rows are transformed as the fitted ones were (the statistics of the fitted rows, from the posterior's
attributes), categorical levels keep their fitted codes, and the literal model is rebuilt on the new rows.
Outcomes are predicted in the causal order: a mediator missing from the new rows is predicted from its own
parents first and its prediction feeds the outcomes downstream (its mean for kind="mean", its draws for
kind="outcome"); a mediator given in the new rows is used as given. A categorical level not seen in fitting
gets, per posterior draw, a new effect drawn from its hierarchical prior; without one it is an error (DS515).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pymc as pm
import xarray as xr

from ..check.model import CONTRASTS, column_dim
from ..data import Column, plain_value, resolve_columns
from ..diagnostics import error
from ..dists import TIME_PRIORS
from ..families import FAMILIES, level_dim
from ..optimize.order import refs
from ..plan import ARRAY_OPS, Const, DerivedVar, LikelihoodVar, ListOf, Op, Plan, RandomVariable, VarRef, make_plan
from ..transforms import Statistics
from .predictive import quiet
from .pymc import build_model

KINDS = ("mean", "outcome")
STATISTICS_ATTR = "dagspec_statistics"
LEVELS_ATTR = "dagspec_levels"  # the levels of each ordered outcome, in order
MEAN_SUFFIX = "__mean"


def predict(spec, idata, newdata=None, kind: str = "mean", outcomes=None, random_seed=None, data=None):
    """InferenceData whose `predictions` group holds, per posterior draw and new row, each outcome's expected
    value (kind="mean") or a new draw of it (kind="outcome"); `newdata=None` predicts the fitted rows."""
    if kind not in KINDS:
        raise error(
            "DS620", what=f"kind={kind!r} is not a kind of prediction", suggestion="use kind='mean' or kind='outcome'"
        )
    return predict_draws(spec, idata, newdata, kind, outcomes, random_seed, data)


def predict_draws(spec, idata, newdata=None, kind: str = "mean", outcomes=None, random_seed=None, data=None):
    """As `predict`, and kind="parameter": the family's mean parameter (the inverse link of the linear
    predictor: LogNormal's mu, a truncated outcome's untruncated mean), which survival curves are computed from."""
    checked = spec.checked
    levels = _fitted_levels(spec, idata, data)
    statistics = _fitted_statistics(spec, idata, data)
    base = spec.path.parent if spec.path is not None else None
    columns = resolve_columns(
        checked,
        newdata if newdata is not None else data,
        base,
        statistics=statistics,
        for_prediction=newdata is not None,
        levels=levels,
    )
    if kind == "outcome":
        _check_totals(checked, columns, outcomes)
    plan = make_plan(checked, columns, scale_priors=False)  # predictions read the posterior, not the priors
    _check_matrix_columns(checked, plan, idata.posterior)
    posterior = _posterior_for(plan, idata, columns, levels, random_seed, spec.name)
    given = {
        name for name, column in columns.items() if checked.nodes[name].role == "outcome" and not column.placeholder
    }
    plan = _prediction_plan(plan, checked, given, kind, new_rows=newdata is not None)
    wanted = list(outcomes) if outcomes is not None else [n.pymc_name for n in checked.outcomes()]
    unknown = [o for o in wanted if o not in {n.pymc_name for n in checked.outcomes()}]
    if unknown:
        raise error(
            "DS620",
            what=f"{', '.join(unknown)} is not an outcome of this spec",
            suggestion="outcomes: " + ", ".join(n.pymc_name for n in checked.outcomes()),
        )
    model = build_model(plan)
    names = [o if kind == "outcome" else o + MEAN_SUFFIX for o in wanted]
    with model, quiet():
        result = pm.sample_posterior_predictive(
            posterior, var_names=names, predictions=True, progressbar=False, random_seed=random_seed
        )
    if kind != "outcome":
        result.predictions = result.predictions.rename({o + MEAN_SUFFIX: o for o in wanted})
    else:
        result.predictions = _as_levels(result.predictions, checked, plan)
    result.predictions.attrs["kind"] = kind
    return result


def _check_totals(checked, columns: dict[str, Column], outcomes) -> None:
    """New counts of a multinomial outcome are drawn given each row's total: the sum of the counts the new rows give,
    or the column `n = total` names; without either, DS591."""
    for node in checked.outcomes():
        column = columns.get(node.name)
        wanted = outcomes is None or node.pymc_name in outcomes
        if wanted and FAMILIES[node.family].counts and column is not None and column.placeholder:
            if "n" not in node.fixed:
                raise error(
                    "DS591",
                    what=f"kind='outcome' draws counts of {node.name} given each new row's total, but the new rows "
                    f"have neither its counts ({node.observed.describe() if node.observed else node.name}) nor a "
                    f"column of totals",
                    suggestion=f"declare the totals, `node {node.name} ~ Multinomial(n = total)` with `total` a column "
                    "of the data and of the new rows, or use kind='mean' for the probability of each category",
                )


def _check_matrix_columns(checked, plan: Plan, posterior) -> None:
    """New rows of a matrix node have the fitted number of columns (one coefficient each): else DS680."""
    for name, node in checked.nodes.items():
        dim = column_dim(name)
        if node.matrix and dim in plan.coords and dim in posterior.coords:
            fitted, given = posterior.sizes[dim], len(plan.coords[dim])
            if fitted != given:
                raise error(
                    "DS680",
                    what=f"the new rows of matrix node {name!r} have {given} columns, but it was fitted with {fitted}",
                    suggestion=f"give {name} the same {fitted} columns, in the same order, as the fitted data",
                )


def _as_levels(predictions: xr.Dataset, checked, plan: Plan) -> xr.Dataset:
    """Draws of an ordered outcome are level codes: numeric levels become their values (a rating of 1 to 7
    is drawn as 1 to 7); text levels stay codes, with the level names in the variable's `levels` attribute."""
    for node in checked.outcomes():
        if node.pymc_name not in predictions or not _has_levels(node) or FAMILIES[node.family].counts:
            continue  # (a multinomial outcome's draws are counts, labelled by their dimension's levels)
        levels = plan.coords[level_dim(node.name)]
        if all(isinstance(level, (int, float)) for level in levels):
            predictions[node.pymc_name] = predictions[node.pymc_name].copy(
                data=np.asarray(levels)[predictions[node.pymc_name].values]
            )
        else:
            predictions[node.pymc_name].attrs["levels"] = json.dumps(levels)
    return predictions


def _has_levels(node) -> bool:
    """An ordered or categorical outcome: its values are levels, its expected value a probability per level."""
    family = FAMILIES[node.family]
    return family.ordered or family.categorical


def levels_attribute(spec, plan: Plan) -> str:
    """The levels of each ordered or categorical outcome (an InferenceData attribute, JSON), so predictions know
    them."""
    return json.dumps(
        {
            n.name: list(plan.coords[level_dim(n.name)])
            for n in spec.checked.outcomes()
            if _has_levels(n) and level_dim(n.name) in plan.coords
        }
    )


def statistics_attribute(plan: Plan) -> str:
    """What the data transforms computed from the fitted rows, as an InferenceData attribute (JSON)."""
    return json.dumps(plan.statistics)


# ---- what the fit knew ------------------------------------------------------------------------------


def _fitted_levels(spec, idata, data=None) -> dict[str, list]:
    """Level names of each categorical node, in the order of the fitted parameters' coordinates."""
    posterior = idata.posterior
    levels = {
        name: [plain_value(v) for v in posterior.coords[name].values.tolist()]
        for name, node in spec.checked.nodes.items()
        if node.categorical and name in posterior.coords
    }
    ordered = [n for n in spec.checked.outcomes() if _has_levels(n)]
    recorded = json.loads(posterior.attrs.get(LEVELS_ATTR) or "{}")
    for node in ordered:
        if node.levels is not None or node.name in recorded:
            levels[node.name] = list(node.levels if node.levels is not None else recorded[node.name])
        else:  # a posterior dagspec did not draw: the levels of the fitted data
            levels[node.name] = list(spec.columns(data)[node.name].levels)
    return levels


def _fitted_statistics(spec, idata, data) -> Statistics:
    recorded = idata.posterior.attrs.get(STATISTICS_ATTR) or getattr(idata, "attrs", {}).get(STATISTICS_ATTR)
    if recorded:
        return Statistics(json.loads(recorded), frozen=True)
    if any(e.smooth is not None for e in spec.checked.edges):  # knots and boundaries are found by the planner
        return Statistics(make_plan(spec.checked, spec.columns(data)).statistics, frozen=True)
    if not any(n.observed is not None and n.observed.expr is not None for n in spec.checked.nodes.values()):
        return Statistics(frozen=True)
    return Statistics(dict(spec.columns(data).statistics), frozen=True)  # recomputed from the fitted data


# ---- the posterior, with draws for new levels ---------------------------------------------------------


def _posterior_for(
    plan: Plan, idata, columns: dict[str, Column], levels: dict[str, list], random_seed, spec_name: str
) -> xr.Dataset:
    """The literal model's free variables from the posterior; parameters indexed by new levels get draws from
    their hierarchical prior for those levels."""
    posterior = idata.posterior
    entries = {e.name: e for e in plan.entries}
    free = [e for e in plan.entries if isinstance(e, RandomVariable) and e.observed is None]
    missing = [e.name for e in free if e.name not in posterior]
    if missing:
        raise error("DS608", spec=spec_name, why=f"it has no {', '.join(missing)}")
    rng = np.random.default_rng(random_seed)
    variables = {}
    for entry in free:
        values = posterior[entry.name]
        for dim in [d for d in entry.dims if d.endswith(CONTRASTS)]:  # a treatment-coded effect has no prior to grow
            node, known = dim[: -len(CONTRASTS)], values.sizes[dim] + 1
            node_levels = columns[node].levels or []
            if len(node_levels) > known:
                raise _unseen_levels(node, entry.source, node_levels[known:], node_levels[:known])
        grown = [d for d in entry.dims if d in levels and len(columns[d].levels or ()) > len(levels[d])]
        if grown:
            values = _with_new_levels(entry, values, grown, columns, entries, posterior, rng)
        variables[entry.name] = values
    return xr.Dataset(variables)


def _unseen_levels(dim: str, param: str, new, fitted, hint: str | None = None):
    """DS515: `dim` has levels the fit did not see (`new`), and `param` has no prior to draw their effects from."""
    return error(
        "DS515", hint=hint, name=dim, levels=", ".join(map(str, new)), param=param, fitted=", ".join(map(str, fitted))
    )


def _with_new_levels(entry: RandomVariable, values: xr.DataArray, grown: list[str], columns, entries, posterior, rng):
    new_levels = {d: columns[d].levels[values.sizes[d] :] for d in grown}
    if entry.dist in TIME_PRIORS:  # a walk goes on past its last level
        from .forecast import extend_walk, walk_steps

        dim = entry.dims[0]
        fitted = columns[dim].levels[: values.sizes[dim]]
        steps = walk_steps(fitted, new_levels[dim], dim, entry.source)
        flat = values.values.reshape((-1, values.sizes[dim]))
        drawn = extend_walk(entry, flat, steps, posterior, entries, rng)
        fresh = xr.DataArray(
            drawn.reshape(values.sizes["chain"], values.sizes["draw"], len(steps)),
            dims=("chain", "draw", dim),
            coords={dim: new_levels[dim]},
        )
        return xr.concat([values, fresh], dim=dim)
    if not _is_pool(entry, entries):
        dim = grown[0]
        raise _unseen_levels(dim, entry.source, new_levels[dim], columns[dim].levels[: values.sizes[dim]])
    if entry.dist == "MvNormal" and entry.dims[-1] in grown:
        dim = entry.dims[-1]
        raise _unseen_levels(
            dim,
            entry.source,
            new_levels[dim],
            columns[dim].levels[: values.sizes[dim]],
            hint=f"{dim} indexes the components of a multivariate prior, which cannot grow",
        )
    for dim in grown:
        other = [d for d in entry.dims if d != dim]
        shape = (values.sizes["chain"], values.sizes["draw"], len(new_levels[dim])) + tuple(
            values.sizes[d] for d in other
        )
        drawn = _draw_from_prior(entry, posterior, entries, shape, rng)
        fresh = xr.DataArray(
            drawn,
            dims=("chain", "draw", dim, *other),
            coords={dim: new_levels[dim], **{d: values.coords[d] for d in other}},
        )
        values = xr.concat([values, fresh.transpose(*values.dims)], dim=dim)
    return values


def _is_pool(entry: RandomVariable, entries) -> bool:
    """A parameter whose prior reads other random variables (a hierarchical prior over the levels)."""
    read = set().union(*(refs(v) for v in entry.args.values())) if entry.args else set()
    return any(isinstance(entries.get(name), (RandomVariable, DerivedVar)) for name in read)


def _draw_from_prior(entry: RandomVariable, posterior, entries, shape, rng) -> np.ndarray:
    """Draws of `shape` (chain, draw, new levels, other dims...) from the prior, given each posterior draw."""
    from ..dists import DISTRIBUTIONS

    draws = shape[0] * shape[1]
    batch = shape[2:-1] if entry.dist == "MvNormal" else shape[2:]
    kwargs = {}
    for name, expr in entry.args.items():
        value = _per_draw(expr, posterior, entries, draws)
        if entry.dist != "MvNormal" and value.ndim > 1:
            raise error(
                "DS515",
                name=", ".join(entry.dims),
                levels="(new)",
                param=entry.source,
                fitted="-",
                hint="a new level's effect can be drawn when its prior's parameters are scalars",
            )
        kwargs[DISTRIBUTIONS[entry.dist].aliases.get(name, name)] = value.reshape(
            (draws,) + (1,) * len(batch) + value.shape[1:]
        )
    dist = getattr(pm, entry.dist).dist(**kwargs, size=(draws,) + tuple(batch))
    return np.asarray(pm.draw(dist, random_seed=rng)).reshape(shape)


def _per_draw(expr, posterior, entries, draws: int) -> np.ndarray:
    """A prior's argument for each posterior draw: an array whose first axis runs over the draws."""
    if isinstance(expr, Const):
        value = np.asarray(expr.value, dtype=float)
        return np.broadcast_to(value, (draws,) + value.shape)
    if isinstance(expr, VarRef):
        value = posterior[expr.name].values
        value = value.reshape((draws,) + value.shape[2:])
        entry = entries.get(expr.name)
        return unpack_cholesky(value) if isinstance(entry, RandomVariable) and entry.dist == "LKJCholeskyCov" else value
    if isinstance(expr, ListOf):
        return np.stack([_per_draw(i, posterior, entries, draws) for i in expr.items], axis=-1)
    if isinstance(expr, Op):
        return ARRAY_OPS[expr.op](*[_per_draw(a, posterior, entries, draws) for a in expr.args])
    raise error(
        "DS515",
        name="(a new level)",
        levels="(new)",
        param="a prior",
        fitted="-",
        hint="a new level's effect can be drawn when its prior reads random variables, numbers and arithmetic",
    )


def unpack_cholesky(packed: np.ndarray) -> np.ndarray:
    """PyMC's packed lower triangle (row by row) → the Cholesky factors, one per draw."""
    n = int(round((np.sqrt(8 * packed.shape[1] + 1) - 1) / 2))
    rows, cols = np.tril_indices(n)
    chol = np.zeros((packed.shape[0], n, n))
    chol[:, rows, cols] = packed
    return chol


# ---- the model that predicts ----------------------------------------------------------------------------


def _prediction_plan(plan: Plan, checked, given: set[str], kind: str, new_rows: bool = True) -> Plan:
    """Expose each outcome's expected value, and feed mediators downstream as given, as their mean, or as draws.
    A node measured with error is predicted as its true value in new rows (they have no measurement), and as a new
    measurement of its fitted true values in the fitted rows."""
    outcome_names = {n.pymc_name: n for n in checked.outcomes()}
    container = {e.name: e.observed for e in plan.entries if isinstance(e, LikelihoodVar)}
    entries = []
    for entry in plan.entries:
        if isinstance(entry, LikelihoodVar):
            terms = []
            for term in entry.terms:
                source = term.value.name if isinstance(term.value, VarRef) else None
                if source is not None and source in outcome_names:
                    if outcome_names[source].name in given:
                        term = replace(term, value=VarRef(container[source]))
                    elif kind == "mean":
                        term = replace(term, value=VarRef(source + MEAN_SUFFIX))
                terms.append(term)
            measured = entry.imputed is not None and entry.imputed.se is not None
            entry = replace(entry, terms=terms, imputed=None if measured and new_rows else entry.imputed)
        entries.append(entry)
    return replace(plan, entries=entries, expose_means="parameter" if kind == "parameter" else True)
