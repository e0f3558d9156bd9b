"""Distribution calls and expressions in the IR → diagnostics for unknown names, arguments and supports."""

from __future__ import annotations

import math

from .. import ir
from ..diagnostics import Diagnostics
from ..dists import DISTRIBUTIONS, FUNCTIONS, OPTIONAL, REQUIRED, Dist, Support, closest


def const_value(expr) -> float | None:
    """The value of an expression made only of numbers and arithmetic, else None."""
    if isinstance(expr, ir.Number):
        return expr.value
    if isinstance(expr, ir.Neg):
        inner = const_value(expr.operand)
        return None if inner is None else -inner
    if isinstance(expr, ir.BinOp):
        left, right = const_value(expr.left), const_value(expr.right)
        if left is None or right is None or expr.op not in ("+", "-", "*", "/", "**"):
            return None
        try:
            return {
                "+": left + right,
                "-": left - right,
                "*": left * right,
                "/": left / right if right else math.nan,
                "**": left**right,
            }[expr.op]
        except (OverflowError, ZeroDivisionError, ValueError):
            return math.nan
    return None


def bind_arguments(call: ir.Call, dist: Dist, found: Diagnostics) -> dict[str, ir.Expr]:
    """Match a call's positional and keyword arguments to the distribution's parameters, reporting slips."""
    bound: dict[str, ir.Expr] = {}
    names = dist.param_names
    positional_names = [
        p.name for p in dist.params if not (dist.one_of and p.default is OPTIONAL and p.name not in dist.one_of[0])
    ]
    example = dist.example
    if len(call.args) > len(positional_names):
        found.add(
            "DS405",
            call.args[len(positional_names)].span,
            dist=dist.name,
            count=len(positional_names),
            params=", ".join(positional_names) or "none",
            example=example,
        )
    for name, value in zip(positional_names, call.args):
        bound[name] = value
    for keyword in call.kwargs:
        name = {pymc: ours for ours, pymc in dist.aliases.items()}.get(keyword.name, keyword.name)
        if name not in names:
            suggestion = closest(keyword.name, names)
            found.add(
                "DS402",
                keyword.span,
                dist=dist.name,
                param=keyword.name,
                params=", ".join(names) + (f" (did you mean {suggestion!r}?)" if suggestion else ""),
            )
        elif name in bound:
            found.add("DS406", keyword.span, dist=dist.name, param=name)
        else:
            bound[name] = keyword.value
    if dist.one_of:
        groups = [g for g in dist.one_of if any(p in bound for p in g)]
        if len(groups) != 1 or any(p not in bound for p in groups[0]):
            wanted = " or ".join("(" + ", ".join(g) + ")" for g in dist.one_of)
            missing = next((p for g in (groups or dist.one_of[:1]) for p in g if p not in bound), wanted)
            found.add(
                "DS404",
                call.span,
                dist=dist.name,
                param=missing if len(groups) <= 1 else wanted,
                example=example,
                hint=f"give exactly one of {wanted}, e.g. {example}",
            )
    for param in dist.params:
        if param.default is REQUIRED and param.name not in bound:
            found.add("DS404", call.span, dist=dist.name, param=param.name, example=example)
    for name, value in bound.items():
        known = dist.param(name)
        if known is None:  # bound holds known names only
            continue
        number = const_value(value)
        if number is not None and known.kind == "scalar" and not known.support.contains(number):
            found.add(
                "DS403", value.span, dist=dist.name, param=name, value=_number_text(number), support=known.support.words
            )
        elif number is not None and known.kind == "scalar":
            check_magnitude(dist.name, name, number, known.support, value.span, found)
        if isinstance(value, ir.ListExpr) and known.kind == "vector":
            for item in value.items:
                item_value = const_value(item)
                if item_value is not None and not known.support.contains(item_value):
                    found.add(
                        "DS403",
                        item.span,
                        dist=dist.name,
                        param=name,
                        value=_number_text(item_value),
                        support=known.support.words,
                    )
    return bound


LARGEST = 1e100  # squares and products of numbers up to this stay finite in float64 (1e300 squared does not)


def check_magnitude(dist: str, param: str, number: float, support: Support, span, found: Diagnostics) -> None:
    """DS427 for a finite number too large to compute with, or a positive one (a scale, a rate) so close to 0
    that its reciprocal is: the log densities and the optimizer's sufficient statistics square them."""
    if not math.isfinite(number):
        return
    if abs(number) > LARGEST:
        found.add(
            "DS427",
            span,
            dist=dist,
            param=param,
            value=number_words(number),
            extreme="large",
            why=f"beyond ±{number_words(LARGEST)} the squares and products of numbers overflow",
        )
    elif 0 < number < 1 / LARGEST and support.low >= 0:
        found.add(
            "DS427",
            span,
            dist=dist,
            param=param,
            value=number_words(number),
            extreme="small",
            why=f"a scale or rate below {number_words(1 / LARGEST)} puts numbers beyond "
            f"{number_words(LARGEST)} (its reciprocal, squared) into the log density",
        )


def number_words(number: float) -> str:
    """A number as a spec would write it: 1e300, 2.5e-07, 3."""
    return f"{number:g}".replace("e+", "e")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def call_support(call: ir.Call, dist: Dist) -> Support:
    """The values a distribution call can take: its family's support, narrowed by constant bounds
    (`Uniform(0, 50)` is positive, `TruncatedNormal(0, 1, lower = 0)` non-negative)."""
    if dist.name not in ("Uniform", "TruncatedNormal"):
        return dist.support
    bound = bind_arguments(call, dist, Diagnostics())
    low, high = const_value(bound.get("lower")), const_value(bound.get("upper"))
    if dist.name == "Uniform":
        low, high = (0.0 if low is None else low), (1.0 if high is None else high)
    return Support(-math.inf if low is None else low, math.inf if high is None else high, True, True, words="bounded")


def lookup_dist(call: ir.Call, found: Diagnostics) -> Dist | None:
    dist = DISTRIBUTIONS.get(call.func)
    if dist is None:
        suggestion = closest(call.func, DISTRIBUTIONS)
        found.add(
            "DS401",
            call.span,
            name=call.func,
            suggestion=f"did you mean {suggestion!r}?" if suggestion else "distributions: " + ", ".join(DISTRIBUTIONS),
        )
    return dist


def expression_refs(expr) -> list[ir.Ref]:
    """Every name an expression reads (not function or distribution names)."""
    if expr is None:
        return []
    if isinstance(expr, ir.Ref):
        return [expr]
    if isinstance(expr, ir.ListExpr):
        return [r for item in expr.items for r in expression_refs(item)]
    if isinstance(expr, ir.BinOp):
        return expression_refs(expr.left) + expression_refs(expr.right)
    if isinstance(expr, ir.Neg):
        return expression_refs(expr.operand)
    if isinstance(expr, ir.Call):
        return [r for a in expr.args for r in expression_refs(a)] + [
            r for k in expr.kwargs for r in expression_refs(k.value)
        ]
    if isinstance(expr, ir.Index):
        refs = expression_refs(expr.target)
        for sub in expr.subscripts:
            if isinstance(sub, ir.Slice):
                refs += expression_refs(sub.start) + expression_refs(sub.stop)
            else:
                refs += expression_refs(sub)
        return refs
    return []


def expression_calls(expr):
    """Every call in an expression (slice bounds too), outermost first."""
    if isinstance(expr, ir.Call):
        yield expr
        for value in list(expr.args) + [k.value for k in expr.kwargs]:
            yield from expression_calls(value)
    elif isinstance(expr, ir.ListExpr):
        for item in expr.items:
            yield from expression_calls(item)
    elif isinstance(expr, ir.BinOp):
        yield from expression_calls(expr.left)
        yield from expression_calls(expr.right)
    elif isinstance(expr, ir.Neg):
        yield from expression_calls(expr.operand)
    elif isinstance(expr, ir.Index):
        yield from expression_calls(expr.target)
        for sub in expr.subscripts:
            for part in [sub.start, sub.stop] if isinstance(sub, ir.Slice) else [sub]:
                yield from expression_calls(part)


def check_expression(expr, found: Diagnostics, allow_dist: bool = False) -> None:
    """Calls in an expression must be known functions (or, where allowed, distributions); strings only index."""
    if isinstance(expr, ir.Call):
        if allow_dist and expr.func in DISTRIBUTIONS:
            dist = DISTRIBUTIONS[expr.func]
            bind_arguments(expr, dist, found)
            for value in list(expr.args) + [k.value for k in expr.kwargs]:
                check_expression(value, found)
            return
        arity = FUNCTIONS.get(expr.func)
        if arity is None:
            suggestion = closest(expr.func, FUNCTIONS)
            what = f"unknown function {expr.func!r}"
            if expr.func in DISTRIBUTIONS:
                what = f"the distribution {expr.func!r} cannot be used as a value here"
            found.add(
                "DS411",
                expr.span,
                what=what,
                suggestion=(f"did you mean {suggestion!r}?" if suggestion else "functions: " + ", ".join(FUNCTIONS)),
            )
        elif len(expr.args) != arity or expr.kwargs:
            found.add(
                "DS411", expr.span, what=f"{expr.func}() takes {arity} argument(s)", suggestion=f"write {expr.func}(x)"
            )
        for value in list(expr.args) + [k.value for k in expr.kwargs]:
            check_expression(value, found)
    elif isinstance(expr, ir.String):
        found.add(
            "DS411",
            expr.span,
            what="a string is not a value here",
            suggestion="strings name levels inside [...] or data columns in `observed`",
        )
    elif isinstance(expr, ir.ListExpr):
        for item in expr.items:
            check_expression(item, found)
    elif isinstance(expr, ir.BinOp):
        if expr.op not in ("+", "-", "*", "/", "**"):
            found.add(
                "DS411",
                expr.span,
                what=f"`{expr.op}` compares or filters data columns; it is not a model value",
                suggestion='use comparisons in `observed`: `observed female = sex == "f"` or `... where age >= 18`',
            )
        check_expression(expr.left, found)
        check_expression(expr.right, found)
    elif isinstance(expr, ir.Neg):
        check_expression(expr.operand, found)
    elif isinstance(expr, ir.Index):
        check_expression(expr.target, found)
        for sub in expr.subscripts:
            parts = [sub.start, sub.stop] if isinstance(sub, ir.Slice) else [sub]
            for part in parts:
                if part is not None and not isinstance(part, ir.String):
                    check_expression(part, found)
