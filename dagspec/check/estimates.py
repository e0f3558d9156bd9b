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
    alternatives: list[tuple[str, ...]] = field(default_factory=list)  # every minimal set among observed nodes

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
            found.add("DS201", name.span, name=name.id, where=" in `estimate`",
                      suggestion="estimates and adjustment sets name nodes of the causal graph")
        if unknown:
            continue
        for name in (statement.exposure, statement.outcome, *(statement.adjust or [])):
            if nodes[name.id].observed is None:
                found.add("DS310", name.span, exposure=statement.exposure.id, outcome=statement.outcome.id, name=name.id)
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
        for edge in edges:
            if edge.target == estimate.outcome:
                edge.fitted = False
        for regressor in estimate.regressors:
            causal = next((e for e in edges if e.source == regressor and e.target == estimate.outcome and e.causal), None)
            if causal is not None:
                causal.fitted = True
            else:
                edges.append(Edge(regressor, estimate.outcome, statement.span, fitted=True, causal=False))
