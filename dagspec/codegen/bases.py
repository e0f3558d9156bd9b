"""Smooth terms in a plan → the helper functions a generated script defines for them (as backends/bases.py
computes them): a B-spline basis, the HSGP basis times the kernel's spectral density, a GP covariance over
distances. `{t}` is the tensor module of the target (pt for PyMC, tt for PyMC3)."""

from __future__ import annotations

from ..plan import DerivedVar, Func, LikelihoodVar, Op, RandomVariable

HELPERS = {"bspline": "bspline_basis", "hsgp": "hsgp_basis", "gp_covariance": "gp_covariance"}

_SOURCE = {
    "bspline": '''
def bspline_basis(x, knots, degree):
    """The B-spline basis of x over the clamped knot vector (Cox-de Boor): one column per weight, each row
    summing to one between the first and last knot, the last knot included (as scipy's BSpline)."""
    x = {t}.as_tensor_variable(x)[:, None]
    last = len(knots) - degree - 2  # the last interval of positive length: it also holds the right end
    basis = {t}.cast((x >= knots[:-1]) & (x < knots[1:]), "float64")
    basis = basis + {t}.cast({t}.eq(x, knots[-1]), "float64") * (np.arange(len(knots) - 1) == last)
    for k in range(1, degree + 1):
        left, right = knots[k:-1] - knots[: -k - 1], knots[k + 1 :] - knots[1:-k]
        left = np.divide(1.0, left, out=np.zeros_like(left), where=left > 0)  # 0 where knots repeat
        right = np.divide(1.0, right, out=np.zeros_like(right), where=right > 0)
        basis = (x - knots[: -k - 1]) * left * basis[:, :-1] + (knots[k + 1 :] - x) * right * basis[:, 1:]
    return basis
''',
    "hsgp": '''
def hsgp_basis(x, centre, L, m, kernel, lengthscale, amplitude):
    """pm.gp.HSGP's basis on [centre - L, centre + L] (fixed by the fitted values), each column times the square
    root of the kernel's spectral density: f = hsgp_basis(...) @ beta, beta ~ Normal(0, 1)."""
    eigenvalues = pm.gp.hsgp_approx.calc_eigenvalues(np.array([L]), [m])
    phi = pm.gp.hsgp_approx.calc_eigenvectors((x - centre)[:, None], np.array([L]), eigenvalues, [m])
    psd = getattr(pm.gp.cov, kernel)(1, ls=lengthscale).power_spectral_density(np.sqrt(eigenvalues))
    return phi * amplitude * {t}.sqrt(psd)
''',
    "gp_covariance": '''
def gp_covariance(distances, etasq, rhosq, delta, kernel):
    """Statistical Rethinking's cov_GPL2 (etasq exp(-rhosq D^2)) or cov_GPL1 (etasq exp(-rhosq D)), plus delta
    on the diagonal."""
    power = distances**2 if kernel == "L2" else distances
    return etasq * {t}.exp(-rhosq * power) + delta * np.eye(len(distances))
''',
}


def used_helpers(entries) -> list[str]:
    """The smooth-term functions a plan calls (in any entry: a likelihood's terms, a prior's arguments, a
    deterministic the optimizer made), in a stable order."""
    found: set[str] = set()

    def visit(expr) -> None:
        if isinstance(expr, Func):
            if expr.name in HELPERS:
                found.add(expr.name)
            for arg in expr.args:
                visit(arg)
        elif isinstance(expr, Op):
            for arg in expr.args:
                visit(arg)

    for entry in entries:
        if isinstance(entry, LikelihoodVar):
            for term in entry.terms:
                visit(term.value)
        elif isinstance(entry, RandomVariable):
            for arg in entry.args.values():
                visit(arg)
        elif isinstance(entry, DerivedVar):
            visit(entry.expr)
    return [name for name in HELPERS if name in found]


def helper_source(name: str, tensor: str) -> list[str]:
    return _SOURCE[name].replace("{t}", tensor).split("\n")
