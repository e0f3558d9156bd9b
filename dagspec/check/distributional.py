"""Distributional edges (`x -> y.sigma`) → checked against the outcome's family: the parameter exists, can take a
linear predictor, and is not fixed in the outcome's declaration. An edge that fails is reported and not fitted."""

from __future__ import annotations

from ..diagnostics import Diagnostics
from ..families import FAMILIES
from .model import Edge, NodeInfo


def check_dpar_edges(nodes: dict[str, NodeInfo], edges: list[Edge], found: Diagnostics) -> None:
    for edge in edges:
        target = nodes.get(edge.target)
        if edge.dpar is None or not edge.fitted or target is None or target.family is None:
            continue
        family = FAMILIES[target.family]
        aux = family.aux_param(edge.dpar)
        predictable = [a.name for a in family.aux if a.predictable]
        others = (
            f"{family.name}'s parameters with a linear predictor of their own: {', '.join(predictable)}"
            if predictable
            else f"{family.name} has no parameter besides its {family.mean} that edges can point into"
        )
        why, suggestion = "", others
        if edge.dpar in (family.mean, "mu", "p", "eta"):
            why = f"the {edge.dpar} of {family.name} is its mean, which edges into {target.name} itself set"
            suggestion = f"write the edge into the outcome: `{edge.source} -> {target.name}`"
        elif aux is None:
            why = f"the {family.name} family has no parameter {edge.dpar!r}"
            if edge.dpar == "phi" and family.aux_param("kappa") is not None:  # brms's and Bambi's name for it
                suggestion = (
                    f"dagspec calls the precision of {family.name} kappa: `{edge.source} -> {target.name}.kappa`"
                )
            elif edge.dpar in ("zi", "hu"):
                kind = "ZeroInflated" if edge.dpar == "zi" else "Hurdle"
                suggestion = f"{edge.dpar} belongs to the {kind} families, e.g. `node {target.name} ~ {kind}Poisson`"
        elif not aux.predictable:
            why = (
                f"{edge.dpar} is a fixed option of {family.name} (a number or a data column), not a parameter"
                if aux.fixed_only
                else f"{edge.dpar} has no link to take a linear predictor"
            )
        elif edge.dpar in target.fixed:
            why = f"{target.name}.{edge.dpar} is fixed in the declaration of {target.name}"
            suggestion = f"drop `{edge.dpar} = ...` from the declaration of {target.name} to model it"
        if why:
            found.add(
                "DS150",
                edge.span,
                address=edge.address,
                outcome=target.name,
                dpar=edge.dpar,
                why=why,
                suggestion=suggestion,
            )
            edge.fitted = False
