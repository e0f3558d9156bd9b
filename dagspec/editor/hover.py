"""A position in a document → what the name there is, in Markdown: a node (its role, observation, likelihood,
parameters and place in the causal graph), a parameter (address, name, prior with defaults marked, shape), a
distribution or family, or one of their arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..check.covariance import PART_WORDS
from ..check.declarations import NODE_TYPES
from ..check.model import ROLE_WORDS, CheckedModel, NodeInfo, Parameter
from ..dists import DISTRIBUTIONS, FUNCTIONS, OPTIONAL, REQUIRED, Dist
from ..families import FAMILIES, LINKS, Family
from ..printer import call_text, expr_text, statement_text
from ..render.report import likelihood_line, shape_text
from ..transforms import FUNCTIONS as COLUMN_FUNCTIONS
from .document import Analysis, Cursor, Range, cursor_at, enclosing_call

NODE_TYPE_WORDS = {
    "numeric": "`numeric`: the node's values are numbers (the default); an edge from it fits a slope",
    "categorical": "`categorical`: the node's values are levels; an edge from it fits one effect per level "
    "(`levels = [...]` fixes them and their order)",
    "matrix": "`matrix`: the node's value in each row is a row of K numbers (a design matrix); an edge from it fits "
    "one coefficient per column, `X @ b` (`columns = [...]` names them)",
}
MAX_LISTED = 20  # parents, children or parameters a hover lists
_KEYWORD_ARGUMENT = re.compile(r"\s*=(?!=)")
_ADDRESS = re.compile(r"\s*prior\s+(.*?)\s*(?:~|\bas\b|\bcentered\b|\bnoncentered\b|$)")


@dataclass(frozen=True)
class Hover:
    markdown: str
    range: Range


def hover(analysis: Analysis, offset: int) -> Hover | None:
    cursor = cursor_at(analysis.text, offset)
    if cursor is None or not cursor.word:
        return None
    text = _describe(analysis, cursor)
    return Hover(text, cursor.range) if text else None


def _describe(analysis: Analysis, cursor: Cursor) -> str | None:
    word, model = cursor.word, analysis.model
    if _KEYWORD_ARGUMENT.match(cursor.after):
        call = enclosing_call(cursor.before)
        if call is not None:
            return argument_markdown(call[0], word, in_node=cursor.head == "node")
    if cursor.after.lstrip().startswith("(") or cursor.before.rstrip().endswith("~"):
        if cursor.head == "node" and word in FAMILIES:
            return family_markdown(FAMILIES[word])
        if word in DISTRIBUTIONS:
            return distribution_markdown(DISTRIBUTIONS[word])
        if cursor.head == "observed" and word in COLUMN_FUNCTIONS:
            return (
                f"**{word}**: a transform of data columns, applied again with the fitted rows' statistics "
                "when predicting new rows"
            )
        if word in PART_WORDS:
            return f"**{word}**(L): the {PART_WORDS[word]} of the LKJCholeskyCov prior L (`let sigma = stds(L)`)"
        if word in FUNCTIONS:
            return f"**{word}**(x): a function for expressions (`let`, distribution arguments)"
    if cursor.head == "node" and re.fullmatch(r"\s*node\s+\w+\s*:\s*", cursor.before) and word in NODE_TYPES:
        return NODE_TYPE_WORDS[word]
    if model is None:
        statement = _statement_defining(analysis, word)
        if statement is None:
            return None
        return f"`{statement}`\n\n(the spec has errors: details appear when it checks)"
    if cursor.head == "prior":
        param = _prior_target(cursor, model)
        if param is not None:
            return parameter_markdown(model, param)
    node = model.nodes.get(word) or next((n for n in model.nodes.values() if n.alias == word), None)
    if node is not None:
        return node_markdown(model, node)
    param = next((p for p in model.params.values() if p.name == word), None)
    return parameter_markdown(model, param) if param is not None else None


def _statement_defining(analysis: Analysis, word: str) -> str | None:
    definition = analysis.definitions().get(word)
    if definition is None or analysis.spec_ir is None:
        return None
    for statement in analysis.spec_ir.statements:
        if statement.span.line <= definition.span.line <= statement.span.end_line:
            return statement_text(statement)
    return None


def _prior_target(cursor: Cursor, model: CheckedModel) -> Parameter | None:
    """The parameter a `prior` statement's address names, when the cursor is on the address."""
    statement = cursor.before + cursor.word + cursor.after
    match = _ADDRESS.match(statement)
    if match is None or not match.start(1) <= len(cursor.before) <= match.end(1):
        return None
    address = re.sub(r"\s*->\s*", " -> ", re.sub(r"\s*\.\s*", ".", match.group(1)))
    address = re.sub(r"\s+by\s+", " by ", address).strip()
    return model.params.get(address) or next((p for p in model.params.values() if p.name == address), None)


# ---- Markdown ---------------------------------------------------------------------------------------------


def node_markdown(model: CheckedModel, node: NodeInfo) -> str:
    title = f"**{node.name}**: {ROLE_WORDS[node.role]}"
    if node.alias:
        title += f", `{node.alias}` in the model"
    lines = [title, ""]
    if node.role == "outcome":
        lines.append(f"likelihood: `{likelihood_line(model, node)}` (link {node.link})")
    elif node.role == "random":
        lines.append(f"`{node.pymc_name} ~ {call_text(node.distribution)}`")
    elif node.role == "derived":
        lines.append(f"`{node.name} = {expr_text(node.expr)}`")
    elif node.role == "graph":
        lines.append("in the causal graph only: not observed, so not fitted")
    if node.categorical:
        lines.append(
            "categorical"
            + (f", levels {', '.join(map(str, node.levels))}" if node.levels else ", levels from the data")
        )
    if node.observed is not None:
        lines.append(
            f"observed: {node.observed.describe()}" + (f' from "{node.observed.file}"' if node.observed.file else "")
        )
    graph = model.causal_graph()
    if node.name in graph:
        parents = sorted(graph.predecessors(node.name))
        children = sorted(graph.successors(node.name))
        lines.append(f"causal graph: parents {_names(parents)}; children {_names(children)}")
        lines += _estimate_roles(model, node.name)
    params = [p for p in model.params.values() if p.outcome == node.name]
    if params:
        lines += ["", "parameters:"] + [f"- {_parameter_line(model, p)}" for p in params[:MAX_LISTED]]
        if len(params) > MAX_LISTED:
            lines.append(f"- and {len(params) - MAX_LISTED} more (`dagspec compile` lists them all)")
    return "\n\n".join(_paragraphs(lines))


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED]) or "none"
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def _estimate_roles(model: CheckedModel, name: str) -> list[str]:
    from ..causal.graph import from_checked
    from ..causal.roles import node_roles

    lines = []
    for estimate in model.estimates:
        if name == estimate.exposure:
            role = "the exposure"
        elif name == estimate.outcome:
            role = "the outcome"
        else:
            kinds = node_roles(from_checked(model), estimate.exposure, estimate.outcome).get(name)
            adjusted = "adjusted for" if name in estimate.adjust else "not adjusted for"
            role = (", ".join(sorted(kinds)) + f", {adjusted}") if kinds else adjusted
        lines.append(
            f"in `estimate {'direct ' if estimate.direct else ''}{estimate.exposure} -> {estimate.outcome}`: {role}"
        )
    return lines


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines → Markdown paragraphs, keeping a list's items together."""
    out: list[str] = []
    for line in lines:
        if line.startswith("- ") and out and out[-1].startswith(("- ", "parameters:")):
            out[-1] += "\n" + line
        elif line:
            out.append(line)
    return out


def _parameter_line(model: CheckedModel, param: Parameter) -> str:
    default = " (default)" if param.default_prior else ""
    return f"`{param.address}` **{param.name}** ~ `{call_text(param.prior)}`{default}, {_shape(model, param)}"


def _shape(model: CheckedModel, param: Parameter) -> str:
    if not param.dims:
        return "scalar"
    return f"shape {shape_text(model, param.dims, {})} over {', '.join(param.dims)}"


def parameter_markdown(model: CheckedModel, param: Parameter) -> str:
    lines = [
        f"**{param.name}**: parameter `{param.address}`, {_parameter_role(model, param)}",
        f"prior: `{call_text(param.prior)}`" + (" (default)" if param.default_prior else ""),
        _shape(model, param),
    ]
    if param.parameterisation:
        lines.append(f"sampled {param.parameterisation}, as the spec asks")
    return "\n\n".join(lines)


def _parameter_role(model: CheckedModel, param: Parameter) -> str:
    of = f"{param.outcome}.{param.dpar}" if param.dpar else param.outcome  # a distributional parameter's predictor
    if param.role == "intercept":
        return f"the intercept of {of}"
    if param.role == "aux":
        return f"the {param.aux} of {param.outcome}'s {model.nodes[param.outcome].family} likelihood"
    if param.kernel is not None:
        return f"the {param.kernel[1]} of the smooth term `{param.kernel[0]}`"
    edge = param.edge
    assert edge is not None
    if param.role == "slope":
        return f"the slope of {edge.source} in {of}" + (f", one per level of {edge.by}" if edge.by else "")
    per_level = f", one per level of {edge.by}" if edge.by else ""
    return f"the effects of {edge.source}'s levels on {of}{per_level}"


def default_words(value: object) -> str:
    if value is REQUIRED:
        return "required"
    if value is OPTIONAL:
        return "optional"
    return f"default {value:g}" if isinstance(value, float) else f"default {value}"


def distribution_markdown(dist: Dist) -> str:
    signature = ", ".join(dist.param_names)
    lines = [f"**{dist.name}**({signature}): a distribution; values: {dist.support.words}", f"e.g. `{dist.example}`"]
    items = [
        f"- `{p.name}`: {p.support.words if p.kind == 'scalar' else 'a ' + p.kind}, {default_words(p.default)}"
        for p in dist.params
    ]
    if items:
        lines.append("\n".join(items))
    if dist.one_of:
        lines.append("give one of: " + " or ".join("(" + ", ".join(group) + ")" for group in dist.one_of))
    return "\n\n".join(lines)


def family_markdown(family: Family) -> str:
    others = [link for link in family.links if link != family.default_link]
    lines = [
        f"**{family.name}** likelihood: the linear predictor sets `{family.mean}` through the link "
        f"(default {family.default_link}" + (f"; also {', '.join(others)})" if others else ")"),
        "options: `intercept = none`, `link = ...`",
    ]
    for aux in family.aux:
        prior = f"default prior {aux.default_prior}" if aux.default_prior else "required"
        lines.append(
            f"- `{aux.name}`: {aux.support.words}, "
            + ("a number or an observed column" if aux.fixed_only else f"{prior}; or fixed to a number or a column")
            + (f" (default: {aux.default})" if aux.default else "")
        )
    return "\n\n".join(lines)


def argument_markdown(call: str, name: str, in_node: bool) -> str | None:
    """A keyword argument of a distribution, a family (in a `node` statement) or a node type."""
    if in_node and call in FAMILIES:
        family = FAMILIES[call]
        if name == "intercept":
            return "`intercept = none` drops the intercept"
        if name == "link":
            return f"`link`: {', '.join(family.links)} (default {family.default_link}); links known: {', '.join(LINKS)}"
        aux = family.aux_param(name)
        if aux is not None:
            return f"`{name}` of {family.name}: {aux.support.words}" + (
                f", default prior {aux.default_prior}" if aux.default_prior else ""
            )
    if in_node and call == "categorical" and name == "levels":
        return "`levels = [...]`: the node's levels, in this order (a value outside them is an error, DS506)"
    dist = DISTRIBUTIONS.get(call)
    param = dist.param(name) if dist is not None else None
    if param is None:
        return None
    kind = param.support.words if param.kind == "scalar" else f"a {param.kind}"
    return f"`{name}` of {call}: {kind}, {default_words(param.default)}"
