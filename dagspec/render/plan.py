"""A Plan → readable text (`compile --emit plan`): coords, then every variable in build order, one per line."""

from __future__ import annotations

import numpy as np

from ..codegen.expressions import ExpressionPrinter
from ..families import FAMILIES
from ..plan import (
    Const,
    DataVar,
    DerivedVar,
    DistOf,
    Func,
    LikelihoodVar,
    ListOf,
    LogDensity,
    PriorPotential,
    RandomVariable,
)
from .report import inverse_link

_SHOWN_LEVELS = 6
_ATOM = 9


class _Names(dict):
    def __missing__(self, key):
        return key


class _Printer(ExpressionPrinter):
    """Plan expressions as dagspec-like text: `exp(x)`, `[a, b]`, `Normal(mu = 0, sigma = 1)`, short numbers."""

    def __init__(self):
        super().__init__(_Names(), dist_args=lambda dist, args: self.arguments(args))

    def arguments(self, args: dict) -> str:
        return ", ".join(f"{name} = {self(value)}" for name, value in args.items())

    def _expr(self, e):
        if isinstance(e, Const) and isinstance(e.value, np.ndarray):
            return _array(e.value), _ATOM
        if isinstance(e, Const) and isinstance(e.value, (float, np.floating)) and not float(e.value).is_integer():
            return f"{e.value:.6g}", _ATOM if e.value >= 0 else 3
        if isinstance(e, ListOf):
            return f"[{', '.join(self(i) for i in e.items)}]", _ATOM
        if isinstance(e, Func):
            return f"{e.name}({', '.join(self(a) for a in e.args)})", _ATOM
        if isinstance(e, DistOf):
            return f"{e.dist}({self.arguments(e.args)})", _ATOM
        return super()._expr(e)


def _array(values: np.ndarray) -> str:
    flat = values.ravel()
    shown = ", ".join(f"{v:g}" for v in flat[:_SHOWN_LEVELS])
    return f"array{values.shape}[{shown}{', …' if flat.size > _SHOWN_LEVELS else ''}]"


def _dims(dims) -> str:
    return f"[{', '.join(dims)}]" if dims else ""


def _levels(levels: list) -> str:
    shown = ", ".join(str(level) for level in levels[:_SHOWN_LEVELS])
    return shown + (", …" if len(levels) > _SHOWN_LEVELS else "")


def _data_row(entry: DataVar) -> tuple[str, str, str]:
    if entry.column is not None:
        what = f"column {entry.column}" + (" (level codes)" if entry.levels is not None else "")
    elif entry.count_columns is not None:
        what = "columns " + ", ".join(entry.count_columns)
    elif entry.recipe is not None:
        what = f"derived from the data ({entry.recipe.get('kind', 'optimizer')})"
    else:
        what = "observed values"
    return "data", f"{entry.name}{_dims(entry.dims)}", what


def _random_row(entry: RandomVariable, show) -> tuple[str, str, str]:
    text = f"~ {entry.dist}({show.arguments(entry.args)})"
    if entry.observed is not None:
        text += f", observed {show(entry.observed)}"
    notes = [entry.source] if entry.source and entry.source != entry.name else []
    notes += ["default prior" + (f", data-scaled: {entry.scaled}" if entry.scaled else "")] * entry.default_prior + (
        [entry.parameterisation] if entry.parameterisation else []
    )
    return "random", f"{entry.name}{_dims(entry.dims)}", text + (f"  ({'; '.join(notes)})" if notes else "")


def _likelihood_row(entry: LikelihoodVar, show) -> tuple[str, str, str]:
    parts = [entry.intercept] if entry.intercept else []
    for term in entry.terms:
        effect = term.param + (f"[{', '.join(term.index)}]" if term.index else "")
        if term.value is None:
            parts.append(effect)
        elif term.matmul:
            parts.append(f"{show(term.value, 2)} @ {effect}")
        else:
            parts.append(f"{effect} * {show(term.value, 3)}")
    eta = inverse_link(entry.link, " + ".join(parts) or "0")
    args = [f"{FAMILIES[entry.family].mean} = {eta}"] + [f"{name} = {show(value)}" for name, value in entry.aux.items()]
    return (
        "likelihood",
        f"{entry.name}{_dims(entry.dims)}",
        f"~ {entry.family}({', '.join(args)}), observed {entry.observed}",
    )


def plan_text(plan, title: str = "") -> str:
    """Every coord with its size and first levels, then every plan entry in the order the backend builds it."""
    show = _Printer()
    lines = [f"plan{' of ' + title if title else ''}" + (f" ({plan.n_obs} rows)" if plan.n_obs else ""), ""]
    if plan.coords:
        lines.append("coords")
        width = max(len(name) for name in plan.coords)
        for name, levels in plan.coords.items():
            size = f"{len(levels)} rows" if name == "__obs__" else f"{len(levels)} levels: {_levels(levels)}"
            lines.append(f"  {name.ljust(width)}  {size}")
        lines.append("")
    rows = []
    for entry in plan.entries:
        if isinstance(entry, DataVar):
            rows.append(_data_row(entry))
        elif isinstance(entry, RandomVariable):
            rows.append(_random_row(entry, show))
        elif isinstance(entry, DerivedVar):
            rows.append(("derived", f"{entry.name}{_dims(entry.dims)}", f"= {show(entry.expr)}"))
        elif isinstance(entry, LikelihoodVar):
            rows.append(_likelihood_row(entry, show))
        elif isinstance(entry, PriorPotential):
            rows.append(("potential", entry.name, f"{show(entry.value)} ~ {entry.dist}({show.arguments(entry.args)})"))
        elif isinstance(entry, LogDensity):
            rows.append(("log density", entry.name, f"= {show(entry.expr)}"))
        else:  # a plan entry this renderer does not know yet: still list it
            rows.append((type(entry).__name__, entry.name, ""))
    if rows:
        kinds, names = (max(len(r[i]) for r in rows) for i in (0, 1))
        lines.append("variables, in build order")
        lines += [f"  {kind.ljust(kinds)}  {name.ljust(names)}  {text}".rstrip() for kind, name, text in rows]
        lines.append("")
    if plan.notes:
        lines += ["optimizations (exact: same posterior)"] + [f"  {note}" for note in plan.notes] + [""]
    return "\n".join(lines).rstrip() + "\n"
