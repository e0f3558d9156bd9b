"""Prior draws, LOO comparisons and Pareto k diagnostics → plain-text tables and warnings for the command line."""

from __future__ import annotations

import numpy as np

from ..diagnostics import Diagnostic
from .summary import MAX_ELEMENTS, arviz_quiet

PARETO_K_LIMIT = 0.7  # above it, PSIS-LOO's estimate for that row is unreliable (Vehtari, Gelman & Gabry 2017)
SHOWN_ROWS = 10  # rows named in a Pareto k warning, per model
COMPARE_COLUMNS = ("rank", "elpd_loo", "p_loo", "elpd_diff", "se", "dse", "weight")


def prior_summary(idata, spec, max_elements: int = MAX_ELEMENTS) -> str:
    """Mean, sd and 94% HDI of the prior draws of the user's parameters, then of each outcome's prior
    predictive over every row and draw."""
    import arviz as az
    import pandas as pd

    draws = idata.prior.sizes.get("chain", 1) * idata.prior.sizes.get("draw", 1)
    names = list(spec.parameters) + [n.pymc_name for n in spec.checked.nodes.values() if n.role == "derived"]
    names = [n for n in dict.fromkeys(names) if n in idata.prior]
    shown = [n for n in names if idata.prior[n].size // max(draws, 1) <= max_elements]
    skipped = [n for n in names if n not in shown]
    formats = {c: "{:.4g}".format for c in ("mean", "sd", "hdi_3%", "hdi_97%", "3%", "97%")}
    lines = [f"prior draws ({draws}) of the parameters:"]
    if shown:
        with arviz_quiet():
            table = az.summary(idata, group="prior", var_names=shown, kind="stats", hdi_prob=0.94, round_to="none")
        lines.append(table[["mean", "sd", "hdi_3%", "hdi_97%"]].to_string(formatters=formats))
    else:
        lines.append("no named parameters")
    if skipped:
        lines.append("not shown, too many values for a table: " + ", ".join(skipped))
    if "prior_predictive" in idata.groups() and idata.prior_predictive.data_vars:
        rows = {}
        for name, values in idata.prior_predictive.data_vars.items():
            flat = np.asarray(values.values, dtype=float).ravel()
            low, high = np.quantile(flat, [0.03, 0.97])
            rows[name] = {
                "values per draw": flat.size // max(draws, 1),
                "mean": flat.mean(),
                "sd": flat.std(),
                "3%": low,
                "97%": high,
            }
        lines.append("prior predictive of the outcomes (every row of every draw):")
        lines.append(pd.DataFrame.from_dict(rows, orient="index").to_string(formatters=formats))
    return "\n".join(lines)


def compare_table(table) -> str:
    """ArviZ's compare DataFrame → the columns that matter, in plain text, and a verdict per model."""
    shown = table[[c for c in COMPARE_COLUMNS if c in table]]
    formats = {c: "{:.1f}".format for c in ("elpd_loo", "p_loo", "elpd_diff", "se", "dse")}
    formats |= {"weight": "{:.3f}".format, "rank": "{:d}".format}
    lines = [shown.to_string(formatters=formats)]
    best = table.index[0]
    for name in table.index[1:]:
        diff, dse = float(table.loc[name, "elpd_diff"]), float(table.loc[name, "dse"])
        clear = dse > 0 and diff > 2 * dse
        ratio = f"{diff / dse:.1f} dse" if dse > 0 else "no dse"
        verdict = f"clearly worse than {best}" if clear else f"no clear difference from {best} (within 2 dse)"
        lines.append(f"{name}: elpd {diff:.1f} below {best}, {ratio}: {verdict}")
    return "\n".join(lines)


def pareto_warning(loos: dict, limit: float = PARETO_K_LIMIT) -> Diagnostic | None:
    """One DS606 warning naming, per model, the rows whose Pareto k is above `limit`; None when there are none."""
    from ..codes import CODES

    parts = []
    for name, elpd in loos.items():
        rows = np.flatnonzero(np.asarray(elpd.pareto_k).ravel() > limit)
        if len(rows):
            listed = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
            more = f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else ""
            parts.append(f"{'row' if len(rows) == 1 else 'rows'} {listed}{more} of model {name}")
    if not parts:
        return None
    template = CODES["DS606"]
    fields = {"where": "; ".join(parts), "limit": limit}
    return Diagnostic("DS606", template.message.format(**fields), hint=template.hint.format(**fields), file="loo")
