"""`estimate` statements + the causal graph → regression edges of each estimated outcome, adjustment sets and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import ir
from ..diagnostics import Diagnostics
from ..source import Span
from .model import Edge, NodeInfo


@dataclass
class Estimate:
    """One causal effect to fit: the regression of outcome on exposure plus an adjustment set."""

    exposure: str
    outcome: str
    direct: bool
    adjust: tuple[str, ...]
    chosen: bool  # True when dagspec chose the set from the graph
    span: Span
    alias: str | None = None
    alternatives: list[frozenset[str]] = field(default_factory=list)  # every minimal set among observed nodes

    @property
    def effect(self) -> str:
        return "direct" if self.direct else "total"

    @property
    def regressors(self) -> tuple[str, ...]:
        return (self.exposure,) + tuple(z for z in self.adjust if z != self.exposure)


def collect(spec: ir.SpecIR, nodes: dict[str, NodeInfo], found: Diagnostics) -> list[ir.EstimateStmt]:
    """Validate the names of each estimate and make its outcome a fitted outcome."""
    statements: list[ir.EstimateStmt] = []
    by_outcome: dict[str, ir.EstimateStmt] = {}
    for statement in spec.statements:
        if not isinstance(statement, ir.EstimateStmt):
            continue
        names = [statement.exposure, statement.outcome] + list(statement.adjust or [])
        unknown = [n for n in names if n.id not in nodes or nodes[n.id].role not in ("data", "outcome", "graph")]
        for name in unknown:
            found.add(
                "DS201",
                name.span,
                name=name.id,
                where=" in `estimate`",
                suggestion="estimates and adjustment sets name nodes of the causal graph",
            )
        if unknown:
            continue
        written = [statement.exposure, statement.outcome, *(statement.adjust or [])]
        twice = [n for i, n in enumerate(written) if n.id in {m.id for m in written[:i]}]
        if twice:  # `estimate A -> A`, `adjust` naming the exposure or the outcome
            found.add("DS357", twice[0].span, exposure=statement.exposure.id, outcome=statement.outcome.id)
            continue
        for name in (statement.exposure, statement.outcome, *(statement.adjust or [])):
            if nodes[name.id].observed is None:
                found.add(
                    "DS310", name.span, exposure=statement.exposure.id, outcome=statement.outcome.id, name=name.id
                )
        outcome = statement.outcome.id
        if outcome in by_outcome:
            found.add("DS312", statement.span, outcome=outcome, line=by_outcome[outcome].span.line)
            continue
        by_outcome[outcome] = statement
        node = nodes[outcome]
        if node.role != "outcome" and node.observed is not None:
            node.role, node.family, node.link = "outcome", "Normal", "identity"
        statements.append(statement)
    return statements


def regression_edges(statements: list[ir.EstimateStmt], estimates: list[Estimate], edges: list[Edge]) -> None:
    """Mark each estimate's regressors as fitted edges into its outcome (adding non-causal edges as needed)."""
    for estimate, statement in zip(estimates, statements):
        into_mean = [e for e in edges if e.target == estimate.outcome and e.dpar is None]  # not `x -> y.sigma`
        for edge in into_mean:
            edge.fitted = False
        for regressor in estimate.regressors:  # in the estimate's order: exposure, then the adjustment set
            causal = next((e for e in into_mean if e.source == regressor and e.causal), None)
            if causal is not None:
                edges.remove(causal)
                causal.fitted = True
                edges.append(causal)
            else:
                edges.append(Edge(regressor, estimate.outcome, statement.span, fitted=True, causal=False))


def causal_graph_of(nodes: dict[str, NodeInfo], edges: list[Edge]):
    """The declared causal DAG (before any estimate adds regression edges), unobserved nodes latent."""
    from ..causal.graph import CausalGraph

    variables = [n for n, node in nodes.items() if node.role in ("data", "outcome", "graph")]
    pairs = [(e.source, e.target) for e in edges if e.causal and e.source in variables and e.target in variables]
    pairs += [(e.by, e.target) for e in edges if e.causal and e.by in variables and (e.by, e.target) not in pairs]
    latent = frozenset(n for n in variables if nodes[n].observed is None)
    return CausalGraph(tuple(variables), tuple(dict.fromkeys(pairs)), latent=latent)


def resolve(
    statements: list[ir.EstimateStmt], nodes: dict[str, NodeInfo], edges: list[Edge], found: Diagnostics
) -> list[Estimate]:
    """Choose or check each estimate's adjustment set against the causal graph."""
    from ..causal.adjustment import adjustment_sets

    if not statements:
        return []
    graph = causal_graph_of(nodes, edges)
    estimates = []
    for statement in statements:
        x, y = statement.exposure.id, statement.outcome.id
        effect = "direct" if statement.direct else "total"
        sets = adjustment_sets(graph, x, y, effect)
        alias = statement.alias.id if statement.alias else None
        if statement.adjust is None:
            if not sets:
                _not_identifiable(statement, graph, effect, found)
                continue
            estimates.append(
                Estimate(x, y, statement.direct, tuple(sorted(sets[0])), True, statement.span, alias, sets)
            )
            continue
        adjust = tuple(n.id for n in statement.adjust)
        estimates.append(Estimate(x, y, statement.direct, adjust, False, statement.span, alias, sets))
        _warn_about_adjustment(statement, graph, effect, sets, found)
    return estimates


def _set_text(names) -> str:
    return "{" + ", ".join(sorted(names)) + "}" if names else "nothing (`adjust none`)"


def _not_identifiable(statement, graph, effect: str, found: Diagnostics) -> None:
    from ..causal.adjustment import adjustment_sets

    x, y = statement.exposure.id, statement.outcome.id
    if_observed = adjustment_sets(graph.with_marks(latent=()), x, y, effect)
    needed = sorted(if_observed[0] & graph.latent) if if_observed else []
    why = (
        "every adjustment set needs an unobserved node"
        if if_observed
        else "no set of nodes closes every back-door path (e.g. a front-door or instrument design is needed)"
    )
    found.add(
        "DS311",
        statement.span,
        effect=effect,
        exposure=x,
        outcome=y,
        why=why,
        suggestion=f"observe {', '.join(needed)}" if needed else "a front-door or instrumental-variable design",
    )


def _warn_about_adjustment(statement, graph, effect: str, sets, found: Diagnostics) -> None:
    """Explain, relative to the DAG, why a user-chosen adjustment set is biased."""
    from ..causal.adjustment import _proper_causal_nodes, is_valid_adjustment
    from ..causal.roles import paths_between

    x, y = statement.exposure.id, statement.outcome.id
    chosen = {n.id for n in statement.adjust}
    if is_valid_adjustment(graph, x, y, chosen, effect):
        return
    full = graph.to_networkx()
    import networkx as nx

    alternative = f", e.g. adjust for {_set_text(sets[0])}" if sets else ""
    descendants_y = nx.descendants(full, y)
    mediators = _proper_causal_nodes(full, {x}, {y}) - {y} if effect == "total" else set()
    paths = paths_between(graph, x, y)
    flagged = set()
    for name in statement.adjust:
        node = name.id
        opened = [
            p
            for p in paths
            if not p.causal
            and p.open_given(full, chosen)
            and not p.open_given(full, set())
            and any(c == node or node in nx.descendants(full, c) for c in p.colliders)
        ]
        if opened:
            path = opened[0]
            collider = next(c for c in path.colliders if c == node or node in nx.descendants(full, c))
            why = "a collider on it" if collider == node else f"a descendant of the collider {collider}"
            found.add("DS313", name.span, node=node, path=path.text(), why=why, alternative=alternative)
            flagged.add(node)
        elif node in descendants_y:
            found.add("DS314", name.span, node=node, outcome=y, alternative=alternative)
            flagged.add(node)
        elif node in mediators:
            causal = next((p for p in paths if p.causal and node in p.nodes), None)
            found.add(
                "DS315",
                name.span,
                node=node,
                path=causal.text() if causal else f"{x} -> ... -> {y}",
                exposure=x,
                outcome=y,
                alternative=alternative,
            )
            flagged.add(node)
    still_open = [p for p in paths if not p.causal and not p.colliders and p.open_given(full, chosen)]
    for path in still_open[:1]:
        observed = [n for n in path.nodes[1:-1] if n not in graph.latent]
        suggestion = (
            _set_text(sets[0])
            if sets
            else (
                f"{', '.join(observed)}"
                if observed
                else f"{', '.join(path.nodes[1:-1])} after observing it (it is unobserved now)"
            )
        )
        found.add("DS316", statement.span, path=path.text(), exposure=x, outcome=y, suggestion=suggestion)
