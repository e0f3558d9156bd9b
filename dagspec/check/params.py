"""Outcomes and their fitted edges → generated parameters (addresses, names, dims) with priors applied."""

from __future__ import annotations

import math
from functools import cache
from typing import Literal

from .. import ir
from ..diagnostics import Diagnostics
from ..dists import closest
from ..families import DEFAULT_PRIORS, DPAR_DEFAULT_PRIOR, FAMILIES, category_dim, cutpoint_dim
from ..printer import expr_text
from .calls import const_value
from .model import CONTRASTS, Edge, NodeInfo, Parameter, column_dim
from .smooth import BASIS, GP_PRIOR, KERNEL_PARAMETERS, Smooth


@cache
def default_prior(text: str) -> ir.Call:
    from ..parse import parse_text

    statement = parse_text(f"_default ~ {text}").statements[0]
    assert isinstance(statement, ir.RandomVar)
    return statement.dist


def generate(nodes: dict[str, NodeInfo], edges: list[Edge]) -> dict[str, Parameter]:
    """Every parameter the outcomes need, with default names and priors, in a stable order: each outcome's
    intercept and edges (its mean's linear predictor), then each parameter of its likelihood: a scalar with its
    family's default prior, or (with edges into it, `x -> y.sigma`) an intercept and edges of its own."""
    params: dict[str, Parameter] = {}

    def add(param: Parameter) -> None:
        param.order = len(params)
        params[param.address] = param

    fitted_into: dict[str, list[Edge]] = {}  # each outcome's fitted edges, in order (one pass over the edges)
    for edge in edges:
        if edge.fitted:
            fitted_into.setdefault(edge.target, []).append(edge)
    for node in sorted((n for n in nodes.values() if n.role == "outcome"), key=lambda n: n.order):
        family = FAMILIES[node.outcome_family]
        into = fitted_into.get(node.name, [])
        for param in _linear_predictor(node, nodes, [e for e in into if e.dpar is None], None):
            add(param)
        for aux in family.aux:
            if aux.fixed_only or aux.name in node.fixed:
                continue
            dpar_edges = [e for e in into if e.dpar == aux.name]
            if dpar_edges:
                for param in _linear_predictor(node, nodes, dpar_edges, aux.name):
                    add(param)
                continue
            dims = (cutpoint_dim(node.name),) if aux.name == "cutpoints" else ()
            add(
                Parameter(
                    f"{node.name}.{aux.name}",
                    f"{node.name}_{aux.name}",
                    "aux",
                    node.name,
                    default_prior(aux.default_prior),
                    aux=aux.name,
                    dims=dims,
                    span=node.span,
                )
            )
    return params


def basis_dim(edge: Edge) -> str:
    """The dimension of a spline's weights or a GP's basis coefficients: one per edge."""
    return f"{edge.source}_{edge.target}{BASIS}"


def _kernel_parameters(edge: Edge):
    """A smooth term's kernel parameters (generated before its weights, which read them)."""
    smooth = edge.smooth
    assert smooth is not None
    for part, prior in KERNEL_PARAMETERS.get(smooth.kind, ()):
        yield Parameter(
            f"{edge.address}.{part}",
            f"{part}_{edge.source}_{edge.target}",
            "kernel",
            edge.target,
            default_prior(prior),
            kernel=(edge.address, part),
            span=edge.span,
        )


def _smooth_weights(edge: Edge) -> tuple[tuple[str, ...], str]:
    """A smooth term's weights: their dims and default prior."""
    assert edge.smooth is not None
    if edge.smooth.kind == "distance":  # the levels' effects: MvNormal(0, K), K from the kernel parameters
        return (edge.source,), GP_PRIOR
    return (basis_dim(edge),), ("Normal(0, 1)" if edge.smooth.kind == "hsgp" else DEFAULT_PRIORS["slope"])


def _linear_predictor(node: NodeInfo, nodes: dict[str, NodeInfo], edges: list[Edge], dpar: str | None):
    """The intercept and edge parameters of the linear predictor of an outcome's mean (`dpar` None) or of one of its
    distributional parameters (`y.sigma.intercept`, `x -> y.sigma`; named y_sigma_intercept, b_x_y_sigma). A
    categorical outcome's parameters have one value per level but the reference (the last dimension)."""
    stem = f"{node.name}.{dpar}" if dpar else node.name
    suffix = f"_{dpar}" if dpar else ""
    category = (category_dim(node.name),) if FAMILIES[node.outcome_family].categorical else ()

    def prior(role: str) -> ir.Call:
        return default_prior(DPAR_DEFAULT_PRIOR if dpar else DEFAULT_PRIORS[role])

    if node.intercept or dpar:
        yield Parameter(
            f"{stem}.intercept",
            f"{node.name}{suffix}_intercept",
            "intercept",
            node.name,
            prior("intercept"),
            dims=category,
            span=node.span,
            dpar=dpar,
        )
    for edge in edges:
        source = nodes[edge.source]
        dims = ((edge.by,) if edge.by else ()) + ((edge.source,) if source.categorical else ())
        if source.reference is not None and not edge.by:  # treatment coding: one effect per level but the reference
            dims = (edge.source + CONTRASTS,)
        if source.matrix:  # `X -> y`: one coefficient per column of X
            dims = (column_dim(edge.source),)
        role: Literal["effect", "slope"] = "effect" if source.categorical else "slope"
        name = f"b_{edge.source}_{node.name}" + (f"_by_{edge.by}" if edge.by else "")
        if edge.factors:  # `x * z -> y`
            name = f"b_{edge.factors[0]}_{edge.factors[1]}_{node.name}"
        default = prior(role)
        if edge.smooth is not None:  # the mean's only (a smooth term into a distributional parameter is DS150)
            yield from _kernel_parameters(edge)
            dims, weights_prior = _smooth_weights(edge)
            default = default_prior(weights_prior)
        yield Parameter(
            edge.address,
            name + suffix,
            role,
            node.name,
            default,
            edge=edge,
            dims=dims + category,
            span=edge.span,
            dpar=dpar,
        )


def apply_priors(spec: ir.SpecIR, nodes: dict[str, NodeInfo], params: dict[str, Parameter], found: Diagnostics) -> None:
    """Set each `prior` statement's distribution and name on its parameter; report unknown addresses."""
    seen: dict[str, ir.PriorStmt] = {}
    for statement in spec.statements:
        if not isinstance(statement, ir.PriorStmt):
            continue
        address = statement.address
        if address.kind == "name":
            if statement.value is not None:
                found.add(
                    "DS461",
                    statement.value.span,
                    address=address.text(),
                    why="it is a name, not a regression parameter's address",
                    suggestion=f"for a constant write `let {address.text()} = ...`; fix edges (`prior x -> y = 1`), "
                    "intercepts and family parameters",
                )
            elif statement.dist is None:
                _rename_node(statement, nodes, found)
            continue
        key = address.text()
        param = params.get(key)
        if param is None:
            _unknown_address(address, key, nodes, params, found)
            continue
        if key in seen:
            found.add("DS205", address.span, address=key, line=seen[key].span.line)
            continue
        seen[key] = statement
        gp = _gaussian_process(param)
        if statement.dist is not None and gp is not None:
            found.add(
                "DS485",
                statement.dist.span,
                address=key,
                why=f"it is the {gp.describe(param.edge.source if param.edge else '')}"
                + (
                    "'s basis coefficients, standard normal by construction"
                    if gp.kind == "hsgp"
                    else ": the levels' effects, whose prior is the process"
                ),
                suggestion="set the priors of its kernel parameters instead: "
                + ", ".join(f"`prior {key}.{part} ~ ...`" for part, _ in KERNEL_PARAMETERS[gp.kind]),
            )
        elif statement.dist is not None:
            param.prior, param.default_prior = statement.dist, False
        if statement.value is not None:
            fix_parameter(statement, param, nodes, found)
        if statement.alias is not None:
            param.name, param.user_named = statement.alias.id, True
        if statement.parameterisation is not None:
            if param.prior.func not in ("Normal", "MvNormal") or not param.dims or param.role == "aux":
                found.add(
                    "DS409",
                    statement.span,
                    option=statement.parameterisation,
                    what=f"the prior of {key}",
                    why=": only a Normal or MvNormal prior over levels (a pool) can be centred or not",
                    options="centered or noncentered after a pool's prior",
                )
            param.parameterisation = statement.parameterisation
        param.span = statement.span


def _gaussian_process(param: Parameter) -> Smooth | None:
    """The GP whose basis coefficients (standard normal) or levels' effects (MvNormal over the kernel) `param`
    is: they take no prior of their own."""
    smooth = param.edge.smooth if param.edge is not None else None
    return smooth if smooth is not None and smooth.kind != "spline" else None


def fix_parameter(statement: ir.PriorStmt, param: Parameter, nodes: dict[str, NodeInfo], found: Diagnostics) -> None:
    """`prior ADDRESS = number`: the parameter becomes that number (a scalar within its support), not a variable."""
    key, value = param.address, statement.value
    if value is None:
        return
    number = const_value(value)
    why = ""
    if statement.dist is not None:
        why = "it is given a prior distribution too"
    elif param.dims:
        why = f"it has one value per level of {', '.join(param.dims)}"
    if why:
        found.add(
            "DS461",
            value.span,
            address=key,
            why=why,
            suggestion="write either `~ Dist(...)` or `= number`"
            if statement.dist is not None
            else "fix a single number: a numeric edge without `by`, an intercept or a family parameter",
        )
        return
    if number is None or not math.isfinite(number):
        found.add("DS460", value.span, address=key, value=expr_text(value))
        return
    node = nodes[param.outcome]
    aux = FAMILIES[node.outcome_family].aux_param(param.aux or "") if param.aux else None
    if aux is not None and not aux.support.contains(number):
        found.add(
            "DS403", value.span, dist=node.family, param=param.aux, value=f"{number:g}", support=aux.support.words
        )
        return
    param.fixed, param.default_prior = float(number), False


def _rename_node(statement: ir.PriorStmt, nodes: dict[str, NodeInfo], found: Diagnostics) -> None:
    name = statement.address.text()
    node = nodes.get(name)
    if node is None:
        suggestion = closest(name, nodes)
        found.add(
            "DS201",
            statement.address.span,
            name=name,
            where=" in `prior`",
            suggestion=f"did you mean {suggestion!r}?"
            if suggestion
            else f"declare it with a distribution: `prior {name} ~ Normal(0, 1)`",
        )
    elif statement.alias is not None:
        node.alias = statement.alias.id


def _unknown_address(address: ir.Address, key: str, nodes, params, found: Diagnostics) -> None:
    def text(name: ir.Name | None) -> str:
        return name.id if name is not None else ""

    owner = text(address.node if address.kind == "param" else address.target)
    source, param = text(address.source), text(address.param)
    node = nodes.get(owner)
    available = [p for p in params.values() if p.outcome == owner]
    why = ""
    if node is None:
        why = f": there is no node {owner!r}"
    elif node.role != "outcome":
        why = f": {owner!r} is not an outcome, so it has no regression parameters"
    elif address.kind == "param" and param == "intercept" and not node.intercept:
        why = f": {owner} is declared with `intercept = none`"
    elif address.kind == "param" and param in node.fixed:
        why = f": {owner}.{param} is fixed in the declaration of {owner}"
    elif address.kind == "param" and address.dpar is None and f"{owner}.{param}.intercept" in params:
        why = f": edges point into {owner}.{param}, so it has a linear predictor (its intercept: {owner}.{param}.intercept)"
    elif address.kind == "param" and address.dpar is not None:
        why = f": {owner}.{address.dpar.id} has no linear predictor (no edge points into it)"
    elif address.kind == "edge" and address.times is not None:
        why = f": there is no interaction edge {key}"
    elif address.kind == "edge":
        edge_without_by = f"{source} -> {owner}"
        if edge_without_by in params and address.by is not None:
            why = f": the edge has no `by {address.by.id}`"
        elif any(p.edge and p.edge.source == source and p.edge.target == owner for p in available):
            why = ": the edge is declared with a `by`"
        else:
            why = f": there is no fitted edge {source} -> {owner}"
    suggestion = closest(key, [p.address for p in available]) if available else None
    if f"{owner}.{param}.intercept" in params and address.kind == "param" and address.dpar is None:
        suggestion = f"{owner}.{param}.intercept"  # on the link's scale: log(sigma) = intercept + ...
    if suggestion:
        hint = f"did you mean `prior {suggestion} ~ ...`? {owner} has: " + ", ".join(p.address for p in available)
    elif available:
        hint = f"{owner} has: " + ", ".join(p.address for p in available)
    else:
        hint = "priors target `outcome.intercept`, `outcome.sigma` (or the family's other parameters) and edges `x -> outcome`"
    found.add("DS204", address.span, address=key, why=why, suggestion=hint)
