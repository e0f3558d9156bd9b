"""Diagnostics → the `check` command's output formats: short (ruff-like), full, json, github annotations."""
from __future__ import annotations

import json

FORMATS = ("short", "full", "json", "github")


def _escape_github(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github(d) -> str:
    level = "error" if d.is_error else "warning"
    where = f"file={d.file}"
    if d.span.known:
        where += f",line={d.span.line},col={d.span.column},endLine={d.span.end_line},endColumn={d.span.end_column}"
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return f"::{level} {where},title={d.code}::{_escape_github(message)}"


def render(diagnostics, fmt: str) -> str:
    if fmt == "json":
        return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"
    if fmt == "github":
        return "".join(_github(d) + "\n" for d in diagnostics)
    if fmt == "full":
        return "".join(d.full() + "\n\n" for d in diagnostics)
    return "".join(d.short() + "\n" for d in diagnostics)


def summary(errors: int, warnings: int, files: int) -> str:
    if not errors and not warnings:
        return f"All {files} spec{'s' if files != 1 else ''} OK."
    def plural(n, word):
        return f"{n} {word}{'s' if n != 1 else ''}"
    return f"Found {plural(errors, 'error')} and {plural(warnings, 'warning')} in {plural(files, 'file')}."
