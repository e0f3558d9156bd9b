""".dag text → SpecIR via a Lark LALR parser; syntax errors become coded diagnostics with spans."""

from __future__ import annotations

import math
import re
import sys
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import ir
from .diagnostics import Diagnostics
from .source import Source, Span, without_bom

GRAMMAR_NAME = "dagspec.lark"


def _grammar_path() -> Path:
    """grammars/ of the source tree (editable installs), else the copy a wheel installs under share/dagspec."""
    in_tree = Path(__file__).resolve().parent.parent / "grammars" / GRAMMAR_NAME
    return in_tree if in_tree.exists() else Path(sys.prefix) / "share" / "dagspec" / GRAMMAR_NAME


MAX_SPEC_CHARACTERS = 1_000_000
MAX_NESTING = 100  # levels of operators, calls, lists and subscripts in one expression (docs/language.md)
# The rules that build an expression node, so add a level of nesting (parentheses build none).
_NESTING_RULES = frozenset(
    {"add", "sub", "mul", "div", "pow", "compare", "and_", "or_", "neg", "index", "slice", "list", "call", "keyword"}
)
_ESCAPE = re.compile(r"\\(.)", re.S)  # a backslash and the character it escapes, inside a string
ESCAPES = ('"', "\\")  # the characters a backslash may escape
KEYWORDS = (
    "node",
    "prior",
    "let",
    "observed",
    "from",
    "as",
    "by",
    "estimate",
    "priors",
    "adjust",
    "direct",
    "where",
    "and",
    "or",
)

# How each terminal is named in "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "_NEWLINE": "a new line",
    "$END": "the end of the spec",
    "PARAMETERISATION": "`centered` or `noncentered`",
    "DIRECT": "`direct`",
    "NONE": "`none`",
    "COMPARE": "a comparison",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_grammar_path().read_text(), parser="lalr", propagate_positions=True, maybe_placeholders=True)


def parse_text(text: str, name: str = "<string>") -> ir.SpecIR:
    """Parse .dag text into the IR; raise DagspecError with the syntax diagnostics on bad syntax.

    A leading UTF-8 byte order mark is dropped (as editors do), so columns count from the first character after it.
    """
    text = without_bom(text)
    source = Source(text, name)
    found = Diagnostics(source)
    if len(text) > MAX_SPEC_CHARACTERS:
        found.add("DS109", source.span_at(0, 0), size=f"{len(text):,}", limit=f"{MAX_SPEC_CHARACTERS:,}")
        found.raise_if_errors()
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        found.add("DS106", source.span_at(0, 0))
        found.raise_if_errors()
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        _syntax_diagnostic(exc, source, found)
        found.raise_if_errors()
        raise  # pragma: no cover - _syntax_diagnostic always adds an error
    _lexical_problems(tree, found)
    found.raise_if_errors()
    spec = _ToIR().transform(tree)
    if not spec.statements:  # only separators, e.g. `;`
        found.add("DS106", source.span_at(0, 0))
        found.raise_if_errors()
    return spec.model_copy(update={"name": name})


def _lexical_problems(tree: Tree, found: Diagnostics) -> None:
    """What the grammar lets through but the language forbids: names with `__`, unknown escapes, numbers that
    overflow, and expressions nested deeper than MAX_NESTING. Walks the tree with a stack, not recursion, so
    that nothing recurses over an expression deeper than the limit."""
    stack: list[tuple[Tree | Token | None, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Token):
            _check_token(node, found)
        elif isinstance(node, Tree):
            if node.data in _NESTING_RULES:
                depth += 1
                if depth > MAX_NESTING:
                    found.add("DS114", _meta_span(node.meta), limit=MAX_NESTING)
                    continue
            stack.extend((child, depth) for child in reversed(node.children))


def _check_token(token: Token, found: Diagnostics) -> None:
    if token.type == "NAME" and "__" in token:
        found.add("DS111", _token_span(token), name=str(token), suggestion=re.sub("__+", "_", token))
    elif token.type == "STRING":
        for escape in _ESCAPE.finditer(token, 1, len(token) - 1):
            if escape.group(1) not in ESCAPES:
                found.add("DS112", _span_in_token(token, escape.start(), 2), escape=escape.group(0))
    elif token.type == "NUMBER":
        value, mantissa = float(token), re.split("[eE]", token)[0]
        if math.isinf(value):
            found.add(
                "DS113", _token_span(token), text=str(token), why="it is beyond the largest double, about 1.8e308"
            )
        elif value == 0 and re.search("[1-9]", mantissa):
            found.add("DS113", _token_span(token), text=str(token), why="it is so close to zero that it would become 0")


def _expected_words(expected: set[str]) -> str:
    parser = _parser()
    patterns = {t.name: t.pattern for t in parser.terminals}
    words = []
    for term in sorted(expected):
        if term in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[term])
        elif term in patterns and patterns[term].type == "str":
            words.append(repr(patterns[term].value).replace("'", "`"))
        elif term.startswith("__ANON") and term in patterns:
            words.append(f"`{patterns[term].value}`")
        else:
            words.append(term.lower())
    words = sorted(set(words))
    if len(words) > 6:
        words = words[:6] + ["..."]
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_diagnostic(exc: UnexpectedInput, source: Source, found: Diagnostics) -> None:
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        char = source.text[position] if position < len(source.text) else ""
        span = source.span_at(position, 1)
        if char == '"':
            found.add("DS103", source.span_at(position, len(source.line_text(span.line)) - span.column + 1))
        elif source.text.startswith("<-", position):
            found.add("DS102", span, char=char, hint="edges point forwards: write `b -> a` for `a <- b`")
        elif char == "\t":
            found.add("DS102", span, char=char, hint="tabs are fine between words; this one is inside a token")
        else:
            found.add("DS102", span, char=char)
        return
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        span = source.span_at(len(source.text.rstrip()), 0)
        found.add("DS104", span, expected=_expected_words(set(exc.expected)))
        return
    assert isinstance(exc, UnexpectedToken)
    token: Token = exc.token
    span = _token_span(token)
    miscased = _miscased_keyword(source, token)
    if miscased is not None:
        word, word_span = miscased
        found.add("DS105", word_span, found=word, keyword=word.lower())
        return
    if token.type == "_NEWLINE":
        what = "end of line"
    elif token.type == "NAME":
        what = f"name {token.value!r}"
    else:
        what = f"{token.value!r}"
    rest = source.text[token.start_pos or 0 :]
    if rest.startswith("<-"):  # `<` is a comparison now, so `a <- b` fails at a token, not a character
        found.add(
            "DS102",
            source.span_at(token.start_pos or 0, 1),
            char="<",
            hint="edges point forwards: write `b -> a` for `a <- b`",
        )
        return
    hint = "edges are written `a -> b`" if rest.startswith(("=>", "-->", "→")) else None
    found.add("DS101", span, hint=hint, found=what, expected=_expected_words(set(exc.expected)))


def _miscased_keyword(source: Source, token: Token) -> tuple[str, Span] | None:
    """`Node x`, `PRIOR ...`: a keyword in the wrong case at the start of the failing statement."""
    line = source.line_text(token.line or 0)
    statement_start = line.rfind(";", 0, max(0, (token.column or 1) - 1)) + 1
    stripped = line[statement_start:].lstrip()
    word = stripped.split(" ", 1)[0] if stripped else ""
    if word.lower() in KEYWORDS and word not in KEYWORDS:
        column = statement_start + (len(line[statement_start:]) - len(stripped)) + 1
        return word, source.span_of_line(token.line or 0, column, len(word))
    return None


def _span_in_token(token: Token, offset: int, length: int) -> Span:
    """The span of `length` characters `offset` characters into a one-line token."""
    start, column = (token.start_pos or 0) + offset, (token.column or 0) + offset
    return Span(
        line=token.line or 0,
        column=column,
        end_line=token.line or 0,
        end_column=column + length,
        start=start,
        end=start + length,
    )


def _token_span(token: Token) -> Span:
    return Span(
        line=token.line or 0,
        column=token.column or 0,
        end_line=token.end_line or token.line or 0,
        end_column=token.end_column or token.column or 0,
        start=token.start_pos or 0,
        end=token.end_pos or 0,
    )


def _meta_span(meta) -> Span:
    if getattr(meta, "empty", True):
        return Span()
    return Span(
        line=meta.line,
        column=meta.column,
        end_line=meta.end_line,
        end_column=meta.end_column,
        start=meta.start_pos,
        end=meta.end_pos,
    )


def _name(token: Token) -> ir.Name:
    return ir.Name(id=str(token), span=_token_span(token))


@v_args(meta=True)
class _ToIR(Transformer_NonRecursive):
    """Lark tree → IR nodes, one method per grammar rule (without recursion: a tree may be MAX_NESTING deep)."""

    def start(self, meta, items):
        return ir.SpecIR(statements=[i for i in items if isinstance(i, ir.IRNode)], span=_meta_span(meta))

    # statements
    def node_decl(self, meta, items):
        name, node_type, family, alias = items
        return ir.NodeDecl(name=_name(name), type=node_type, family=family, alias=alias, span=_meta_span(meta))

    def node_type(self, meta, items):
        return _call(meta, items)

    def family(self, meta, items):
        return _call(meta, items)

    def alias(self, meta, items):
        return _name(items[0])

    def edge_stmt(self, meta, items):
        *groups, by = items
        chain = list(groups)
        return ir.EdgeStmt(chain=chain, by=by, span=_meta_span(meta))

    def name_list(self, meta, items):
        return [_as_name(i) for i in items]

    def interaction(self, meta, items):
        return ir.Name(id=items[0].name, times=_as_name(items[1]), span=_meta_span(meta))

    def smooth(self, meta, items):
        """`spline(x, ...)` in an edge: the name is the call's first argument (DS155 when it is not a name)."""
        call = _call(meta, items)
        first = call.args[0] if call.args else None
        return ir.Name(id=first.name if isinstance(first, ir.Ref) else "", smooth=call, span=_meta_span(meta))

    def smooth_param_address(self, meta, items):
        source, target, param = items
        return ir.Address(
            kind="edge", source=_as_name(source), target=_as_name(target), param=_name(param), span=_meta_span(meta)
        )

    def interaction_address(self, meta, items):
        source, times, target = items
        return ir.Address(
            kind="edge", source=_as_name(source), times=_as_name(times), target=_as_name(target), span=_meta_span(meta)
        )

    def by_clause(self, meta, items):
        return _as_name(items[0])

    def prior_stmt(self, meta, items):
        address, dist, value, alias, parameterisation = items
        return ir.PriorStmt(
            address=address,
            dist=dist,
            value=value,
            alias=alias,
            span=_meta_span(meta),
            parameterisation=str(parameterisation) if parameterisation else None,
        )

    def fixed_value(self, meta, items):
        return items[0]

    def param_address(self, meta, items):
        return ir.Address(kind="param", node=_as_name(items[0]), param=_name(items[1]), span=_meta_span(meta))

    def edge_address(self, meta, items):
        source, target, by = items
        return ir.Address(kind="edge", source=_as_name(source), target=_as_name(target), by=by, span=_meta_span(meta))

    def name_address(self, meta, items):
        return ir.Address(kind="name", name=_as_name(items[0]), span=_meta_span(meta))

    def random_var(self, meta, items):
        name, dist, alias = items
        return ir.RandomVar(name=_name(name), dist=dist, alias=alias, span=_meta_span(meta))

    def let_stmt(self, meta, items):
        return ir.LetStmt(name=_name(items[0]), value=items[1], span=_meta_span(meta))

    def observed_stmt(self, meta, items):
        *obs, source, where = items
        string = ir.String(value=_unquote(source), span=_token_span(source)) if source is not None else None
        return ir.ObservedStmt(items=obs, source=string, where=where, span=_meta_span(meta))

    def where_clause(self, meta, items):
        return items[0]

    def observed_item(self, meta, items):
        ref, value = items
        return ir.ObservedItem(name=_as_name(ref), value=value, span=_meta_span(meta))

    def estimate_stmt(self, meta, items):
        direct, exposure, outcome, adjust, alias = items
        return ir.EstimateStmt(
            exposure=_name(exposure),
            outcome=_name(outcome),
            direct=direct is not None,
            adjust=adjust,
            alias=alias,
            span=_meta_span(meta),
        )

    def priors_stmt(self, meta, items):
        return ir.PriorsStmt(mode=_name(items[0]), span=_meta_span(meta))

    def adjust_clause(self, meta, items):
        return [_name(token) for token in items if token.type == "NAME"]

    # expressions
    def add(self, meta, items):
        return _binop("+", meta, items)

    def sub(self, meta, items):
        return _binop("-", meta, items)

    def mul(self, meta, items):
        return _binop("*", meta, items)

    def div(self, meta, items):
        return _binop("/", meta, items)

    def pow(self, meta, items):
        return _binop("**", meta, items)

    def compare(self, meta, items):
        return _binop(str(items[1]), meta, [items[0], items[2]])

    def and_(self, meta, items):
        return _binop("and", meta, items)

    def or_(self, meta, items):
        return _binop("or", meta, items)

    def neg(self, meta, items):
        return ir.Neg(operand=items[0], span=_meta_span(meta))

    def index(self, meta, items):
        return ir.Index(target=items[0], subscripts=items[1:], span=_meta_span(meta))

    def slice(self, meta, items):
        start, stop = items
        return ir.Slice(start=start, stop=stop, span=_meta_span(meta))

    def number(self, meta, items):
        text = str(items[0])
        return ir.Number(value=float(text), text=text, span=_meta_span(meta))

    def string(self, meta, items):
        return ir.String(value=_unquote(items[0]), span=_meta_span(meta))

    def list(self, meta, items):
        return ir.ListExpr(items=[i for i in items if i is not None], span=_meta_span(meta))

    def call(self, meta, items):
        return _call(meta, items)

    def call_args(self, meta, items):
        return [i for i in items if i is not None]

    smooth_args = call_args

    def keyword(self, meta, items):
        return ir.Keyword(name=str(items[0]), value=items[1], span=_meta_span(meta))

    def ref(self, meta, items):
        return ir.Ref(name=str(items[0]), span=_token_span(items[0]))


def _binop(op, meta, items) -> ir.BinOp:
    return ir.BinOp(op=op, left=items[0], right=items[1], span=_meta_span(meta))


def _call(meta, items) -> ir.Call:
    name, args = items
    positional = [a for a in (args or []) if not isinstance(a, ir.Keyword)]
    keywords = [a for a in (args or []) if isinstance(a, ir.Keyword)]
    return ir.Call(func=str(name), args=positional, kwargs=keywords, bare=args is None, span=_meta_span(meta))


def _as_name(ref) -> ir.Name:
    if isinstance(ref, ir.Name):
        return ref
    return ir.Name(id=ref.name, span=ref.span)


def _unquote(token) -> str:
    """A string literal's text as written, its escapes (`\\"`, `\\\\`: checked in _lexical_problems) resolved."""
    return _ESCAPE.sub(r"\1", str(token)[1:-1])
