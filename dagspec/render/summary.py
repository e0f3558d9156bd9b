"""InferenceData + Spec → the posterior summary table of the user-named parameters (mean, sd, HDI, ESS, R-hat)."""
from __future__ import annotations


def user_variables(idata, spec) -> list[str]:
    names = list(spec.parameters)
    names += [n.pymc_name for n in spec.checked.nodes.values() if n.role == "derived"]
    return [n for n in names if n in idata.posterior]


def summary_table(idata, spec) -> str:
    import arviz as az

    names = user_variables(idata, spec)
    table = az.summary(idata, var_names=names, hdi_prob=0.94, round_to="none")
    columns = [c for c in ("mean", "sd", "hdi_3%", "hdi_97%", "ess_bulk", "ess_tail", "r_hat") if c in table]
    table = table[columns]
    formats = {c: "{:.0f}".format for c in ("ess_bulk", "ess_tail")} | {"r_hat": "{:.3f}".format}
    formats |= {c: "{:.4g}".format for c in ("mean", "sd", "hdi_3%", "hdi_97%")}
    return table.to_string(formatters=formats)
