"""SpecIR → CheckedModel: resolves names and roles, generates parameters, and collects coded diagnostics."""

from __future__ import annotations

import networkx as nx

from .. import ir
from ..diagnostics import Diagnostics
from ..dists import DISTRIBUTIONS, POSITIVE, UNIT, Support, closest
from ..families import FAMILIES, ORDERED_PRIORS, Aux, dpar_name
from ..printer import expr_text
from ..source import Source
from . import estimates as estimate_checks
from .calls import bind_arguments, call_support, check_expression, const_value, expression_refs, lookup_dist
from .covariance import PART_WORDS, check_arguments, default_names
from .declarations import declare
from .distributional import check_dpar_edges
from .graph import check_acyclic, classify_edges, warn_unused
from .interactions import resolve_interactions
from .matrices import check_matrix_roles, matrix_value_refused
from .model import ROLE_WORDS, CheckedModel, Edge, NodeInfo, Parameter
from .observation import check_observation, latent_name
from .params import apply_priors, generate
from .smooth import GP_PRIOR_FUNC, resolve_smooths
from .summaries import check_summaries, summarized_refs
from .timeseries import check_lag_direction, check_time_priors

__all__ = ["check", "CheckedModel", "NodeInfo", "Edge", "Parameter"]


def check(spec: ir.SpecIR, source: Source | None = None) -> CheckedModel:
    """Check a parsed spec; raise DagspecError if anything is wrong, else return the checked model."""
    source = source or Source("", spec.name)
    found = Diagnostics(source)
    nodes, edges = declare(spec, found)
    resolve_interactions(nodes, edges, found)
    resolve_smooths(nodes, edges, found)
    statements = estimate_checks.collect(spec, nodes, found)
    classify_edges(nodes, edges, found, skip={s.outcome.id for s in statements})
    check_dpar_edges(nodes, edges, found)
    estimates = []
    if not found.errors:
        model = CheckedModel(spec, source, nodes, edges, {})
        if check_acyclic(model, found):
            estimates = estimate_checks.resolve(statements, nodes, edges, found)
            estimate_checks.regression_edges(statements, estimates, edges)
    params = generate(nodes, edges)
    for estimate in estimates:  # the effect's parameter gets a clear name: `as name`, else effect_x_y
        param = params.get(f"{estimate.exposure} -> {estimate.outcome}")
        if param is not None and not nodes[estimate.exposure].categorical and param.edge and not param.edge.smooth:
            default = f"{'direct_' if estimate.direct else ''}effect_{estimate.exposure}_{estimate.outcome}"
            param.name = estimate.alias or default
    apply_priors(spec, nodes, params, found)
    model = CheckedModel(spec, source, nodes, edges, params, estimates=estimates)
    model.auto_priors = _auto_priors(spec, found)
    _check_names(model, found)
    _check_reference_coding(model, found)
    check_matrix_roles(model, found)
    _check_distributions(model, found)
    _check_ordered_predictors(model, found)
    _check_categorical_outcomes(model, found)
    check_time_priors(model, found)
    if not found.errors:
        check_acyclic(model, found)
        check_lag_direction(model, found)
        warn_unused(model, found)
    if not found.errors:
        _check_discrete(model, found)
    found.raise_if_errors()
    model.warnings = found.warnings
    return model


PRIORS_MODES = ("auto",)


def _auto_priors(spec: ir.SpecIR, found: Diagnostics) -> bool:
    """`priors auto`: once, and no other word."""
    statements = [s for s in spec.statements if isinstance(s, ir.PriorsStmt)]
    for statement in statements:
        if statement.mode.id not in PRIORS_MODES:
            suggestion = closest(statement.mode.id, PRIORS_MODES)
            found.add(
                "DS170",
                statement.mode.span,
                what=f"`priors {statement.mode.id}` is not a way of choosing default priors",
                suggestion=(f"did you mean `priors {suggestion}`? " if suggestion else "")
                + "write `priors auto` to scale the default priors to the data, or leave the statement out",
            )
    for statement in statements[1:]:
        found.add(
            "DS170",
            statement.span,
            what=f"a second `priors` statement (the first is on line {statements[0].span.line})",
            suggestion="say `priors auto` once",
        )
    return any(s.mode.id == "auto" for s in statements)


def _check_reference_coding(model: CheckedModel, found: Diagnostics) -> None:
    """Treatment coding drops the reference level's effect of a plain edge; cells of `t -> y by g` keep them all."""
    for edge in model.edges:
        if edge.fitted and edge.by and model.nodes[edge.source].reference is not None:
            found.add(
                "DS463",
                edge.span,
                address=edge.address,
                name=edge.source,
                why=f"its effects are cells of {edge.by} and {edge.source}",
            )


def _check_ordered_predictors(model: CheckedModel, found: Diagnostics) -> None:
    """An ordered or categorical outcome may not be a predictor (an edge's source or its `by` group) yet, nor may a
    categorical outcome have a treatment-coded predictor."""
    for edge in [e for e in model.edges if e.fitted]:
        target = model.nodes[edge.target]
        if FAMILIES[target.outcome_family].categorical and model.nodes[edge.source].reference is not None:
            found.add(
                "DS153",
                edge.span,
                what=f"the reference coding of {edge.source}",
                family=target.family,
                why=f"{edge.target} has a predictor per level already, and treatment-coded effects of another "
                "categorical node by each of its levels are not supported yet",
                suggestion=f"drop `reference` from {edge.source} (its effects then have one value per level of "
                f"{edge.source} and of {edge.target})",
            )
        for name in filter(None, (edge.source, edge.by)):
            node = model.nodes.get(name)
            if node is not None and node.family is not None and FAMILIES[node.family].categorical:
                found.add(
                    "DS153",
                    edge.span,
                    what=f"{node.name} as a predictor of {edge.target}",
                    family=node.family,
                    why="a categorical outcome cannot be a predictor of another outcome yet",
                    suggestion=f"observe the column again as a data node, `node {node.name}_level : categorical`",
                )
            elif node is not None and node.family is not None and FAMILIES[node.family].ordered:
                column = node.observed.column if node.observed is not None and node.observed.column else node.name
                found.add("DS132", edge.span, name=node.name, target=edge.target, column=column)


def _check_categorical_outcomes(model: CheckedModel, found: Diagnostics) -> None:
    """A node declared `: categorical` whose family is not one of levels (Categorical, ordered) would be fitted to
    its levels' codes 0, 1, ... as numbers: a model of nothing the data say."""
    for node in model.nodes.values():
        if not node.categorical or node.family is None:
            continue
        family = FAMILIES[node.outcome_family]
        if not (family.ordered or family.categorical):
            found.add(
                "DS153",
                node.span,
                what=f"the node type `categorical` of {node.name}",
                family=node.family,
                why=f"its likelihood would be of the levels' codes (0, 1, ...) as numbers, not of {node.name}'s levels",
                suggestion=f"for levels write `node {node.name} ~ Categorical` (or `~ OrderedLogistic` for ordered "
                f"ones); for numbers drop `: categorical`",
            )


def _values(model: CheckedModel) -> dict[str, str]:
    """Names usable as values in expressions → the node or parameter address they mean."""
    values = {name: name for name, node in model.nodes.items() if node.has_values}
    values.update({p.name: p.address for p in model.params.values()})
    return values


def _check_names(model: CheckedModel, found: Diagnostics) -> None:
    taken: dict[str, str] = {}
    for node in model.nodes.values():
        taken[node.name] = f"node {node.name!r}"
    for node in model.nodes.values():
        if node.alias and node.alias != node.name:
            if node.alias in taken:
                found.add("DS206", node.span, name=node.alias, other=taken[node.alias])
            taken[node.alias] = f"the model name of {node.name!r}"
    for node in model.nodes.values():
        if node.impute:
            name = f"{node.pymc_name}_missing"
            if name in taken:
                found.add("DS206", node.span, name=name, other=taken[name])
            taken[name] = f"the imputed values of {node.name!r}"
        if node.se is not None:
            name = latent_name(node)
            if name in taken:
                found.add("DS206", node.span, name=name, other=taken[name])
            taken[name] = f"the true values of {node.name!r}"
    dpars: dict[str, dict[str, None]] = {}  # as model.dpars, for every outcome in one pass over the parameters
    for param in model.params.values():
        if param.dpar:
            dpars.setdefault(param.outcome, {})[param.dpar] = None
    for node in model.outcomes():  # a distributional parameter's values per row (`y_sigma`)
        for dpar in dpars.get(node.name, ()):
            name = dpar_name(node.name, dpar)
            if name in taken:
                found.add("DS206", node.span, name=name, other=taken[name])
            taken[name] = f"the values of {node.name}.{dpar} per row"
    for param in model.params.values():
        if param.name in taken:
            found.add("DS206", param.span, name=param.name, other=taken[param.name])
        taken[param.name] = f"the parameter {param.address!r}"
    for (prior, part), name in default_names(model).items():  # PyMC stores an LKJ prior's parts under these
        if name in taken:
            node = model.nodes[prior]
            found.add("DS442", node.span, name=name, other=taken[name], func=part, words=PART_WORDS[part], prior=prior)


def _resolve_refs(expr, model: CheckedModel, values: dict[str, str], target: str, found: Diagnostics) -> None:
    """Report unknown names in an expression and record an implicit edge for each known one."""
    check_summaries(expr, model, found)
    summarized = summarized_refs(expr)
    for ref in expression_refs(expr):
        if ref.name in model.nodes and model.nodes[ref.name].matrix and id(ref) not in summarized:
            matrix_value_refused(found, ref.span, ref.name)
        elif ref.name in values:
            model.implicit_edges.append(Edge(values[ref.name], target, ref.span))
        elif ref.name in model.nodes:
            found.add(
                "DS201",
                ref.span,
                name=ref.name,
                where=f" as a value: it is {_role(model, ref.name)} without values",
                suggestion=f"observe {ref.name} to use its values",
            )
        else:
            suggestion = closest(ref.name, values)
            found.add(
                "DS201",
                ref.span,
                name=ref.name,
                where="",
                suggestion=f"did you mean {suggestion!r}?"
                if suggestion
                else f"declare it, e.g. `{ref.name} ~ Normal(0, 1)`",
            )


def _role(model: CheckedModel, name: str) -> str:
    return ROLE_WORDS[model.nodes[name].role]


def _check_distributions(model: CheckedModel, found: Diagnostics) -> None:
    values = _values(model)
    for node in model.nodes.values():
        if node.role == "random":
            _check_call(node.distribution, model, values, node.name, found)
            if node.size is not None:
                _check_size(node, model, values, found)
        elif node.role == "derived" and node.expr is not None:
            check_expression(node.expr, found)
            _resolve_refs(node.expr, model, values, node.name, found)
            check_arguments(node.expr, model, values, found)
        elif node.role == "outcome":
            family = FAMILIES[node.outcome_family]
            if node.censored is not None:
                _check_censoring(node, model, found)
            check_observation(node, model, found)
            if node.truncation is not None:
                clash = (
                    "censored"
                    if node.censored is not None
                    else "imputed (`missing = impute`)"
                    if node.impute
                    else "measured with error (`se`)"
                    if node.se is not None
                    else "weighted (`weights`)"
                    if node.weights is not None
                    else None
                )
                if clash:
                    found.add(
                        "DS471",
                        node.span,
                        family=node.family,
                        why=f"is also {clash}, and both together are not supported yet",
                    )
            for name, value in node.fixed.items():
                _check_fixed(node, name, value, family.aux_param(name), model, found)
    for param in model.params.values():
        if param.fixed is not None or param.prior.func == GP_PRIOR_FUNC:  # a number, or built by the planner
            continue
        dist = _check_call(param.prior, model, values, param.address, found)
        if dist is not None and param.kernel is not None and not call_support(param.prior, dist).within(POSITIVE):
            _prior_outside(found, _prior_span(param), param.address, POSITIVE, _prior_words(param, dist))
            continue
        if dist is not None and param.aux == "cutpoints":
            _check_cutpoints_prior(model, param, dist, found)
            continue
        aux = FAMILIES[model.nodes[param.outcome].outcome_family].aux_param(param.aux or "")
        if dist is not None and aux is not None and not call_support(param.prior, dist).within(aux.support):
            _prior_outside(found, _prior_span(param), param.address, aux.support, _prior_words(param, dist))
        _check_identity_link(model, param, dist, found)


def _check_discrete(model: CheckedModel, found: Diagnostics) -> None:
    """DS426 for a free parameter with a discrete prior that data inform: NUTS and the exact draws need
    continuous parameters (a prior-only one is drawn from its prior, which works for any distribution)."""
    graph = model.dependency_graph()
    observed = {name for name, node in model.nodes.items() if node.observed is not None}
    for param in model.params.values():  # regression parameters: their outcome is always observed
        dist = DISTRIBUTIONS.get(param.prior.func)
        if dist is not None and dist.support.integer and param.fixed is None:
            fixable = param.role in ("intercept", "slope", "aux")  # what `prior ADDRESS = number` can fix
            found.add(
                "DS426",
                _prior_span(param),
                address=param.address,
                dist=_prior_words(param, dist),
                hint=f"to pin it, fix it to a number: `prior {param.address} = 1`; or give it a continuous "
                "prior, e.g. Normal(1, 0.1)"
                if fixable
                else None,
            )
    for node in model.nodes.values():
        if node.role != "random" or node.observed is not None:
            continue
        dist = DISTRIBUTIONS.get(node.distribution.func)
        if dist is not None and dist.support.integer and nx.descendants(graph, node.name) & observed:
            found.add("DS426", node.distribution.span, address=node.name, dist=dist.name)


def _check_cutpoints_prior(model: CheckedModel, param: Parameter, dist, found: Diagnostics) -> None:
    """An ordered outcome's cutpoints: one continuous prior on the real line, shared by every cutpoint (what the
    ordering transform can take, and what prior draws, sorted, reproduce exactly)."""
    if dist.name not in ORDERED_PRIORS:
        why = (
            "is a distribution of several values"
            if dist.multivariate
            else "takes whole numbers"
            if dist.support.integer
            else f"is {dist.support.words}"
            if dist.name not in ("Uniform", "TruncatedNormal")
            else "is bounded"
        )
        found.add(
            "DS130",
            _prior_span(param),
            address=param.address,
            dist=_prior_words(param, dist),
            why=why,
            priors=", ".join(ORDERED_PRIORS),
        )
        return
    for value in [*param.prior.args, *(k.value for k in param.prior.kwargs)]:
        feeding = model.nodes.get(value.name) if isinstance(value, ir.Ref) else None
        vector = (
            feeding is not None
            and feeding.role == "random"
            and DISTRIBUTIONS.get(feeding.distribution.func) is not None
            and DISTRIBUTIONS[feeding.distribution.func].multivariate
        )
        if isinstance(value, ir.ListExpr) or vector:
            found.add("DS131", value.span, address=param.address, what=expr_text(value))


def _check_size(node: NodeInfo, model: CheckedModel, values, found: Diagnostics) -> None:
    """`size = n`: a positive whole number, or a data scalar (checked when the data is read); not observed.
    How large it may be is checked with the other sizes, in the plan."""
    size = node.size
    if size is None:
        return
    number = const_value(size)
    if node.observed is not None:
        why = "an observed random variable has one value per row of its data"
    elif node.distribution.func in ("MvNormal", "Dirichlet", "LKJCholeskyCov", "Categorical"):
        why = f"{node.distribution.func} has the size of its arguments"
    elif isinstance(size, ir.Ref):
        _resolve_refs(size, model, values, node.name, found)
        return
    elif number is None or not float(number).is_integer() or number < 1:
        why = "a size is a positive whole number, or a data scalar (`size = K`)"
    else:
        return
    found.add(
        "DS161",
        size.span,
        what=f"{node.name} cannot have size = {expr_text(size)}: {why}",
        suggestion=f"write e.g. `{node.name} ~ {node.distribution.func}(..., size = 3)`",
    )


def _check_call(call: ir.Call, model: CheckedModel, values, target: str, found: Diagnostics):
    dist = lookup_dist(call, found)
    if dist is None:
        return None
    bound = bind_arguments(call, dist, found)
    for name, value in bound.items():
        param = dist.param(name)
        if param is None:  # bound holds known names only
            continue
        check_expression(value, found, allow_dist=param.kind == "dist")
        _resolve_refs(value, model, values, target, found)
        check_arguments(value, model, values, found)
        if isinstance(value, ir.Ref) and value.name in model.nodes and model.nodes[value.name].role == "random":
            feeding = DISTRIBUTIONS.get(model.nodes[value.name].distribution.func)
            if feeding is not None and param.kind == "scalar" and not feeding.support.within(param.support):
                _prior_outside(
                    found, value.span, f"{dist.name}'s {name}", param.support, f"{value.name} ~ {feeding.name}"
                )
    return dist


def _check_censoring(node: NodeInfo, model: CheckedModel, found: Diagnostics) -> None:
    """`censored = c`: c is an observed data node (its codes are checked with the data)."""
    censored = node.censored
    if censored is None:
        return
    if node.impute:
        found.add(
            "DS446",
            censored.span,
            family=node.family,
            why="also imputes its missing values (`missing = impute`), and both together are not supported yet",
        )
        return
    if _data_column(model, censored, node.name, "DS447", found) and node.censored_upper is not None:
        _data_column(model, node.censored_upper, node.name, "DS473", found)


def _data_column(model: CheckedModel, ref, outcome: str, code: str, found: Diagnostics) -> bool:
    """A column the outcome's likelihood reads (censoring codes, interval upper ends): an observed, numeric data
    node, which becomes an implicit parent of the outcome; else `code` and False."""
    column = model.nodes.get(ref.name)
    if column is None or column.observed is None or column.role != "data" or column.categorical:
        found.add(
            code,
            ref.span,
            name=ref.name,
            outcome=outcome,
            why="is not a node"
            if column is None
            else f"is {ROLE_WORDS[column.role]}"
            if column.observed is None or column.role != "data"
            else "is categorical",
        )
        return False
    model.implicit_edges.append(Edge(column.name, outcome, ref.span))
    return True


def _check_fixed(node: NodeInfo, name: str, value, aux: Aux | None, model: CheckedModel, found: Diagnostics) -> None:
    number = const_value(value)
    if number is not None:
        if aux is not None and not aux.support.contains(number):
            found.add("DS403", value.span, dist=node.family, param=name, value=f"{number:g}", support=aux.support.words)
        return
    if isinstance(value, ir.Ref) and value.name in model.nodes and model.nodes[value.name].observed is not None:
        model.implicit_edges.append(Edge(value.name, node.name, value.span))
        return
    given = model.nodes.get(value.name) if isinstance(value, ir.Ref) else None
    if given is not None and given.role in ("random", "derived") and aux is not None and not aux.fixed_only:
        # a parameter of the model (`kappa = theta`, `let theta = phi + 2`): its own prior, shared by every row
        model.implicit_edges.append(Edge(value.name, node.name, value.span))
        dist = DISTRIBUTIONS.get(given.distribution.func) if given.role == "random" else None
        if dist is not None and not dist.support.within(aux.support):
            _prior_outside(found, value.span, f"{node.name}.{name}", aux.support, f"{value.name} ~ {dist.name}")
        return
    found.add(
        "DS409",
        value.span,
        option=name,
        what=f"the {node.family} family",
        why=": it takes a number, an observed column"
        + (" or a parameter of the model (a random variable or a `let`)" if aux and not aux.fixed_only else ""),
        options=f"{name} = 10 or {name} = column_node",
    )


def _check_identity_link(model: CheckedModel, param: Parameter, dist, found: Diagnostics) -> None:
    """With an identity link, a lone cell effect sets the mean directly, so its prior must respect the mean's range."""
    node = model.nodes[param.outcome]
    family = FAMILIES[node.outcome_family]
    if dist is None or param.role == "aux" or node.link != "identity" or family.mean_support.within(UNIT) is False:
        return
    if param.dpar is not None:  # a distributional parameter's predictor: through a log or logit link
        return
    terms = [
        p
        for p in model.params.values()
        if p.outcome == node.name and p.role != "aux" and p.fixed is None and p.dpar is None
    ]
    if len(terms) == 1 and not dist.support.within(family.mean_support):
        _prior_outside(
            found,
            _prior_span(param),
            f"{param.address} (the {family.mean} of {node.family} with an identity link)",
            family.mean_support,
            _prior_words(param, dist),
            example=f"`prior {param.address} ~ Beta(1, 1)`",
        )


def _prior_outside(found: Diagnostics, span, address: str, support: Support, dist: str, example: str = "") -> None:
    """DS410: `address` must be in `support`, but `dist` (its prior, or the node it reads) can take other values."""
    example = example or ("Exponential(1)" if support is POSITIVE else "Beta(1, 1)")
    found.add("DS410", span, address=address, support=support.words, dist=dist, example=example)


def _prior_span(param: Parameter):
    """Where to point for a problem with a parameter's prior: the prior as written, else what generated it."""
    return param.span if param.default_prior else param.prior.span


def _prior_words(param: Parameter, dist) -> str:
    return f"its default prior {dist.name}" if param.default_prior else dist.name
