"""A Spec and its posterior (or prior) → per-row log-likelihood, predictive draws, LOO comparisons (literal model)."""

from __future__ import annotations

import logging
from dataclasses import replace

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from ..diagnostics import error
from ..optimize.order import read_by_others
from ..plan import OBS_DIM, LikelihoodVar, RandomVariable
from ..quiet import silenced
from ..source import Source
from .pymc import build_model

# Groups computed here carry this mark, so that a log-likelihood of the optimized model (which may be one
# value per Binomial cell, not per row) is never taken for the literal model's.
MARK, LITERAL = "dagspec_model", "literal"
IMPROPER = ("Flat", "HalfFlat")
COMPARING = Source("", "compare")  # where a comparison's diagnostics are located
MIN_LOO_DRAWS = 10  # Pareto smoothing fits the tail of the importance ratios: below this there is no tail


# ---- the literal model and what it observes ----------------------------------------------------------


def literal_model(spec, data=None) -> pm.Model:
    """The model exactly as written: one likelihood row per data row (without starting values, which PyMC's
    log-likelihood does not allow)."""
    return build_model(spec.plan(data, optimize=False), initvals=False)


def likelihood_model(spec, data=None) -> pm.Model:
    """The literal model whose pointwise log-likelihood LOO smooths. A Normal node measured with error that nothing
    reads has its true values integrated out, exactly (y_i ~ Normal(mu_i, sqrt(sigma^2 + se_i^2))): the same
    leave-one-out predictive density, without one latent value per left-out row for PSIS to fight."""
    plan = spec.plan(data, optimize=False)
    read = read_by_others(plan.entries)
    for entry in plan.entries:
        imputed = entry.imputed if isinstance(entry, LikelihoodVar) else None
        if imputed is not None and imputed.se and entry.family == "Normal" and entry.name not in read:
            entry.imputed = replace(imputed, marginal=True)
    return build_model(plan, initvals=False)


def observed_data(model: pm.Model) -> xr.Dataset:
    """The observed values of every observed variable of `model`, with its dims (as ArviZ stores them)."""
    from pymc.backends.arviz import coords_and_dims_for_inferencedata, find_observations

    coords, dims = coords_and_dims_for_inferencedata(model)
    dataset = az.dict_to_dataset(find_observations(model), library=pm, coords=coords, dims=dims, default_dims=[])
    dataset.attrs[MARK] = LITERAL
    return dataset


def node_names(spec) -> dict[str, str]:
    """PyMC names of observed variables → the spec's node names (`y_hat` → `y1`)."""
    return {
        n.pymc_name: n.name
        for n in spec.checked.nodes.values()
        if n.observed is not None and n.role in ("outcome", "random")
    }


def _spec_error(spec, code: str, **fields):
    """A DagspecError located at the spec's file (not at a line: the problem is the spec against its posterior)."""
    return error(code, source=Source("", spec.name), **fields)


def _observed_names(spec, model) -> list[str]:
    names = [rv.name for rv in model.observed_RVs]
    if not names:
        raise _spec_error(spec, "DS609")
    return names


def _check_posterior(spec, idata, model) -> None:
    """DS608 unless `idata` holds a posterior of every free variable of `model`, with its shape."""
    if idata is None or not hasattr(idata, "groups") or "posterior" not in idata.groups():
        groups = ", ".join(idata.groups()) if hasattr(idata, "groups") else type(idata).__name__
        raise _spec_error(spec, "DS608", why=f"there is no posterior group (it has: {groups or 'nothing'})")
    posterior = idata.posterior
    missing = [rv.name for rv in model.free_RVs if rv.name not in posterior]
    if missing:
        raise _spec_error(spec, "DS608", why="it has no " + ", ".join(missing))
    shapes = model.eval_rv_shapes()
    for rv in model.free_RVs:
        expected = tuple(int(s) for s in shapes[rv.name])
        found = tuple(size for dim, size in posterior[rv.name].sizes.items() if dim not in ("chain", "draw"))
        if found != expected:
            raise _spec_error(spec, "DS608", why=f"{rv.name} has shape {found} per draw, but {expected} in this spec")


def fitted_draws(idata, model):
    """`idata` for pm.sample_posterior_predictive, without the data columns it would mistake for dimension lengths.

    PyMC redraws from its prior every parameter whose inputs changed since the fit, and finds the old value of each
    shared variable in `constant_data` by name. A categorical node g has a data column named g and a dimension g,
    whose length is a shared variable named g too: PyMC compares that length with the column, finds them different,
    and redraws every parameter with the dimension g (the effects of g) from its prior. A column whose values have
    not changed is left out: PyMC then compares the dimension's levels (the coords), as it should."""
    constant = getattr(idata, "constant_data", None)
    if constant is None:
        return idata
    same = [
        name
        for name in constant.data_vars
        if name in model.coords
        and name in model.named_vars
        and np.array_equal(model[name].get_value(), constant[name].values)
    ]
    if not same:
        return idata
    return az.InferenceData(posterior=idata.posterior, constant_data=constant.drop_vars(same))


def _set_groups(idata, **groups) -> None:
    """Add groups to `idata`, replacing any it has of the same name."""
    idata.extend(az.InferenceData(**groups), join="right")


def quiet():
    """PyMC logs each variable it draws ("Sampling: [y]"); ArviZ warns about Pareto k in its own words."""
    return silenced(
        logging.getLogger("pymc"), UserWarning, RuntimeWarning, FutureWarning, DeprecationWarning
    )  # DeprecationWarning: pandas on ArviZ's compare


# ---- log-likelihood and predictive draws --------------------------------------------------------------


def log_likelihood(spec, idata, data=None):
    """Add the pointwise log-likelihood (per data row, per observed variable) of the literal model to `idata`.

    Also sets `observed_data` to the literal model's observed values. Returns `idata` (changed in place).
    """
    model = likelihood_model(spec, data)
    _observed_names(spec, model)
    _check_posterior(spec, idata, model)
    with quiet():
        pointwise = pm.compute_log_likelihood(idata, model=model, extend_inferencedata=False, progressbar=False)
    pointwise.attrs[MARK] = LITERAL
    _set_groups(idata, log_likelihood=pointwise, observed_data=observed_data(model))
    return idata


def posterior_predictive(spec, idata, data=None, random_seed=None):
    """Add posterior predictive draws of every observed variable (per data row) to `idata`, through the literal
    model, and set `observed_data` to the literal model's observed values. Returns `idata` (changed in place)."""
    model = literal_model(spec, data)
    names = _observed_names(spec, model)
    _check_posterior(spec, idata, model)
    with model, quiet():
        draws = pm.sample_posterior_predictive(
            fitted_draws(idata, model),
            var_names=names,
            random_seed=random_seed,
            progressbar=False,
            extend_inferencedata=False,
        )
    predictive = _compact(draws.posterior_predictive)
    predictive.attrs[MARK] = LITERAL
    _set_groups(idata, posterior_predictive=predictive, observed_data=observed_data(model))
    return idata


def prior_predictive(spec, data=None, draws: int = 500, random_seed=None):
    """Draws from the prior and the prior predictive of the literal model: InferenceData with `prior`,
    `prior_predictive` (per data row) and `observed_data` (when the spec observes anything)."""
    plan = spec.plan(data, optimize=False)
    improper = [(e.name, e.dist) for e in plan.entries if isinstance(e, RandomVariable) and e.dist in IMPROPER]
    if improper:
        several = len(improper) > 1
        raise _spec_error(
            spec,
            "DS610",
            names=", ".join(n for n, _ in improper),
            have="have" if several else "has",
            dists=", ".join(sorted({d for _, d in improper})),
            them="them" if several else "it",
        )
    model = build_model(plan)
    with model, quiet():
        idata = pm.sample_prior_predictive(draws=draws, random_seed=random_seed)
    for entry in plan.entries:  # iid draws, sorted: exactly the ordered prior the likelihood read them as
        if isinstance(entry, RandomVariable) and entry.transform == "ordered":
            idata.prior[entry.name] = idata.prior[entry.name].copy(
                data=np.sort(idata.prior[entry.name].values, axis=-1)
            )
    if "prior_predictive" in idata.groups():
        _set_groups(idata, prior_predictive=_compact(idata.prior_predictive))
    for group in ("prior", "prior_predictive"):
        if group in idata.groups():
            idata[group].attrs[MARK] = LITERAL
    if model.observed_RVs:
        _set_groups(idata, observed_data=observed_data(model))
    return idata


def _compact(dataset: xr.Dataset) -> xr.Dataset:
    """Integer draws (counts, 0/1 outcomes) in the smallest integer type that holds them: a Bernoulli outcome's
    draws over many rows take an eighth of the memory and file."""
    for name, values in list(dataset.data_vars.items()):
        if np.issubdtype(values.dtype, np.integer) and values.size:
            low, high = int(values.min()), int(values.max())
            for dtype in (np.int8, np.int16, np.int32):
                if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max:
                    dataset[name] = values.astype(dtype)
                    break
    return dataset


def _is_literal(idata, group: str) -> bool:
    return group in idata.groups() and idata[group].attrs.get(MARK) == LITERAL


# ---- PSIS-LOO and comparisons --------------------------------------------------------------------------


def _literal_log_likelihood(spec, idata, data=None):
    """(A new InferenceData with `idata`'s posterior (the literal model's free variables) and the literal
    log-likelihood: the one `idata` carries when dagspec computed it (and no other data is given), else a new
    one; the literal model)."""
    model = likelihood_model(spec, data)
    _observed_names(spec, model)
    _check_posterior(spec, idata, model)
    draws = idata.posterior.sizes.get("chain", 1) * idata.posterior.sizes.get("draw", 1)
    if draws < MIN_LOO_DRAWS:
        raise _spec_error(spec, "DS612", needed=MIN_LOO_DRAWS, count=draws)
    free = [rv.name for rv in model.free_RVs]  # the relative ESS of LOO comes from these alone
    working = az.InferenceData(posterior=idata.posterior[free] if free else idata.posterior)
    if data is None and _is_literal(idata, "log_likelihood") and _is_literal(idata, "observed_data"):
        _set_groups(working, log_likelihood=idata.log_likelihood, observed_data=idata.observed_data)
        return working, model
    with quiet():
        pointwise = pm.compute_log_likelihood(idata, model=model, extend_inferencedata=False, progressbar=False)
    _set_groups(working, log_likelihood=pointwise, observed_data=observed_data(model))
    return working, model


def _selected(spec, names: list[str], outcome: str | None) -> list[str]:
    """The observed variables LOO predicts: `outcome` (a node or PyMC name), else all of them."""
    if outcome is None:
        return names
    nodes = node_names(spec)
    by_node = {node: name for name, node in nodes.items()}
    if outcome in names:
        return [outcome]
    if by_node.get(outcome) in names:
        return [by_node[outcome]]
    raise _spec_error(
        spec,
        "DS201",
        name=outcome,
        where=" among the spec's observed nodes",
        suggestion="choose one of: " + ", ".join(nodes.get(n, n) for n in names),
    )


def _unweighted(spec, names: list[str]) -> None:
    """DS685 if LOO would leave out rows of a weighted outcome: PSIS would smooth the weighted log-likelihood, whose
    leave-one-out predictive density is not the row's."""
    weighted = [n.name for n in spec.checked.outcomes() if n.weights is not None and n.pymc_name in names]
    if weighted:
        raise _spec_error(spec, "DS685", names=", ".join(weighted))


def _same_rows(spec, observed: xr.Dataset, names: list[str]) -> None:
    """DS611 unless the observed variables `names` have the same dims (so their log-likelihoods add up per row)."""
    first = observed[names[0]]
    if any(observed[n].dims != first.dims or observed[n].shape != first.shape for n in names[1:]):
        nodes = node_names(spec)
        shapes = ", ".join(f"{nodes.get(n, n)}: {_shape_words(observed[n])}" for n in names)
        raise _spec_error(spec, "DS611", names=", ".join(nodes.get(n, n) for n in names), shapes=shapes)


def _pointwise(working, names: list[str]) -> tuple[str, xr.DataArray]:
    """One log-likelihood per row: the variable's own, or the sum over several observed over the same rows."""
    arrays = [working.log_likelihood[n] for n in names]
    return "+".join(names), sum(arrays[1:], arrays[0])


def predicted_data(spec, data=None, outcome: str | None = None) -> dict[str, tuple[np.ndarray, str]]:
    """What LOO of this spec predicts: its observed nodes' names (as in the spec) → (their observed values,
    their family)."""
    model = literal_model(spec, data)
    names = _selected(spec, _observed_names(spec, model), outcome)
    _unweighted(spec, names)
    return _targets(spec, model, observed_data(model), names)


def _targets(spec, model, observed: xr.Dataset, names: list[str]) -> dict[str, tuple[np.ndarray, str]]:
    _same_rows(spec, observed, names)
    nodes = node_names(spec)
    return {nodes.get(n, n): (np.asarray(observed[n].values), _family(model[n])) for n in names}


def _family(variable) -> str:
    """`Bernoulli (discrete)`, `Normal (continuous)`: what a log-likelihood value of the variable is."""
    op = variable.owner.op if variable.owner is not None else None
    name = type(op).__name__.removesuffix("RV") if op is not None else "?"
    return f"{name} ({'discrete' if variable.dtype.startswith(('int', 'uint')) else 'continuous'})"


def check_same_data(specs: dict, data=None, outcome: str | None = None) -> None:
    """DS607 unless every spec of `{name: spec}` predicts the same observed values of the same nodes (before
    anything is sampled: `compare` checks its posteriors again)."""
    _same_data({name: predicted_data(spec, data, outcome) for name, spec in specs.items()})


def _shape_words(array: xr.DataArray) -> str:
    """`4 rows`, `1 value`, `3 values`, `g = 3`: an observed variable's shape in words."""
    sizes = {dim: size for dim, size in array.sizes.items() if dim not in ("chain", "draw")}
    if list(sizes) == [OBS_DIM]:
        return f"{sizes[OBS_DIM]} rows"
    if all(str(dim).startswith(f"{array.name}_dim_") for dim in sizes):  # dims PyMC made up
        count = int(np.prod(list(sizes.values())))
        return "1 value" if count == 1 else f"{count} values"
    return ", ".join(f"{dim} = {size}" for dim, size in sizes.items())


def _loo(working, name: str, pointwise: xr.DataArray):
    target = az.InferenceData(posterior=working.posterior, log_likelihood=xr.Dataset({name: pointwise}))
    with quiet():
        return az.loo(target, pointwise=True)


def loo(spec, idata, data=None, outcome: str | None = None):
    """PSIS-LOO of a spec's posterior, one term per data row (ArviZ ELPDData, with `pareto_k` per row).

    With one observed variable, its rows. With several observed over the same rows (path analysis: x2 and y1),
    a row's log-likelihood is the sum of theirs: leaving a row out leaves out all its outcomes. `outcome` (a node
    or PyMC name) cross-validates that one alone.
    """
    working, _ = _literal_log_likelihood(spec, idata, data)
    names = _selected(spec, list(working.log_likelihood.data_vars), outcome)
    _unweighted(spec, names)
    _same_rows(spec, working.observed_data, names)
    return _loo(working, *_pointwise(working, names))


def compare_loo(models: dict, data=None, outcome: str | None = None):
    """`{name: (spec, idata)}` → (ArviZ's compare table, {name: ELPDData}); DS607 unless every model predicts
    the same observed values of the same nodes."""
    if not models:
        raise ValueError("compare needs models: {name: (spec, idata), ...}")
    prepared, targets = {}, {}
    for model_name, (spec, idata) in models.items():
        working, model = _literal_log_likelihood(spec, idata, data)
        names = _selected(spec, list(working.log_likelihood.data_vars), outcome)
        _unweighted(spec, names)
        targets[model_name] = _targets(spec, model, working.observed_data, names)
        prepared[model_name] = working, names
    _same_data(targets)
    loos = {name: _loo(working, *_pointwise(working, names)) for name, (working, names) in prepared.items()}
    with quiet():
        table = az.compare(loos)
    return table, loos


def compare(models: dict, data=None, outcome: str | None = None):
    """`{name: (spec, idata)}` → ArviZ's compare table (PSIS-LOO, stacking weights), best model first."""
    return compare_loo(models, data, outcome)[0]


def _same_data(targets: dict[str, dict[str, tuple[np.ndarray, str]]]) -> None:
    """DS607 unless every model predicts the same values of the same nodes, all discrete or all continuous
    (a log-probability and a log-density do not compare)."""
    (first, reference), *others = targets.items()
    for name, values in others:
        if set(values) != set(reference):
            raise error(
                "DS607",
                source=COMPARING,
                why=f"{first} predicts {', '.join(sorted(reference))}; {name} predicts {', '.join(sorted(values))}",
            )
        for node, (observed, family) in values.items():
            expected, expected_family = reference[node]
            if family.endswith("(discrete)") != expected_family.endswith("(discrete)"):
                raise error(
                    "DS607",
                    source=COMPARING,
                    why=f"{node} is {expected_family} in {first} but {family} in {name}, and a probability "
                    "does not compare with a density",
                )
            if observed.shape != expected.shape:
                raise error(
                    "DS607",
                    source=COMPARING,
                    why=f"{first} predicts {_count(expected)} of {node}, {name} {_count(observed)}",
                )
            differ = ~np.isclose(observed.astype(float), expected.astype(float), rtol=1e-9, atol=0)
            if differ.any():
                row = np.flatnonzero(differ.ravel())[0]
                raise error(
                    "DS607",
                    source=COMPARING,
                    why=f"the observed values of {node} differ between {first} and {name} (first at row {row})",
                )


def _count(values: np.ndarray) -> str:
    return "1 value" if values.size == 1 else f"{values.size} rows"
