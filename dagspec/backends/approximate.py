"""A Spec + data → an approximate posterior (arviz.InferenceData) by a method the user names, never in place of
NUTS: "laplace" (a Gaussian at the posterior's mode with the inverse curvature there as covariance: Statistical
Rethinking's `quap`), "advi" and "fullrank_advi" (variational: a mean-field or full-rank Gaussian fitted by
PyMC's `pm.fit`), and "pathfinder" (pymc-extras' multi-path Pathfinder, Zhang et al. 2022: Gaussian approximations
along L-BFGS paths, importance-resampled with Pareto smoothing; needs `pip install 'dagspec[pathfinder]'`).

Both work in the unconstrained space of the literal model (a scale's log, a probability's logit), where the
posterior is closest to Gaussian and every draw maps back inside its support; the Laplace mode is that of the
unconstrained density (with the transforms' Jacobian, as Stan's `laplace` method). Draws are independent, so
chains are only a shape; `idata.posterior.attrs["dagspec_method"]` names the method.
"""

from __future__ import annotations

import copy

import numpy as np
import pymc as pm
from pymc.blocking import DictToArrayBijection, RaveledVars
from scipy import optimize

from ..diagnostics import error
from .predict import STATISTICS_ATTR, statistics_attribute
from .pymc import build_model
from .sample import passes_for_mcmc, posterior_plan

METHODS = ("laplace", "advi", "fullrank_advi", "pathfinder")
ADVI_ITERATIONS = 30_000  # steps of the stochastic optimizer
PATHFINDER_PATHS = 4  # pymc-extras' default: independent L-BFGS paths, their draws pooled by importance resampling


def fit(
    spec,
    data=None,
    method: str = "laplace",
    draws: int = 1000,
    chains: int = 1,
    random_seed=None,
    iterations: int | None = None,
):
    if method not in METHODS:
        raise error(
            "DS620",
            what=f"method={method!r} is not a fitting method dagspec knows",
            suggestion="methods: " + ", ".join(METHODS) + " (and NUTS: dagspec.sample)",
        )
    if method == "pathfinder":
        _pymc_extras()  # before any work: a missing optional package is the first thing to say
    literal = posterior_plan(spec, data)  # an exact fit's improper posterior has no mode (DS530)
    # ADVI fits better in the optimizer's coordinates (centred, QR, whitened: affine, so the same posterior); the
    # Laplace approximation is drawn on the literal model, as written (a non-centred pool would move its mode)
    plan = literal if method == "laplace" else passes_for_mcmc(copy.deepcopy(literal), True)
    model = build_model(plan)
    discrete = [rv.name for rv in model.free_RVs if rv.type.dtype.startswith("int")]
    if discrete:
        raise error("DS645", method=method, names=", ".join(discrete))
    rng = np.random.default_rng(random_seed)
    attrs: dict = {}
    if method == "laplace":
        columns = _laplace(model, draws * chains, rng)
    elif method == "pathfinder":
        columns, pareto_k = _pathfinder(model, draws * chains, rng, iterations)
        # the Pareto k of its importance weights is stored, not judged: it is above 0.7 for the tutorial's regression,
        # whose posterior Pathfinder matches (tests/test_fit_methods.py), so a warning on it would cry wolf
        attrs = {"dagspec_pathfinder_paths": PATHFINDER_PATHS}
        if pareto_k is not None:
            attrs["dagspec_pareto_k"] = pareto_k
    else:
        columns = _advi(model, method, draws * chains, rng, iterations or ADVI_ITERATIONS)
    idata = _inference_data(model, columns, chains, draws)
    idata.posterior.attrs.update(
        {STATISTICS_ATTR: statistics_attribute(plan), "dagspec_method": method, "dagspec_sampler": method, **attrs}
    )
    return idata


def _laplace(model: pm.Model, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Independent draws from the Gaussian at the mode of the unconstrained posterior, covariance the inverse of
    the negative Hessian there; each free variable (on its own scale) and deterministic, draws first."""
    start = model.initial_point()
    start = {v.name: start[v.name] for v in model.value_vars}
    raveled = DictToArrayBijection.map(start)
    logp = model.compile_logp(jacobian=True)
    dlogp = model.compile_dlogp(jacobian=True)

    def point(x: np.ndarray) -> dict:
        return DictToArrayBijection.rmap(RaveledVars(x, raveled.point_map_info), start)

    def cost(x: np.ndarray):
        here = point(x)
        return -float(logp(here)), -np.asarray(dlogp(here), dtype=float)

    found = optimize.minimize(cost, raveled.data, jac=True, method="L-BFGS-B", options={"maxiter": 10_000})
    if not found.success or not np.all(np.isfinite(found.x)):
        raise error("DS646", reason=str(found.message))
    curvature = -np.asarray(model.compile_d2logp(jacobian=True, negate_output=False)(point(found.x)), dtype=float)
    try:
        factor = np.linalg.cholesky(np.linalg.inv(curvature))
    except np.linalg.LinAlgError:
        raise error(
            "DS646",
            reason="the posterior is not curved downwards in every direction at the mode "
            "(a flat or improper direction)",
        ) from None
    draws = found.x + rng.standard_normal((n, found.x.size)) @ factor.T
    outputs = [v for v in model.unobserved_value_vars if v.name in _reported(model)]
    compute = model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore", point_fn=False)
    computed = [compute(*[point(row)[v.name] for v in model.value_vars]) for row in draws]
    return {v.name: np.asarray([values[k] for values in computed]) for k, v in enumerate(outputs)}


def _advi(model: pm.Model, method: str, n: int, rng: np.random.Generator, iterations: int) -> dict[str, np.ndarray]:
    """PyMC's variational fit (`iterations` steps of its stochastic optimizer); independent draws of the result."""
    with model:
        approximation = pm.fit(n=iterations, method=method, random_seed=int(rng.integers(2**31)), progressbar=False)
    if not np.isfinite(approximation.hist[-1]):
        raise error("DS646", reason=f"the {method} objective is not finite after {len(approximation.hist)} steps")
    posterior = approximation.sample(n, random_seed=int(rng.integers(2**31))).posterior
    return {name: posterior[name].values[0] for name in _reported(model) if name in posterior}


def _pymc_extras():
    try:
        import pymc_extras
    except ImportError as exc:
        raise error("DS640", reason=str(exc)) from None
    return pymc_extras


def _pathfinder(
    model: pm.Model, n: int, rng: np.random.Generator, iterations: int | None
) -> tuple[dict[str, np.ndarray], float | None]:
    """pymc-extras' multi-path Pathfinder (in this process: no worker processes): `n` draws of its result, and the
    Pareto k of its importance weights (how far the pooled approximation is from the posterior)."""
    import logging

    pymc_extras = _pymc_extras()
    quiet = logging.getLogger("pymc_extras")
    level, quiet.level = quiet.level, logging.ERROR
    try:
        idata = pymc_extras.fit_pathfinder(
            model=model,
            num_paths=PATHFINDER_PATHS,
            num_draws=n,
            num_draws_per_path=max(1000, -(-n // PATHFINDER_PATHS)),
            maxiter=iterations or 1000,
            random_seed=int(rng.integers(2**31)),
            progressbar=False,
            concurrent=None,
            display_summary=False,
            add_pathfinder_groups=True,  # its diagnostics, in sample_stats: the Pareto k
        )
    except ValueError as exc:  # pymc-extras' word for paths that all failed (no finite ELBO, no start)
        raise error("DS646", reason=f"Pathfinder: {str(exc).splitlines()[0]}") from None
    finally:
        quiet.level = level
    posterior = idata.posterior
    stats = idata.get("sample_stats")
    pareto_k = float(stats["pareto_k"]) if stats is not None and "pareto_k" in stats else None
    return {name: posterior[name].values[0] for name in _reported(model) if name in posterior}, pareto_k


def _reported(model: pm.Model) -> set[str]:
    """The user's variables: free ones and deterministics, not the optimizer's internals (named with `__`)."""
    return {v.name for v in model.free_RVs + model.deterministics if "__" not in v.name}


def _inference_data(model: pm.Model, columns: dict[str, np.ndarray], chains: int, draws: int):
    """Draws of each variable (draws first) → InferenceData with the model's dims and coords."""
    import arviz as az

    posterior = {name: values.reshape((chains, draws) + values.shape[1:]) for name, values in columns.items()}
    dims = {name: list(model.named_vars_to_dims.get(name, ())) for name in posterior}
    coords = {name: list(values) for name, values in model.coords.items() if values is not None}
    return az.from_dict(posterior=posterior, dims=dims, coords=coords)
