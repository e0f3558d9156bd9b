"""Parsed statements → a frozen, versioned pydantic IR (spans kept, but left out of equality). Never imports PyMC."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .source import NO_SPAN, Span

IR_VERSION = 1


class IRNode(BaseModel):
    """Base of every IR node: immutable, with a source span that equality ignores."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: Span = NO_SPAN

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return _without_spans(self.model_dump()) == _without_spans(other.model_dump())

    def __hash__(self) -> int:
        return hash(repr(_without_spans(self.model_dump())))


def _without_spans(value):
    if isinstance(value, dict):
        return {k: _without_spans(v) for k, v in value.items() if k != "span"}
    if isinstance(value, list):
        return [_without_spans(v) for v in value]
    return value


# ---- expressions -------------------------------------------------------------------------------


class Number(IRNode):
    kind: Literal["number"] = "number"
    value: float
    text: str  # as written, so printing keeps `10` and `0.5` as the user wrote them


class String(IRNode):
    kind: Literal["string"] = "string"
    value: str


class Ref(IRNode):
    """A name used as a value: a node, a parameter's user name, or a constant like `none`."""

    kind: Literal["ref"] = "ref"
    name: str


class ListExpr(IRNode):
    kind: Literal["list"] = "list"
    items: list[Expr] = []


class BinOp(IRNode):
    kind: Literal["binop"] = "binop"
    op: Literal["+", "-", "*", "/", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or"]
    left: Expr
    right: Expr


class Neg(IRNode):
    kind: Literal["neg"] = "neg"
    operand: Expr


class Keyword(IRNode):
    kind: Literal["keyword"] = "keyword"
    name: str
    value: Expr


class Call(IRNode):
    """`Name(args...)`: a distribution, a family's options, or a function in an expression."""

    kind: Literal["call"] = "call"
    func: str
    args: list[Expr] = []
    kwargs: list[Keyword] = []
    bare: bool = False  # written without parentheses (`node y ~ Normal`)

    def kwarg(self, name: str) -> Keyword | None:
        return next((k for k in self.kwargs if k.name == name), None)


class Slice(IRNode):
    kind: Literal["slice"] = "slice"
    start: Expr | None = None
    stop: Expr | None = None


class Index(IRNode):
    kind: Literal["index"] = "index"
    target: Expr
    subscripts: list[Expr | Slice]


Expr = Annotated[
    Number | String | Ref | ListExpr | BinOp | Neg | Call | Index,
    Field(discriminator="kind"),
]

for _cls in (ListExpr, BinOp, Neg, Keyword, Call, Index, Slice):
    _cls.model_rebuild()


# ---- statements --------------------------------------------------------------------------------


class Name(IRNode):
    """A name as written in a statement, with its own span."""

    kind: Literal["name"] = "name"
    id: str
    times: Name | None = None  # `x * z` in an edge: an interaction of x with z
    smooth: Call | None = None  # `spline(x, ...)` or `gp(x, ...)` in an edge: a smooth function of x (id: x)


Name.model_rebuild()


class NodeDecl(IRNode):
    """`node NAME [: type(options)] [~ Family(options)] [as alias]`."""

    kind: Literal["node"] = "node"
    name: Name
    type: Call | None = None
    family: Call | None = None
    alias: Name | None = None


class EdgeStmt(IRNode):
    """`a, b -> c -> d [by g]`: each group of names points at every name of the next group."""

    kind: Literal["edge"] = "edge"
    chain: list[list[Name]]
    by: Name | None = None


class Address(IRNode):
    """What a prior targets: `y.intercept` (param), `x -> y [by g]` (edge), `x -> y.lengthscale` (edge with
    param: a parameter of a smooth term) or a plain name."""

    kind: Literal["param", "edge", "name"]
    node: Name | None = None  # param
    param: Name | None = None  # param (and an edge's smooth-term parameter)
    source: Name | None = None  # edge
    target: Name | None = None  # edge
    by: Name | None = None  # edge
    times: Name | None = None  # edge of an interaction `x * z -> y`: source x, times z
    name: Name | None = None  # name

    def text(self) -> str:
        if self.kind == "param" and self.node and self.param:
            return f"{self.node.id}.{self.param.id}"
        if self.kind == "edge" and self.source and self.target and self.param:
            return f"{self.source.id} -> {self.target.id}.{self.param.id}"
        if self.kind == "edge" and self.source and self.target:
            return f"{self.source.id}{f' * {self.times.id}' if self.times else ''} -> {self.target.id}" + (
                f" by {self.by.id}" if self.by else ""
            )
        if self.kind == "name" and self.name:
            return self.name.id
        raise ValueError(f"a {self.kind} address without its names")  # the parser and from_json never make one


class PriorStmt(IRNode):
    kind: Literal["prior"] = "prior"
    address: Address
    dist: Call | None = None
    value: Expr | None = None  # `prior x -> y = 1`: the parameter fixed to this number
    alias: Name | None = None
    parameterisation: Literal["centered", "noncentered"] | None = None  # for a hierarchical pool


class RandomVar(IRNode):
    """`name ~ Dist(args) [as alias]`: a random variable with explicitly given parameters."""

    kind: Literal["random_var"] = "random_var"
    name: Name
    dist: Call
    alias: Name | None = None


class LetStmt(IRNode):
    kind: Literal["let"] = "let"
    name: Name
    value: Expr


class ObservedItem(IRNode):
    """`name` (a column of that name), `name = "Column"` (another column) or `name = 8` (a literal value)."""

    kind: Literal["observed_item"] = "observed_item"
    name: Name
    value: Expr | None = None

    @property
    def column(self) -> str | None:
        if self.value is None:
            return self.name.id
        if isinstance(self.value, String):
            return self.value.value
        return None


class ObservedStmt(IRNode):
    """`observed items [from "file"] [where condition]`: `where` keeps the rows of the data it reads that pass."""

    kind: Literal["observed"] = "observed"
    items: list[ObservedItem]
    source: String | None = None
    where: Expr | None = None


class EstimateStmt(IRNode):
    """`estimate [direct] x -> y [adjust z, w | adjust none] [as name]`: a causal effect to fit by regression.

    `adjust` is None when dagspec chooses the adjustment set from the graph, [] for `adjust none`.
    """

    kind: Literal["estimate"] = "estimate"
    exposure: Name
    outcome: Name
    direct: bool = False
    adjust: list[Name] | None = None
    alias: Name | None = None


class PriorsStmt(IRNode):
    """`priors auto`: the default priors of generated parameters are scaled to the data (docs/language.md)."""

    kind: Literal["priors"] = "priors"
    mode: Name


Statement = Annotated[
    NodeDecl | EdgeStmt | PriorStmt | RandomVar | LetStmt | ObservedStmt | EstimateStmt | PriorsStmt,
    Field(discriminator="kind"),
]


class SpecIR(IRNode):
    """A whole spec: its statements in order, with the IR version that wrote it."""

    kind: Literal["spec"] = "spec"
    version: int = IR_VERSION
    name: str = "<string>"
    statements: list[Statement] = []

    def __eq__(self, other: object) -> bool:  # the file name is not part of the model
        if not isinstance(other, SpecIR):
            return NotImplemented
        return self.version == other.version and self.statements == other.statements

    __hash__ = IRNode.__hash__
