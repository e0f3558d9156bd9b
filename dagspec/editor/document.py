"""A .dag document's text → its analysis: the diagnostics `dagspec check` reports, and the best model of it that
can be had while it is being typed (lines with errors left out), plus what is under a position and where each
name is defined.

Positions are character offsets into the document's text; the language server converts them to and from the
editor's lines and columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import ir
from ..check import CheckedModel, check
from ..diagnostics import DagspecError, Diagnostic
from ..parse import parse_text
from ..source import Source, Span
from ..spec import Spec, spec_text

# How many lines with errors are left out, one parse or check at a time, before giving up on a model.
MAX_REPAIRS = 20
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*')


@dataclass(frozen=True)
class Range:
    """Offsets into the document's text: [start, end)."""

    start: int
    end: int


@dataclass
class Analysis:
    """What is known about one version of a document."""

    text: str
    diagnostics: list[Diagnostic]  # exactly what `dagspec check` reports, data checks included when data is at hand
    spec_ir: ir.SpecIR | None  # the statements that parse (lines with errors blanked out), if any do
    model: CheckedModel | None  # those statements checked, when they check
    line_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", self.text)]

    # ---- positions ----
    def offset(self, line: int, column: int) -> int:
        """A 1-based line and column of a span → an offset into the text, kept inside that line."""
        starts = self.line_starts
        if line < 1:
            return 0
        if line > len(starts):
            return len(self.text)
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return min(start + max(0, column - 1), end)

    def range_of(self, span: Span) -> Range:
        """A span (of the text or of the spec text dagitty blocks were expanded into, whose lines are the same) →
        a range of the document; an unknown span → the start of the document."""
        if not span.known:
            return Range(0, 0)
        start = self.offset(span.line, span.column)
        return Range(start, max(start, self.offset(span.end_line, span.end_column)))

    def name_range(self, name: ir.Name) -> Range:
        """Where a name is written: its span, or (inside an expanded dagitty block) the name on the same line."""
        found = self.range_of(name.span)
        if self.text[found.start : found.end] == name.id:
            return found
        line_start = self.offset(name.span.line, 1)  # a block's statements are all on its first line
        rest = code_only(self.text[line_start:])
        match = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name.id)}(?![A-Za-z0-9_])", rest)
        return Range(line_start + match.start(), line_start + match.end()) if match else Range(line_start, line_start)

    # ---- names ----
    def definitions(self) -> dict[str, ir.Name]:
        """Every name the spec defines → where: nodes (declared, or first used in an edge or `observed`), random
        variables, `let`s, and the names `as` gives to nodes and parameters."""
        found: dict[str, ir.Name] = {}
        if self.spec_ir is None:
            return found
        used: list[ir.Name] = []
        for statement in self.spec_ir.statements:
            for name in (defined_name(statement), alias_of(statement)):
                if name is not None:
                    found.setdefault(name.id, name)
            if isinstance(statement, ir.EdgeStmt):
                used += [name for group in statement.chain for name in group] + ([statement.by] if statement.by else [])
            elif isinstance(statement, ir.ObservedStmt):
                used += [item.name for item in statement.items]
        for name in used:
            found.setdefault(name.id, name)
        return found

    def node_names(self) -> list[str]:
        if self.model is not None:
            return list(self.model.nodes)
        statements = self.spec_ir.statements if self.spec_ir is not None else []
        aliases = {alias.id for alias in map(alias_of, statements) if alias is not None}
        return [name for name in self.definitions() if name not in aliases]


def defined_name(statement: ir.Statement) -> ir.Name | None:
    """The node a statement declares: `node x`, `a ~ Normal(...)`, `prior a ~ Normal(...)`, `let c = ...`."""
    if isinstance(statement, (ir.NodeDecl, ir.RandomVar, ir.LetStmt)):
        return statement.name
    if isinstance(statement, ir.PriorStmt) and statement.address.kind == "name" and statement.dist is not None:
        return statement.address.name
    return None


def alias_of(statement: ir.Statement) -> ir.Name | None:
    """The name `as` gives: to a node, a random variable, a parameter or an estimate's effect."""
    alias: ir.Name | None = getattr(statement, "alias", None)
    return alias


def analyse(text: str, path: Path | None = None) -> Analysis:
    """Check a document as `dagspec check` would (with the data checks when the data it names is at hand), and
    salvage a model of it for hovers and completions when it does not check."""
    name = str(path) if path is not None else "<untitled>"
    try:
        spec = Spec.from_text(text, name, path)
    except DagspecError as exc:
        spec_ir, model = _salvage(text, name)
        return Analysis(text, list(exc.diagnostics), spec_ir, model)
    return Analysis(text, spec.findings(named_files=True), spec.ir, spec.checked)


def _salvage(text: str, name: str) -> tuple[ir.SpecIR | None, CheckedModel | None]:
    """The statements of a spec with errors: blank out each line that has an error (keeping every other line and
    column where it is) until what is left parses and checks, or there is nothing left to blank."""
    try:
        text, name = spec_text(text, name)
    except DagspecError:
        pass  # a broken `dag { }` block: its lines are blanked like any other syntax error
    lines = text.split("\n")
    spec_ir = None
    for _ in range(MAX_REPAIRS):
        current = "\n".join(lines)
        try:
            parsed = parse_text(current, name)
        except DagspecError as exc:
            if not _blank(lines, exc.diagnostics[:1]):
                return spec_ir, None
            continue
        spec_ir = parsed
        try:
            return spec_ir, check(parsed, Source(current, name))
        except DagspecError as exc:
            if not _blank(lines, [d for d in exc.diagnostics if d.is_error]):
                return spec_ir, None
    return spec_ir, None


def _blank(lines: list[str], diagnostics: list[Diagnostic]) -> bool:
    """Replace the lines of these diagnostics by spaces; False when there is none left to blank."""
    numbers = {d.span.line for d in diagnostics if 0 < d.span.line <= len(lines) and lines[d.span.line - 1].strip()}
    for number in numbers:
        lines[number - 1] = " " * len(lines[number - 1])
    return bool(numbers)


def code_only(line: str) -> str:
    """A line with its strings' contents and its comment replaced by spaces (same length), so that what is left
    is code: `x ~ "a#b"  # c` → `x ~ "   "     `."""

    def blank(match: re.Match) -> str:
        value = match.group()
        if value.startswith('"'):
            return '"' + " " * max(0, len(value) - 2) + ('"' if len(value) > 1 and value.endswith('"') else " ")
        return " " * len(value)

    return _STRING_OR_COMMENT.sub(blank, line)


@dataclass(frozen=True)
class Cursor:
    """A position in a statement: the name under or just before it (`word`, possibly empty) and the code of the
    statement before and after that name (strings and comments blanked)."""

    word: str
    range: Range
    before: str
    after: str

    @property
    def head(self) -> str:
        """The statement's first word (`node`, `prior`, ... or a name)."""
        match = WORD.match(self.before.lstrip() or self.word)
        return match.group() if match else ""

    @property
    def at_start(self) -> bool:
        return not self.before.strip()


def cursor_at(text: str, offset: int) -> Cursor | None:
    """The cursor at an offset; None inside a string or a comment."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    raw = text[line_start : line_end if line_end >= 0 else len(text)]
    line = code_only(raw)
    column = offset - line_start
    if _inside_string_or_comment(raw, column):
        return None
    start = line.rfind(";", 0, column) + 1
    end = line.find(";", column)
    end = len(line) if end < 0 else end
    word_start, word_end = column, column
    while word_start > start and (line[word_start - 1].isalnum() or line[word_start - 1] == "_"):
        word_start -= 1
    while word_end < end and (line[word_end].isalnum() or line[word_end] == "_"):
        word_end += 1
    word = line[word_start:word_end]
    if word and word[0].isdigit():  # a number, not a name
        return None
    found = Range(line_start + word_start, line_start + word_end)
    return Cursor(word, found, line[start:word_start], line[word_end:end])


def _inside_string_or_comment(line: str, column: int) -> bool:
    for match in _STRING_OR_COMMENT.finditer(line):
        value = match.group()
        closed = value.startswith('"') and len(value) > 1 and value.endswith('"')
        if match.start() < column < match.end() or (column == match.end() > match.start() and not closed):
            return True
    return False


def enclosing_call(before: str) -> tuple[str, str] | None:
    """The call whose parentheses `before` (a statement's code up to a position) is inside: (its name, the code of
    the current argument so far), e.g. `prior a ~ Normal(0, sig` → ("Normal", " sig")."""
    depth = 0
    for index in range(len(before) - 1, -1, -1):
        char = before[index]
        if char in ")]":
            depth += 1
        elif char in "([":
            if depth == 0:
                if char == "[":
                    return None
                match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", before[:index])
                if match is None:
                    return None
                argument = before[index + 1 :]
                cut = _last_top_level_comma(argument)
                return match.group(1), argument[cut + 1 :]
            depth -= 1
    return None


def _last_top_level_comma(text: str) -> int:
    depth, found = 0, -1
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            found = index
    return found
