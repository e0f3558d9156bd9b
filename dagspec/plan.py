"""CheckedModel + validated data → a backend-neutral Plan: coords, data containers and variables in build order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from . import ir
from .check.calls import const_value
from .check.covariance import PARTS, default_names
from .check.model import CONTRASTS, CheckedModel, Parameter
from .check.observation import latent_name
from .data import Column
from .diagnostics import NO_SPAN, Diagnostics
from .dists import DISTRIBUTIONS, TIME_PRIORS
from .families import FAMILIES, cutpoint_dim, cutpoint_labels, level_dim

OBS_DIM = "__obs__"
# An outcome's data container, named apart from the outcome's variable. dagspec's own names all contain `__`,
# which user names cannot (DS111), so they never collide with a node or parameter.
OBSERVED_SUFFIX = "__obs"
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


PExpr = Const | VarRef | Op | Func | Idx | ListOf | DistOf


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
    transform: str | None = None  # "ordered": an ordered outcome's cutpoints, increasing by a change of variables


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
    imputed: Imputation | None = None  # `missing = impute` with missing rows: their values are parameters
    censoring: str | None = None  # the data container of the censoring codes (0 event, 1 right, -1 left, 2 interval)
    interval_upper: str | None = None  # the data container of the interval-censored rows' upper ends
    truncation: tuple[float | None, float | None] | None = None  # `truncated = [lower, upper]` (None: open)
    weights: str | None = None  # the data container of the row weights: each row's log-likelihood times its weight

    @property
    def plain(self) -> bool:
        """Whether every row adds the family's own density once (no imputed, censored, truncated or weighted
        rows): what the passes that rewrite a likelihood (cells, sufficient statistics, closed-form posteriors)
        assume."""
        return self.imputed is None and self.censoring is None and self.truncation is None and self.weights is None


@dataclass
class Imputation:
    """An outcome's unknown values: a parameter `name` (dims `missing_dim`, one per row in `missing`) drawn from the
    outcome's own likelihood, while the likelihood of the observed value covers the rows in `present`.

    With `se` (measurement error), every row's true value is unknown (`missing` is every row), and the observed
    values are their measurements: Normal(true value, se) in every row (`present`), `se` a data container."""

    name: str
    missing: np.ndarray
    present: np.ndarray
    missing_dim: str
    present_dim: str
    se: str | None = None
    marginal: bool = False  # (LOO) a Normal node measured with error that nothing reads: its true values integrated out


@dataclass
class Plan:
    coords: dict[str, list]
    entries: list = field(default_factory=list)
    n_obs: int | None = None
    notes: list[str] = field(default_factory=list)  # what the optimizer did, in words
    statistics: dict[str, float] = field(default_factory=dict)  # what the data transforms computed from the data
    # also a deterministic `<outcome>__mean` of each outcome's expected value (predictions), or with "parameter" of
    # its family's mean parameter (the inverse link of the linear predictor, for survival curves)
    expose_means: bool | str = False
    warnings: list = field(default_factory=list)  # what was found in the data (Diagnostics: stray codes, ...)

    def entry(self, name: str):
        return next(e for e in self.entries if e.name == name)

    @property
    def free_names(self) -> list[str]:
        return [e.name for e in self.entries if isinstance(e, RandomVariable) and e.observed is None]


def _shape_words(shape: tuple[int, ...], dims: tuple[str, ...]) -> str:
    return ("of " if len(shape) == 1 else "") + " x ".join(map(str, shape)) + (f": {' x '.join(dims)}" if dims else "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {'indices' if noun == 'index' else noun + 's'}"


# ---- planning --------------------------------------------------------------------------------------


def missing_dims(node: str) -> tuple[str, str]:
    """The dimensions of an imputed node's missing rows and observed rows (coordinates: row numbers from 0)."""
    return f"{node}__missing", f"{node}__observed"


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
        self.indexed: list[tuple[PExpr, ir.Index]] = []  # indexed values, checked once every shape is known
        self.stored_parts = default_names(model)  # (LKJ prior, part) → PyMC's name, for parts no `let` names
        self.reference_at: dict[str, int] = {}  # treatment-coded node → position of its reference level
        self.scalars: dict[str, float] = getattr(columns, "scalars", {})  # data scalars: numbers, not containers

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
            container = name if name not in rv_names else f"{name}{OBSERVED_SUFFIX}"
            self.data_names[name] = container
            if column.missing is not None:
                missing_dim, present_dim = missing_dims(name)
                self.coords[missing_dim] = np.flatnonzero(column.missing).tolist()
                self.coords[present_dim] = np.flatnonzero(~column.missing).tolist()
            if node.family is not None and FAMILIES[node.family].ordered:
                self.coords[level_dim(name)] = list(column.levels or ())
                self.coords[cutpoint_dim(name)] = cutpoint_labels(list(column.levels or ()))
            elif column.categorical:
                self.coords[name] = list(column.levels or ())
                if node.reference is not None:
                    self._contrasts(node, self.coords[name])
            observation = node.observed
            read_as_is = (
                observation is not None
                and observation.literal is None
                and not observation.transformed
                and not getattr(self.columns, "timing", None)  # lags drop rows: every column is given as fitted
            )
            entries.append(
                DataVar(
                    container,
                    column.values,
                    name,
                    column=observation.column if observation is not None and read_as_is else None,
                    levels=column.levels,
                )
            )
        for node in model.nodes.values():
            if node.role in ("data",) and node.name in self.data_names:
                self.value_names[node.name] = self.data_names[node.name]
            elif node.role in ("outcome", "random", "derived"):
                self.value_names[node.name] = node.pymc_name
        for param in model.params.values():
            self.value_names[param.name] = param.name
            self.dims_of[param.name] = param.dims
        for name in self._order():
            if name in model.params and model.params[name].fixed is not None:  # `prior x -> y = 1`
                entries.append(DerivedVar(model.params[name].name, Const(model.params[name].fixed)))
            elif name in model.params:
                entries.append(self._parameter(model.params[name]))
            elif name in model.nodes:
                node = model.nodes[name]
                if node.role == "random":
                    entries.append(self._random(node))
                    entries += self._stored_parts(node)
                elif node.role == "derived":
                    entries.append(DerivedVar(node.name, self._expr(node.expr)))
                elif node.role == "outcome":
                    likelihood = self._likelihood(node)
                    entries += self._reference_effects(likelihood)
                    entries.append(likelihood)
        self._size_lkj(entries)
        self._check_indices({e.name: e for e in entries})
        return Plan(
            self.coords,
            entries,
            n_obs,
            statistics=dict(getattr(self.columns, "statistics", {})),
            warnings=list(getattr(self.columns, "warnings", [])),
        )

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
            self.found.add(
                "DS413",
                param.span,
                what=f"{param.address} would have {size:,} elements "
                f"({' x '.join(str(len(self.coords[d])) for d in dims)} levels), "
                f"more than dagspec builds ({MAX_PARAMETER_SIZE:,})",
                suggestion="group the levels of " + " or ".join(dims) + " first, or drop `by`",
            )
        if dist.name == "MvNormal" and not dims:
            self.found.add(
                "DS413",
                param.prior.span,
                what=f"MvNormal needs a vector parameter, but {param.address} is a scalar",
                suggestion="use MvNormal for `x -> y by g` with categorical x, or a univariate prior",
            )
        mu = args.get("mu")
        if dist.name == "MvNormal" and dims and isinstance(mu, ListOf):
            size = len(self.coords.get(dims[-1], []))
            if len(mu.items) != size:
                self.found.add(
                    "DS413",
                    param.prior.span,
                    what=f"MvNormal's mu has {len(mu.items)} entries but {param.address} has "
                    f"{size} levels of {dims[-1]} in its last dimension",
                    suggestion=f"give mu one entry per level of {dims[-1]}",
                )
        if dist.name in TIME_PRIORS and param.edge is not None and not getattr(self.columns, "for_prediction", False):
            self._check_time_order(param, dist.name)
        variable = RandomVariable(
            param.name,
            dist.name,
            args,
            dims,
            source=param.address,
            default_prior=param.default_prior,
            parameterisation=param.parameterisation,
        )
        if param.aux == "cutpoints":
            variable.transform = "ordered"
            variable.initval = self._cutpoint_start(param.outcome)
        return variable

    def _check_time_order(self, param: Parameter, dist: str) -> None:
        """DS477 unless the levels of a random walk's node are in a known order, one step apart: declared in order,
        or whole numbers without a gap (a missing year would make two years one step)."""
        assert param.edge is not None
        node = self.model.nodes[param.edge.source]
        if node.levels is not None:  # declared: the order as written
            return
        levels = self.coords.get(node.name, [])
        why = suggestion = ""
        if not all(isinstance(level, (int, float)) and float(level).is_integer() for level in levels):
            why = f"its levels ({', '.join(map(str, levels[:4]))}{' ...' if len(levels) > 4 else ''}) have no order"
            suggestion = f"declare them in order: `node {node.name} : categorical(levels = [...])`"
        else:
            gaps = [(a, b) for a, b in zip(levels, levels[1:]) if b - a != 1]
            if gaps:
                a, b = gaps[0]
                why = f"no row has the level(s) between {a} and {b}, so they would be one step apart"
                suggestion = (
                    f"declare every time step, `node {node.name} : categorical(levels = [...])` with the missing ones "
                    "(their effects are then drawn from the walk), or number the time steps without gaps"
                )
        if why:
            self.found.add(
                "DS477", param.span, address=param.address, dist=dist, name=node.name, why=why, suggestion=suggestion
            )

    def _cutpoint_start(self, outcome: str) -> np.ndarray:
        """Where an ordered outcome's cutpoints start: the link's quantiles of the cumulative level frequencies
        (each level counted once more, so the start is strictly increasing even for levels never observed)."""
        from scipy import special

        column = self.columns[outcome]
        counts = np.bincount(column.values.astype(np.int64), minlength=len(column.levels or ())) + 1.0
        cumulative = np.cumsum(counts)[:-1] / counts.sum()
        quantile = special.logit if self.model.nodes[outcome].link == "logit" else special.ndtri
        start = quantile(cumulative)
        rounded = np.round(start, 2)  # a start only: short numbers read better in generated scripts
        return rounded if np.all(np.diff(rounded) > 0) else start

    def _random(self, node) -> RandomVariable:
        observed: PExpr | None = None
        dims: tuple[str, ...] = ()
        if node.observed is not None:
            if node.name in self.columns:
                observed = Const(self.columns[node.name].values)
                dims = (OBS_DIM,) if OBS_DIM in self.coords else ()
            elif node.name in self.scalars:
                observed = Const(self.scalars[node.name])
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
            index = tuple(self.data_names.get(g, g) for g in param.dims)  # a contrast: see _reference_effects
            value: PExpr | None = (
                None if self.model.nodes[edge.source].categorical else VarRef(self.value_names[edge.source])
            )
            if edge.times:  # `x * z -> y`: the product, recomputed from the containers (predictions, do())
                value = Op("*", (value, VarRef(self.value_names[edge.times])))
            terms.append(Term(param.name, index, value, param.address))
        aux: dict[str, PExpr] = {}
        for a in family.aux:
            if a.name in node.fixed:
                fixed = node.fixed[a.name]
                aux[a.name] = self._value(fixed.name) if isinstance(fixed, ir.Ref) else Const(const_value(fixed))
            else:
                aux[a.name] = VarRef(self.model.params[f"{node.name}.{a.name}"].name)
        imputed = None
        column = self.columns.get(node.name)
        if column is not None and column.missing is not None:
            imputed = Imputation(
                f"{node.pymc_name}_missing",
                np.flatnonzero(column.missing),
                np.flatnonzero(~column.missing),
                *missing_dims(node.name),
            )
        if node.se is not None and column is not None:  # measured with error: every true value is a parameter
            rows = np.arange(len(column.values))
            imputed = Imputation(latent_name(node), rows, rows, OBS_DIM, OBS_DIM, se=self.data_names[node.se.name])
        censoring = self.data_names[node.censored.name] if node.censored is not None else None
        upper = self.data_names[node.censored_upper.name] if node.censored_upper is not None else None
        weights = self.data_names[node.weights.name] if node.weights is not None else None
        return LikelihoodVar(
            node.pymc_name,
            node.name,
            family.name,
            node.link,
            intercept.name if intercept else None,
            terms,
            aux,
            self.data_names[node.name],
            imputed=imputed,
            censoring=censoring,
            interval_upper=upper,
            truncation=node.truncation,
            weights=weights,
        )

    def _stored_parts(self, node) -> list[DerivedVar]:
        """An LKJ prior's standard deviations and correlations that no `let` names, under PyMC's names."""
        return [
            DerivedVar(name, Func(part, (VarRef(node.pymc_name),)))
            for (prior, part), name in self.stored_parts.items()
            if prior == node.name
        ]

    def _contrasts(self, node, levels: list) -> None:
        """The dimension of a treatment-coded effect: the levels of `node` but its reference."""
        names = [str(level) for level in levels]
        if str(node.reference) not in names:
            self.found.add(
                "DS462",
                node.observed.span,
                name=node.name,
                level=repr(node.reference),
                levels=", ".join(map(repr, levels)),
            )
            return
        self.reference_at[node.name] = names.index(str(node.reference))
        self.coords[node.name + CONTRASTS] = [lv for lv, name in zip(levels, names) if name != str(node.reference)]

    def _reference_effects(self, likelihood: LikelihoodVar) -> list:
        """Each treatment-coded term reads the effects of every level, with 0 at the reference:
        `b_g_y__levels = concat(b[:r], 0, b[r:])`, indexed by the level codes."""
        entries = []
        for position, term in enumerate(likelihood.terms):
            param = self.model.params.get(term.address)
            if param is None or not param.dims or not param.dims[0].endswith(CONTRASTS):
                continue
            node = param.dims[0][: -len(CONTRASTS)]
            r, size = self.reference_at.get(node, 0), len(self.coords.get(param.dims[0], ()))
            effects = VarRef(param.name)
            parts = (
                ((Idx(effects, (Slice(None, Const(r)),)),) if r > 0 else ())
                + (Const(0.0),)
                + ((Idx(effects, (Slice(Const(r), None),)),) if r < size else ())
            )
            full = f"{param.name}__levels"
            entries.append(DerivedVar(full, Func("concat", parts), (node,)))
            likelihood.terms[position] = Term(full, (self.data_names[node],), term.value, term.address)
        return entries

    def _size_lkj(self, entries) -> None:
        """LKJCholeskyCov without `n` takes the size of the MvNormal that uses it; a covariance has n(n+1)/2
        elements, which MAX_PARAMETER_SIZE bounds as it does every parameter's."""
        for entry in entries:
            if not isinstance(entry, RandomVariable) or entry.dist != "LKJCholeskyCov":
                continue
            if "n" not in entry.args:
                self._infer_lkj_size(entry, entries)
            n = entry.args.get("n")
            count = int(n.value) if isinstance(n, Const) and np.ndim(n.value) == 0 else 0
            size = count * (count + 1) // 2
            if size > MAX_PARAMETER_SIZE:
                node = self.model.nodes.get(entry.source)
                self.found.add(
                    "DS413",
                    node.dist.span if node and node.dist else NO_SPAN,
                    what=f"{entry.name} would be a {count:,} × {count:,} covariance, "
                    f"{size:,} elements: more than dagspec builds ({MAX_PARAMETER_SIZE:,})",
                    suggestion="a covariance couples every pair of levels: give the levels independent "
                    "(or pooled Normal) effects, or group the levels first",
                )

    def _infer_lkj_size(self, entry: RandomVariable, entries) -> None:
        """Its size from the MvNormal that uses it (DS413 when that is not one size)."""
        users = [
            e
            for e in entries
            if isinstance(e, RandomVariable)
            and e.dist == "MvNormal"
            and any(isinstance(v, VarRef) and v.name == entry.name for v in e.args.values())
        ]
        sizes = {len(self.coords[u.dims[-1]]) for u in users if u.dims}
        sizes |= {len(mu.items) for u in users if not u.dims and isinstance(mu := u.args.get("mu"), ListOf)}
        if len(sizes) != 1:
            node = self.model.nodes.get(entry.source)
            self.found.add(
                "DS413",
                node.dist.span if node and node.dist else NO_SPAN,
                what=f"cannot tell the size of {entry.name}: it is used by {len(users)} MvNormal(s) "
                f"of sizes {sorted(sizes) or 'unknown'}",
                suggestion="give it explicitly: LKJCholeskyCov(eta = 2, sd = Exponential(1), n = 2)",
            )
            return
        entry.args["n"] = Const(sizes.pop())

    # expressions
    def _dist_args(self, call: ir.Call) -> dict[str, PExpr]:
        dist = DISTRIBUTIONS[call.func]
        reverse = {pymc: ours for ours, pymc in dist.aliases.items()}
        positional = [
            p.name for p in dist.params if not (dist.one_of and p.default is None and p.name not in dist.one_of[0])
        ]
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
            return self._value(expr.name)
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
            self.indexed.append((target, expr))
            return Idx(target, subs)
        raise AssertionError(f"unplannable expression {expr!r}")  # the checker rejects everything else

    def _value(self, name: str) -> PExpr:
        """A node's or parameter's value: a data scalar's number, else the PyMC variable or container."""
        return Const(self.scalars[name]) if name in self.scalars else VarRef(self.value_names[name])

    def _check_indices(self, entries: dict) -> None:
        """DS441 for an index past the end of a value whose shape the plan knows (a regression parameter, an LKJ
        prior or one of its parts), or for more indices than it has dimensions."""
        from .printer import expr_text

        for target, expr in self.indexed:
            shape, dims = self._shape(target, entries)
            if shape is None:
                continue
            text = expr_text(expr.target)
            if len(expr.subscripts) > len(shape):
                what = (
                    f"{text} is a scalar: it cannot be indexed"
                    if not shape
                    else f"{text} has {_count(len(shape), 'dimension')} ({_shape_words(shape, dims)}), but "
                    f"{len(expr.subscripts)} indices are given"
                )
                self.found.add(
                    "DS441",
                    expr.subscripts[len(shape)].span,
                    what=what,
                    suggestion=f"give at most {_count(len(shape), 'index')}" if shape else "use it without [...]",
                )
                continue
            for position, (sub, size) in enumerate(zip(expr.subscripts, shape)):
                value = None if isinstance(sub, (ir.Slice, ir.String)) else const_value(sub)
                if value is not None and float(value).is_integer() and not -size <= value < size:
                    along = (
                        f" levels of {dims[position]}"
                        if dims
                        else " entries" + (f" along dimension {position + 1}" if len(shape) > 1 else "")
                    )
                    self.found.add(
                        "DS441",
                        sub.span,
                        what=f"index {int(value)} is out of range: {text} has {size}{along}",
                        suggestion=f"index from 0 to {size - 1} (or from -1 back to -{size})"
                        + (" or by level name" if dims else ""),
                    )

    def _shape(self, target: PExpr, entries: dict) -> tuple[tuple[int, ...] | None, tuple[str, ...]]:
        """The shape of an indexed value (None when the plan does not know it) and the dims it is indexed by."""
        if isinstance(target, VarRef) and target.name in self.dims_of:
            dims = self.dims_of[target.name]
            if all(d in self.coords for d in dims):
                return tuple(len(self.coords[d]) for d in dims), dims
        part = None
        if isinstance(target, Func) and target.name in PARTS and isinstance(target.args[0], VarRef):
            part, prior = target.name, entries.get(target.args[0].name)
        elif isinstance(target, VarRef):
            prior = entries.get(target.name)
        else:
            return None, ()
        n = prior.args.get("n") if isinstance(prior, RandomVariable) and prior.dist == "LKJCholeskyCov" else None
        if isinstance(n, Const):  # the Cholesky factor, its covariance and correlations are n x n
            size = int(n.value)
            return ((size,) if part == "stds" else (size, size)), ()
        return None, ()

    def _subscript(self, sub, position: int, dims: tuple[str, ...], expr: ir.Index):
        if isinstance(sub, ir.Slice):
            return Slice(
                self._level(sub.start, position, dims, expr) if sub.start else None,
                self._level(sub.stop, position, dims, expr) if sub.stop else None,
            )
        return self._level(sub, position, dims, expr)

    def _level(self, sub, position: int, dims, expr: ir.Index):
        if isinstance(sub, ir.String):
            if position >= len(dims):
                self.found.add(
                    "DS411",
                    sub.span,
                    what=f"cannot index by the level name {sub.value!r} here: "
                    "the indexed value has no named levels in this position",
                    suggestion="index by position (0, 1, ...) instead",
                )
                return Const(0)
            levels = [str(level) for level in self.coords[dims[position]]]
            if sub.value not in levels:
                self.found.add(
                    "DS411",
                    sub.span,
                    what=f"{dims[position]} has no level {sub.value!r}",
                    suggestion="levels: " + ", ".join(levels),
                )
                return Const(0)
            return Const(levels.index(sub.value))
        value = const_value(sub)
        if value is not None:
            if not float(value).is_integer():
                self.found.add(
                    "DS411",
                    sub.span,
                    what=f"index {value:g} is not a whole number",
                    suggestion="index by position (0, 1, ...) or by level name",
                )
                return Const(0)
            return Const(int(value))
        return self._expr(sub)
