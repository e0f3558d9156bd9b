"""A Spec, its posterior and do(node = value) → posterior predictive draws of the outcomes under the intervention."""

from __future__ import annotations

import numpy as np
import pymc as pm

from ..check.model import column_dim
from ..check.observation import latent_name
from ..diagnostics import error
from ..plan import OBSERVED_SUFFIX
from .predictive import fitted_draws


def do(spec, idata, interventions: dict, data=None, outcomes=None, random_seed=None):
    """Posterior predictive draws of outcomes after setting nodes to values, through the fitted path model.

    Data nodes are set in their data container, outcomes and random variables with `pymc.do`; every outcome
    downstream is then drawn from its likelihood given its (possibly intervened) parents, so an intervention
    on x1 in x1 -> x2 -> y1 moves y1 through the mediator x2. Returns an InferenceData whose
    `posterior_predictive` holds the outcomes (named as in the model).
    """
    model = spec.build(data, optimize=False)
    checked = spec.checked
    ranges = spec.plan(data, False).smooth_ranges if any(e.smooth is not None for e in checked.edges) else {}
    replacements, data_values = {}, {}
    for name, value in interventions.items():
        node = checked.nodes.get(name)
        if node is None or node.role not in ("data", "outcome", "random"):
            raise error(
                "DS201",
                name=name,
                where=" in the intervention",
                suggestion="intervene on data nodes, outcomes or random variables: "
                + ", ".join(n for n, i in checked.nodes.items() if i.role in ("data", "outcome")),
            )
        if node.categorical:
            levels = [str(level) for level in model.coords[name]]
            if str(value) not in levels:
                raise error(
                    "DS620",
                    what=f"do({name} = {value!r}): {value!r} is not a level of {name!r} (levels: {', '.join(levels)})",
                    suggestion="intervene with one of its levels",
                )
            value = levels.index(str(value))
        for low, high, what in ranges.get(name, []):
            if not low <= float(value) <= high:
                raise error(
                    "DS577",
                    what=f"do({name} = {value!r}) lies outside {what}, [{low:g}, {high:g}], where its basis is "
                    "not defined",
                    suggestion="intervene within the range the fit covered",
                )
        if node.matrix:
            value = _matrix_row(name, value, len(model.coords[column_dim(name)]))
        if node.role == "data":
            container = model[name] if name in model.named_vars else model[f"{name}{OBSERVED_SUFFIX}"]
            data_values[container.name] = np.full(container.get_value().shape, value, dtype=container.get_value().dtype)
        elif node.impute and node.se is None and f"{node.pymc_name}_missing" in model.named_vars:
            # its children read its data with the missing rows filled in: both are set
            container = model[f"{node.pymc_name}{OBSERVED_SUFFIX}"]
            data_values[container.name] = np.full(container.get_value().shape, value, dtype=container.get_value().dtype)
            missing = model[f"{node.pymc_name}_missing"]
            replacements[missing] = np.full(tuple(missing.shape.eval()), value, dtype=missing.dtype)
        else:  # a node measured with error: its children read its true values, so they are what is set
            variable = model[latent_name(node) if node.se is not None else node.pymc_name]
            replacements[variable] = np.full(tuple(variable.shape.eval()), value, dtype=variable.dtype)
    if data_values:
        pm.set_data(data_values, model=model)
    intervened = pm.do(model, replacements) if replacements else model
    if outcomes is None:
        outcomes = [n.pymc_name for n in checked.outcomes() if n.name not in interventions]
    with intervened:
        return pm.sample_posterior_predictive(
            fitted_draws(idata, model), var_names=list(outcomes), random_seed=random_seed, progressbar=False
        )


def _matrix_row(name: str, value, columns: int) -> np.ndarray:
    """do(X = [x1, ..., xK]) on a matrix node sets every row to that row of K numbers; anything else is DS680."""
    row = np.asarray(value, dtype=float) if np.ndim(value) == 1 else None
    if row is None or len(row) != columns or not np.isfinite(row).all():
        raise error(
            "DS680",
            what=f"do({name} = {value!r}): {name} is a matrix node with {columns} columns, so an intervention "
            f"sets every row to one row of {columns} numbers",
            suggestion=f"give a list of {columns} numbers, e.g. do({name} = [0.0] * {columns}), or predict with "
            "new rows of the matrix (dagspec.predict)",
        )
    return row
