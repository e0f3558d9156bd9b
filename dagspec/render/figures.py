"""InferenceData and conditional-effect tables → matplotlib figures (trace, posterior, forest, predictive check,
conditional effects), shared by `dagspec plot` and `dagspec report`."""

from __future__ import annotations

import io

PPC_DRAWS = 100  # predictive draws a ppc plot shows (a density each)
MAX_PLOTTED_ELEMENTS = 20  # without names given, variables with more values per draw than this are left out
EFFECT_COLUMNS = 3  # panels per row of a conditional-effects figure


def plotted_variables(posterior) -> list[str]:
    """The posterior variables of modest size (at most MAX_PLOTTED_ELEMENTS values per draw), internals left out."""
    per_draw = max(posterior.sizes.get("chain", 1) * posterior.sizes.get("draw", 1), 1)
    return [v for v in posterior.data_vars if "__" not in v and posterior[v].size // per_draw <= MAX_PLOTTED_ELEMENTS]


def posterior_figure(idata, names: list[str], kind: str):
    """kind: trace, posterior or forest (ArviZ's plots), for the named variables; returns the figure."""
    import arviz as az
    import matplotlib.pyplot as plt

    if kind == "trace":
        az.plot_trace(idata, var_names=names)
    elif kind == "posterior":
        az.plot_posterior(idata, var_names=names)
    else:
        az.plot_forest(idata, var_names=names, combined=True)
    return plt.gcf()


def ppc_figure(idata, group: str, names: list[str]):
    """Predictive draws of `group` (posterior or prior) against the observed data, one panel per outcome."""
    import arviz as az
    import matplotlib.pyplot as plt

    predictive = idata[f"{group}_predictive"]
    draws = predictive.sizes.get("chain", 1) * predictive.sizes.get("draw", 1)
    az.plot_ppc(idata, group=group, var_names=names, observed=True, num_pp_samples=min(PPC_DRAWS, draws), random_seed=0)
    return plt.gcf()


def effects_figure(table):
    """A conditional-effects table (backends/effects.py) → one panel per (outcome, parent): the posterior mean
    with its 94% HDI as a band along a numeric parent, as points with intervals over a categorical one."""
    import matplotlib.pyplot as plt
    import numpy as np

    pairs = list(dict.fromkeys(zip(table["outcome"], table["parent"])))
    columns = min(EFFECT_COLUMNS, len(pairs))
    rows = -(-len(pairs) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False)
    for axis, (outcome, parent) in zip(axes.ravel(), pairs):
        part = table[(table["outcome"] == outcome) & (table["parent"] == parent)]
        column = part["column"].iloc[0]
        if part["categorical"].iloc[0]:
            where = np.arange(len(part))
            errors = [part["mean"] - part["hdi_low"], part["hdi_high"] - part["mean"]]
            axis.errorbar(where, part["mean"], yerr=errors, fmt="o", color="C0", capsize=4)
            axis.set_xticks(where, [str(v) for v in part["value"]])
        else:
            values = part["value"].astype(float)
            axis.fill_between(values, part["hdi_low"], part["hdi_high"], color="C0", alpha=0.25, label="94% HDI")
            axis.plot(values, part["mean"], color="C0", label="posterior mean")
        axis.set_xlabel(column if column == parent else f"{column} (→ {parent})")
        axis.set_ylabel(f"E[{outcome}]")
        axis.set_title(f"{outcome} along {parent}", fontsize=10)
    for axis in axes.ravel()[len(pairs) :]:
        axis.set_visible(False)
    figure.suptitle("conditional effects (other columns at their mean or most frequent value)", fontsize=10)
    return figure


def png_bytes(figure, dpi: int = 90) -> bytes:
    """A figure as PNG bytes (closed afterwards)."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()
