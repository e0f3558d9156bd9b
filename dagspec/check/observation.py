"""An outcome's options about how its rows are observed → NodeInfo fields, their columns checked.

`weights = w`: each row's log-likelihood is multiplied by its weight w_i (brms's `weights()`), so the posterior is
prior × Π p(y_i)^w_i. `se = s`: the observed value of each row is a noisy measurement, with the known standard error
s_i, of a latent true value drawn from the node's own model (brms's `mi(sd)`, rethinking's `D_obs ~ Normal(D_true,
D_sd)`); the node's children read the true values. Both name an observed numeric data node, whose values are checked
with the data (dagspec.data).
"""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostics
from ..families import Family
from ..printer import expr_text
from .model import ROLE_WORDS, CheckedModel, Edge, NodeInfo

OBSERVATION_OPTIONS = ("weights", "se")
WORDS = {"weights": "weights", "se": "standard-error"}


def observation_option(node: NodeInfo, family: Family, keyword: ir.Keyword, found: Diagnostics) -> None:
    """`weights = w` or `se = s` in an outcome's family: a column (a data node), on a family that can take it."""
    value = keyword.value
    if not isinstance(value, ir.Ref):
        found.add(
            "DS495",
            value.span,
            what=WORDS[keyword.name],
            name=expr_text(value),
            outcome=node.name,
            why="is not a column: name a data node with one value per row",
            family=family.name,
            option=keyword.name,
        )
    elif keyword.name == "se" and node.categorical and not family.ordered:
        found.add(
            "DS496", keyword.span, name=node.name, why="it is categorical: its values are levels, not measurements"
        )
    elif keyword.name == "se" and (family.outcome.integer or family.ordered):
        found.add(
            "DS496",
            keyword.span,
            name=node.name,
            why=f"its true values would be {family.name} {'levels' if family.ordered else 'whole numbers'}, "
            "and NUTS samples only continuous parameters",
        )
    elif keyword.name == "weights" and family.ordered:
        found.add("DS497", keyword.span, name=node.name, why=f"{family.name} outcomes take no weights yet")
    else:
        setattr(node, keyword.name, value)


def misplaced_option(node: NodeInfo, keyword: ir.Keyword, found: Diagnostics) -> bool:
    """DS395 for `weights`/`se` among a node type's options (`node x : numeric(se = s)`): they need a family."""
    if keyword.name not in OBSERVATION_OPTIONS:
        return False
    found.add("DS395", keyword.span, option=keyword.name, name=node.name, why="has no family: it is not an outcome")
    return True


def check_observation(node: NodeInfo, model: CheckedModel, found: Diagnostics) -> None:
    """The columns `weights` and `se` name are observed numeric data nodes, and the options combine."""
    options = {"weights": node.weights, "se": node.se}
    if node.se is not None:
        clash = "`missing = impute`" if node.impute else "`censored`" if node.censored else None
        clash = clash or ("`weights`" if node.weights is not None else None)
        if clash:
            found.add("DS496", node.se.span, name=node.name, why=f"it also has {clash}: not supported together yet")
            return
    if node.weights is not None:
        clash = "`missing = impute`" if node.impute else "`censored`" if node.censored else None
        if clash:
            found.add(
                "DS497", node.weights.span, name=node.name, why=f"it also has {clash}: not supported together yet"
            )
            return
    for option, ref in options.items():
        if ref is None:
            continue
        column = model.nodes.get(ref.name)
        if column is not None and column.role == "data" and column.observed is not None and not column.categorical:
            model.implicit_edges.append(Edge(column.name, node.name, ref.span))
            continue
        found.add(
            "DS495",
            ref.span,
            what=WORDS[option],
            name=ref.name,
            outcome=node.name,
            why="is not a node"
            if column is None
            else "is categorical"
            if column.categorical
            else f"is {ROLE_WORDS[column.role]}",
            family=node.family,
            option=option,
        )


def latent_name(node: NodeInfo) -> str:
    """The PyMC name of a node's true values when it is measured with error (one per row)."""
    return f"{node.pymc_name}_true"
