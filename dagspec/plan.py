"""CheckedModel + validated data → a backend-neutral Plan: coords, data containers and variables in build order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from . import ir
from .autoprior import ScaledPrior, scaled_priors
from .bases import basis_size, clamped, hsgp_boundary, quantile_knots
from .check.calls import const_value
from .check.covariance import PARTS, default_names
from .check.model import COLUMNS, CONTRASTS, ENTRIES, CheckedModel, Edge, Parameter, column_dim
from .check.observation import latent_name
from .check.params import basis_dim
from .check.smooth import Smooth
from .counts import category_name, is_column_name
from .data import Column
from .diagnostics import NO_SPAN, Diagnostics
from .dists import DISTRIBUTIONS, SUMMARIES, TIME_PRIORS
from .families import FAMILIES, category_dim, cutpoint_dim, cutpoint_labels, dpar_name, level_dim

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


INVERSE_LINK_FUNCTIONS = {"log": "exp", "logit": "invlogit"}  # a distributional parameter's link → its inverse

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
    count_columns: tuple[str, ...] | None = None  # a multinomial's counts: the columns read as they are, in order


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
    scaled: str | None = None  # a default prior scaled to the data (`priors auto`): the rule, in words


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
    reference: int | None = None  # a categorical outcome: the position of its reference level (no predictor)
    predicted: tuple[str, ...] = ()  # parameters besides the mean with a linear predictor of their own (y_sigma)
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
    # a smooth term's node → (low, high, what) where its basis is defined (do() checks the values it sets)
    smooth_ranges: dict[str, list[tuple[float, float, str]]] = field(default_factory=dict)
    scaled_priors: dict[str, ScaledPrior] = field(default_factory=dict)  # address → its data-scaled default prior

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


def _column_summary(func: str, values: np.ndarray) -> np.ndarray:
    """A summary of each column of a matrix node's fitted values (sd with n - 1, as R's sd())."""
    if func == "sd":
        return values.std(axis=0, ddof=1)
    if func == "min":
        return values.min(axis=0)
    if func == "max":
        return values.max(axis=0)
    return values.sum(axis=0) if func == "sum" else values.mean(axis=0)


def missing_dims(node: str) -> tuple[str, str]:
    """The dimensions of an imputed node's missing rows and observed rows (coordinates: row numbers from 0)."""
    return f"{node}__missing", f"{node}__observed"


def make_plan(model: CheckedModel, columns: dict[str, Column], scale_priors: bool = True) -> Plan:
    """Order every variable so each comes after what it reads, and resolve names, levels and shapes. With
    `priors auto`, default priors are scaled to these columns, unless `scale_priors` is False (new rows to predict:
    a prediction reads the posterior, never the priors)."""
    found = Diagnostics(model.source)
    planner = _Planner(model, columns, found, scale_priors and model.auto_priors)
    plan = planner.run()
    found.raise_if_errors()
    plan.warnings += found.warnings  # what `priors auto` could not scale (after the data's own findings)
    return plan


class _Planner:
    def __init__(self, model: CheckedModel, columns: dict[str, Column], found: Diagnostics, scale_priors: bool):
        self.model, self.columns, self.found = model, columns, found
        self.scale_priors = scale_priors
        self.coords: dict[str, list] = {}
        self.data_names: dict[str, str] = {}  # node → data container name
        self.value_names: dict[str, str] = {}  # node or parameter user name → PyMC name of its value
        self.dims_of: dict[str, tuple[str, ...]] = {}  # PyMC name → dims
        self.indexed: list[tuple[PExpr, ir.Index]] = []  # indexed values, checked once every shape is known
        self.stored_parts = default_names(model)  # (LKJ prior, part) → PyMC's name, for parts no `let` names
        self.reference_at: dict[str, int] = {}  # treatment-coded node → position of its reference level
        self.category_reference: dict[str, int] = {}  # categorical outcome → position of its reference level
        self.scalars: dict[str, float] = getattr(columns, "scalars", {})  # data scalars: numbers, not containers
        self.smooth_values: dict[str, PExpr] = {}  # a spline's or HSGP's address → its basis (times the kernel)
        self.smooth_ranges: dict[str, list[tuple[float, float, str]]] = {}  # see Plan.smooth_ranges
        self.row_names: set[str] = set()  # PyMC names of values with one entry per row (columns, outcomes)
        # each outcome's parameters by the likelihood parameter their edges go into (None: the mean), looked up
        # once per outcome instead of a scan over every parameter per outcome
        self.params_of: dict[tuple[str, str | None], list] = {}
        self.dpars_of: dict[str, dict[str, None]] = {}  # as CheckedModel.dpars, for every outcome at once
        for param in model.params.values():
            self.params_of.setdefault((param.outcome, param.dpar), []).append(param)
            if param.dpar:
                self.dpars_of.setdefault(param.outcome, {})[param.dpar] = None
        self.outcome_names = {n.pymc_name for n in model.outcomes()}

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
            elif node.family is not None and FAMILIES[node.family].categorical:
                self._categories(node, list(column.levels or ()))
            elif column.categorical:
                self.coords[name] = list(column.levels or ())
                if node.reference is not None:
                    self._contrasts(node, self.coords[name])
            elif node.matrix:
                self.coords[column_dim(name)] = list(node.columns or range(column.values.shape[1]))
            observation = node.observed
            read_as_is = (
                observation is not None
                and observation.literal is None
                and not observation.transformed
                and not getattr(self.columns, "timing", None)  # lags drop rows: every column is given as fitted
            )
            counts = node.family is not None and FAMILIES[node.family].counts
            entries.append(
                DataVar(
                    container,
                    column.values,
                    name,
                    dims=(OBS_DIM, column_dim(name))
                    if node.matrix
                    else (OBS_DIM, level_dim(name))
                    if counts
                    else (OBS_DIM,),
                    column=observation.column if observation is not None and read_as_is else None,
                    levels=None if counts else column.levels,  # a multinomial's categories: coords of its dims
                    count_columns=self._count_columns(observation) if counts else None,
                )
            )
        self.scaled = scaled_priors(model, self.columns, self.coords, self.found) if self.scale_priors else {}
        self.row_names = set(self.data_names.values()) | {  # and a random variable observed from a column
            n.pymc_name
            for n in model.nodes.values()
            if n.role == "outcome" or (n.role == "random" and n.name in self.columns)
        }
        for node in model.nodes.values():
            if node.role in ("data",) and node.name in self.data_names:
                self.value_names[node.name] = self.data_names[node.name]
            elif node.role in ("outcome", "random", "derived"):
                self.value_names[node.name] = node.pymc_name
        for param in model.params.values():
            self.value_names[param.name] = param.name
            self.dims_of[param.name] = param.dims
        self._smooths()
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
                    entries.append(self._derived(node))
                elif node.role == "outcome":
                    likelihood = self._likelihood(node, entries)
                    entries += self._reference_effects(likelihood.terms)
                    entries.append(likelihood)
        self._size_lkj(entries)
        self._check_indices({e.name: e for e in entries})
        return Plan(
            self.coords,
            entries,
            n_obs,
            statistics=dict(getattr(self.columns, "statistics", {})),
            warnings=list(getattr(self.columns, "warnings", [])),
            smooth_ranges=self.smooth_ranges,
            scaled_priors=self.scaled,
        )

    def _count_columns(self, observation) -> tuple[str, ...] | None:
        """A multinomial outcome's count columns, if each is a column read as it is (no expression, `where` or lag)."""
        if observation is None or observation.counts is None or observation.where is not None:
            return None
        if getattr(self.columns, "timing", None) or not all(is_column_name(c) for c in observation.counts):
            return None
        return tuple(category_name(c) for c in observation.counts)

    def _order(self) -> list[str]:
        graph = self.model.dependency_graph()
        order = {name: node.order for name, node in self.model.nodes.items()}
        order.update({address: 10_000 + p.order for address, p in self.model.params.items()})
        return list(nx.lexicographical_topological_sort(graph, key=lambda n: (order.get(n, 99_999), n)))

    # entries
    def _parameter(self, param: Parameter) -> RandomVariable:
        if param.edge is not None and param.edge.smooth is not None and param.edge.smooth.kind == "distance":
            return self._distance_gp(param, param.edge)
        scaled = self.scaled.get(param.address)
        if scaled is not None:
            args: dict[str, PExpr] = {name: Const(value) for name, value in scaled.args.items()}
        else:
            args = self._dist_args(param.prior)
        dims = tuple(param.dims)
        dist = DISTRIBUTIONS[scaled.dist if scaled is not None else param.prior.func]
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
        if dims and dist.name not in ("MvNormal",):
            self._check_vector_args(f"the prior of {param.address}", param.prior.span, args, dims)
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
            scaled=scaled.rule if scaled is not None else None,
        )
        if param.aux == "cutpoints":
            variable.transform = "ordered"
            variable.initval = self._cutpoint_start(param.outcome)
        return variable

    def _check_vector_args(self, what: str, span, args: dict[str, PExpr], dims: tuple[str, ...]) -> None:
        """A list among a prior's arguments gives one value per entry of the parameter's last dimension (a matrix
        edge's columns, a categorical node's levels): DS161 when its length is another."""
        size = len(self.coords.get(dims[-1], ()))
        for name, value in args.items():
            if isinstance(value, ListOf) and len(value.items) != size and dims[-1] in self.coords:
                entries = f"levels of {dims[-1]}"
                if dims[-1].endswith(COLUMNS):
                    entries = f"columns of {dims[-1][: -len(COLUMNS)]}"
                elif dims[-1].endswith(ENTRIES):
                    entries = "its size"
                self.found.add(
                    "DS161",
                    span,
                    what=f"{what} gives {name} {len(value.items)} values, but it has {size} ({entries})",
                    suggestion=f"give {name} one value per entry ({size}), or a single value for all of them",
                )

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
        args = self._dist_args(node.dist)
        if node.size is not None and node.observed is None:
            dims = self._entries(node, args)
        return RandomVariable(node.pymc_name, node.dist.func, args, dims, observed, node.name)

    def _entries(self, node, args: dict[str, PExpr]) -> tuple[str, ...]:
        """The dimension of a vector random variable declared with `size = n` (a number or a data scalar)."""
        size = node.size
        n = self.scalars.get(size.name) if isinstance(size, ir.Ref) else const_value(size)
        if n is None or not float(n).is_integer() or not 1 <= n <= MAX_PARAMETER_SIZE:
            self.found.add(
                "DS161",
                size.span,
                what=f"{node.name} cannot have size = {n if n is not None else 'a column'}: a size is a whole number "
                f"from 1 to {MAX_PARAMETER_SIZE:,}",
                suggestion="give a number, or a data scalar holding one (`size = K` with K observed from the data)",
            )
            return ()
        dim = node.pymc_name + ENTRIES
        self.coords[dim] = list(range(int(n)))
        self.dims_of[node.pymc_name] = (dim,)
        self._check_vector_args(node.name, node.dist.span, args, (dim,))
        return (dim,)

    def _terms(self, node, dpar: str | None) -> list[Term]:
        """The terms of the linear predictor of an outcome's mean (`dpar` None) or of one of its parameters."""
        terms = []
        for param in self.params_of.get((node.name, dpar), []):
            if param.edge is None:
                continue
            edge = param.edge
            index = tuple(self.data_names.get(g, g) for g in param.dims[: len(param.dims) - self._per_category(node)])
            value: PExpr | None = (
                None if self.model.nodes[edge.source].categorical else VarRef(self.value_names[edge.source])
            )
            if edge.times:  # `x * z -> y`: the product, recomputed from the containers (predictions, do())
                value = Op("*", (value, VarRef(self.value_names[edge.times])))
            if param.address in self.smooth_values:  # a basis (n x k) times the weights
                terms.append(Term(param.name, (), self.smooth_values[param.address], param.address, matmul=True))
                continue
            if self.model.nodes[edge.source].matrix:  # `X -> y`: X @ b, one coefficient per column
                terms.append(Term(param.name, (), value, param.address, matmul=True))
                continue
            terms.append(Term(param.name, index, value, param.address))
        return terms

    def _per_category(self, node) -> int:
        """1 when the parameters of an outcome have one value per category in their last dimension, else 0."""
        return 1 if FAMILIES[node.family].categorical else 0

    def _dpar(self, node, dpar: str, entries: list) -> VarRef:
        """A distributional parameter with edges into it: its values per row, the inverse link of its linear
        predictor, a deterministic `y_sigma` (dims: rows) the likelihood reads."""
        link = FAMILIES[node.family].dpar_link(dpar)
        terms = self._terms(node, dpar)
        entries += self._reference_effects(terms)
        intercept = self.model.params[f"{node.name}.{dpar}.intercept"]
        eta: PExpr = VarRef(intercept.name)
        for term in terms:
            effect: PExpr = VarRef(term.param)
            if term.index:
                effect = Idx(effect, tuple(VarRef(i) for i in term.index))
            if term.matmul and term.value is not None:  # `X -> y.sigma`: X @ b
                effect = Func("matmul", (term.value, effect))
            elif term.value is not None:
                effect = Op("*", (effect, term.value))
            eta = Op("+", (eta, effect))
        name = dpar_name(node.name, dpar)
        rows = any(term.index or self._reads_rows(term.value) for term in terms)  # else one value for every row
        dims = (OBS_DIM,) if rows and OBS_DIM in self.coords else ()
        entries.append(DerivedVar(name, Func(INVERSE_LINK_FUNCTIONS[link], (eta,)), dims))
        return VarRef(name)

    def _reads_rows(self, value: PExpr | None) -> bool:
        """Whether a term's value reads a data container or an outcome (one value per row): its values then get the
        rows' dimension; otherwise (parameters, lets) PyMC takes their shape as it comes."""
        if isinstance(value, VarRef):
            return value.name in self.data_names.values() or value.name in self.outcome_names
        return isinstance(value, Op) and any(self._reads_rows(a) for a in value.args)

    def _likelihood(self, node, entries: list) -> LikelihoodVar:
        family = FAMILIES[node.family]
        intercept = self.model.params.get(f"{node.name}.intercept")
        terms = self._terms(node, None)
        predicted = list(self.dpars_of.get(node.name, ()))
        aux: dict[str, PExpr] = {}
        for a in family.aux:
            if a.name in node.fixed:
                fixed = node.fixed[a.name]
                aux[a.name] = self._value(fixed.name) if isinstance(fixed, ir.Ref) else Const(const_value(fixed))
            elif a.name in predicted:
                aux[a.name] = self._dpar(node, a.name, entries)
            elif a.default is not None:  # computed by the backend (a multinomial's totals: its row sums)
                continue
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
            dims=(OBS_DIM, level_dim(node.name)) if family.counts else (OBS_DIM,),
            imputed=imputed,
            censoring=censoring,
            reference=self.category_reference.get(node.name),
            predicted=tuple(predicted),
            interval_upper=upper,
            truncation=node.truncation,
            weights=weights,
        )

    # smooth terms
    def _smooths(self) -> None:
        """Each spline's and HSGP's basis, from knots or a boundary that the fitted values fix (recorded with the
        transforms' statistics, so that predictions reuse them for new values: DS577 outside them)."""
        for param in self.model.params.values():
            edge = param.edge
            if edge is None or edge.smooth is None or edge.smooth.kind == "distance" or edge.source not in self.columns:
                continue
            smooth, x = edge.smooth, np.asarray(self.columns[edge.source].values, dtype=float)
            value = VarRef(self.value_names[edge.source])
            if smooth.kind == "spline":
                knots = self._knots(edge, smooth, x)
                if knots is None:
                    continue
                self.coords[basis_dim(edge)] = list(range(basis_size(smooth.knots, smooth.degree)))
                self._within(edge, x, knots[0], knots[-1], "the spline's knots")
                self.smooth_values[param.address] = Func(
                    "bspline", (value, Const(clamped(knots, smooth.degree)), Const(smooth.degree))
                )
            else:
                boundary = self._fitted(
                    edge, "the centre and boundary", ["centre", "L"], lambda x=x, c=smooth.c: hsgp_boundary(x, c)
                )
                if boundary is None:
                    continue
                centre, half = boundary
                if half <= 0:
                    self.found.add(
                        "DS575",
                        edge.span,
                        what=f"{edge.source} has one value only: a Gaussian process of it has no range to cover",
                        suggestion=f"write `{edge.source} -> {edge.target}`, or observe more values",
                    )
                    continue
                self.coords[basis_dim(edge)] = list(range(smooth.m))
                self._within(edge, x, centre - half, centre + half, f"the HSGP's boundary (c = {smooth.c:g})")
                kernel = [
                    VarRef(self.model.params[f"{edge.address}.{part}"].name) for part in ("lengthscale", "amplitude")
                ]
                self.smooth_values[param.address] = Func(
                    "hsgp", (value, Const(centre), Const(half), Const(smooth.m), Const(smooth.kernel), *kernel)
                )

    def _fitted(self, edge: Edge, what: str, keys: list[str], compute) -> np.ndarray | None:
        """Numbers the fitted values fix: computed and recorded with the transforms' statistics when fitting,
        looked up when predicting (DS514 when the posterior does not have them)."""
        statistics = getattr(self.columns, "statistics", None)
        keys = [f"{edge.address}: {key}" for key in keys]
        if statistics is not None and statistics.frozen:
            if all(k in statistics for k in keys):
                return np.array([statistics[k] for k in keys])
            self.found.add(
                "DS514",
                edge.span,
                what=f"{what} of {edge.address}, which the fitted values of {edge.source} fix, are not known",
                suggestion="predict with the InferenceData that dagspec.sample returned",
            )
            return None
        values = compute()
        if values is not None and statistics is not None:
            statistics.update(zip(keys, map(float, values)))
        return values

    def _knots(self, edge: Edge, smooth: Smooth, x: np.ndarray) -> np.ndarray | None:
        if not isinstance(smooth.knots, int):
            return np.asarray(smooth.knots, dtype=float)
        count = smooth.knots

        def at_quantiles():
            distinct = len(np.unique(x[np.isfinite(x)]))
            knots = quantile_knots(x, count)
            if distinct >= count and np.all(np.diff(knots) > 0):
                return knots
            self.found.add(
                "DS575",
                edge.span,
                what=f"{count} knots at quantiles of {edge.source} do not all differ: it has {distinct} distinct "
                "value" + ("s" if distinct != 1 else ""),
                suggestion="use fewer knots than distinct values (and fewer where values repeat), or list them: "
                "`knots = [...]`",
            )
            return None

        return self._fitted(edge, "the knots", [f"knot {i + 1}" for i in range(count)], at_quantiles)

    def _within(self, edge: Edge, x: np.ndarray, low: float, high: float, what: str) -> None:
        self.smooth_ranges.setdefault(edge.source, []).append((float(low), float(high), f"{what} in {edge.address}"))
        outside = np.flatnonzero((x < low) | (x > high))
        if outside.size:
            self.found.add(
                "DS577",
                edge.span,
                what=f"{outside.size} value(s) of {edge.source} (row {outside[0] + 1}: {x[outside[0]]:g}) lie "
                f"outside {what}, [{low:g}, {high:g}], where the basis of {edge.address} is not defined",
                suggestion="predict within the range the fit covered, or give knots that cover the new values"
                if what.startswith("the spline")
                else "predict within the range the fit covered, or fit with a larger c",
            )

    def _distance_gp(self, param: Parameter, edge: Edge) -> RandomVariable:
        """The levels' effects ~ MvNormal(0, K): K from the distance matrix and the kernel parameters."""
        smooth = edge.smooth
        assert smooth is not None
        matrix = getattr(self.columns, "matrices", {}).get(edge.address)
        size = len(self.coords.get(edge.source, ()))
        distances = Const(np.zeros((size, size)) if matrix is None else matrix)
        etasq, rhosq = (VarRef(self.model.params[f"{edge.address}.{part}"].name) for part in ("etasq", "rhosq"))
        covariance = Func("gp_covariance", (distances, etasq, rhosq, Const(smooth.delta), Const(smooth.kernel)))
        return RandomVariable(  # by its Cholesky factor: a pool the optimizer can non-centre
            param.name,
            "MvNormal",
            {"mu": Const(0.0), "chol": Func("cholesky", (covariance,))},
            (edge.source,),
            source=param.address,
            default_prior=True,
        )

    def _derived(self, node) -> DerivedVar:
        """A `let`: one value, or one per row (dimension __obs__) when it reads a column or an outcome outside a
        summary (`let fit = a + b * x`; `let b0 = a - mean(x) * b` is one value)."""
        expr = self._expr(node.expr)
        dims = (OBS_DIM,) if OBS_DIM in self.coords and self._per_row(expr) else ()
        self.dims_of[node.name] = dims
        return DerivedVar(node.name, expr, dims)

    def _per_row(self, expr) -> bool:
        if isinstance(expr, VarRef):
            return OBS_DIM in self.dims_of.get(expr.name, ()) or expr.name in self.row_names
        if isinstance(expr, Func) and expr.name in SUMMARIES:
            return False
        if isinstance(expr, Idx):
            return self._per_row(expr.target) or any(self._per_row(s) for s in expr.subscripts)
        if isinstance(expr, Slice):
            return any(self._per_row(part) for part in (expr.start, expr.stop) if part is not None)
        parts = expr.args if isinstance(expr, (Op, Func)) else expr.items if isinstance(expr, ListOf) else ()
        return any(self._per_row(part) for part in parts)

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

    def _categories(self, node, levels: list) -> None:
        """A categorical outcome's levels, and the levels with a linear predictor: all but the reference (the
        declared one, else the first)."""
        self.coords[level_dim(node.name)] = levels
        names = [str(level) for level in levels]
        reference = str(node.reference) if node.reference is not None else (names[0] if names else None)
        if reference not in names:
            self.found.add(
                "DS462",
                node.observed_span,
                name=node.name,
                level=repr(node.reference),
                levels=", ".join(map(repr, levels)),
            )
            return
        self.category_reference[node.name] = names.index(reference)
        self.coords[category_dim(node.name)] = [lv for lv, name in zip(levels, names) if name != reference]

    def _reference_effects(self, terms: list[Term]) -> list:
        """Each treatment-coded term reads the effects of every level, with 0 at the reference:
        `b_g_y__levels = concat(b[:r], 0, b[r:])`, indexed by the level codes."""
        entries = []
        for position, term in enumerate(terms):
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
            terms[position] = Term(full, (self.data_names[node],), term.value, term.address)
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
            matrix = self._matrix_arg(expr)
            if expr.func in SUMMARIES and matrix is not None:  # `mean(X)`: one number per column
                return Const(_column_summary(expr.func, self.columns[matrix].values))
            return Func(expr.func, tuple(self._expr(a) for a in expr.args))
        if isinstance(expr, ir.Index):
            target = self._expr(expr.target)
            dims = self.dims_of.get(target.name, ()) if isinstance(target, VarRef) else ()
            subs = tuple(self._subscript(s, position, dims, expr) for position, s in enumerate(expr.subscripts))
            self.indexed.append((target, expr))
            return Idx(target, subs)
        raise AssertionError(f"unplannable expression {expr!r}")  # the checker rejects everything else

    def _matrix_arg(self, call: ir.Call) -> str | None:
        """The matrix node a call's only argument names, if it does."""
        arg = call.args[0] if len(call.args) == 1 else None
        if isinstance(arg, ir.Ref) and arg.name in self.columns and self.model.nodes[arg.name].matrix:
            return arg.name
        return None

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
