"""A Spec, its posterior (with predictive draws) and conditional effects → one self-contained HTML page: the DAG,
the spec, the compiled model, the causal summary, the posterior table with the sampler's health, and plots.

Everything is inline (the DAG as SVG, plots as PNG data URIs, the style in a <style> element), so the file opens
anywhere, offline, and makes no request. Every text from the spec or the data is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import re
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; border-radius: 4px; }
table { border-collapse: collapse; font-size: 0.85em; } th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #666; font-size: 0.9em; } .warning { color: #8a5300; } .ok { color: #1a7f37; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; } img { max-width: 100%; }
nav a { margin-right: 1em; } .graph svg { max-width: 100%; height: auto; }
"""
# the page may load nothing: its images are data URIs and its style inline (a browser blocks, and logs, anything else)
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
SECTIONS = (
    ("graph", "DAG"),
    ("spec", "Spec"),
    ("model", "Compiled model"),
    ("causal", "Causal summary"),
    ("posterior", "Posterior"),
    ("plots", "Plots"),
)


def report_html(
    spec,
    idata,
    summary: str,
    warnings: list,
    causal: str,
    compiled: str,
    figures: dict[str, bytes],
    graph_svg: str | None,
    title: str | None = None,
) -> str:
    """The page. `summary` is the posterior table (HTML), `warnings` the sampler's findings (Diagnostics),
    `causal` and `compiled` plain text, `figures` captions → PNG bytes, `graph_svg` Graphviz's SVG (or None)."""
    name = title or Path(spec.name).name
    sampler = idata.posterior.attrs.get("dagspec_sampler", "")
    draws = idata.posterior.sizes.get("draw", 0)
    chains = idata.posterior.sizes.get("chain", 0)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(name)} — dagspec report</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{_text(name)}</h1>",
        f'<p class="meta">dagspec {__version__}; {chains} chain(s) of {draws} draws'
        + (f", sampled with {_text(sampler)}" if sampler else "")
        + f"; written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
        "<nav>" + "".join(f'<a href="#{key}">{title}</a>' for key, title in SECTIONS) + "</nav>",
        '<h2 id="graph">DAG</h2>',
        f'<div class="graph">{_inline_svg(graph_svg)}</div>'
        if graph_svg
        else "<p>(the picture needs Graphviz's <code>dot</code> program, which is not installed)</p>",
        '<h2 id="spec">Spec</h2>',
        f"<pre>{_text(spec.source.text)}</pre>",
        '<h2 id="model">Compiled model</h2>',
        f"<pre>{_text(compiled)}</pre>",
        '<h2 id="causal">Causal summary</h2>',
        f"<pre>{_text(causal)}</pre>",
        '<h2 id="posterior">Posterior</h2>',
        summary,
        _health(warnings),
        '<h2 id="plots">Plots</h2>',
    ]
    for caption, png in figures.items():
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure><img alt="{_text(caption)}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{_text(caption)}</figcaption></figure>"
        )
    if not figures:
        parts.append("<p>no plots</p>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def summary_html(table) -> str:
    """An ArviZ summary DataFrame → an HTML table, numbers right-aligned."""
    columns = list(table.columns)
    rows = ["<table>", "<tr><th>parameter</th>" + "".join(f"<th>{_text(c)}</th>" for c in columns) + "</tr>"]
    for name, row in table.iterrows():
        cells = "".join(f'<td class="num">{_number(c, row[c])}</td>' for c in columns)
        rows.append(f"<tr><td>{_text(str(name))}</td>{cells}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _number(column: str, value) -> str:
    if column.startswith("ess"):
        return f"{value:.0f}"
    if column == "r_hat":
        return f"{value:.3f}"
    return f"{value:.4g}"


def _health(warnings: list) -> str:
    if not warnings:
        return '<p class="ok">Sampler health: no divergences, R-hat at most 1.01, enough effective draws.</p>'
    items = "".join(
        f'<li class="warning">{_text(w.code)}: {_text(w.message)}' + (f" — {_text(w.hint)}" if w.hint else "") + "</li>"
        for w in warnings
    )
    return f"<p>Sampler health:</p><ul>{items}</ul>"


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG without its XML prolog and DOCTYPE (which names an external DTD)."""
    return re.sub(r"^.*?(?=<svg\b)", "", svg, count=1, flags=re.S)


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def build_report(spec, idata, data=None) -> str:
    """Assemble the page for a spec and its posterior (predictive draws are plotted when `idata` has them)."""
    import matplotlib

    matplotlib.use("Agg")
    import arviz as az

    from ..backends.effects import conditional_effects
    from ..diagnostics import DagspecError
    from .dot import RenderError, render, to_dot
    from .figures import effects_figure, plotted_variables, png_bytes, posterior_figure, ppc_figure
    from .health import health_warnings
    from .report import compile_report
    from .summary import arviz_quiet, user_variables

    names = user_variables(idata, spec)
    small = [n for n in names if n in plotted_variables(idata.posterior)]
    with arviz_quiet():
        table = az.summary(idata, var_names=small, hdi_prob=0.94, round_to="none") if small else None
    summary = (
        summary_html(
            table[[c for c in ("mean", "sd", "hdi_3%", "hdi_97%", "ess_bulk", "ess_tail", "r_hat") if c in table]]
        )
        if table is not None
        else "<p>no named parameters</p>"
    )
    if len(small) < len(names):
        summary += (
            "<p>not shown, too many values for a table: "
            + _text(", ".join(n for n in names if n not in small))
            + "</p>"
        )
    figures: dict[str, bytes] = {}
    if small:
        figures["trace: the chains of each parameter (left: densities per chain; right: draws)"] = png_bytes(
            posterior_figure(idata, small, "trace")
        )
        figures["posterior: mean and 94% HDI of each parameter"] = png_bytes(
            posterior_figure(idata, small, "posterior")
        )
    groups = idata.groups()
    if "posterior_predictive" in groups and "observed_data" in groups:
        outcomes = [v for v in idata.posterior_predictive.data_vars if v in idata.observed_data]
        if outcomes:
            figures["posterior predictive check: the data against datasets drawn from the posterior"] = png_bytes(
                ppc_figure(idata, "posterior", outcomes)
            )
    try:
        effects = conditional_effects(spec, idata, data=data)
    except DagspecError:
        effects = None  # no outcome with a parent observed from one column: nothing to draw
    if effects is not None:
        figures[
            "conditional effects: each outcome's expected value along one parent, the other columns at their "
            "mean or most frequent value (94% HDI)"
        ] = png_bytes(effects_figure(effects))
    try:
        graph_svg = render(to_dot(spec.checked, Path(spec.name).name), "svg").decode("utf-8")
    except RenderError:
        graph_svg = None
    try:
        plan = spec.plan(data, optimize=True)
    except DagspecError:
        plan = None
    return report_html(
        spec,
        idata,
        summary,
        health_warnings(idata, names),
        causal_summary(spec),
        compile_report(spec, plan),
        figures,
        graph_svg,
    )


def causal_summary(spec) -> str:
    """Each `estimate` in words (its paths, the adjustment set and why), the independencies the DAG implies, and
    the checks' warnings."""
    from ..causal.api import as_graph
    from ..causal.dsep import implied_independencies
    from ..causal.roles import explain

    graph = as_graph(spec)
    lines = []
    for estimate in spec.checked.estimates:
        adjust = "{" + ", ".join(estimate.adjust) + "}" if estimate.adjust else "nothing"
        how = "chosen from the graph" if estimate.chosen else "as the spec asks"
        lines += [
            f"estimate: the {estimate.effect} effect of {estimate.exposure} on {estimate.outcome}, adjusting "
            f"for {adjust} ({how})",
            explain(graph, estimate.exposure, estimate.outcome),
            "",
        ]
    if not spec.checked.estimates:
        lines += ["no `estimate` statements: the spec fits its regressions as written", ""]
    implied = implied_independencies(graph)
    lines.append("testable implications of the DAG:" if implied else "the DAG implies no conditional independence")
    lines += [f"  {u} _||_ {v}" + (f" | {', '.join(sorted(given))}" if given else "") for u, v, given in implied]
    if spec.warnings:
        lines += ["", "warnings:"] + [f"  {w.short()}" for w in spec.warnings]
    return "\n".join(lines)
