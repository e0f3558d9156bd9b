"""Causal analysis of a declared DAG: d-separation, implied independencies, adjustment sets, roles, dagitty I/O."""

from .adjustment import adjustment_sets, is_valid_adjustment
from .dagitty import DagittyParseError, parse_dagitty, to_dagitty
from .dsep import d_separated, implied_independencies
from .graph import CausalGraph, CausalGraphError
from .roles import Path as CausalPath
from .roles import explain, node_roles, paths_between

__all__ = [
    "CausalGraph",
    "CausalGraphError",
    "CausalPath",
    "DagittyParseError",
    "adjustment_sets",
    "d_separated",
    "explain",
    "implied_independencies",
    "is_valid_adjustment",
    "node_roles",
    "parse_dagitty",
    "paths_between",
    "to_dagitty",
]
