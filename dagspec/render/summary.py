"""InferenceData + Spec → the posterior summary table of the user-named parameters (mean, sd, HDI, ESS, R-hat)."""

from __future__ import annotations

import logging
import math

from ..check.observation import latent_name
from ..quiet import silenced

MAX_ELEMENTS = 50  # a variable with more values than this (per draw) is listed by name, not row by row


def user_variables(idata, spec) -> list[str]:
    """The posterior variables the user knows by name: parameters, free random variables, derived quantities."""
    names = list(spec.parameters)
    names += [n.pymc_name for n in spec.checked.nodes.values() if n.role == "derived"]
    names += [f"{n.pymc_name}_missing" for n in spec.checked.nodes.values() if n.impute]  # imputed values, by row
    names += [latent_name(n) for n in spec.checked.nodes.values() if n.se is not None]  # true values, by row
    return [n for n in dict.fromkeys(names) if n in idata.posterior]


def _elements(idata, name: str) -> int:
    variable = idata.posterior[name]
    return math.prod(size for dim, size in variable.sizes.items() if dim not in ("chain", "draw"))


def summary_table(idata, spec, max_elements: int = MAX_ELEMENTS) -> str:
    """An ArviZ summary (94% HDI) of the user's variables; huge arrays are named below the table instead."""
    import arviz as az

    names = user_variables(idata, spec)
    shown = [n for n in names if _elements(idata, n) <= max_elements]
    skipped = [n for n in names if n not in shown]
    lines = []
    if shown:
        with arviz_quiet():
            table = az.summary(idata, var_names=shown, hdi_prob=0.94, round_to="none")
        columns = [c for c in ("mean", "sd", "hdi_3%", "hdi_97%", "ess_bulk", "ess_tail", "r_hat") if c in table]
        table = table[columns]
        formats = {c: "{:.0f}".format for c in ("ess_bulk", "ess_tail")} | {"r_hat": "{:.3f}".format}
        formats |= {c: "{:.4g}".format for c in ("mean", "sd", "hdi_3%", "hdi_97%")}
        lines.append(table.to_string(formatters=formats))
    else:
        lines.append("no named parameters to summarise")
    if skipped:
        sizes = ", ".join(f"{n} ({_elements(idata, n)} values)" for n in skipped)
        lines.append(
            f"not shown, too many values for a table: {sizes}; see them with `dagspec plot --var NAME` or arviz.summary"
        )
    drawn = how_drawn(idata)
    if drawn:
        lines.append(drawn)
    return "\n".join(lines)


CHAINS_AT_ONCE = "dagspec_chains_at_once"  # set by dagspec.sample (backends/sample.py)
_KINDS = {
    "exact": "exact independent draws",
    "gaussian": "independent draws (Gaussian given the scales)",
    "collapsed": "NUTS on the scales alone, coefficients drawn exactly",
    "independence": "independence Metropolis-Hastings from Laplace approximations",
}


def how_drawn(idata) -> str:
    """One line on how `dagspec.sample` drew the posterior (from its attributes), or "" for other draws."""
    attrs = idata.posterior.attrs
    sampler = attrs.get("dagspec_sampler")
    if not sampler:
        return ""
    chains = idata.posterior.sizes["chain"]
    if CHAINS_AT_ONCE not in attrs:  # an approximation (laplace, advi) fitted by dagspec.fit
        return f"drawn from the {sampler} approximation: {chains} chain(s)"
    what = _KINDS.get(sampler, f"{sampler} NUTS")
    if attrs.get("dagspec_sampler_reason"):  # set by dagspec.sample (backends/sample.py)
        what += f" ({attrs['dagspec_sampler_reason']})"
    if sampler in ("exact", "gaussian"):
        return f"drawn with {what}: {chains} chain(s)"
    return (
        f"drawn with {what}: {chains} chain(s), {attrs[CHAINS_AT_ONCE]} at a time, "
        f"{attrs.get('dagspec_blas_threads', '?')} BLAS thread(s) per chain"
    )


def arviz_quiet():
    """ArviZ logs a warning when a diagnostic needs more chains or draws; dagspec says so in its own words."""
    import arviz

    logger = getattr(arviz, "_log", None) or logging.getLogger("arviz")  # arviz's own Logger, not a registered one
    return silenced(logger, UserWarning, RuntimeWarning)


def prediction_table(predictions, newdata=None):
    """Predictions (chain, draw, row) → one row per new row: its given columns, then each outcome's mean, sd and
    94% HDI; an outcome with a value per level in each row (a categorical outcome's probabilities, a multinomial's
    counts) has them per level, `y[level]_mean`, ..."""
    import arviz as az
    import numpy as np
    import pandas as pd

    table = newdata.reset_index(drop=True).copy() if newdata is not None else pd.DataFrame()
    columns = []
    for name, values in predictions.data_vars.items():
        dims = [d for d in values.dims if d not in ("chain", "draw")]
        if len(dims) == 2 and len(table) == values.sizes[dims[0]]:  # (row, level)
            columns += [(f"{name}[{level}]", values.sel({dims[1]: level})) for level in values.coords[dims[1]].values]
        else:
            columns.append((name, values))
    for name, values in columns:
        rows = [d for d in values.dims if d not in ("chain", "draw")]
        stacked = (
            values.stack(sample=("chain", "draw"))
            .transpose(*rows, "sample")
            .values.reshape(-1, values.sizes["chain"] * values.sizes["draw"])
        )
        with arviz_quiet():
            hdi = np.array([az.hdi(row, hdi_prob=0.94) for row in stacked])
        if len(table) != len(stacked):
            table = pd.DataFrame(index=range(len(stacked)))
        table[f"{name}_mean"], table[f"{name}_sd"] = stacked.mean(axis=1), stacked.std(axis=1, ddof=1)
        table[f"{name}_hdi_3%"], table[f"{name}_hdi_97%"] = hdi[:, 0], hdi[:, 1]
    return table
