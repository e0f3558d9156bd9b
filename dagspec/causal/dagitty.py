"""dagitty's graph syntax (`dag { x [exposure]; x -> y }`) ↔ CausalGraph."""

from __future__ import annotations

import re

from .graph import CausalGraph, CausalGraphError

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\f]+) | (?P<newline>\n) | (?P<comment>//[^\n]*|\#[^\n]*)
  | (?P<arrow><->|->|<-|--) | (?P<punct>[{}\[\];,=])
  | (?P<string>"(?:[^"\\\n]|\\.)*") | (?P<name>[^\s{}\[\];,="<>\-]+(?:-(?!>|-)[^\s{}\[\];,="<>\-]*)*)
""",
    re.X,
)

ATTRIBUTES = {"exposure", "outcome", "latent", "adjusted", "selected", "pos", "unobserved", "e", "o", "l", "a"}
_ALIASES = {"e": "exposure", "o": "outcome", "l": "latent", "a": "adjusted", "unobserved": "latent"}


class DagittyParseError(ValueError):
    def __init__(self, message: str, line: int, column: int, hint: str = ""):
        super().__init__(f"{line}:{column}: {message}")
        self.message, self.line, self.column, self.hint = message, line, column, hint


def _tokens(text: str):
    line, start = 1, 0
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise DagittyParseError(
                f"unexpected character {text[position]!r}",
                line,
                position - start + 1,
                "node names are words or double-quoted strings",
            )
        kind = match.lastgroup
        value = match.group()
        if kind == "newline":
            yield ("sep", "\n", line, position - start + 1)
            line, start = line + 1, match.end()
        elif kind == "punct" and value in ";":
            yield ("sep", value, line, position - start + 1)
        elif kind not in ("space", "comment"):
            if kind == "string":
                value = value[1:-1].replace('\\"', '"')
            yield (kind if kind != "punct" else value, value, line, position - start + 1)
        position = match.end()
    yield ("end", "", line, position - start + 1)


class _Parser:
    def __init__(self, text: str):
        self.tokens = list(_tokens(text))
        self.i = 0

    def peek(self):
        return self.tokens[self.i]

    def take(self, kind=None, what=""):
        token = self.tokens[self.i]
        if kind is not None and token[0] != kind:
            shown = "the end" if token[0] == "end" else repr(token[1])
            raise DagittyParseError(f"expected {what or kind}, found {shown}", token[2], token[3])
        self.i += 1
        return token

    def skip_separators(self):
        while self.peek()[0] == "sep":
            self.i += 1

    def parse(self) -> CausalGraph:
        self.skip_separators()
        kind, value, line, column = self.take("name", "`dag {`")
        if value in ("pdag", "mag", "pag", "digraph", "graph"):
            raise DagittyParseError(
                f"dagspec reads DAGs only, not {value!r} graphs", line, column, "write `dag { ... }`"
            )
        if value != "dag":
            raise DagittyParseError(
                f"expected `dag`, found {value!r}", line, column, "a dagitty graph starts with `dag {`"
            )
        self.skip_separators()
        if self.peek()[0] in ("name", "string"):
            self.take()  # an optional graph name
            self.skip_separators()
        self.take("{", "`{`")
        nodes: dict[str, set] = {}
        edges, bidirected = [], []
        positions: dict[str, str] = {}
        while True:
            self.skip_separators()
            token = self.peek()
            if token[0] == "}":
                self.take()
                break
            if token[0] == "end":
                raise DagittyParseError("the graph is not closed with `}`", token[2], token[3], "add `}` at the end")
            if token[0] == "name" and token[1] == "bb" and self.tokens[self.i + 1][0] == "=":
                self.take(), self.take(), self.take("string", "a quoted bounding box")
                continue
            groups = [self.group(nodes, positions)]
            arrows = []
            while self.peek()[0] == "arrow":
                arrow = self.take()
                if arrow[1] == "--":
                    raise DagittyParseError(
                        "undirected edges (`--`) are not part of a DAG",
                        arrow[2],
                        arrow[3],
                        "write `a -> b` or `a <-> b`",
                    )
                arrows.append(arrow[1])
                groups.append(self.group(nodes, positions))
            for arrow, left, right in zip(arrows, groups, groups[1:]):
                for a in left:
                    for b in right:
                        if arrow == "->":
                            edges.append((a, b))
                        elif arrow == "<-":
                            edges.append((b, a))
                        else:
                            bidirected.append((a, b))
            if self.peek()[0] not in ("sep", "}", "end"):
                token = self.peek()
                raise DagittyParseError(f"unexpected {token[1]!r}", token[2], token[3], "one statement per line or `;`")
        self.skip_separators()
        if self.peek()[0] != "end":
            token = self.peek()
            raise DagittyParseError(f"unexpected {token[1]!r} after the graph", token[2], token[3])
        marks = {
            mark: frozenset(n for n, m in nodes.items() if mark in m)
            for mark in ("latent", "exposure", "outcome", "adjusted")
        }
        try:
            return CausalGraph(
                tuple(nodes),
                tuple(dict.fromkeys(edges)),
                tuple(dict.fromkeys(bidirected)),
                positions=positions,
                **marks,
            )
        except CausalGraphError as exc:
            raise DagittyParseError(exc.message, 1, 1, exc.hint) from None

    def group(self, nodes: dict, positions: dict) -> list[str]:
        token = self.peek()
        if token[0] == "{":
            self.take()
            names = []
            while self.peek()[0] != "}":
                if self.peek()[0] in ("sep", ","):
                    self.take()
                    continue
                names += self.group(nodes, positions)
            self.take("}")
            return names
        kind, name, line, column = self.take()
        if kind not in ("name", "string"):
            raise DagittyParseError(
                f"expected a node name, found {name!r}" if kind != "end" else "expected a node name, found the end",
                line,
                column,
            )
        marks = nodes.setdefault(name, set())
        if self.peek()[0] == "[":
            self.take()
            while self.peek()[0] != "]":
                kind, attribute, line, column = self.take()
                if kind == ",":
                    continue
                if kind in ("sep", "end", "}"):
                    raise DagittyParseError("unclosed `[`", line, column, "close the attribute list with `]`")
                if kind != "name" or attribute not in ATTRIBUTES:
                    raise DagittyParseError(
                        f"unknown node attribute {attribute!r}",
                        line,
                        column,
                        "attributes: exposure, outcome, latent, adjusted, selected, pos",
                    )
                if self.peek()[0] == "=":
                    self.take()
                    value = self.take("string", "a quoted value")[1]
                    if attribute == "pos":
                        positions[name] = value
                    continue
                marks.add(_ALIASES.get(attribute, attribute))
            self.take("]")
        return [name]


def parse_dagitty(text: str) -> CausalGraph:
    """Read dagitty's `dag { ... }` text; raise DagittyParseError(message, line, column, hint) on bad input."""
    return _Parser(text).parse()


def _name(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else '"' + name.replace('"', '\\"') + '"'


def to_dagitty(graph: CausalGraph) -> str:
    """dagitty text for a graph (nodes with their marks, then edges), which parse_dagitty reads back."""
    lines = ["dag {"]
    for node in graph.nodes:
        marks = [
            m
            for m, names in (
                ("exposure", graph.exposure),
                ("outcome", graph.outcome),
                ("latent", graph.latent),
                ("adjusted", graph.adjusted),
            )
            if node in names
        ]
        if node in graph.positions:
            marks.append(f'pos="{graph.positions[node]}"')
        lines.append(f"{_name(node)}" + (f" [{','.join(marks)}]" if marks else ""))
    lines += [f"{_name(a)} -> {_name(b)}" for a, b in graph.edges]
    lines += [f"{_name(a)} <-> {_name(b)}" for a, b in graph.bidirected]
    return "\n".join(lines) + "\n}\n"


def to_spec_text(graph: CausalGraph) -> str:
    """dagspec text for a dagitty graph: its nodes, edges (a <-> b through an unobserved node), observed nodes
    (all but latent ones) and, when one exposure and one outcome are marked, an `estimate`."""
    lines = [f"node {_spec_name(n)}" for n in graph.nodes]
    hidden = []
    for a, b in graph.bidirected:
        name = f"U_{_spec_name(a)}_{_spec_name(b)}"
        hidden.append(name)
        lines += [f"node {name}", f"{name} -> {_spec_name(a)}", f"{name} -> {_spec_name(b)}"]
    lines += [f"{_spec_name(a)} -> {_spec_name(b)}" for a, b in graph.edges]
    observed = [_spec_name(n) for n in graph.nodes if n not in graph.latent]
    if observed:
        lines.append("observed " + ", ".join(observed))
    if len(graph.exposure) == 1 and len(graph.outcome) == 1:
        (x,), (y,) = graph.exposure, graph.outcome
        adjust = f" adjust {', '.join(_spec_name(n) for n in sorted(graph.adjusted))}" if graph.adjusted else ""
        lines.append(f"estimate {_spec_name(x)} -> {_spec_name(y)}{adjust}")
    return "\n".join(lines) + "\n"


def _spec_name(name: str) -> str:
    """dagitty names may hold any character; dagspec names are identifiers."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"n_{cleaned}"


# a whole text in dagitty's syntax (`dag { ... }`, or pdag/mag/pag), and a `dag { ... }` block among .dag statements
DAGITTY = re.compile(r"^\s*(dag|pdag|mag|pag)\b[^{]*\{", re.S)
BLOCK_START = re.compile(r"^[ \t]*dag\b[^{\n]*\{", re.M)


def expand_graph_blocks(text: str, declared: set[str]) -> str:
    """Replace each `dag { ... }` block inside a .dag spec by the equivalent node and edge statements, on the
    block's own lines (so that later line numbers do not move). Nodes the spec declares itself are not
    declared again; latent nodes stay unobserved because the spec's `observed` statements decide that."""
    while True:
        match = BLOCK_START.search(text)
        if match is None:
            return text
        depth, end = 0, None
        for i in range(match.end() - 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                end = i + 1
                break
        if end is None:
            line = text.count("\n", 0, match.start()) + 1
            raise DagittyParseError("the graph is not closed with `}`", line, 1, "add `}` at the end of the block")
        block = text[match.start() : end]
        try:
            graph = parse_dagitty(block)
        except DagittyParseError as exc:
            line = text.count("\n", 0, match.start())
            raise DagittyParseError(exc.message, exc.line + line, exc.column, exc.hint) from None
        statements = [f"node {_spec_name(n)}" for n in graph.nodes if _spec_name(n) not in declared]
        statements += [f"{_spec_name(a)} -> {_spec_name(b)}" for a, b in graph.edges]
        for a, b in graph.bidirected:
            hidden = f"U_{_spec_name(a)}_{_spec_name(b)}"
            statements += [f"node {hidden}", f"{hidden} -> {_spec_name(a)}", f"{hidden} -> {_spec_name(b)}"]
        text = text[: match.start()] + "; ".join(statements) + "\n" * block.count("\n") + text[end:]
