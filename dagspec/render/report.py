"""A Spec (and its plan when data is at hand) → the `compile` report: parameters, priors, shapes, likelihoods."""

from __future__ import annotations

from pathlib import Path

from ..check.covariance import default_names
from ..check.model import ROLE_WORDS
from ..check.observation import latent_name
from ..families import FAMILIES, category_dim, level_dim
from ..printer import call_text, expr_text, truncation_text

_INVERSE = {
    "identity": "{}",
    "logit": "invlogit({})",
    "probit": "invprobit({})",
    "cloglog": "1 - exp(-exp({}))",
    "log": "exp({})",
    "inverse": "1 / ({})",
    "sqrt": "({})^2",
    "softmax": "softmax({})",  # (a categorical or multinomial outcome: one eta per category but the reference)
}


def inverse_link(link: str, eta: str) -> str:
    """The mean as written from the linear predictor's text, e.g. `invlogit(a + b * x)` for a logit link."""
    return _INVERSE[link].format(eta)


def linear_predictor(model, outcome: str, dpar: str | None = None) -> str:
    """The linear predictor of an outcome (or of its parameter `dpar`, `y.sigma`) written out with parameter names,
    e.g. `a + b * x + c[g]`."""
    parts = []
    for param in model.params.values():
        if param.outcome != outcome or param.role in ("aux", "kernel") or param.dpar != dpar:
            continue
        if param.role == "intercept" or param.edge is None:
            parts.append(param.name)
            continue
        edge, source = param.edge, model.nodes[param.edge.source]
        if edge.smooth is not None and edge.smooth.kind != "distance":
            parts.append(f"{smooth_basis(model, edge)} @ {param.name}")
        if source.matrix:  # one coefficient per column
            parts.append(f"{edge.source} @ {param.name}")
            continue
        index = list(param.dims)
        term = f"{param.name}[{', '.join(index)}]" if index else param.name
        if source.reference is not None and not edge.by:  # treatment coding
            term = f"{param.name}[{edge.source}] (0 at the reference {source.reference})"
        value = f"{edge.source} * {edge.times}" if edge.times else edge.source
        parts.append(term if source.categorical else f"{term} * {value}")
    return " + ".join(parts) or "0"


def smooth_basis(model, edge) -> str:
    """A spline's or HSGP's basis as `compile` writes it: `bspline(x)`, `hsgp(x; lengthscale, amplitude)`."""
    if edge.smooth.kind == "spline":
        return f"bspline({edge.source})"
    kernel = [model.params[f"{edge.address}.{part}"].name for part in ("lengthscale", "amplitude")]
    return f"hsgp({edge.source}; {', '.join(kernel)})"


def smooth_prior(model, param) -> str:
    """A distance GP's prior written out: MvNormal(0, etasq * exp(-rhosq * D²) + delta I)."""
    smooth, address = param.edge.smooth, param.edge.address
    etasq, rhosq = (model.params[f"{address}.{part}"].name for part in ("etasq", "rhosq"))
    power = "D²" if smooth.kernel == "L2" else "D"
    return f"MvNormal(0, {etasq} * exp(-{rhosq} * {power}) + {smooth.delta:g} I), D from {smooth.distance}"


def likelihood_line(model, node) -> str:
    family = FAMILIES[node.family]
    eta = linear_predictor(model, node.name)
    reference = f"{node.reference!r}" if node.reference is not None else "its first level"
    mean = eta if family.ordered else f"softmax({eta}; 0 at {reference})" if family.categorical else None
    args = [f"{family.mean} = {mean or inverse_link(node.link, eta)}"]
    predicted = model.dpars(node.name)
    for aux in family.aux:
        if aux.name in node.fixed:
            args.append(f"{aux.name} = {expr_text(node.fixed[aux.name])}")
        elif aux.name in predicted:
            args.append(
                f"{aux.name} = {inverse_link(family.dpar_link(aux.name), linear_predictor(model, node.name, aux.name))}"
            )
        elif aux.default is not None:  # (a multinomial's totals)
            args.append(f"{aux.name} = {aux.default}")
        else:
            args.append(f"{aux.name} = {model.params[f'{node.name}.{aux.name}'].name}")
    return f"{node.pymc_name} ~ {node.family}({', '.join(args)})"


def shape_text(model, dims, coords: dict) -> str:
    """A parameter's shape: each dim's level count from the data (`coords`), else from the levels the spec
    declares, else the dim's name (symbolic, when no data is at hand), e.g. `(5, 4)` or `(x1,)`."""
    sizes = []
    for dim in dims:
        levels = coords.get(dim) or (model.nodes[dim].levels if dim in model.nodes else None)
        sizes.append(str(len(levels)) if levels else dim)
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _plural(words: str, count: int) -> str:
    """`random variable` → `random variables`, `derived quantity (let)` → `derived quantities (let)`."""
    if count == 1:
        return words
    noun, _, rest = words.partition(" (")
    noun = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return noun + (f" ({rest}" if rest else "")


def compile_report(spec, plan=None, data_note: str = "") -> str:
    model = spec.checked
    coords = plan.coords if plan is not None else {}
    roles: dict[str, int] = {}
    for node in model.nodes.values():
        roles[node.role] = roles.get(node.role, 0) + 1
    counts = ", ".join(f"{n} {_plural(ROLE_WORDS[r].split(' ', 1)[1], n)}" for r, n in roles.items())
    fixed = sum(p.fixed is not None for p in model.params.values())
    lines = [
        f"{Path(spec.name).name}: {counts}; {len(model.params) - fixed} generated parameters"
        + (f" and {fixed} fixed" if fixed else "")
        + f"{data_note}",
        "",
    ]

    rows = [["address", "name", "prior", "shape", "dims"]]
    scaled = plan.scaled_priors if plan is not None else {}
    for param in model.params.values():
        prior = call_text(param.prior) + (" (default)" if param.default_prior else "")
        smooth = param.edge.smooth if param.edge is not None else None
        if smooth is not None and smooth.kind == "distance":
            prior = smooth_prior(model, param)
        elif smooth is not None and smooth.kind == "hsgp":
            prior += ", the basis coefficients"
        if param.address in scaled:
            prior = f"{scaled[param.address].text()} (data-scaled)"
        elif model.auto_priors and param.default_prior and plan is None:
            prior = "scaled to the data when it is read (priors auto)"
        if param.fixed is not None:
            prior = f"fixed = {param.fixed:g}"
        rows.append(
            [param.address, param.name, prior, shape_text(model, param.dims, coords), ", ".join(param.dims) or "-"]
        )
    if len(rows) > 1:
        lines += ["parameters"] + _table(rows) + [""]
    if scaled:
        lines.append("data-scaled default priors (`priors auto`: Bambi's rule, with sd over the fitted rows)")
        lines += [f"  {address}: {prior.rule}" for address, prior in scaled.items()] + [""]

    smooths = [e for e in model.edges if e.smooth is not None]
    if smooths:
        lines += ["smooth terms"] + [f"  {e.address}: {e.smooth.describe(e.source)}" for e in smooths] + [""]

    randoms = [n for n in model.nodes.values() if n.role == "random"]
    if randoms:
        rows = [["name", "distribution", "observed"]]
        for node in randoms:
            observed = "-" if node.observed is None else node.observed.describe()
            rows.append([node.pymc_name, call_text(node.dist), observed])
        lines += ["random variables"] + _table(rows) + [""]

    derived = [f"  {n.name} = {expr_text(n.expr)}" for n in model.nodes.values() if n.role == "derived"]
    derived += [
        f"  {name} = {part}({prior})  (PyMC's name: a `let` can name it)"
        for (prior, part), name in default_names(model).items()
    ]
    if derived:
        lines += ["derived quantities"] + derived + [""]

    outcomes = model.outcomes()
    if outcomes:
        lines.append("likelihoods")
        for node in outcomes:
            lines.append(f"  {likelihood_line(model, node)}")
            observed = node.observed.describe() if node.observed.literal is None else "(literal)"
            links = "".join(
                f"; {dpar} link {FAMILIES[node.family].dpar_link(dpar)} (per row: {node.name}_{dpar})"
                for dpar in model.dpars(node.name)
            )
            lines.append(
                f"    link {node.link}{links}; observed {observed}"
                + (f"; from {node.observed.file}" if node.observed.file else "")
            )
            if node.censored is not None:
                lines.append(
                    f"    censored by {node.censored.name}: right-censored rows (1, right) add log S(t), "
                    "left-censored rows (-1, left) log F(t), "
                    + (
                        f"interval-censored rows (2, interval) log(S(t) - S({node.censored_upper.name})), "
                        if node.censored_upper is not None
                        else ""
                    )
                    + "the others (0, none) the density"
                )
            if node.truncation is not None:
                lines.append(
                    f"    truncated to {truncation_text(node.truncation)}: the density divided by the probability "
                    "of the bounds"
                )
            if FAMILIES[node.family].categorical:
                levels = coords.get(level_dim(node.name)) or node.levels
                categories = coords.get(category_dim(node.name))
                origin = " (declared)" if node.levels else " (its columns)" if FAMILIES[node.family].counts else ""
                lines.append(
                    "    levels " + (", ".join(map(str, levels)) + (origin or " (from the data)"))
                    if levels
                    else "    levels from the data"
                )
                if categories is not None:
                    lines[-1] += f"; a linear predictor for each of {', '.join(map(str, categories))}"
            if node.se is not None:
                lines.append(
                    f"    measured with error: this is the model of its true values {latent_name(node)}[row], which the "
                    f"data measure with standard errors {node.se.name} (below)"
                )
            if node.weights is not None:
                lines.append(
                    f"    weights {node.weights.name}: each row's log-likelihood times its weight (in the posterior "
                    "only: predictive draws are one per row, and LOO refuses weighted rows)"
                )
            if FAMILIES[node.family].ordered:
                levels = coords.get(level_dim(node.name)) or node.levels
                lines.append(
                    f"    P({node.pymc_name} <= level k) = {'invlogit' if node.link == 'logit' else 'invprobit'}"
                    f"(cutpoint k - eta); levels "
                    + (
                        ", ".join(map(str, levels)) + (" (declared)" if node.levels else " (from the data)")
                        if levels
                        else "from the data"
                    )
                    + "; cutpoints ordered"
                )
        lines.append("")

    latent = [e for e in (plan.entries if plan is not None else []) if getattr(e, "imputed", None) is not None]
    measured = [e for e in latent if e.imputed.se is not None]
    imputing = [e for e in latent if e.imputed.se is None]
    if measured:
        lines.append("measurement error (the data measure latent true values with known standard errors)")
        for entry in measured:
            node = model.nodes[entry.node]
            parents = [e.source for e in model.fitted_edges(node.name)]
            how = f"its regression on {', '.join(parents)}" if parents else "its own distribution (no parents)"
            lines.append(
                f"  {node.name}: measured with error: {len(entry.imputed.missing)} true values "
                f"{entry.imputed.name}[row] from {how}: {likelihood_line(model, node)}; observed "
                f"{entry.name} ~ Normal({entry.imputed.name}, {node.se.name}); its children read the true values"
            )
        lines.append("")
    if imputing:
        lines.append("missing values (imputed: a parameter per missing row, drawn from the node's own model)")
        for entry in imputing:
            node = model.nodes[entry.node]
            parents = [e.source for e in model.fitted_edges(node.name)]
            how = f"its regression on {', '.join(parents)}" if parents else "its own distribution (no parents)"
            count, total = len(entry.imputed.missing), len(entry.imputed.missing) + len(entry.imputed.present)
            shown = ", ".join(map(str, entry.imputed.missing[:8])) + (" ..." if count > 8 else "")
            lines.append(
                f"  {node.name}: {count} of {total} values imputed as {entry.imputed.name}[row] (rows {shown}), "
                f"from {how}: {likelihood_line(model, node)}"
            )
        lines.append("")
    elif any(n.impute for n in model.nodes.values()) and plan is None:
        lines += [
            "missing values",
            "  imputed where the data have them: "
            + ", ".join(n.name for n in model.nodes.values() if n.impute)
            + " (`missing = impute`)",
            "",
        ]

    transformed = [n for n in model.nodes.values() if n.role == "data" and n.observed and n.observed.transformed]
    if transformed:
        lines += ["data transforms (applied again, with the fitted statistics, when predicting)"]
        lines += [f"  {n.name} = {n.observed.describe()}" for n in transformed] + [""]

    if model.estimates:
        lines.append("estimates")
        for estimate in model.estimates:
            adjust = "{" + ", ".join(estimate.adjust) + "}" if estimate.adjust else "nothing"
            how = (
                "chosen from the causal graph: the smallest of the minimal adjustment sets "
                + " or ".join("{" + ", ".join(sorted(s)) + "}" for s in estimate.alternatives)
                if estimate.chosen
                else "as the spec asks (`adjust`)"
            )
            name = model.params[f"{estimate.exposure} -> {estimate.outcome}"].name
            lines.append(
                f"  {estimate.effect} effect of {estimate.exposure} on {estimate.outcome}: {name}, "
                f"adjusting for {adjust}, {how}"
            )
        lines.append("")

    graph_only = [e for e in model.edges if not e.fitted and e.causal]
    if graph_only:
        lines += ["causal edges not fitted (graph only)"] + [f"  {e.address}" for e in graph_only] + [""]

    if plan is not None and plan.notes:
        lines += ["optimizations (exact: same posterior)"] + [f"  {note}" for note in plan.notes] + [""]
    return "\n".join(lines).rstrip() + "\n"
