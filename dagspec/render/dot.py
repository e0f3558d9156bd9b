"""A checked spec → Graphviz DOT text of its causal DAG, and DOT → SVG/PNG/PDF through the `dot` program."""
from __future__ import annotations

import shutil
import subprocess

from ..check.model import CheckedModel
from ..families import FAMILIES

_STYLE = {
    "data": 'shape=box, style="filled,rounded", fillcolor="#e8e8e8"',
    "outcome": 'shape=ellipse, style="filled,bold", fillcolor="#dbe9f7", penwidth=2',
    "graph": 'shape=ellipse, style=dashed, color="#777777", fontcolor="#555555"',
    "random": 'shape=ellipse, fontsize=11, color="#555555"',
    "derived": 'shape=note, fontsize=11',
}
RENDERED = ("svg", "png", "pdf")


def quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(model: CheckedModel, title: str = "") -> str:
    """The DAG as the tutorial draws it: node kinds distinct, edges labelled with their parameter names."""
    lines = ["digraph dagspec {", "  rankdir=LR;", '  fontname="Helvetica";', '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];']
    if title:
        lines.append(f"  label={quote(title)}; labelloc=t;")
    params_by_edge = {p.edge.address: p for p in model.params.values() if p.edge is not None}
    for node in model.nodes.values():
        label = node.name
        if node.role == "outcome":
            label += f"\n~ {node.family}" + (f" ({node.link})" if node.link != FAMILIES[node.family].default_link else "")
        elif node.role == "graph":
            label += "\n(unobserved)"
        elif node.role == "random" and node.alias:
            label = node.alias
        lines.append(f"  {quote(node.name)} [label={quote(label)}, {_STYLE[node.role]}];")
    for edge in model.edges:
        param = params_by_edge.get(edge.address)
        attributes = []
        if param is not None:
            attributes.append(f"label={quote(param.name + (f' (by {edge.by})' if edge.by else ''))}")
        if not edge.causal:
            attributes.append('style=dotted, color="#1f5fa8", arrowhead=empty')
        elif not edge.fitted:
            attributes.append('color="#888888"')
        lines.append(f"  {quote(edge.source)} -> {quote(edge.target)}" + (f" [{', '.join(attributes)}]" if attributes else "") + ";")
        if edge.by:
            lines.append(f"  {quote(edge.by)} -> {quote(edge.target)} [style=dashed, label={quote('modifies ' + edge.source)}];")
    drawn = set()
    for implicit in model.implicit_edges:  # hyper-parameters feeding priors: the pools
        source, target = implicit.source, implicit.target
        if source not in model.nodes:
            continue
        if target in model.params:
            param = model.params[target]
            target, label = param.outcome, param.name
        else:
            label = ""
        if (source, target, label) in drawn or target not in model.nodes:
            continue
        drawn.add((source, target, label))
        label_text = f", label={quote('prior of ' + label)}" if label else ""
        lines.append(f"  {quote(source)} -> {quote(target)} [style=dotted, arrowhead=open{label_text}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


class RenderError(Exception):
    """Graphviz is missing or failed: a message for the user."""


def render(dot_text: str, fmt: str) -> bytes:
    """Run Graphviz's `dot` to turn DOT text into an SVG, PNG or PDF."""
    program = shutil.which("dot")
    if program is None:
        raise RenderError(f"rendering .{fmt} needs Graphviz's `dot` program, which is not installed: install the "
                          "Debian package `graphviz` (apt-get install graphviz), or write `-o graph.dot`")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise RenderError("Graphviz took more than 60 s to lay out the graph") from None
    if done.returncode != 0:
        raise RenderError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
