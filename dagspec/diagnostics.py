"""Problems found in a spec or its data → Diagnostic objects, DagspecError, and their text/JSON renderings."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field

from .codes import CODES, Severity
from .source import NO_SPAN, Source, Span


@dataclass(frozen=True)
class Diagnostic:
    """One coded finding: what is wrong, where, and how to fix it."""

    code: str
    message: str
    span: Span = NO_SPAN
    hint: str = ""
    file: str = "<string>"
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def location(self) -> str:
        if not self.span.known:
            return self.file
        return f"{self.file}:{self.span.line}:{self.span.column}"

    def short(self) -> str:
        """`file:line:col: severity CODE message`, as ruff and mypy print it."""
        return f"{self.location}: {self.severity} {self.code} {self.message}"

    def full(self) -> str:
        """The short line, the source line with a caret, and the hint."""
        parts = [self.short()]
        if self.source is not None and self.span.known:
            parts.append(self.source.excerpt(self.span))
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "hint": self.hint,
        }


MAX_PER_CODE = 20  # findings of one code kept; the rest are counted in one DS119 (docs/language.md)


class Diagnostics:
    """Collects diagnostics for one source; checks append, never raise.

    Only the first MAX_PER_CODE findings of each code are kept: the others are counted in one DS119 at the
    first of them, so that a huge spec with one mistake repeated costs memory for a screenful of messages.
    """

    def __init__(self, source: Source | None = None):
        self.source = source
        self.items: list[Diagnostic] = []
        self._counts: dict[str, int] = {}
        self._more: dict[str, int] = {}  # code → where in items its DS119 is

    def add(self, code: str, span: Span = NO_SPAN, hint: str | None = None, **fields) -> Diagnostic:
        diagnostic = self._diagnostic(code, span, hint, fields)
        self._counts[code] = self._counts.get(code, 0) + 1
        more = self._counts[code] - MAX_PER_CODE
        if more <= 0:
            self.items.append(diagnostic)
        elif code not in self._more:  # the first finding not shown: the DS119 goes here
            self._more[code] = len(self.items)
            self.items.append(self._more_of(code, more, span))
        else:
            at = self._more[code]
            self.items[at] = self._more_of(code, more, self.items[at].span)
        return diagnostic

    def _more_of(self, code: str, count: int, span: Span) -> Diagnostic:
        fields = {"count": f"{count:,}", "code": code, "title": CODES[code].title, "shown": MAX_PER_CODE}
        return self._diagnostic("DS119", span, None, fields)

    def _diagnostic(self, code: str, span: Span, hint: str | None, fields: dict) -> Diagnostic:
        template = CODES[code]
        return Diagnostic(
            code=code,
            message=template.message.format(**fields),
            span=span,
            hint=hint if hint is not None else template.hint.format(**fields),
            file=self.source.name if self.source else "<string>",
            source=self.source,
        )

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise DagspecError(sorted_diagnostics(self.items))


def sorted_diagnostics(items: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(items, key=lambda d: (d.file, d.span.line, d.span.column, d.code))


class DagspecError(Exception):
    """A user error: carries the diagnostics that explain it. Never a bug in dagspec."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__(self.render())

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def render(self, full: bool = True) -> str:
        return "\n".join(d.full() if full else d.short() for d in self.diagnostics)


def error(
    code: str, span: Span = NO_SPAN, source: Source | None = None, hint: str | None = None, **fields
) -> DagspecError:
    """A DagspecError carrying one diagnostic (for errors found outside a check pass, e.g. in data)."""
    found = Diagnostics(source)
    found.add(code, span, hint=hint, **fields)
    return DagspecError(found.items)


class DagspecWarning(UserWarning):
    """A coded finding the Python API reports without stopping (sampler health, the step cache, a fallback to
    NUTS, a spec's check warnings): `.code` is its code, `.diagnostic` the whole finding. Filter by class or
    code, e.g. `warnings.filterwarnings("error", category=dagspec.DagspecWarning)` in CI."""

    def __init__(self, diagnostic: Diagnostic | str):
        if isinstance(diagnostic, str):  # rebuilt from its text, as pytest-xdist passes warnings between processes
            text = diagnostic
            code = re.search(r"\bDS\d{3}\b", text)
            diagnostic = Diagnostic(code[0] if code else "", text)
        else:
            hint = f" (hint: {diagnostic.hint})" if diagnostic.hint else ""
            where = f"{diagnostic.location}: " if diagnostic.span.known else ""
            text = f"{where}{diagnostic.code} {diagnostic.message}{hint}"
        self.diagnostic = diagnostic
        self.code = diagnostic.code
        super().__init__(text)


def warn(diagnostic: Diagnostic, stacklevel: int = 3) -> None:
    """Report a finding as a DagspecWarning (`stacklevel` 3: the caller of the function that calls this)."""
    warnings.warn(DagspecWarning(diagnostic), stacklevel=stacklevel)


def finding(code: str, file: str = "<string>", **fields) -> Diagnostic:
    """A Diagnostic without a spec position (about a run, a file or the cache rather than a line of a spec)."""
    template = CODES[code]
    return Diagnostic(code, template.message.format(**fields), hint=template.hint.format(**fields), file=file)


def to_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2)
