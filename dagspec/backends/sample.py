"""A Spec + data → posterior draws as arviz.InferenceData, with the chosen NUTS implementation."""

from __future__ import annotations

import copy
import importlib.util
from contextlib import contextmanager

import numpy as np
import pymc as pm
from pymc.exceptions import SamplingError

from ..diagnostics import Diagnostics, error, finding, warn
from ..optimize import EXACT, INDEPENDENCE, enabled, model_passes
from ..optimize import optimize as run_passes
from ..optimize.exact import ExactDraws, exact_draws
from ..plan import DataVar, Plan, RandomVariable
from ..propriety import check_posterior
from .cache import model_step_and_trace
from .exact import exact_sample
from .gaussian import CannotDraw
from .independence import PROPOSAL_ATTR, NotSuitable, independence_sample
from .predict import LEVELS_ATTR, STATISTICS_ATTR, levels_attribute, statistics_attribute
from .pymc import build_model
from .threads import blas_threads, chains_at_once, limited_blas

CHAINS_AT_ONCE_ATTR, BLAS_THREADS_ATTR = "dagspec_chains_at_once", "dagspec_blas_threads"
SAMPLER_REASON_ATTR = "dagspec_sampler_reason"  # why dagspec chose its MCMC sampler (render/summary.py)

# Fastest first: without a plan to choose by, the default is the first one installed.
SAMPLERS = ("nutpie", "numpyro", "blackjax", "pymc")
_MODULES = {"nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"), "blackjax": ("blackjax", "jax"), "pymc": ()}
_EXTRAS = {"nutpie": "nutpie", "numpyro": "numpyro", "blackjax": "blackjax"}


def installed_samplers() -> list[str]:
    return [name for name in SAMPLERS if all(importlib.util.find_spec(m) for m in _MODULES[name])]


def default_sampler(plan: Plan | None = None) -> str:
    return sampler_choice(plan)[0]


def sampler_choice(plan: Plan | None = None) -> tuple[str, str]:
    """The NUTS implementation `sample` uses without one named, and why, by a rule measured on the gallery's GLMs
    (bench/RESULTS.md): nutpie's gradient costs a tenth of PyMC's step, but nutpie compiles its model afresh in
    every run (10-17 s for m14.3; numba does not cache it), while PyMC's compiled step is cached across runs. So
    nutpie, where installed, for a plan with an LKJ covariance, whose posterior needs long trajectories (m14.3:
    32 gradients per draw at target_accept 0.95 in the `covariance` pass's coordinates, 2 × 2000 draws in 3 s of
    nutpie's sampling against 25-30 s of PyMC's; 3-15 per draw on the other GLMs, whose whole PyMC run takes less
    than nutpie's compile alone); PyMC's own NUTS otherwise. Without a plan, the fastest installed."""
    installed = installed_samplers()
    if plan is None:
        return installed[0], "the fastest installed"
    if _has_covariance(plan) and "nutpie" in installed:
        return "nutpie", "an LKJ covariance: long trajectories, where its cheaper gradient pays for its compile"
    return "pymc", "its compiled step cached across runs"


def _has_covariance(plan: Plan) -> bool:
    return any(isinstance(e, RandomVariable) and e.dist == "LKJCholeskyCov" for e in plan.entries)


def jittered_starts(model: pm.Model, chains: int, random_seed) -> list[dict]:
    """Starts as pm.sample's default initialisation makes them, for a step made beforehand (which pm.sample
    does not jitter): the initial point plus a uniform [-1, 1] jitter of each unconstrained value, per chain."""
    from pymc.initial_point import make_initial_point_fn

    starts = make_initial_point_fn(model=model, jitter_rvs=set(model.free_RVs), return_transformed=False)
    return [starts(int(seed)) for seed in np.random.default_rng(random_seed).integers(2**30, size=chains)]


def planned_sampler(spec, data=None, optimize=True) -> str:
    """How `sample` will draw from this spec's posterior without a sampler named: "exact" (closed form),
    "gaussian" (linear-Gaussian blocks), or the NUTS sampler."""
    literal = posterior_plan(spec, data)
    exact = _exact(literal, optimize)
    return exact.kind if exact is not None else default_sampler(passes_for_mcmc(literal, optimize))


def posterior_plan(spec, data=None) -> Plan:
    """The literal plan, once its posterior is known to be proper where dagspec can tell (DS530)."""
    literal = spec.plan(data, False)
    found = Diagnostics(spec.source)
    check_posterior(literal, spec.checked, found)
    found.raise_if_errors()
    return literal


def _exact(literal: Plan, optimize) -> ExactDraws | None:
    return exact_draws(literal) if enabled(optimize)[EXACT] else None


def passes_for_mcmc(literal: Plan, optimize) -> Plan:
    """The plan NUTS samples: the passes `optimize` selects, without analysing exact draws a second time."""
    return run_passes(literal, model_passes(optimize))


def step_options(plan: Plan, options: dict) -> dict:
    """NUTS settings: a covariance with an LKJ prior is sampled with target_accept 0.95 unless one is given
    (the hyper-parameters of a few groups' covariance have tails that the default 0.8 steps across badly:
    heterogenous, 51 divergences at 0.8; chimpanzees m14.3 in the `covariance` pass's coordinates, 1-4 in each
    of four runs of PyMC's NUTS at 0.8, none at 0.95). It costs gradients, affordable with nutpie's (m14.3: 32
    per draw at 0.95, 3 s of sampling), which `sampler_choice` picks for such plans."""
    options = dict(options)
    if "target_accept" not in options and _has_covariance(plan):
        options["target_accept"] = 0.95
    return options


def resolve_sampler(sampler: str | None, plan: Plan | None = None) -> str:
    if sampler is None:
        return default_sampler(plan)
    if sampler not in SAMPLERS:
        raise error(
            "DS601", sampler=sampler, why="is not a sampler dagspec knows", hint="samplers: " + ", ".join(SAMPLERS)
        )
    if sampler not in installed_samplers():
        raise error(
            "DS601",
            sampler=sampler,
            why="is not installed",
            hint=f"pip install 'dagspec[{_EXTRAS[sampler]}]', or use one of: " + ", ".join(installed_samplers()),
        )
    return sampler


def sample(
    spec,
    data=None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    random_seed=None,
    sampler: str | None = None,
    optimize=True,
    progressbar: bool = False,
    **kwargs,
):
    check_arguments(draws=draws, tune=tune, chains=chains, random_seed=random_seed)
    literal = posterior_plan(spec, data)
    cores = kwargs.pop("cores", None)
    threads = blas_threads(chains_at_once(chains, cores), _largest_data(literal))
    with limited_blas(threads):
        idata = _sample(
            spec, literal, draws, tune, chains, random_seed, sampler, optimize, progressbar, cores, threads, **kwargs
        )
    idata.posterior.attrs[BLAS_THREADS_ATTR] = threads
    return report_health(idata, spec)


def _largest_data(plan: Plan) -> int:
    return max((np.size(e.values) for e in plan.entries if isinstance(e, DataVar)), default=0)


def _sample(
    spec, literal: Plan, draws, tune, chains, random_seed, sampler, optimize, progressbar, cores, threads, **kwargs
):
    at_once = chains_at_once(chains, cores)
    blas_cores = kwargs.pop("blas_cores", None)  # PyMC's own limit, where it sets one: by default the same as ours
    exact = _exact(literal, optimize) if sampler is None else None
    if exact is not None:  # independent draws, no MCMC
        nuts = {
            "tune": tune,
            "progressbar": progressbar,
            "cores": at_once,
            "blas_cores": blas_cores or threads * at_once,
            **kwargs,
        }
        try:
            idata = exact_sample(literal, exact, draws, chains, random_seed, nuts)
        except CannotDraw as exc:
            warn(
                finding("DS633", "sampler", planned=PLANNED[exact.kind], why=str(exc), names=", ".join(exc.names)),
                stacklevel=5,
            )
        else:
            return _with_attributes(idata, spec, literal, exact.kind, None, at_once)
    plan = passes_for_mcmc(copy.deepcopy(literal), optimize)
    # a NUTS option given (target_accept, ...) asks for NUTS even where the independence sampler would do; it runs
    # no convergence checks anyway
    nuts_options_given = bool(set(kwargs) - {"compute_convergence_checks"})
    chosen = sampler is None  # by dagspec's rule, not by the user
    sampler, reason = sampler_choice(plan) if chosen else (resolve_sampler(sampler, plan), "as asked")
    nuts = step_options(plan, {"target_accept": kwargs.pop("target_accept")} if "target_accept" in kwargs else {})
    options = dict(draws=draws, tune=tune, chains=chains, random_seed=random_seed, progressbar=progressbar)
    if sampler == "pymc":
        model, step, trace = model_step_and_trace(plan, nuts)
        if chosen and not nuts_options_given and enabled(optimize)[INDEPENDENCE]:
            try:
                idata = independence_sample(model, step, trace, draws, tune, chains, random_seed)
            except NotSuitable as why:
                reason += f"; not independence Metropolis-Hastings: {why}"
            else:
                reason = f"the posterior is close to {idata.posterior.attrs.pop(PROPOSAL_ATTR)}"
                return _with_attributes(idata, spec, plan, "independence", reason, 1)  # chains one after another
        if "var_names" not in kwargs:  # the trace records every variable; with var_names PyMC makes its own
            kwargs.setdefault("trace", trace)
        kwargs.setdefault("initvals", jittered_starts(model, chains, random_seed))
        # Not the optimized model's log-likelihood: it may be per Binomial cell rather than per row, and PyMC
        # cannot compute it for variables with initial values (NotImplementedError). dagspec.log_likelihood
        # and dagspec.loo compute it per row with the literal model.
        kwargs.setdefault("idata_kwargs", {"log_likelihood": False})
        with model, _cannot_start(model):
            idata = pm.sample(step=step, cores=at_once, blas_cores=blas_cores or threads * at_once, **options, **kwargs)
    else:
        if sampler == "nutpie":  # PyMC does not pass `cores` on: nutpie's threads would use every CPU
            kwargs["nuts_sampler_kwargs"] = {"cores": at_once, **kwargs.get("nuts_sampler_kwargs", {})}
        model = build_model(plan)
        with model, _cannot_start(model):
            idata = pm.sample(
                nuts_sampler=sampler,
                cores=at_once,
                blas_cores=blas_cores or threads * at_once,
                **options,
                **nuts,
                **kwargs,
            )
    return _with_attributes(idata, spec, plan, sampler, reason, at_once)


def _with_attributes(idata, spec, plan: Plan, sampler: str, reason: str | None, at_once: int):
    """How the draws were made (and why, where dagspec chose among samplers) and what predictions need to transform
    new rows, in the posterior's attributes."""
    idata.posterior.attrs.update(
        {
            STATISTICS_ATTR: statistics_attribute(plan),
            "dagspec_sampler": sampler,
            LEVELS_ATTR: levels_attribute(spec, plan),
            CHAINS_AT_ONCE_ATTR: at_once,
        }
    )
    if reason is not None:
        idata.posterior.attrs[SAMPLER_REASON_ATTR] = reason
    return idata


PLANNED = {
    "exact": "exact draws (the posterior in closed form)",
    "gaussian": "independent draws without MCMC",
    "collapsed": "NUTS on the scales alone (the Gaussian coefficients integrated out)",
}


def check_arguments(**arguments) -> None:
    """DS634 for sampling arguments that cannot work: counts that are not whole numbers or are too small, a seed
    that numpy cannot seed with."""
    for name, value in arguments.items():
        if name == "random_seed":
            _check_seed(value)
            continue
        least = 0 if name == "tune" else 1
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise error(
                "DS634",
                argument=name,
                value=repr(value),
                why=f"is a {type(value).__name__}, not a whole number",
                suggestion=f"pass a whole number, e.g. {name}={max(least, 1) * 1000}",
            )
        if value < least:
            raise error(
                "DS634",
                argument=name,
                value=repr(value),
                why=f"must be at least {least}",
                suggestion=f"pass e.g. {name}={max(least, 1) * 1000}" + (" (0 skips tuning)" if name == "tune" else ""),
            )


def _check_seed(seed) -> None:
    """None, a non-negative whole number, a sequence of them (one per chain), or a numpy Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    seeds = list(seed) if isinstance(seed, (list, tuple, np.ndarray)) else [seed]
    if seeds and all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in seeds):
        return
    raise error(
        "DS634",
        argument="random_seed",
        value=repr(seed),
        why="is not a seed",
        suggestion="pass a non-negative whole number (e.g. random_seed=1), one per chain, a "
        "numpy.random.Generator, or None for a fresh seed",
    )


@contextmanager
def _cannot_start(model: pm.Model):
    """PyMC's SamplingError at the start (a log density of -inf or NaN) → DS635 naming the variables."""
    try:
        yield
    except SamplingError as exc:
        names, value = _not_finite(model)
        raise error(
            "DS635", names=", ".join(names) or "some of the jittered starts (not the initial point itself)", value=value
        ) from exc


def _not_finite(model: pm.Model) -> tuple[list[str], str]:
    """The variables whose log density is not finite at the model's initial point, and that value."""
    try:
        logps = model.point_logps()
    except Exception:  # noqa: BLE001 - naming the culprit is a courtesy; the error stands without it
        return [], "not finite"
    bad = {name: value for name, value in logps.items() if not np.isfinite(value)}
    values = {str(v) for v in bad.values()}
    return list(bad), values.pop() if len(values) == 1 else "not finite"


def report_health(idata, spec):
    """The sampler's health findings (DS602-DS605) as DagspecWarnings, as the command line prints them."""
    from ..render.health import health_warnings
    from ..render.summary import user_variables

    for problem in health_warnings(idata, user_variables(idata, spec)):
        warn(problem, stacklevel=5)  # at the caller of dagspec.sample
    return idata
