"""A bad-spec corpus file → the diagnostics dagspec reports for it (parse, check, then data and plan)."""

from pathlib import Path

import dagspec


def diagnostics_for(path: Path) -> list:
    try:
        spec = dagspec.load(path)
    except dagspec.DagspecError as exc:
        return exc.diagnostics
    found = list(spec.warnings)
    try:
        found += spec.columns().warnings
        spec.plan()
    except dagspec.DagspecError as exc:
        found += exc.diagnostics
    return found


def render(diagnostics) -> str:
    return "".join(f"{d.code} {d.span.line}:{d.span.column} {d.severity}: {d.message}\n" for d in diagnostics)
