"""A position in a document → what may be written there: statement keywords, node names, parameter addresses
and names, distributions and families (after `~`), their argument names, links and node types."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..check.declarations import NODE_TYPES
from ..check.model import ROLE_WORDS
from ..dists import DISTRIBUTIONS, FUNCTIONS
from ..families import FAMILIES
from ..printer import call_text
from .document import Analysis, Cursor, Range, cursor_at, enclosing_call
from .hover import default_words

STATEMENT_KEYWORDS = ("node", "prior", "let", "observed", "estimate", "priors")
_KEYWORD_VALUE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # keyword, node, parameter, address, distribution, family, argument, link, type, function, value
    detail: str = ""
    insert_text: str | None = None


def complete(analysis: Analysis, offset: int) -> tuple[Range, list[Completion]]:
    """The range the completion replaces (the name typed so far) and the candidates, in a useful order."""
    cursor = cursor_at(analysis.text, offset)
    if cursor is None:
        return Range(offset, offset), []
    typed = Range(cursor.range.start, max(cursor.range.start, min(offset, cursor.range.end)))
    return typed, _candidates(analysis, cursor)


def _candidates(analysis: Analysis, cursor: Cursor) -> list[Completion]:
    before, head = cursor.before, cursor.head
    if cursor.at_start:  # the statement's first word
        return [Completion(word, "keyword") for word in STATEMENT_KEYWORDS] + _nodes(analysis)
    call = enclosing_call(before)
    if call is not None:
        return _in_call(analysis, call[0], call[1], in_node=head == "node")
    if before.rstrip().endswith("~"):
        if head == "node":
            return [_family(name) for name in FAMILIES]
        return [_distribution(name) for name in DISTRIBUTIONS]
    if head == "node" and re.fullmatch(r"\s*node\s+\w+\s*:\s*", before):
        return [Completion(name, "type", "node type") for name in NODE_TYPES]
    if head == "prior":
        return _in_prior(analysis, before)
    if re.search(r"\b(as|from)\s*$", before):
        return []  # a new name, or a file name
    if head == "let" and "=" in before:
        return _values(analysis)
    return _nodes(analysis)


def _in_call(analysis: Analysis, name: str, argument: str, in_node: bool) -> list[Completion]:
    keyword = _KEYWORD_VALUE.match(argument)
    family = FAMILIES.get(name) if in_node else None
    if keyword is not None:
        if family is not None and keyword.group(1) == "link":
            return [Completion(link, "link", f"{family.name} link") for link in family.links]
        if family is not None and keyword.group(1) == "intercept":
            return [Completion("none", "keyword", "no intercept")]
        dist = DISTRIBUTIONS.get(name)
        param = dist.param(keyword.group(1)) if dist is not None else None
        if param is not None and param.kind == "dist":
            return [_distribution(d) for d in DISTRIBUTIONS]
        return _values(analysis)
    if argument.strip():
        return _values(analysis)
    if family is not None:
        options = [
            Completion("intercept", "argument", "intercept = none drops it", "intercept = "),
            Completion("link", "argument", f"default {family.default_link}", "link = "),
        ]
        return options + [Completion(a.name, "argument", a.support.words, f"{a.name} = ") for a in family.aux]
    if in_node and name == "categorical":
        return [Completion("levels", "argument", "the levels, in order", "levels = ")]
    if in_node and name == "matrix":
        return [Completion("columns", "argument", "the column names, in order", "columns = ")]
    dist = DISTRIBUTIONS.get(name)
    arguments = (
        []
        if dist is None
        else [
            Completion(p.name, "argument", f"{p.support.words}, {default_words(p.default)}", f"{p.name} = ")
            for p in dist.params
        ]
    )
    return arguments + _values(analysis)


def _in_prior(analysis: Analysis, before: str) -> list[Completion]:
    model = analysis.model
    if re.fullmatch(r"\s*prior\s+", before):
        params = model.params.values() if model is not None else []
        addresses = [
            Completion(
                p.address, "address", f"{p.name} ~ {call_text(p.prior)}" + (" (default)" if p.default_prior else "")
            )
            for p in params
        ]
        return addresses + _nodes(analysis)
    node = re.fullmatch(r"\s*prior\s+(\w+)\s*\.\s*", before)
    if node is not None:
        if model is None:
            return []
        prefix = node.group(1) + "."
        return [
            Completion(p.address[len(prefix) :], "parameter", f"{p.name} ~ {call_text(p.prior)}")
            for p in model.params.values()
            if p.address.startswith(prefix)
        ]
    if re.search(r"\b(as)\s*$", before):
        return []
    return _nodes(analysis)


def _nodes(analysis: Analysis) -> list[Completion]:
    model = analysis.model
    if model is None:
        return [Completion(name, "node") for name in analysis.node_names()]
    return [Completion(node.name, "node", ROLE_WORDS[node.role]) for node in model.nodes.values()]


def _values(analysis: Analysis) -> list[Completion]:
    """What an expression may name: nodes with values, parameters and functions."""
    model = analysis.model
    if model is None:
        nodes = _nodes(analysis)
    else:
        nodes = [Completion(n.name, "node", ROLE_WORDS[n.role]) for n in model.nodes.values() if n.has_values]
        nodes += [Completion(p.name, "parameter", f"{p.address} ~ {call_text(p.prior)}") for p in model.params.values()]
    return nodes + [Completion(name, "function", f"{name}(x)") for name in FUNCTIONS]


def _distribution(name: str) -> Completion:
    dist = DISTRIBUTIONS[name]
    return Completion(name, "distribution", f"{name}({', '.join(dist.param_names)}), e.g. {dist.example}")


def _family(name: str) -> Completion:
    family = FAMILIES[name]
    return Completion(name, "family", f"likelihood; mean {family.mean}, link {family.default_link}")
