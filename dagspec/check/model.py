"""The checked model: what each name is (data, outcome, random, derived, graph-only), its edges and its parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import networkx as nx

from .. import ir
from ..source import NO_SPAN, Source, Span

if TYPE_CHECKING:
    from .smooth import Smooth

Role = Literal["data", "outcome", "random", "derived", "graph"]
ROLE_WORDS = {
    "data": "a data node",
    "outcome": "an outcome",
    "random": "a random variable",
    "derived": "a derived quantity (let)",
    "graph": "a graph-only node",
}


@dataclass
class Observation:
    """How a node gets its values: a data column (of the data passed in, or of a named file), possibly transformed
    and filtered, or a literal."""

    column: str | None = None
    literal: ir.Expr | None = None
    file: str | None = None
    span: Span = NO_SPAN
    expr: ir.Expr | None = None  # a column expression: `standardize(Divorce)`, `log(mass)`, `1 + condition`
    where: ir.Expr | None = None  # the statement's row filter
    reads: tuple[str, ...] = ()  # every column the statement reads (what `where complete` looks at)
    counts: tuple[ir.Expr, ...] | None = None  # a multinomial outcome's columns of counts, one per category

    def describe(self) -> str:
        """How the values are got, in the spec's words: `column Divorce`, `standardize(Age) where complete`."""
        from ..printer import expr_text

        if self.literal is not None:
            return expr_text(self.literal)
        if self.counts is not None:
            text = "columns " + ", ".join(expr_text(c) for c in self.counts)
        else:
            text = expr_text(self.expr) if self.expr is not None else f"column {self.column}"
        return text + (f" where {expr_text(self.where)}" if self.where is not None else "")

    @property
    def transformed(self) -> bool:
        """Whether the values are computed (a transform or a row filter), not a column read as it is."""
        return self.expr is not None or self.where is not None or self.counts is not None


@dataclass
class NodeInfo:
    name: str
    role: Role
    span: Span
    declared: bool = True
    categorical: bool = False
    levels: list | None = None  # declared levels, in order
    reference: object = None  # `reference = "a"`: the level whose effect is dropped (treatment coding; a categorical
    # outcome's level without a linear predictor)
    matrix: bool = False  # `node X : matrix`: a row of K numbers per observation (posteriordb's X, N x K)
    columns: list | None = None  # a matrix node's declared column names, in order
    family: str | None = None
    link: str | None = None
    intercept: bool = True
    fixed: dict[str, ir.Expr] = field(default_factory=dict)  # family options given as values (sigma = 1, n = trials)
    impute: bool = False  # `missing = impute`: missing values become parameters drawn from the node's own model
    censored: ir.Ref | None = None  # `censored = column`: a data node of censoring codes (none, right, left, interval)
    censored_upper: ir.Ref | None = None  # `upper = column`: the upper ends of the interval-censored rows
    truncation: tuple[float | None, float | None] | None = None  # `truncated = [lower, upper]` (None: open)
    weights: ir.Ref | None = None  # `weights = column`: each row's log-likelihood times its weight (check.observation)
    se: ir.Ref | None = None  # `se = column`: the values measure latent true ones with these standard errors
    dist: ir.Call | None = None  # random variables
    size: ir.Expr | None = None  # `a ~ Normal(0, 1, size = 3)`: a vector random variable (a number or a data scalar)
    expr: ir.Expr | None = None  # derived quantities
    alias: str | None = None
    observed: Observation | None = None
    order: int = 0

    @property
    def pymc_name(self) -> str:
        return self.alias or self.name

    @property
    def has_values(self) -> bool:
        """Whether the node has a value in the fitted model (so it can be a predictor)."""
        return self.role in ("data", "outcome", "random", "derived")

    @property
    def observed_span(self) -> Span:
        """Where the node's values come from (its `observed` item), else where it is declared."""
        return self.observed.span if self.observed is not None else self.span

    @property
    def outcome_family(self) -> str:
        """An outcome's family (the checks give every outcome one)."""
        if self.family is None:
            raise ValueError(f"{self.name} is a {self.role} node, not an outcome with a family")
        return self.family

    @property
    def distribution(self) -> ir.Call:
        """A random variable's distribution (the checks give every random node one)."""
        if self.dist is None:
            raise ValueError(f"{self.name} is a {self.role} node, not a random variable")
        return self.dist


@dataclass
class Edge:
    source: str
    target: str
    span: Span
    by: str | None = None
    fitted: bool = False
    causal: bool = True  # False for a regression edge an `estimate` adds (a covariate, not a cause)
    factors: tuple[str, str] | None = None  # `x * z -> y` as written: an interaction (see check.interactions)
    times: str | None = None  # the numeric factor the source is multiplied by (a categorical factor is `by`)
    call: ir.Call | None = None  # `spline(x, ...) -> y` as written (see check.smooth)
    smooth: Smooth | None = None  # the checked smooth term
    dpar: str | None = None  # `x -> y.sigma`: into this parameter of the target's likelihood, not its mean

    @property
    def address(self) -> str:
        target = f"{self.target}.{self.dpar}" if self.dpar else self.target
        if self.factors:
            return f"{self.factors[0]} * {self.factors[1]} -> {target}"
        return f"{self.source} -> {target}" + (f" by {self.by}" if self.by else "")

    @property
    def partners(self) -> list[str]:
        """The other parents this edge reads: its `by` group and an interaction's second factor."""
        return [n for n in (self.by, self.times) if n]


CONTRASTS = "__contrasts"  # suffix of the dimension of a treatment-coded effect: the levels but the reference
COLUMNS = "__column"  # suffix of the dimension of a matrix node's columns (and of its edges' coefficients)
ENTRIES = "__entry"  # suffix of the dimension of a vector random variable declared with `size = n`


def column_dim(matrix: str) -> str:
    """The dimension of a matrix node's columns: `X__column`, labelled by the declared names or 0, 1, ..."""
    return matrix + COLUMNS


@dataclass
class Parameter:
    """A generated regression parameter: an intercept, an edge's slope or effects, or a family's noise term."""

    address: str
    name: str
    role: Literal["intercept", "slope", "effect", "aux", "kernel"]
    outcome: str
    prior: ir.Call
    default_prior: bool = True
    user_named: bool = False
    edge: Edge | None = None
    aux: str | None = None
    dims: tuple[str, ...] = ()  # categorical nodes whose levels index this parameter
    span: Span = NO_SPAN  # of the prior statement that set it, else of its edge or outcome
    order: int = 0
    parameterisation: str | None = None  # "centered" / "noncentered" as the spec asks, else None (dagspec chooses)
    fixed: float | None = None  # `prior x -> y = 1`: a number, not a free parameter (an offset's coefficient)
    kernel: tuple[str, str] | None = None  # a smooth term's kernel parameter: (its edge's address, which one)
    dpar: str | None = None  # a term of this distributional parameter's linear predictor (`x -> y.sigma`), not the mean


@dataclass
class CheckedModel:
    spec: ir.SpecIR
    source: Source
    nodes: dict[str, NodeInfo]
    edges: list[Edge]
    params: dict[str, Parameter]
    implicit_edges: list[Edge] = field(default_factory=list)  # from references in priors, distributions, lets
    warnings: list = field(default_factory=list)
    estimates: list = field(default_factory=list)  # check.estimates.Estimate, one per `estimate` statement
    auto_priors: bool = False  # `priors auto` (or `--auto-priors`): default priors scaled to the data (autoprior.py)

    def node(self, name: str) -> NodeInfo:
        return self.nodes[name]

    def dpars(self, outcome: str) -> list[str]:
        """The parameters of an outcome's likelihood that have a linear predictor of their own (edges into them)."""
        return list(dict.fromkeys(p.dpar for p in self.params.values() if p.outcome == outcome and p.dpar))

    def fitted_edges(self, target: str) -> list[Edge]:
        return [e for e in self.edges if e.target == target and e.fitted]

    def outcomes(self) -> list[NodeInfo]:
        return [n for n in self.nodes.values() if n.role == "outcome"]

    def causal_graph(self) -> nx.DiGraph:
        """The declared causal DAG: variables (data, outcomes, graph-only nodes) and the edges between them."""
        graph = nx.DiGraph()
        for node in self.nodes.values():
            if node.role in ("data", "outcome", "graph"):
                graph.add_node(node.name, role=node.role, observed=node.observed is not None)
        causal = [e for e in self.edges if e.causal]
        for edge in causal:
            graph.add_edge(edge.source, edge.target, by=edge.by, fitted=edge.fitted)
        for edge in causal:  # x -> y by g, x * z -> y: g and z modify x's effect, so they are causes of y too
            for partner in edge.partners:
                if partner in self.nodes and not graph.has_edge(partner, edge.target):
                    graph.add_edge(partner, edge.target, by=None, fitted=edge.fitted, modifier=True, span=edge.span)
        return graph

    def dependency_graph(self) -> nx.DiGraph:
        """What the fitted model computes from what: fitted edges, parameters (by address) into their outcomes,
        and the names that priors, distributions, lets and family options read."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        for param in self.params.values():
            graph.add_edge(param.address, param.outcome, span=param.span)
        for edge in [e for e in self.edges if e.fitted] + self.implicit_edges:
            graph.add_edge(edge.source, edge.target, span=edge.span)
            for partner in edge.partners:
                graph.add_edge(partner, edge.target, span=edge.span)
        return graph
