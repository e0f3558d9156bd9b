"""IR statements → the nodes they declare, their roles and observations, and the edges between them."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostics
from ..dists import closest
from ..families import (
    CATEGORICAL_OPTIONS,
    CENSORABLE,
    FAMILIES,
    MISSING_CHOICES,
    ORDERED_OPTIONS,
    OUTCOME_OPTIONS,
    TRUNCATABLE,
)
from ..matrices import check_matrix_expression
from ..parse import KEYWORDS
from ..printer import expr_text
from ..source import Span
from ..transforms import check_column_expression, columns_read, is_column_expression
from .calls import const_value, expression_refs
from .model import Edge, NodeInfo, Observation
from .observation import OBSERVATION_OPTIONS, misplaced_option, observation_option

RESERVED = set(KEYWORDS) | {"none", "true", "false"}
NODE_TYPES = ("numeric", "categorical", "matrix")


def declare(spec: ir.SpecIR, found: Diagnostics) -> tuple[dict[str, NodeInfo], list[Edge]]:
    nodes: dict[str, NodeInfo] = {}
    first_seen: dict[str, ir.Name] = {}
    by_node_statement: set[str] = set()  # names first claimed by `node` (for the "declared twice" message)

    def claim(name: ir.Name, what: str) -> bool:
        if name.id in RESERVED:
            found.add("DS203", name.span, name=name.id)
            return False
        if name.id in first_seen:
            code = "DS308" if what == "node" and name.id in by_node_statement else "DS202"
            found.add(code, name.span, name=name.id, line=first_seen[name.id].span.line)
            return False
        first_seen[name.id] = name
        if what == "node":
            by_node_statement.add(name.id)
        return True

    for order, statement in enumerate(spec.statements):
        if isinstance(statement, ir.NodeDecl) and claim(statement.name, "node"):
            nodes[statement.name.id] = _node_decl(statement, order, found)
        elif isinstance(statement, ir.RandomVar) and claim(statement.name, "random"):
            nodes[statement.name.id] = _random(statement.name, statement.dist, statement.alias, order)
        elif isinstance(statement, ir.PriorStmt) and statement.address.name is not None:
            name = statement.address.name
            if statement.dist is None:
                continue  # `prior name as alias` targets an existing name: checked with the other priors
            if claim(name, "random"):
                nodes[name.id] = _random(name, statement.dist, statement.alias, order)
        elif isinstance(statement, ir.LetStmt) and claim(statement.name, "let"):
            nodes[statement.name.id] = NodeInfo(
                statement.name.id, "derived", statement.name.span, expr=statement.value, order=order
            )

    observations = _observations(spec, found, {name for name, node in nodes.items() if node.matrix})
    edges = _edges(spec, found)
    _implicit_nodes(nodes, observations, edges, spec, found)
    for observed, observation in observations.items():
        if observed in nodes:
            nodes[observed].observed = observation
    _assign_roles(nodes, edges, found)
    return nodes, edges


def _random(name: ir.Name, dist: ir.Call, alias: ir.Name | None, order: int) -> NodeInfo:
    """A random variable; `size = n` among its distribution's arguments makes it a vector of n entries."""
    size = dist.kwarg("size")
    if size is not None:
        dist = dist.model_copy(update={"kwargs": [k for k in dist.kwargs if k.name != "size"]})
    node = NodeInfo(name.id, "random", name.span, dist=dist, alias=_alias(alias), order=order)
    node.size = size.value if size is not None else None
    return node


def _alias(alias: ir.Name | None) -> str | None:
    return alias.id if alias is not None else None


def _node_decl(statement: ir.NodeDecl, order: int, found: Diagnostics) -> NodeInfo:
    node = NodeInfo(statement.name.id, "data", statement.name.span, alias=_alias(statement.alias), order=order)
    if statement.type is not None:
        _node_type(node, statement.type, found)
    if statement.family is not None:
        _family(node, statement.family, found)
    return node


def _node_type(node: NodeInfo, call: ir.Call, found: Diagnostics) -> None:
    if call.func not in NODE_TYPES:
        found.add("DS412", call.span, name=call.func)
        return
    node.categorical = call.func == "categorical"
    node.matrix = call.func == "matrix"
    options = {"categorical": "levels = [...], reference = level", "matrix": "columns = [...]"}.get(
        call.func, "no options"
    )
    reference_span = call.span
    _positional(call, f"`: {call.func}`", options, found)
    for keyword in call.kwargs:
        if node.categorical and keyword.name == "levels" and isinstance(keyword.value, ir.ListExpr):
            _levels(node, keyword, "`: categorical`", found)
        elif node.categorical and keyword.name == "reference" and _level(keyword.value) is not None:
            node.reference, reference_span = _level(keyword.value), keyword.value.span
        elif node.matrix and keyword.name == "columns":
            _levels(node, keyword, "`: matrix`", found, option="columns")
            node.columns, node.levels = node.levels, None
        elif not misplaced_option(node, keyword, found):
            found.add("DS409", keyword.span, option=keyword.name, what=f"`: {call.func}`", why="", options=options)
    _reference_in_levels(node, reference_span, found)


def _positional(call: ir.Call, what: str, options: str, found: Diagnostics) -> None:
    """DS409 for each positional argument of a type or family: their options are named."""
    for arg in call.args:
        found.add("DS409", arg.span, option="(positional)", what=what, why="; options are named", options=options)


def _reference_in_levels(node: NodeInfo, reference_span: ir.Span, found: Diagnostics) -> None:
    """DS462 when a declared reference level is not among the declared levels."""
    if node.levels is not None and node.reference is not None and node.reference not in node.levels:
        found.add(
            "DS462",
            reference_span,
            name=node.name,
            level=repr(node.reference),
            levels=", ".join(map(repr, node.levels)),
        )


def _levels(node: NodeInfo, keyword: ir.Keyword, what: str, found: Diagnostics, option: str = "levels") -> None:
    """`levels = [...]` (or a matrix's `columns = [...]`): distinct numbers or strings, in their order."""
    levels = [_level(item) for item in keyword.value.items] if isinstance(keyword.value, ir.ListExpr) else [None]
    if None in levels or len(set(levels)) != len(levels):
        found.add(
            "DS409",
            keyword.value.span,
            option=option,
            what=what,
            why=f": {option} must be a list of distinct numbers or strings",
            options=f'{option} = ["a", "b"]',
        )
    else:
        node.levels = levels


def _level(expr):
    if isinstance(expr, ir.String):
        return expr.value
    value = const_value(expr)
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _family(node: NodeInfo, call: ir.Call, found: Diagnostics) -> None:
    family = FAMILIES.get(call.func)
    if family is None and call.func.startswith(("ZeroInflated", "Hurdle")):
        _zero_model(call, found)
        return
    if family is None:
        found.add("DS407", call.span, name=call.func, families=", ".join(FAMILIES))
        return
    node.role = "outcome"
    node.family = family.name
    node.link = family.default_link
    options = list(OUTCOME_OPTIONS) + list(OBSERVATION_OPTIONS) + [a.name for a in family.aux]
    if family.ordered:  # levels in order; the cutpoints take the intercept's place
        node.categorical, node.intercept = True, False
        options = list(ORDERED_OPTIONS)
    if family.categorical:  # a linear predictor per level but the reference
        node.categorical = True
        options = ["intercept", *CATEGORICAL_OPTIONS]
    reference_span = call.span
    _positional(call, f"the {family.name} family", ", ".join(options), found)
    for keyword in call.kwargs:
        value = keyword.value
        if (family.ordered or family.categorical) and keyword.name == "levels":
            _levels(node, keyword, f"the {family.name} family", found)
        elif family.categorical and keyword.name == "reference" and _level(value) is not None:
            node.reference, reference_span = _level(value), value.span
        elif family.categorical and keyword.name not in ("intercept", "missing", "levels", "reference"):
            found.add(
                "DS409",
                keyword.span,
                option=keyword.name,
                what=f"the {family.name} family",
                why=": its links are softmax, and it has no parameters besides the linear predictors of its levels",
                options=", ".join(options),
            )
        elif family.ordered and keyword.name in ("intercept", "link", "cutpoints"):
            found.add(
                "DS409",
                keyword.span,
                option=keyword.name,
                what=f"the {family.name} family",
                why=f": its cutpoints take the intercept's place, and its link is {family.default_link}"
                if keyword.name != "cutpoints"
                else f": set the cutpoints' prior with `prior {node.name}.cutpoints ~ Normal(0, 1.5)`",
                options="levels = [...]",
            )
        elif keyword.name == "censored":
            if family.name not in CENSORABLE or not isinstance(value, ir.Ref):
                found.add(
                    "DS446",
                    keyword.span,
                    family=family.name,
                    why="is censored by a column of codes, not by a value"
                    if family.name in CENSORABLE
                    else "is not one of the censorable families yet (" + ", ".join(CENSORABLE) + ")",
                )
            else:
                node.censored = value
        elif keyword.name == "upper":
            if not isinstance(value, ir.Ref):
                found.add(
                    "DS473",
                    value.span,
                    name=expr_text(value),
                    outcome=node.name,
                    why="is not a column: it is the name of a data node",
                )
            else:
                node.censored_upper = value
        elif keyword.name == "truncated":
            _truncation(node, family, keyword, found)
        elif keyword.name == "missing":
            _missing_option(node, family, keyword, options, found)
        elif keyword.name in OBSERVATION_OPTIONS:
            observation_option(node, family, keyword, found)
        elif keyword.name == "intercept":
            if isinstance(value, ir.Ref) and value.name in ("none", "false"):
                node.intercept = False
            elif isinstance(value, ir.Ref) and value.name == "true":
                node.intercept = True
            else:
                found.add(
                    "DS409",
                    value.span,
                    option=keyword.name,
                    what=f"the {family.name} family",
                    why=": intercept is `none` or `true` (priors go in `prior y.intercept ~ ...`)",
                    options=", ".join(options),
                )
        elif keyword.name == "link":
            link = value.name if isinstance(value, ir.Ref) else None
            if link not in family.links:
                found.add("DS408", value.span, link=link or "given", family=family.name, links=", ".join(family.links))
            else:
                node.link = link
        elif family.aux_param(keyword.name) is not None:
            node.fixed[keyword.name] = value
        else:
            suggestion = closest(keyword.name, options)
            found.add(
                "DS409",
                keyword.span,
                option=keyword.name,
                what=f"the {family.name} family",
                why=f" (did you mean {suggestion!r}?)" if suggestion else "",
                options=", ".join(options),
            )
    _reference_in_levels(node, reference_span, found)
    if node.censored_upper is not None and node.censored is None:
        found.add("DS470", node.censored_upper.span, outcome=node.name, name=node.censored_upper.name)
    missing = [a for a in family.aux if a.default_prior is None and a.name not in node.fixed]
    for aux in missing:
        found.add(
            "DS404",
            call.span,
            dist=f"the {family.name} family",
            param=aux.name,
            example=f"`node {node.name} ~ {family.name}({aux.name} = 10)` or `{aux.name} = trials_column`",
        )


def _zero_model(call: ir.Call, found: Diagnostics) -> None:
    """DS152 for a zero-inflated or hurdle family dagspec does not have (a misspelling, or a continuous family)."""
    kind = "ZeroInflated" if call.func.startswith("ZeroInflated") else "Hurdle"
    base = call.func[len(kind) :]
    known = [name for name, f in FAMILIES.items() if f.zeros == ("inflated" if kind == "ZeroInflated" else "hurdle")]
    suggestion = closest(call.func, known)
    if kind == "ZeroInflated" and base in FAMILIES and not FAMILIES[base].outcome.integer:
        why = (
            f"zero inflation adds zeros to a count family, and {base} is continuous (a zero has no probability mass "
            "to inflate)"
        )
        hint = "for a positive outcome with exact zeros use a hurdle: " + ", ".join(
            n for n, f in FAMILIES.items() if f.zeros == "hurdle" and not f.outcome.integer
        )
    else:
        why = f"the {kind.lower() if kind == 'Hurdle' else 'zero-inflated'} families are " + ", ".join(known)
        hint = f"did you mean {suggestion!r}?" if suggestion else "families: " + ", ".join(FAMILIES)
    found.add("DS152", call.span, name=call.func, why=why, suggestion=hint)


def _truncation(node: NodeInfo, family, keyword: ir.Keyword, found: Diagnostics) -> None:
    """`truncated = [lower, upper]`: numbers (or `none` for an open side), lower below upper."""
    if family.name not in TRUNCATABLE:
        why = "takes two values only" if family.name == "Bernoulli" else "is not one of the truncatable families"
        found.add("DS471", keyword.span, family=family.name, why=why)
        return
    value = keyword.value
    items = value.items if isinstance(value, ir.ListExpr) else []
    bounds = [None if isinstance(i, ir.Ref) and i.name == "none" else const_value(i) for i in items]
    given = expr_text(value)
    if len(items) != 2 or any(
        b is None and not (isinstance(i, ir.Ref) and i.name == "none") for b, i in zip(bounds, items)
    ):
        found.add("DS472", value.span, given=given, why="the bounds are a list of two numbers (or `none`)")
    elif bounds[0] is None and bounds[1] is None:
        found.add("DS472", value.span, given=given, why="both sides are open, so nothing is truncated")
    elif bounds[0] is not None and bounds[1] is not None and not bounds[0] < bounds[1]:
        found.add("DS472", value.span, given=given, why=f"the lower bound {bounds[0]:g} is not below the upper one")
    elif family.outcome.integer and any(b is not None and not float(b).is_integer() for b in bounds):
        found.add(
            "DS472", value.span, given=given, why=f"{family.name} outcomes are whole numbers, and so are their bounds"
        )
    else:
        node.truncation = (bounds[0], bounds[1])


def _missing_option(node: NodeInfo, family, keyword: ir.Keyword, options: list, found: Diagnostics) -> None:
    """`missing = impute` (model the missing values) or `missing = error` (the default: DS504 names the rows)."""
    choice = keyword.value.name if isinstance(keyword.value, ir.Ref) else None
    if choice not in MISSING_CHOICES:
        found.add(
            "DS409",
            keyword.value.span,
            option=f"missing = {expr_text(keyword.value)}",
            what=f"the {family.name} family",
            why=": missing is `impute` or `error`",
            options=", ".join(options),
        )
    elif choice == "impute" and (family.outcome.integer or family.ordered):
        found.add("DS445", keyword.span, name=node.name, family=family.name)
    else:
        node.impute = choice == "impute"


def _observations(spec: ir.SpecIR, found: Diagnostics, matrices: set[str]) -> dict[str, Observation]:
    observations: dict[str, Observation] = {}
    for statement in spec.statements:
        if not isinstance(statement, ir.ObservedStmt):
            continue
        file = statement.source.value if statement.source else None
        read = [
            c
            for item in statement.items
            for c in (
                [item.column] if item.column else columns_read(item.value) if is_column_expression(item.value) else []
            )
        ]
        if statement.where is not None:
            check_column_expression(statement.where, found.add)
            read += columns_read(statement.where)
        reads = tuple(dict.fromkeys(read))
        for item in statement.items:
            name = item.name.id
            if name in observations:
                found.add("DS509", item.name.span, name=name, line=observations[name].span.line)
                continue
            if is_column_expression(item.value):
                if name in matrices:  # `center(X[:, 1:])`: a matrix's own expressions
                    check_matrix_expression(item.value, name, found.add)
                else:
                    check_column_expression(item.value, found.add)
                observations[name] = Observation(
                    expr=item.value, file=file, span=item.span, where=statement.where, reads=reads
                )
                continue
            literal = None if item.value is None or isinstance(item.value, ir.String) else item.value
            observations[name] = Observation(
                column=item.column,
                literal=literal,
                file=file if literal is None else None,
                span=item.span,
                where=statement.where if literal is None else None,
                reads=reads,
            )
    return observations


def _edges(spec: ir.SpecIR, found: Diagnostics) -> list[Edge]:
    edges: list[Edge] = []
    for statement in spec.statements:
        if not isinstance(statement, ir.EdgeStmt):
            continue
        pairs = [(s, t) for left, right in zip(statement.chain, statement.chain[1:]) for s in left for t in right]
        if statement.by is not None and len(pairs) > 1:
            found.add("DS302", statement.by.span, count=len(pairs))
        by = statement.by.id if statement.by is not None and len(pairs) == 1 else None
        for source, target in pairs:
            if source.dpar is not None:
                found.add(
                    "DS151",
                    source.span,
                    what=f"{source.id}.{source.dpar.id}",
                    where="the source",
                    why="a parameter of a likelihood is not a node with values",
                    suggestion=f"an edge starts at a node: `{source.id} -> ...`; `x -> {source.id}.{source.dpar.id}` "
                    "points into the parameter",
                )
                continue
            span = source.span.model_copy(
                update={"end_line": target.span.end_line, "end_column": target.span.end_column, "end": target.span.end}
            )
            if target.smooth is not None:
                found.add(
                    "DS156",
                    target.span,
                    what=f"{target.smooth.func}(...) as the target of an edge",
                    why="a smooth term is a term of its outcome's regression, not a node that can be caused",
                )
                continue
            if target.times is not None:
                found.add(
                    "DS355",
                    target.span,
                    what=f"{target.id} * {target.times.id}",
                    why="an interaction is a term of its outcome's regression, not a node that can be caused",
                )
                continue
            factors = (source.id, source.times.id) if source.times is not None else None
            if factors and statement.by is not None:
                found.add("DS355", statement.by.span, what=" * ".join(factors), why="it cannot also vary `by` a group")
                continue
            dpar = target.dpar.id if target.dpar is not None else None
            edges.append(Edge(source.id, target.id, span, by=by, factors=factors, call=source.smooth, dpar=dpar))
    return edges


def _implicit_nodes(nodes, observations, edges, spec, found: Diagnostics) -> None:
    """Names used in edges but not declared: observed ones become nodes, the others are errors."""
    spans: dict[str, Span] = {}
    for statement in spec.statements:
        if isinstance(statement, ir.EdgeStmt):
            for group in statement.chain:
                for written in group:
                    if not written.id and written.smooth is not None:  # a smooth term without a node: DS155
                        for ref in (r for a in written.smooth.args for r in expression_refs(a)):
                            spans.setdefault(ref.name, ref.span)  # reported once, as the term
                        continue
                    spans.setdefault(written.id, written.span)
                    if written.times is not None:
                        spans.setdefault(written.times.id, written.times.span)
            if statement.by is not None:
                spans.setdefault(statement.by.id, statement.by.span)
    by_groups = {e.by for e in edges if e.by}
    for name, span in spans.items():
        if name in nodes:
            continue
        if name in RESERVED:
            found.add("DS203", span, name=name)
        elif name in observations:
            nodes[name] = NodeInfo(
                name,
                "data",
                span,
                declared=False,
                categorical=name in by_groups,
                order=len(spec.statements) + len(nodes),
            )
        else:
            found.add("DS307", span, name=name)
    for name, observation in observations.items():
        if name not in nodes and name not in spans:
            known = list(nodes)
            suggestion = closest(name, known)
            found.add(
                "DS201",
                observation.span.model_copy(update={"end_column": observation.span.column + len(name)}),
                name=name,
                where=" in `observed`",
                suggestion=f"did you mean {suggestion!r}?" if suggestion else f"declare it first: `node {name}`",
            )


def _assign_roles(nodes: dict[str, NodeInfo], edges: list[Edge], found: Diagnostics) -> None:
    parents: dict[str, list[str]] = {}
    for edge in edges:
        parents.setdefault(edge.target, []).append(edge.source)
    for node in nodes.values():
        if node.role == "outcome" and node.observed is None:
            found.add("DS303", node.span, name=node.name, family=node.family)
        elif node.role == "data" and node.observed is None:
            node.role = "graph"
        elif node.role == "derived" and node.observed is not None:
            found.add("DS510", node.observed.span, name=node.name, kind="a derived quantity (let)")
            node.observed = None
        elif (
            node.role == "data"
            and node.observed is not None
            and node.observed.literal is not None
            and not isinstance(node.observed.literal, ir.ListExpr)
        ):
            found.add(
                "DS510",
                node.observed.span,
                name=node.name,
                kind="a data column",
                hint=f"a column takes a list of values: `observed {node.name} = [1, 2, 3]`",
            )
    for node in nodes.values():
        if not node.declared and node.role == "data" and not node.categorical:
            observed_parents = [p for p in parents.get(node.name, []) if p in nodes and nodes[p].has_values]
            if observed_parents:  # `x -> y` with `observed x, y`: y is a Normal regression outcome
                node.role, node.family, node.link = "outcome", "Normal", "identity"
