"""SpecIR → canonical .dag text (one statement per line), so that text → IR → text → IR round-trips."""

from __future__ import annotations

from . import ir

_PRECEDENCE = {"or": -2, "and": -1, "+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}
_PRECEDENCE.update(dict.fromkeys(("==", "!=", "<", "<=", ">", ">="), 0))
_ATOM = 6


def to_text(spec: ir.SpecIR) -> str:
    return "".join(statement_text(s) + "\n" for s in spec.statements)


def _term_text(name: ir.Name) -> str:
    if name.smooth is not None:
        return call_text(name.smooth)
    return name.id + (f" * {name.times.id}" if name.times else "") + (f".{name.dpar.id}" if name.dpar else "")


def statement_text(s) -> str:
    if isinstance(s, ir.NodeDecl):
        text = f"node {s.name.id}"
        if s.type is not None:
            text += f" : {call_text(s.type)}"
        if s.family is not None:
            text += f" ~ {call_text(s.family)}"
        return text + _alias(s.alias)
    if isinstance(s, ir.EdgeStmt):
        text = " -> ".join(", ".join(_term_text(n) for n in group) for group in s.chain)
        return text + (f" by {s.by.id}" if s.by else "")
    if isinstance(s, ir.PriorStmt):
        text = f"prior {s.address.text()}"
        if s.dist is not None:
            text += f" ~ {call_text(s.dist)}"
        if s.value is not None:
            text += f" = {expr_text(s.value)}"
        return text + _alias(s.alias) + (f" {s.parameterisation}" if s.parameterisation else "")
    if isinstance(s, ir.RandomVar):
        return f"{s.name.id} ~ {call_text(s.dist)}" + _alias(s.alias)
    if isinstance(s, ir.LetStmt):
        return f"let {s.name.id} = {expr_text(s.value)}"
    if isinstance(s, ir.ObservedStmt):
        items = ", ".join(i.name.id + (f" = {expr_text(i.value)}" if i.value is not None else "") for i in s.items)
        return (
            f"observed {items}"
            + (f" from {_quote(s.source.value)}" if s.source else "")
            + (f" where {expr_text(s.where)}" if s.where is not None else "")
        )
    if isinstance(s, ir.EstimateStmt):
        text = "estimate " + ("direct " if s.direct else "") + f"{s.exposure.id} -> {s.outcome.id}"
        if s.adjust is not None:
            text += " adjust " + (", ".join(n.id for n in s.adjust) if s.adjust else "none")
        return text + _alias(s.alias)
    if isinstance(s, ir.PriorsStmt):
        return f"priors {s.mode.id}"
    raise TypeError(f"not a statement: {s!r}")


def _alias(alias: ir.Name | None) -> str:
    return f" as {alias.id}" if alias is not None else ""


def _quote(value: str) -> str:
    """A string literal for `value`: the text as is, with `\\` and `"` escaped (the only escapes there are)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def call_text(call: ir.Call) -> str:
    if call.bare:
        return call.func
    args = [expr_text(a) for a in call.args] + [f"{k.name} = {expr_text(k.value)}" for k in call.kwargs]
    return f"{call.func}({', '.join(args)})"


def expr_text(e, parent: int = -10) -> str:
    text, precedence = _expr(e)
    return f"({text})" if precedence < parent else text


def _expr(e) -> tuple[str, int]:
    if isinstance(e, ir.Number):
        return e.text, _ATOM
    if isinstance(e, ir.String):
        return _quote(e.value), _ATOM
    if isinstance(e, ir.Ref):
        return e.name, _ATOM
    if isinstance(e, ir.ListExpr):
        return "[" + ", ".join(expr_text(i) for i in e.items) + "]", _ATOM
    if isinstance(e, ir.Call):
        return call_text(e), _ATOM
    if isinstance(e, ir.Neg):
        return "-" + expr_text(e.operand, _PRECEDENCE["neg"]), _PRECEDENCE["neg"]
    if isinstance(e, ir.Index):
        subs = ", ".join(_subscript(s) for s in e.subscripts)
        return f"{expr_text(e.target, _ATOM - 1)}[{subs}]", _ATOM - 1
    if isinstance(e, ir.BinOp):
        p = _PRECEDENCE[e.op]
        if e.op == "**":  # right-associative; its left side is a postfix expression
            return f"{expr_text(e.left, _ATOM - 1)} ** {expr_text(e.right, _PRECEDENCE['neg'])}", p
        left = p + 1 if _PRECEDENCE[e.op] == 0 else p  # comparisons do not chain
        return f"{expr_text(e.left, left)} {e.op} {expr_text(e.right, p + 1)}", p
    raise TypeError(f"not an expression: {e!r}")


def _subscript(s) -> str:
    if isinstance(s, ir.Slice):
        return (expr_text(s.start) if s.start else "") + ":" + (expr_text(s.stop) if s.stop else "")
    return expr_text(s)


def truncation_text(bounds: tuple) -> str:
    """`[0, 10]`, `[0, none]`: the bounds as the spec writes them."""
    return "[" + ", ".join("none" if b is None else f"{b:g}" for b in bounds) + "]"
