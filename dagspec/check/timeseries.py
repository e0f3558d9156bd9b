"""Time-series checks of a checked model: lagged nodes stay in the past, random-walk and AR(1) priors sit on pools.

- `lag(y, 1)` observes a node of its own; an edge (or a path) from the present `y` into its past is DS375.
- `GaussianRandomWalk(sigma)` and `AR1(rho, sigma)` are priors over the effects of a categorical node's levels in
  order (a time-indexed pool); anywhere else they are DS476. Their first level's effect gets `init = Normal(0, 10)`
  unless the spec gives `init`, written into the prior so `compile` shows it. Whether the levels are ordered is
  known only with the data (plan.py, DS477).
"""

from __future__ import annotations

import networkx as nx

from .. import ir
from ..diagnostics import Diagnostics
from ..dists import DISTRIBUTIONS, TIME_PRIOR_INIT, TIME_PRIORS
from ..lags import lagged_nodes
from ..printer import expr_text
from .model import CONTRASTS, CheckedModel
from .params import default_prior


def check_time_priors(model: CheckedModel, found: Diagnostics) -> None:
    """DS476 for a random-walk or AR(1) prior that is not over one categorical node's levels; fills in `init`."""
    for node in model.nodes.values():
        if node.role == "random" and node.distribution.func in TIME_PRIORS:
            found.add(
                "DS476",
                node.distribution.span,
                dist=node.distribution.func,
                what=f"{node.name} is a random variable, which has no levels",
            )
    for param in model.params.values():
        if param.prior.func not in TIME_PRIORS:
            continue
        why = ""
        if param.role != "effect":
            why = f"{param.address} is a single {param.role}, not one effect per level"
        elif len(param.dims) != 1:
            why = f"{param.address} has one effect per cell of {' x '.join(param.dims)}, which are not in one order"
        elif param.dims[0].endswith(CONTRASTS):
            why = f"{param.dims[0][: -len(CONTRASTS)]!r} is treatment-coded (a reference level with no effect)"
        if why:
            found.add("DS476", param.prior.span, dist=param.prior.func, what=why)
            continue
        position = DISTRIBUTIONS[param.prior.func].param_names.index("init")
        if param.prior.kwarg("init") is None and len(param.prior.args) <= position:
            init = ir.Keyword(name="init", value=default_prior(TIME_PRIOR_INIT))
            param.prior = param.prior.model_copy(update={"kwargs": [*param.prior.kwargs, init], "bare": False})


def check_lag_direction(model: CheckedModel, found: Diagnostics) -> None:
    """DS375 for a path from a node into its own lag: the present would cause the past."""
    graph = model.causal_graph()
    for lagged in lagged_nodes(model).values():
        present = lagged.present
        if present is None or present not in graph or lagged.node not in graph:
            continue
        if nx.has_path(graph, present, lagged.node):
            path = nx.shortest_path(graph, present, lagged.node)
            edge = next((e for e in model.edges if e.source == path[0] and e.target == path[1]), None)
            found.add(
                "DS375",
                edge.span if edge is not None else model.nodes[lagged.node].observed_span,
                path=" -> ".join(path),
                present=present,
                lagged=lagged.node,
                steps=lagged.steps,
                lag=expr_text(lagged.call),
            )
