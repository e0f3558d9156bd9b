"""A checked spec → Graphviz DOT text of its causal DAG, and DOT → SVG/PNG/PDF through the `dot` program.

How the drawing reads (as the tutorial's figures):
- data nodes: grey filled boxes; categorical ones say so;
- outcomes (and observed random variables): bold blue ellipses with their family, link and model name;
- unobserved (graph-only) nodes: dashed ellipses;
- random variables, hyper-parameters and pooled parameters: small plain ellipses;
- derived quantities (`let`): note shapes with their formula;
- regression edges carry the user name of their parameter (`coeff_1`); an effect `x -> y by g` is labelled
  `by g` and gets a dashed edge from the group node g;
- a pool: the parameter drawn as a node in a dashed box with its hyper-parameters, hyper-parameter →
  parameter edges dotted, and a dotted edge from the parameter into its outcome;
- edges of the causal graph that the model does not fit are grey; the regression edges an `estimate` adds
  (its effect, and the covariates it adjusts for when they are not causes) are dashed blue.
"""

from __future__ import annotations

import shutil
import subprocess

from ..check.model import CheckedModel, NodeInfo
from ..families import FAMILIES
from ..printer import expr_text

RENDERED = ("svg", "png", "pdf")
TIMEOUT = 60  # seconds Graphviz may take
_FORMULA_WIDTH = 50

_NODE_STYLE = {
    "data": 'shape=box, style="filled,rounded", fillcolor="#e8e8e8"',
    "outcome": 'shape=ellipse, style="filled,bold", fillcolor="#dbe9f7", penwidth=2',
    "graph": 'shape=ellipse, style=dashed, color="#777777", fontcolor="#555555"',
    "random": 'shape=ellipse, fontsize=11, color="#555555"',
    "derived": "shape=note, fontsize=11",
    "parameter": 'shape=ellipse, fontsize=10, color="#555555"',
}
_EDGE_STYLE = {
    "graph_only": 'color="#888888"',
    "estimate": 'style=dashed, color="#1f5fa8", fontcolor="#1f5fa8"',
    "by": "style=dashed",
    "prior": "style=dotted, arrowhead=open",
    "computes": 'color="#555555"',
}


def quote(text: str) -> str:
    """A DOT double-quoted ID: backslashes and quotes escaped, newlines as DOT's centred line break."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n") + '"'


def _attributes(label: str | None, style: str) -> str:
    parts = ([f"label={quote(label)}"] if label is not None else []) + ([style] if style else [])
    return f" [{', '.join(parts)}]" if parts else ""


def _shorten(text: str, width: int = _FORMULA_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def node_label(node: NodeInfo) -> str:
    """The lines drawn inside a node: its name, then what it is."""
    lines = [node.name]
    if node.role == "outcome":
        family = FAMILIES[node.outcome_family]
        lines.append(f"~ {family.name}" + (f" ({node.link} link)" if node.link != family.default_link else ""))
    elif node.role == "random":
        lines.append(f"~ {node.distribution.func}")
        if node.observed is not None and node.observed.literal is not None:
            lines.append(_shorten(f"observed = {expr_text(node.observed.literal)}"))
    elif node.role == "derived":
        lines[0] = _shorten(f"{node.name} = {expr_text(node.expr)}")
    elif node.role == "graph":
        lines.append("(unobserved)")
    elif node.categorical:
        lines.append("categorical")
    if node.role in ("data", "outcome") and node.observed is not None and node.observed.expr is not None:
        lines.append(_shorten(f"= {expr_text(node.observed.expr)}"))
    if node.alias and node.alias != node.name:
        lines.append(f"as {node.alias}")
    return "\n".join(lines)


def _node_style(node: NodeInfo) -> str:
    if node.role == "random" and node.observed is not None:
        return _NODE_STYLE["outcome"]  # an observed random variable is a likelihood, like an outcome
    return _NODE_STYLE[node.role]


def _node(node: NodeInfo) -> str:
    return f"{quote(node.name)}{_attributes(node_label(node), _node_style(node))};"


def _param_id(address: str) -> str:
    return f"param:{address}"  # node names are identifiers, so this never collides with one


def _add(items: list, item) -> None:
    if item not in items:
        items.append(item)


def to_dot(model: CheckedModel, title: str = "") -> str:
    """The DAG as DOT text: node kinds distinct, edges labelled with their parameter names, pools boxed."""
    lines = [
        "digraph dagspec {",
        "  rankdir=LR;",
        '  fontname="Helvetica";',
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    if title:
        lines.append(f"  label={quote(title)}; labelloc=t;")

    # Parameters whose priors read other variables (pools) or that a `let` reads get nodes of their own.
    feeds: dict[str, list[str]] = {}  # parameter address → what its prior reads
    reads: dict[str, list[str]] = {}  # parameter address → the nodes that read its value
    plain: list[tuple[str, str]] = []  # node → node: distributions, lets and family options reading a value
    for edge in model.implicit_edges:
        source, target = edge.source, edge.target
        if target in model.params and source in model.nodes:
            _add(feeds.setdefault(target, []), source)
        elif source in model.params and target in model.nodes:
            _add(reads.setdefault(source, []), target)
        elif source in model.params and target in model.params:  # a prior reading another parameter
            _add(feeds.setdefault(target, []), _param_id(source))
            reads.setdefault(source, [])
        elif source in model.nodes and target in model.nodes:
            _add(plain, (source, target))
    drawn_params = list(dict.fromkeys([*feeds, *reads]))

    # a hyper-parameter that feeds one pool only, and nothing else, is drawn inside that pool's box
    used_by: dict[str, set[str]] = {}
    for address, sources in feeds.items():
        for source in sources:
            used_by.setdefault(source, set()).add(address)
    feeding_nodes = {source for source, _ in plain}
    in_pool = {
        source
        for source, addresses in used_by.items()
        if len(addresses) == 1
        and source in model.nodes
        and model.nodes[source].role == "random"
        and source not in feeding_nodes
    }

    lines += [f"  {_node(node)}" for node in model.nodes.values() if node.name not in in_pool]
    for number, address in enumerate(drawn_params):
        param = model.params[address]
        text = f"{param.name}\n~ {param.prior.func}"
        statement = f"{quote(_param_id(address))}{_attributes(text, _NODE_STYLE['parameter'])};"
        hypers = [s for s in feeds.get(address, []) if s in in_pool]
        if not hypers:
            lines.append(f"  {statement}")
            continue
        lines.append(f"  subgraph {quote(f'cluster_pool_{number}')} {{")
        lines.append(
            f'    label={quote("pool of " + param.name)}; style="rounded,dashed"; color="#999999"; fontsize=10;'
        )
        lines += [f"    {_node(model.nodes[hyper])}" for hyper in hypers]
        lines += [f"    {statement}", "  }"]

    params_by_edge = {p.edge.address: p for p in model.params.values() if p.edge is not None}
    estimated = {(e.exposure, e.outcome) for e in model.estimates}
    for edge in model.edges:
        found = params_by_edge.get(edge.address)
        label: str | None = (
            found.name + (f"\nby {edge.by}" if edge.by else "") + (f"\ninto {edge.dpar}" if edge.dpar else "")
            if found is not None
            else None
        )
        style = ""
        if not edge.causal:  # a regression edge an `estimate` adds: the effect it estimates, or an adjustment
            style = _EDGE_STYLE["estimate"]
            label = (label or "") + (
                "\nestimated effect" if (edge.source, edge.target) in estimated else "\nadjustment"
            )
        elif not edge.fitted:
            style = _EDGE_STYLE["graph_only"]
        lines.append(f"  {quote(edge.source)} -> {quote(edge.target)}{_attributes(label, style)};")
        if edge.by:
            lines.append(
                f"  {quote(edge.by)} -> {quote(edge.target)}{_attributes('by ' + edge.by, _EDGE_STYLE['by'])};"
            )

    for address in drawn_params:
        node_id = quote(_param_id(address))
        lines += [
            f"  {quote(source)} -> {node_id}{_attributes(None, _EDGE_STYLE['prior'])};"
            for source in feeds.get(address, [])
        ]
        lines.append(f"  {node_id} -> {quote(model.params[address].outcome)}{_attributes(None, _EDGE_STYLE['prior'])};")
        lines += [
            f"  {node_id} -> {quote(target)}{_attributes(None, _EDGE_STYLE['computes'])};"
            for target in reads.get(address, [])
        ]
    lines += [
        f"  {quote(source)} -> {quote(target)}{_attributes(None, _EDGE_STYLE['computes'])};" for source, target in plain
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


class RenderError(Exception):
    """Graphviz is missing or failed: a message for the user."""


def render(dot_text: str, fmt: str, timeout: float = TIMEOUT) -> bytes:
    """Run Graphviz's `dot` to turn DOT text into an SVG, PNG or PDF."""
    program = shutil.which("dot")
    if program is None:
        raise RenderError(
            f"drawing .{fmt} files needs Graphviz's `dot` program, which is not installed: install "
            "the Debian package graphviz (apt-get install graphviz), or write DOT text with "
            "`-o graph.dot`"
        )
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took more than {timeout:g} s to lay out the graph") from None
    except OSError as exc:
        raise RenderError(f"cannot run Graphviz's `dot` ({program}): {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise RenderError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
