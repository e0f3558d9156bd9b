"""Source text → spans (line, column, offsets) and excerpts with a caret under the span."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """Where something is in a source file: 1-based line and column, 0-based character offsets."""

    model_config = ConfigDict(frozen=True)

    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    start: int = 0
    end: int = 0

    @property
    def known(self) -> bool:
        return self.line > 0


NO_SPAN = Span()
EXCERPT_WIDTH = 100  # characters of a long source line shown around a span
BOM = "\ufeff"


def without_bom(text: str) -> str:
    """The text without a leading UTF-8 byte order mark (some Windows editors write one)."""
    return text.removeprefix(BOM)


@dataclass(frozen=True)
class Source:
    """A named piece of .dag text."""

    text: str
    name: str = "<string>"

    def span_at(self, offset: int, length: int = 1) -> Span:
        """The span of `length` characters starting at character `offset`."""
        offset = max(0, min(offset, len(self.text)))
        end = max(offset, min(len(self.text), offset + length))
        line, column = self.position(offset)
        end_line, end_column = self.position(end)
        return Span(line=line, column=column, end_line=end_line, end_column=end_column, start=offset, end=end)

    def span_of_line(self, line: int, column: int, length: int = 1) -> Span:
        """The span at a 1-based line and column."""
        lines = self.text.split("\n")
        offset = sum(len(text) + 1 for text in lines[: max(0, line - 1)]) + max(0, column - 1)
        return self.span_at(offset, length)

    def position(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        line_start = self.text.rfind("\n", 0, offset) + 1
        return line, offset - line_start + 1

    def line_text(self, line: int) -> str:
        lines = self.text.split("\n")
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def excerpt(self, span: Span) -> str:
        """The source line of `span` with a caret (and tildes) under the spanned characters.

        A line longer than EXCERPT_WIDTH is cut to that many characters around the span, marked with `…`.
        """
        if not span.known:
            return ""
        text = self.line_text(span.line).replace("\t", " ")
        column = span.column
        width = span.end_column - span.column if span.end_line == span.line else len(text) - span.column + 1
        if len(text) > EXCERPT_WIDTH:
            first = max(0, min(column - 1 - EXCERPT_WIDTH // 4, len(text) - EXCERPT_WIDTH))
            last = first + EXCERPT_WIDTH
            text = ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")
            column = column - first + (1 if first else 0)
            width = min(width, len(text) - column + 1)
        width = max(1, width)
        gutter = f"{span.line:>4} | "
        marker = " " * len(gutter[:-2]) + "| " + " " * (column - 1) + "^" + "~" * (width - 1)
        return f"{gutter}{text}\n{marker}"
