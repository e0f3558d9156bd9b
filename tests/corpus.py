"""A bad-spec corpus file → the diagnostics dagspec reports for it (parse, check, then data and plan)."""

import warnings
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
        with warnings.catch_warnings(record=True) as caught:  # what only the plan finds (`priors auto`)
            warnings.simplefilter("always", dagspec.DagspecWarning)
            spec.plan()
        found += [w.message.diagnostic for w in caught if isinstance(w.message, dagspec.DagspecWarning)]
        found = list(dict.fromkeys(found))
    except dagspec.DagspecError as exc:
        found += exc.diagnostics
    return found


def render(diagnostics) -> str:
    return "".join(f"{d.code} {d.span.line}:{d.span.column} {d.severity}: {d.message}\n" for d in diagnostics)
