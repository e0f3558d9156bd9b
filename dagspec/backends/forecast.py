"""A Spec, its posterior and a horizon h → draws of an autoregressive outcome 1..h time steps after its data.

For each posterior draw the AR recursion is iterated forward: step s of group g (time T_g + s, T_g the group's last
fitted time) reads its lags from the fitted values or from the draws of the steps before, adds the group's effect
and the time node's effect, and draws the outcome from its family. A random-walk or AR(1) pool is extended past its
last fitted level by drawing the walk's next steps (`extend_walk`, also used by `predict` for new time levels).

An outcome can be forecast when its parents are its own lags, the lag's `by` group and a time node (categorical,
observed as the lag's `time` column); anything else would need future values nobody has (DS665).
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from ..data import plain_value
from ..diagnostics import error
from ..families import FAMILIES
from ..lags import lagged_nodes
from ..plan import LikelihoodVar, RandomVariable, make_plan
from ..transforms import level_key
from .predict import _fitted_levels, _fitted_statistics, _per_draw
from .pymc import _INVERSE_LINKS, _expected_value, _family_kwargs

KINDS = ("outcome", "mean")


def _fail(what: str, suggestion: str):
    return error("DS665", what=what, suggestion=suggestion)


def extend_walk(entry: RandomVariable, values: np.ndarray, steps: list[int], posterior, entries, rng) -> np.ndarray:
    """Draws (draws, len(steps)) of a random walk or AR(1) effect `steps[i]` time steps after its last fitted level
    (in any order), given `values` (draws, fitted levels)."""
    draws = values.shape[0]
    sigma = _per_draw(entry.args["sigma"], posterior, entries, draws)
    rho = _per_draw(entry.args["rho"], posterior, entries, draws) if entry.dist == "AR1" else None
    current, at, out = values[:, -1].copy(), 0, np.zeros((draws, len(steps)))
    for position in np.argsort(steps, kind="stable"):
        while at < steps[position]:
            current = (rho * current if rho is not None else current) + sigma * rng.standard_normal(draws)
            at += 1
        out[:, position] = current
    return out


def walk_steps(fitted: list, new: list, name: str, source: str) -> list[int]:
    """How many time steps after the last fitted level each new level is (DS665 when they do not follow it)."""
    numeric = all(isinstance(v, (int, float)) and float(v).is_integer() for v in [*fitted, *new])
    if not numeric or any(v <= fitted[-1] for v in new):
        raise _fail(
            f"{source} is a walk over the levels of {name!r}, and new levels ({', '.join(map(str, new))}) can only "
            f"follow its last fitted level ({fitted[-1]})",
            "predict whole-number time steps after the fitted ones, e.g. the next years",
        )
    return [int(v - fitted[-1]) for v in new]


def forecast(spec, idata, horizon: int, kind: str = "outcome", outcome=None, random_seed=None, data=None):
    """InferenceData whose `predictions` hold, per posterior draw, group and step 1..horizon, draws of the outcome
    (kind="outcome") or its expected value given the path drawn so far (kind="mean")."""
    if not isinstance(horizon, (int, np.integer)) or isinstance(horizon, bool) or horizon < 1:
        raise _fail(f"the horizon is {horizon!r}", "forecast a whole number of steps of at least 1: horizon=12")
    if kind not in KINDS:
        raise _fail(f"kind={kind!r} is not a kind of forecast", "use kind='outcome' or kind='mean'")
    checked = spec.checked
    from ..data import resolve_columns

    base = spec.path.parent if spec.path is not None else None
    columns = resolve_columns(checked, data, base, statistics=_fitted_statistics(spec, idata, data))
    plan = make_plan(checked, columns)
    node = _outcome(checked, plan, outcome)
    likelihood = next(e for e in plan.entries if isinstance(e, LikelihoodVar) and e.node == node.name)
    family = FAMILIES[likelihood.family]
    if family.ordered or likelihood.censoring or likelihood.imputed:
        raise _fail(f"{node.name} cannot be forecast yet (an ordered, censored or imputed outcome)", "")
    posterior = idata.posterior
    chains, draws_per_chain = posterior.sizes["chain"], posterior.sizes["draw"]
    draws = chains * draws_per_chain
    entries = {e.name: e for e in plan.entries}
    rng = np.random.default_rng(random_seed)
    lags = {n: lag for n, lag in lagged_nodes(checked).items() if lag.present == node.name}
    timing = next((columns.timing[n] for n in lags if n in columns.timing), None)
    fitted_levels = _fitted_levels(spec, idata, data)

    def per_draw(name: str) -> np.ndarray:
        if name not in posterior:
            raise _fail(f"the posterior has no {name}", "forecast with the InferenceData dagspec.sample returned")
        value = posterior[name].values
        return value.reshape((draws,) + value.shape[2:])

    # the groups and their fitted series
    last: dict = {}
    history: dict = {}
    if timing is not None:
        keys = np.unique(timing.groups)
        last.update({k: int(timing.times[timing.groups == k].max()) for k in keys})
        history.update({k: {} for k in keys})
        present = columns[node.name].values
        for row, (k, t) in enumerate(zip(timing.groups, timing.times)):
            history[k][int(t)] = present[row]
            for name, lag in lags.items():
                history[k][int(t) - lag.steps] = columns[name].values[row]
    else:
        keys, last[0], history[0] = np.array([0]), None, {}
    series = {k: {t: np.full(draws, v) for t, v in h.items()} for k, h in history.items()}
    groups = list(keys)

    # each term's value per draw and group, as a function of the step
    terms = []
    for term in likelihood.terms:
        param = checked.params[term.address]
        effect = per_draw(term.param)
        source = param.edge.source if param.edge is not None else ""
        if term.value is None and source and checked.nodes[source].categorical and param.prior.func in _WALKS:
            terms.append(_time_term(param, effect, source, last, horizon, lags, checked, entries, posterior, rng))
        elif term.value is None and source and checked.nodes[source].categorical and not term.address.count(" by "):
            terms.append(_group_term(effect, source, columns, fitted_levels, groups, lags, checked))
        elif source in lags and param.edge is not None and not param.edge.partners:
            steps = lags[source].steps
            terms.append(lambda s, k, effect=effect, steps=steps: effect * series[k][last[k] + s - steps])
        else:
            raise _fail(
                f"a forecast of {node.name} would need future values of {source or term.address}",
                "forecast outcomes whose parents are their own lags, the lag's `by` group and a time node",
            )
    intercept = per_draw(likelihood.intercept) if likelihood.intercept else np.zeros(draws)
    aux = {name: _per_draw(value, posterior, entries, draws)[:, None] for name, value in likelihood.aux.items()}
    out = np.zeros((draws, len(groups), horizon))
    for s in range(1, horizon + 1):
        eta = np.stack([intercept + sum(term(s, k) for term in terms) for k in groups], axis=1)
        kwargs = _family_kwargs(likelihood.family, likelihood.link, eta, aux)
        drawn = np.asarray(pm.draw(getattr(pm, likelihood.family).dist(**kwargs), random_seed=rng), dtype=float)
        for g, k in enumerate(groups):
            if last[k] is not None:
                series[k][last[k] + s] = drawn[:, g]
        mean = _expected_value(likelihood.family, _INVERSE_LINKS[likelihood.link](eta), aux)
        out[:, :, s - 1] = drawn if kind == "outcome" else _numeric(mean)
    group_labels = [plain_value(k) for k in groups]
    dataset = xr.Dataset(
        {
            node.pymc_name: (
                ("chain", "draw", "group", "step"),
                out.reshape(chains, draws_per_chain, len(groups), horizon),
            )
        },
        coords={
            "chain": posterior.chain.values,
            "draw": posterior.draw.values,
            "group": group_labels,
            "step": np.arange(1, horizon + 1),
        },
    )
    if all(last[k] is not None for k in groups):  # the time of each step (unknown for a series in row order)
        dataset = dataset.assign_coords(
            time=(("group", "step"), np.array([[last[k] + s for s in range(1, horizon + 1)] for k in groups]))
        )
    dataset.attrs["kind"] = kind
    return az.InferenceData(predictions=dataset)


_WALKS = ("GaussianRandomWalk", "AR1")


def _numeric(value) -> np.ndarray:
    return np.asarray(value.eval() if hasattr(value, "eval") else value, dtype=float)


def _column_named(keyword) -> str | None:
    """The column a lag's `time` or `by` option names."""
    if keyword is None:
        return None
    return getattr(keyword.value, "name", None) or getattr(keyword.value, "value", None)


def _outcome(checked, plan, outcome):
    lags = lagged_nodes(checked)
    candidates = [
        n
        for n in checked.outcomes()
        if any(
            lag.present == n.name
            for lag in lags.values()
            if any(e.source == lag.node for e in checked.fitted_edges(n.name))
        )
        or any(p.outcome == n.name and p.prior.func in _WALKS for p in checked.params.values())
    ]
    if outcome is not None:
        chosen = [n for n in checked.outcomes() if outcome in (n.name, n.pymc_name)]
        if not chosen:
            raise _fail(
                f"{outcome!r} is not an outcome of this spec",
                "outcomes: " + ", ".join(n.pymc_name for n in checked.outcomes()),
            )
        return chosen[0]
    if len(candidates) != 1:
        raise _fail(
            "no outcome reads its own lags or a random-walk pool"
            if not candidates
            else f"several outcomes can be forecast: {', '.join(n.name for n in candidates)}",
            "name one with outcome=..."
            if candidates
            else "forecast an outcome with `y_1 -> y` where `y_1 = lag(y, 1)`",
        )
    return candidates[0]


def _group_term(effect, source, columns, fitted_levels, groups, lags, checked):
    """A categorical parent constant within each group of the lags (the unit): its effect at the group's level."""
    lag = next(iter(lags.values()), None)
    by_column = _column_named(lag.call.kwarg("by")) if lag is not None else None
    observed = checked.nodes[source].observed
    if by_column is None or observed is None or observed.column != by_column:
        raise _fail(f"a forecast would need future values of {source}", f"{source} is not the `by` column of the lags")
    levels = [level_key(v) for v in fitted_levels.get(source, columns[source].levels)]
    codes = {k: levels.index(k) for k in groups}
    return lambda s, k: effect[:, codes[k]]


def _time_term(param, effect, source, last, horizon, lags, checked, entries, posterior, rng):
    """The effect of the time node at each step: fitted levels as fitted, later ones drawn by extending the walk."""
    levels = [plain_value(v) for v in posterior[param.name].coords[source].values.tolist()]
    if not all(isinstance(v, int) for v in levels):
        raise _fail(f"the levels of the time node {source} are not whole numbers", "number the time steps: 1, 2, ...")
    lag = next(iter(lags.values()), None)
    observed = checked.nodes[source].observed
    if lag is None:
        last[0] = levels[-1]
    elif observed is None or observed.column != _column_named(lag.call.kwarg("time")):
        raise _fail(f"the time node {source} is not the `time` column of the lags", f"write lag(..., time = {source})")
    wanted = sorted({last[k] + s for k in last for s in range(1, horizon + 1)} - set(levels))
    wanted = [t for t in wanted if t > levels[-1]]
    extended = extend_walk(entries[param.name], effect, [t - levels[-1] for t in wanted], posterior, entries, rng)
    at = {t: effect[:, levels.index(t)] for t in levels} | {t: extended[:, i] for i, t in enumerate(wanted)}

    def value(s, k):
        t = last[k] + s
        if t not in at:
            raise _fail(f"the time node {source} has no level {t}", "")
        return at[t]

    return value
