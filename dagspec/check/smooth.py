"""Smooth terms in edges (`spline(x, ...) -> y`, `gp(x, ...) -> y`, `gp(g, distance = "d.csv") -> y`) → a Smooth
with checked options on their edge, and DS155/DS156/DS385 for what cannot be one.

A spline is a B-spline basis of a numeric data node with one weight per basis function; `gp` of a numeric node is
a Gaussian process in the Hilbert-space approximation of pm.gp.HSGP (m basis functions on [-L, L], L = c times
half the range of the fitted values); `gp` of a categorical node with a `distance` file gives its levels effects
with a Gaussian-process prior over the distances between them (Statistical Rethinking's cov_GPL2 / cov_GPL1).
The numbers that depend on the data (knot positions, L, the distance matrix) are found when the model is planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .. import ir
from ..diagnostics import Diagnostics
from ..source import Span
from .calls import const_value
from .model import ROLE_WORDS, Edge, NodeInfo

HSGP_KERNELS = ("ExpQuad", "Matern52", "Matern32")
DISTANCE_KERNELS = ("L2", "L1")  # etasq * exp(-rhosq * D²) (+ delta on the diagonal), or exp(-rhosq * D)
BASIS = "__basis"  # suffix of the dimension of a spline's weights or a GP's basis coefficients
GP_PRIOR_FUNC = "GaussianProcess"  # a distance GP's prior as `compile` shows it (the planner builds it)
GP_PRIOR = f"{GP_PRIOR_FUNC}(kernel)"
MAX_BASIS = 1_000  # weights of one spline or basis functions of one GP
# (address suffix, default prior) of each kind's kernel parameters, in the order they are declared
KERNEL_PARAMETERS = {
    "hsgp": (("lengthscale", "InverseGamma(5, 5)"), ("amplitude", "Exponential(1)")),
    "distance": (("etasq", "Exponential(2)"), ("rhosq", "Exponential(0.5)")),
}
OPTIONS = {
    "spline": ("knots", "degree"),
    "hsgp": ("m", "c", "kernel"),
    "distance": ("distance", "kernel", "delta"),
}


@dataclass
class Smooth:
    """A checked smooth term: its kind and options (data-dependent numbers are found by the planner)."""

    kind: Literal["spline", "hsgp", "distance"]
    span: Span
    knots: int | tuple[float, ...] = 0  # spline: how many knots at quantiles of the data, or the knots themselves
    degree: int = 3
    m: int = 10  # hsgp: basis functions
    c: float = 1.5  # hsgp: the boundary L is c times half the range of the fitted values
    kernel: str = "ExpQuad"  # of the HSGP, or of the distances (L2, L1)
    distance: str = ""  # distance: the CSV file of the matrix
    delta: float = 0.01  # distance: added to the covariance's diagonal

    def describe(self, source: str) -> str:
        """The term in words for `dagspec compile`."""
        if self.kind == "spline":
            where = f"{self.knots} knots at quantiles" if isinstance(self.knots, int) else f"{len(self.knots)} knots"
            return f"B-spline of {source} (degree {self.degree}, {where})"
        if self.kind == "hsgp":
            return f"Gaussian process of {source} ({self.kernel}, HSGP with m = {self.m}, c = {self.c:g})"
        return f"Gaussian process over the distances {self.distance} ({self.kernel}, delta = {self.delta:g})"


def resolve_smooths(nodes: dict[str, NodeInfo], edges: list[Edge], found: Diagnostics) -> None:
    """Check each smooth edge's call and source node; an edge whose term is wrong is dropped (reported)."""
    for edge in list(edges):
        if edge.call is None:
            continue
        smooth = _options(edge.call, found)
        if smooth is None or not _source_fits(smooth, edge, nodes, found) or not _target_fits(edge, nodes, found):
            edges.remove(edge)
            continue
        edge.smooth = smooth
    _one_term_per_pair(edges, found)


def _options(call: ir.Call, found: Diagnostics) -> Smooth | None:
    what = f"{call.func}(...)"
    if call.func not in ("spline", "gp"):
        found.add(
            "DS155",
            call.span,
            what=f"{call.func}(...) in an edge",
            why="the functions of a node an edge can carry are spline and gp",
            suggestion="write `spline(x, knots = 10) -> y` or `gp(x) -> y`; for a transform of a column, "
            f"observe it: `observed {call.func}_x = {call.func}(x)`",
        )
        return None
    if not call.args or not isinstance(call.args[0], ir.Ref) or len(call.args) > 1:
        found.add(
            "DS155",
            call.args[1].span if len(call.args) > 1 else call.span,
            what=what,
            why="its one positional argument is the node it is a function of; options are named",
            suggestion=f"write `{call.func}(x, ...)` with a node x"
            + (", and options as `knots = 10, degree = 3`" if call.func == "spline" else ", and options as `m = 20`"),
        )
        return None
    kind: Literal["spline", "hsgp", "distance"] = (
        "spline" if call.func == "spline" else "distance" if call.kwarg("distance") else "hsgp"
    )
    smooth = Smooth(kind, call.span, kernel=DISTANCE_KERNELS[0] if kind == "distance" else HSGP_KERNELS[0])
    for keyword in call.kwargs:
        if keyword.name not in OPTIONS[kind]:
            found.add(
                "DS155",
                keyword.span,
                what=what,
                why=f"it has no option {keyword.name!r}" + (" with a distance matrix" if kind == "distance" else ""),
                suggestion="its options: " + ", ".join(OPTIONS[kind]),
            )
            return None
        problem = _set_option(smooth, keyword)
        if problem:
            found.add("DS155", keyword.value.span, what=what, why=problem[0], suggestion=problem[1])
            return None
    if kind == "spline" and call.kwarg("knots") is None:
        found.add(
            "DS155",
            call.span,
            what=what,
            why="a spline needs its knots",
            suggestion="give a number (placed at quantiles of the data) or the list: `knots = 10`, `knots = [0, 5, 10]`",
        )
        return None
    if kind == "spline" and not isinstance(smooth.knots, int) and len(smooth.knots) + smooth.degree - 1 > MAX_BASIS:
        found.add(
            "DS155",
            call.span,
            what=what,
            why=f"it would have more than {MAX_BASIS} weights",
            suggestion="use fewer knots",
        )
        return None
    return smooth


def _whole(number: float | None, low: int, high: int) -> int | None:
    """A whole number from low to high, else None."""
    if number is None or not float(number).is_integer() or not low <= number <= high:
        return None
    return int(number)


def _set_option(smooth: Smooth, keyword: ir.Keyword) -> tuple[str, str] | None:
    """Set one option; (why, suggestion) when its value is wrong."""
    name, value = keyword.name, keyword.value
    number = const_value(value)
    if name == "degree":
        degree = _whole(number, 1, 10)
        if degree is None:
            return "the degree is a whole number from 1 to 10", "use `degree = 3` (cubic) or `degree = 1` (linear)"
        smooth.degree = degree
    elif name == "knots" and isinstance(value, ir.ListExpr):
        knots = [const_value(item) for item in value.items]
        numbers = tuple(float(k) for k in knots if k is not None)
        if len(numbers) < 2 or len(numbers) < len(knots):
            return "an explicit list of knots holds at least two numbers", "write `knots = [0, 2.5, 5, 7.5, 10]`"
        if any(b <= a for a, b in zip(numbers, numbers[1:])):
            return "knots are strictly increasing", "list each knot once, from the smallest"
        smooth.knots = numbers
    elif name == "knots":
        count = _whole(number, 2, MAX_BASIS)
        if count is None:
            return (
                f"the number of knots (the boundaries included) is a whole number from 2 to {MAX_BASIS}",
                "e.g. `knots = 10`, placed at quantiles of the fitted values",
            )
        smooth.knots = count
    elif name == "m":
        m = _whole(number, 1, MAX_BASIS)
        if m is None:
            return f"m, the number of basis functions, is a whole number from 1 to {MAX_BASIS}", "e.g. `m = 20`"
        smooth.m = m
    elif name == "c":
        if number is None or not 1 < number <= 100:
            return "c, the boundary factor, is a number above 1", "1.5 to 2 is usual: `c = 1.5`"
        smooth.c = float(number)
    elif name == "delta":
        if number is None or not 0 <= number < 1e6:
            return "delta, added to the covariance's diagonal, is a number of 0 or more", "the book's: `delta = 0.01`"
        smooth.delta = float(number)
    elif name == "kernel":
        text = value.value if isinstance(value, ir.String) else value.name if isinstance(value, ir.Ref) else None
        kernels = DISTANCE_KERNELS if smooth.kind == "distance" else HSGP_KERNELS
        if text not in kernels:
            return f"the kernel is one of {', '.join(kernels)}", f'e.g. `kernel = "{kernels[0]}"`'
        smooth.kernel = str(text)
    elif name == "distance":
        if not isinstance(value, ir.String) or not value.value:
            return "the distance matrix is a file name in quotes", 'e.g. `distance = "distances.csv"`'
        smooth.distance = value.value
    return None


def _source_fits(smooth: Smooth, edge: Edge, nodes: dict[str, NodeInfo], found: Diagnostics) -> bool:
    node = nodes.get(edge.source)
    if node is None:
        return False  # unknown names are reported where they are used
    what = f"{edge.call.func}({edge.source}, ...)" if edge.call is not None else edge.source
    if node.role != "data" or node.observed is None:
        kind = "not observed" if node.role in ("data", "graph") else ROLE_WORDS[node.role]
        needs = "an observed categorical data node" if smooth.kind == "distance" else "an observed numeric data node"
        found.add(
            "DS385",
            edge.span,
            what=what,
            needs=needs,
            name=node.name,
            kind=kind,
            suggestion=f"observe {node.name} as a column of the data",
        )
        return False
    if smooth.kind == "distance" and not node.categorical:
        found.add(
            "DS385",
            edge.span,
            what=what,
            needs="a categorical node (its levels are the rows of the distance matrix)",
            name=node.name,
            kind="numeric",
            suggestion=f"declare `node {node.name} : categorical`, or write `gp({node.name}, m = 20)` for a GP over "
            "its values",
        )
        return False
    if smooth.kind != "distance" and node.categorical:
        found.add(
            "DS385",
            edge.span,
            what=what,
            needs="a numeric node",
            name=node.name,
            kind="categorical",
            suggestion=f"for one effect per level write `{node.name} -> {edge.target}`; for a GP over the levels "
            f'give their distances: `gp({node.name}, distance = "distances.csv")`',
        )
        return False
    return True


def _target_fits(edge: Edge, nodes: dict[str, NodeInfo], found: Diagnostics) -> bool:
    target = nodes.get(edge.target)
    what = f"{edge.call.func}({edge.source}, ...) -> {edge.target}" if edge.call is not None else edge.address
    if edge.by is not None:
        found.add("DS156", edge.span, what=what, why="a smooth term cannot also vary `by` a group")
        return False
    if target is not None and target.role != "outcome":
        found.add(
            "DS156",
            edge.span,
            what=what,
            why=f"{edge.target} is {ROLE_WORDS[target.role]}, not an outcome with a regression"
            + (
                f"; declare it with a family: `node {edge.target} ~ Normal`" if target.role in ("data", "graph") else ""
            ),
        )
        return False
    return True


def _one_term_per_pair(edges: list[Edge], found: Diagnostics) -> None:
    """A node enters an outcome's regression once: as a smooth term or as a plain edge, not both."""
    smooth = {(e.source, e.target): e for e in edges if e.smooth is not None}
    for edge in list(edges):
        first = smooth.get((edge.source, edge.target))
        if first is not None and edge is not first and edge.factors is None:
            found.add(
                "DS156",
                edge.span,
                what=f"{edge.source} -> {edge.target}",
                why=f"{edge.source} already enters {edge.target} as a smooth term (line {first.span.line}), which "
                "includes its linear trend",
            )
            edges.remove(edge)
