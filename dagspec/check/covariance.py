"""The parts of LKJ covariance priors (`stds(L)`, `corr(L)`, `cov(L)` in expressions) → checked arguments, and
the names each prior's standard deviations and correlations are stored under: the `let` that is exactly that
part (`let sigma_ab = stds(chol_cov)`), else PyMC's own `<name>_stds` and `<name>_corr`."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostics
from .calls import expression_calls
from .model import ROLE_WORDS, CheckedModel, NodeInfo

PART_WORDS = {"stds": "standard deviations", "corr": "correlations", "cov": "covariance"}
PARTS = tuple(PART_WORDS)  # functions of an LKJCholeskyCov prior's Cholesky factor
STORED = ("stds", "corr")  # the parts PyMC stores for every LKJCholeskyCov prior (compute_corr=True)


def is_covariance(node: NodeInfo) -> bool:
    return node.role == "random" and node.dist is not None and node.dist.func == "LKJCholeskyCov"


def part_of(expr) -> tuple[str, str] | None:
    """(part, prior) when `expr` is exactly a part of a prior, as in `stds(chol_cov)`, else None."""
    if (
        isinstance(expr, ir.Call)
        and expr.func in PARTS
        and len(expr.args) == 1
        and not expr.kwargs
        and isinstance(expr.args[0], ir.Ref)
    ):
        return expr.func, expr.args[0].name
    return None


def default_names(model: CheckedModel) -> dict[tuple[str, str], str]:
    """(LKJ prior, "stds" | "corr") → PyMC's name for that part, `<model name of the prior>_stds` or `_corr`,
    for the parts that no `let` names (the others are stored under the let's name)."""
    named = {
        (part[1], part[0])
        for node in model.nodes.values()
        if node.role == "derived"
        for part in [part_of(node.expr)]
        if part is not None
    }
    return {
        (node.name, part): f"{node.pymc_name}_{part}"
        for node in model.nodes.values()
        if is_covariance(node)
        for part in STORED
        if (node.name, part) not in named
    }


def check_arguments(expr, model: CheckedModel, values: dict[str, str], found: Diagnostics) -> None:
    """DS440 where `stds`, `corr` or `cov` is applied to anything but the name of an LKJCholeskyCov prior
    (unknown names are DS201, reported with the other names)."""
    for call in expression_calls(expr):
        if call.func not in PARTS or len(call.args) != 1 or call.kwargs:
            continue  # a wrong number of arguments is DS411
        argument = call.args[0]
        if isinstance(argument, ir.Ref):
            node = model.nodes.get(argument.name)
            if node is not None and is_covariance(node):
                continue
            if node is None and argument.name not in values:
                continue
        found.add(
            "DS440",
            argument.span,
            func=call.func,
            what=_what(argument, model),
            suggestion=_suggestion(call.func, model),
        )


def _what(argument, model: CheckedModel) -> str:
    from ..printer import expr_text

    if not isinstance(argument, ir.Ref):
        return f"`{expr_text(argument)}` is an expression"
    node = model.nodes.get(argument.name)
    if node is None:
        address = next(p.address for p in model.params.values() if p.name == argument.name)
        return f"{argument.name!r} is the parameter {address}"
    prior = f" with a {node.dist.func} prior" if node.role == "random" and node.dist is not None else ""
    return f"{argument.name!r} is {ROLE_WORDS[node.role]}{prior}"


def _suggestion(func: str, model: CheckedModel) -> str:
    priors = [n.name for n in model.nodes.values() if is_covariance(n)]
    if priors:
        return f"write {func}({priors[0]})" + (
            f"; LKJCholeskyCov priors here: {', '.join(priors)}" if len(priors) > 1 else ""
        )
    return f"declare one, e.g. `prior L ~ LKJCholeskyCov(eta = 2, sd = Exponential(1))`, and write {func}(L)"
