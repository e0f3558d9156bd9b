"""Diagnostics → the `check` command's output formats: short (ruff-like), full, json, github annotations."""

from __future__ import annotations

import json

FORMATS = ("short", "full", "json", "github")


def _escape_github(text: str) -> str:
    """A workflow command's message: %, CR and LF percent-encoded (GitHub's escaping rules)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value (file=, title=): also ':' and ',' encoded."""
    return _escape_github(text).replace(":", "%3A").replace(",", "%2C")


def _github(d) -> str:
    """`::error file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE::message (hint: ...)`"""
    level = "error" if d.is_error else "warning"
    where = f"file={_escape_property(d.file)}"
    if d.span.known:
        where += f",line={d.span.line},col={d.span.column},endLine={d.span.end_line},endColumn={d.span.end_column}"
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return f"::{level} {where},title={_escape_property(d.code)}::{_escape_github(message)}"


def render(diagnostics, fmt: str) -> str:
    """All diagnostics in one format; every format but json is one finding per line (full: a block each)."""
    if fmt == "json":
        return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"
    if fmt == "github":
        return "".join(_github(d) + "\n" for d in diagnostics)
    if fmt == "full":
        return "".join(d.full() + "\n\n" for d in diagnostics)
    return "".join(d.short() + "\n" for d in diagnostics)


def summary(errors: int, warnings: int, files: int) -> str:
    """`All 16 specs OK.` or `Found 2 errors and 1 warning in 3 files.`"""
    if not errors and not warnings:
        return f"All {files} spec{'s' if files != 1 else ''} OK."

    def plural(n, word):
        return f"{n} {word}{'s' if n != 1 else ''}"

    return f"Found {plural(errors, 'error')} and {plural(warnings, 'warning')} in {plural(files, 'file')}."
