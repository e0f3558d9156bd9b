"""CheckedModel + validated data → a backend-neutral Plan: coords, data containers and variables in build order."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

import networkx as nx
import numpy as np

from . import ir
from .check.calls import const_value
from .check.model import CheckedModel, Parameter
from .data import Column
from .diagnostics import NO_SPAN, Diagnostics
from .dists import DISTRIBUTIONS
from .families import FAMILIES

OBS_DIM = "__obs__"
MAX_PARAMETER_SIZE = 1_000_000  # elements in one parameter (e.g. the cells of `x -> y by g`)


# ---- plan expressions ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Const:
    value: Any  # a number, a list or an array


@dataclass(frozen=True)
class VarRef:
    name: str  # a PyMC name: data container, random variable or deterministic


@dataclass(frozen=True)
class Op:
    op: str  # + - * / ** neg
    args: tuple


ARRAY_OPS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power, "neg": np.negative}


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple


@dataclass(frozen=True)
class Slice:
    start: object = None
    stop: object = None


@dataclass(frozen=True)
class Idx:
    target: object
    subscripts: tuple


@dataclass(frozen=True)
class ListOf:
    items: tuple


@dataclass(frozen=True)
class DistOf:
    """An unnamed distribution used as an argument (LKJCholeskyCov's sd)."""

    dist: str
    args: dict


PExpr = Union[Const, VarRef, Op, Func, Idx, ListOf, DistOf]


# ---- plan entries ---------------------------------------------------------------------------------

@dataclass
class DataVar:
    """Values held in a `pm.Data` container: an observed column (with its level names when categorical),
    or values the optimizer derived from columns (`recipe` says how, for code generation)."""

    name: str
    values: np.ndarray
    node: str
    dims: tuple[str, ...] = (OBS_DIM,)
    column: str | None = None
    levels: list | None = None
    recipe: dict | None = None


@dataclass
class RandomVariable:
    name: str
    dist: str
    args: dict[str, PExpr]
    dims: tuple[str, ...] = ()
    observed: PExpr | None = None
    source: str = ""  # the node name or parameter address it comes from
    default_prior: bool = False
    parameterisation: str | None = None  # a pool's parameterisation as the spec asks
    initval: object = None  # a starting value (the optimizer's least-squares guess for its Flat parameters)


@dataclass
class DerivedVar:
    name: str
    expr: PExpr
    dims: tuple[str, ...] = ()


@dataclass
class Term:
    """One summand of a linear predictor: param[index...] (times value for a slope; value @ param for a block)."""

    param: str
    index: tuple[str, ...] = ()
    value: PExpr | None = None
    address: str = ""
    matmul: bool = False


@dataclass
class PriorPotential:
    """The prior density of a value computed from other variables (a reparameterised parameter keeps its prior)."""

    name: str
    dist: str
    args: dict[str, PExpr]
    value: PExpr


@dataclass
class LogDensity:
    """A term of the model's log density (the optimizer's likelihood of an outcome from sufficient statistics)."""

    name: str
    expr: PExpr
    node: str = ""


@dataclass
class LikelihoodVar:
    name: str
    node: str
    family: str
    link: str
    intercept: str | None
    terms: list[Term]
    aux: dict[str, PExpr]
    observed: str  # the data container holding the outcome's values
    dims: tuple[str, ...] = (OBS_DIM,)


@dataclass
class Plan:
    coords: dict[str, list]
    entries: list = field(default_factory=list)
    n_obs: int | None = None
    notes: list[str] = field(default_factory=list)  # what the optimizer did, in words
    statistics: dict[str, float] = field(default_factory=dict)  # what the data transforms computed from the data
    expose_means: bool = False  # also a deterministic `<outcome>__mean` of each outcome's expected value (predictions)

    def entry(self, name: str):
        return next(e for e in self.entries if e.name == name)

    @property
    def free_names(self) -> list[str]:
        return [e.name for e in self.entries if isinstance(e, RandomVariable) and e.observed is None]


# ---- planning --------------------------------------------------------------------------------------

def make_plan(model: CheckedModel, columns: dict[str, Column]) -> Plan:
    """Order every variable so each comes after what it reads, and resolve names, levels and shapes."""
    found = Diagnostics(model.source)
    planner = _Planner(model, columns, found)
    plan = planner.run()
    found.raise_if_errors()
    return plan


class _Planner:
    def __init__(self, model: CheckedModel, columns: dict[str, Column], found: Diagnostics):
        self.model, self.columns, self.found = model, columns, found
        self.coords: dict[str, list] = {}
        self.data_names: dict[str, str] = {}  # node → data container name
        self.value_names: dict[str, str] = {}  # node or parameter user name → PyMC name of its value
        self.dims_of: dict[str, tuple[str, ...]] = {}  # PyMC name → dims

    def run(self) -> Plan:
        model = self.model
        n_obs = next((len(c.values) for c in self.columns.values()), None)
        rv_names = {n.pymc_name for n in model.nodes.values() if n.role in ("outcome", "random")}
        if n_obs is not None:
            self.coords[OBS_DIM] = list(range(n_obs))
        entries: list = []
        for name, column in self.columns.items():
            node = model.nodes[name]
            if node.role == "random":
                continue
            container = name if name not in rv_names else f"{name}_obs"
            self.data_names[name] = container
            if column.categorical:
                self.coords[name] = list(column.levels or ())
            observation = node.observed
            read_as_is = observation is not None and observation.literal is None and not observation.transformed
            entries.append(DataVar(container, column.values, name,
                                   column=observation.column if observation is not None and read_as_is else None,
                                   levels=column.levels))
        for node in model.nodes.values():
            if node.role in ("data",) and node.name in self.data_names:
                self.value_names[node.name] = self.data_names[node.name]
            elif node.role in ("outcome", "random", "derived"):
                self.value_names[node.name] = node.pymc_name
        for param in model.params.values():
            self.value_names[param.name] = param.name
            self.dims_of[param.name] = param.dims
        for name in self._order():
            if name in model.params:
                entries.append(self._parameter(model.params[name]))
            elif name in model.nodes:
                node = model.nodes[name]
                if node.role == "random":
                    entries.append(self._random(node))
                elif node.role == "derived":
                    entries.append(DerivedVar(node.name, self._expr(node.expr)))
                elif node.role == "outcome":
                    entries.append(self._likelihood(node))
        self._size_lkj(entries)
        return Plan(self.coords, entries, n_obs, statistics=dict(getattr(self.columns, "statistics", {})))

    def _order(self) -> list[str]:
        graph = self.model.dependency_graph()
        order = {name: node.order for name, node in self.model.nodes.items()}
        order.update({address: 10_000 + p.order for address, p in self.model.params.items()})
        return list(nx.lexicographical_topological_sort(graph, key=lambda n: (order.get(n, 99_999), n)))

    # entries
    def _parameter(self, param: Parameter) -> RandomVariable:
        args = self._dist_args(param.prior)
        dims = tuple(param.dims)
        dist = DISTRIBUTIONS[param.prior.func]
        size = int(np.prod([len(self.coords.get(d, ())) for d in dims])) if dims else 1
        if size > MAX_PARAMETER_SIZE:
            self.found.add("DS413", param.span, what=f"{param.address} would have {size:,} elements "
                                                     f"({' x '.join(str(len(self.coords[d])) for d in dims)} levels), "
                                                     f"more than dagspec builds ({MAX_PARAMETER_SIZE:,})",
                           suggestion="group the levels of " + " or ".join(dims) + " first, or drop `by`")
        if dist.name == "MvNormal" and not dims:
            self.found.add("DS413", param.prior.span, what=f"MvNormal needs a vector parameter, but {param.address} is a scalar",
                           suggestion="use MvNormal for `x -> y by g` with categorical x, or a univariate prior")
        mu = args.get("mu")
        if dist.name == "MvNormal" and dims and isinstance(mu, ListOf):
            size = len(self.coords.get(dims[-1], []))
            if len(mu.items) != size:
                self.found.add("DS413", param.prior.span,
                               what=f"MvNormal's mu has {len(mu.items)} entries but {param.address} has "
                                    f"{size} levels of {dims[-1]} in its last dimension",
                               suggestion=f"give mu one entry per level of {dims[-1]}")
        return RandomVariable(param.name, dist.name, args, dims, source=param.address, default_prior=param.default_prior,
                              parameterisation=param.parameterisation)

    def _random(self, node) -> RandomVariable:
        observed: PExpr | None = None
        dims: tuple[str, ...] = ()
        if node.observed is not None:
            if node.name in self.columns:
                observed = Const(self.columns[node.name].values)
                dims = (OBS_DIM,) if OBS_DIM in self.coords else ()
            elif node.observed.literal is not None:
                value = const_value(node.observed.literal)
                observed = Const(value) if value is not None else self._expr(node.observed.literal)
        return RandomVariable(node.pymc_name, node.dist.func, self._dist_args(node.dist), dims, observed, node.name)

    def _likelihood(self, node) -> LikelihoodVar:
        family = FAMILIES[node.family]
        intercept = self.model.params.get(f"{node.name}.intercept")
        terms = []
        for param in self.model.params.values():
            if param.outcome != node.name or param.edge is None:
                continue
            edge = param.edge
            index = tuple(self.data_names[g] for g in param.dims)
            value = None if self.model.nodes[edge.source].categorical else VarRef(self.value_names[edge.source])
            terms.append(Term(param.name, index, value, param.address))
        aux: dict[str, PExpr] = {}
        for a in family.aux:
            if a.name in node.fixed:
                fixed = node.fixed[a.name]
                aux[a.name] = VarRef(self.value_names[fixed.name]) if isinstance(fixed, ir.Ref) else Const(const_value(fixed))
            else:
                aux[a.name] = VarRef(self.model.params[f"{node.name}.{a.name}"].name)
        return LikelihoodVar(node.pymc_name, node.name, family.name, node.link, intercept.name if intercept else None,
                             terms, aux, self.data_names[node.name])

    def _size_lkj(self, entries) -> None:
        """LKJCholeskyCov without `n` takes the size of the MvNormal that uses it."""
        for entry in entries:
            if not isinstance(entry, RandomVariable) or entry.dist != "LKJCholeskyCov" or "n" in entry.args:
                continue
            users = [e for e in entries if isinstance(e, RandomVariable) and e.dist == "MvNormal"
                     and any(isinstance(v, VarRef) and v.name == entry.name for v in e.args.values())]
            sizes = {len(self.coords[u.dims[-1]]) for u in users if u.dims}
            sizes |= {len(mu.items) for u in users if not u.dims and isinstance(mu := u.args.get("mu"), ListOf)}
            if len(sizes) != 1:
                node = self.model.nodes.get(entry.source)
                self.found.add("DS413", node.dist.span if node and node.dist else NO_SPAN,
                               what=f"cannot tell the size of {entry.name}: it is used by {len(users)} MvNormal(s) "
                                    f"of sizes {sorted(sizes) or 'unknown'}",
                               suggestion="give it explicitly: LKJCholeskyCov(eta = 2, sd = Exponential(1), n = 2)")
                continue
            entry.args["n"] = Const(sizes.pop())

    # expressions
    def _dist_args(self, call: ir.Call) -> dict[str, PExpr]:
        dist = DISTRIBUTIONS[call.func]
        reverse = {pymc: ours for ours, pymc in dist.aliases.items()}
        positional = [p.name for p in dist.params if not (dist.one_of and p.default is None
                                                          and p.name not in dist.one_of[0])]
        args = {name: self._expr(value, dist.kind_of(name)) for name, value in zip(positional, call.args)}
        for keyword in call.kwargs:
            name = reverse.get(keyword.name, keyword.name)
            args[name] = self._expr(keyword.value, dist.kind_of(name))
        return args

    def _expr(self, expr, kind: str = "scalar") -> PExpr:
        number = const_value(expr)
        if number is not None:
            return Const(number)
        if isinstance(expr, ir.Ref):
            return VarRef(self.value_names[expr.name])
        if isinstance(expr, ir.ListExpr):
            return ListOf(tuple(self._expr(i) for i in expr.items))
        if isinstance(expr, ir.BinOp):
            return Op(expr.op, (self._expr(expr.left), self._expr(expr.right)))
        if isinstance(expr, ir.Neg):
            return Op("neg", (self._expr(expr.operand),))
        if isinstance(expr, ir.Call):
            if kind == "dist" or expr.func in DISTRIBUTIONS:
                return DistOf(expr.func, self._dist_args(expr))
            return Func(expr.func, tuple(self._expr(a) for a in expr.args))
        if isinstance(expr, ir.Index):
            target = self._expr(expr.target)
            dims = self.dims_of.get(target.name, ()) if isinstance(target, VarRef) else ()
            subs = tuple(self._subscript(s, position, dims, expr) for position, s in enumerate(expr.subscripts))
            return Idx(target, subs)
        raise AssertionError(f"unplannable expression {expr!r}")  # the checker rejects everything else

    def _subscript(self, sub, position: int, dims: tuple[str, ...], expr: ir.Index):
        if isinstance(sub, ir.Slice):
            return Slice(self._level(sub.start, position, dims, expr) if sub.start else None,
                         self._level(sub.stop, position, dims, expr) if sub.stop else None)
        return self._level(sub, position, dims, expr)

    def _level(self, sub, position: int, dims, expr: ir.Index):
        if isinstance(sub, ir.String):
            if position >= len(dims):
                self.found.add("DS411", sub.span, what=f"cannot index by the level name {sub.value!r} here: "
                                                       "the indexed value has no named levels in this position",
                               suggestion="index by position (0, 1, ...) instead")
                return Const(0)
            levels = [str(level) for level in self.coords[dims[position]]]
            if sub.value not in levels:
                self.found.add("DS411", sub.span, what=f"{dims[position]} has no level {sub.value!r}",
                               suggestion="levels: " + ", ".join(levels))
                return Const(0)
            return Const(levels.index(sub.value))
        value = const_value(sub)
        if value is not None:
            if not float(value).is_integer():
                self.found.add("DS411", sub.span, what=f"index {value:g} is not a whole number",
                               suggestion="index by position (0, 1, ...) or by level name")
                return Const(0)
            return Const(int(value))
        return self._expr(sub)
