"""Interaction edges `x * z -> y` → which factor is the slope's value and which indexes it.

numeric × numeric: a slope of the product x·z (`times`); numeric × categorical: a slope of the numeric factor per
level of the categorical one (as `x -> y by g`); categorical × categorical: one effect per cell (as `t -> y by g`).
Both factors must be observed data nodes, so that predictions and do() recompute the product from new values."""

from __future__ import annotations

from ..diagnostics import Diagnostics
from .model import ROLE_WORDS, Edge, NodeInfo


def resolve_interactions(nodes: dict[str, NodeInfo], edges: list[Edge], found: Diagnostics) -> None:
    for edge in edges:
        if edge.factors is None:
            continue
        first, second = edge.factors
        if first == second:
            found.add(
                "DS355",
                edge.span,
                what=f"{first} * {second}",
                why=f"it is a factor times itself; observe a transform instead: `observed {first}_sq = {first} ** 2`",
            )
            continue
        a, b = nodes.get(first), nodes.get(second)
        if a is None or b is None:
            continue  # an unknown name is reported where it is declared
        factors = [a, b]
        unusable = [f for f in factors if f.role != "data" or f.observed is None]
        for factor in unusable:
            kind = (
                "not observed"
                if factor.observed is None and factor.role in ("data", "graph")
                else ROLE_WORDS[factor.role]
            )
            found.add("DS356", edge.span, name=factor.name, what=edge.address, kind=kind)
        if unusable:
            continue
        if b.categorical or not a.categorical:
            edge.source = a.name
            edge.by, edge.times = (b.name, None) if b.categorical else (None, b.name)
        else:  # g * x: a slope of x per level of g
            edge.source, edge.by = b.name, a.name
