"""A Spec + data → posterior draws as arviz.InferenceData, with the chosen NUTS implementation."""
from __future__ import annotations

import copy
import importlib.util

import numpy as np
import pymc as pm

from ..diagnostics import error
from ..plan import DataVar, Plan, RandomVariable
from .cache import model_and_step
from ..optimize import EXACT, enabled, model_passes, optimize as run_passes
from ..optimize.exact import ExactDraws, exact_draws
from .exact import exact_sample
from .predict import LEVELS_ATTR, STATISTICS_ATTR, levels_attribute, statistics_attribute
from .pymc import build_model
from .threads import blas_threads, chains_at_once, limited_blas

CHAINS_AT_ONCE_ATTR, BLAS_THREADS_ATTR = "dagspec_chains_at_once", "dagspec_blas_threads"

# Fastest first: without a plan to choose by, the default is the first one installed.
SAMPLERS = ("nutpie", "numpyro", "blackjax", "pymc")
_MODULES = {"nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"), "blackjax": ("blackjax", "jax"), "pymc": ()}
_EXTRAS = {"nutpie": "nutpie", "numpyro": "numpyro", "blackjax": "blackjax"}


def installed_samplers() -> list[str]:
    return [name for name in SAMPLERS if all(importlib.util.find_spec(m) for m in _MODULES[name])]


def default_sampler(plan: Plan | None = None) -> str:
    """The NUTS implementation to use: for a plan, PyMC's own (its compiled step is cached across runs, and on the
    gallery's hierarchical models it gave 2-3x nutpie's ESS per second even on a cold cache); without a plan,
    the fastest installed."""
    return "pymc" if plan is not None else installed_samplers()[0]


def jittered_starts(model: pm.Model, chains: int, random_seed) -> list[dict]:
    """Starts as pm.sample's default initialisation makes them, for a step made beforehand (which pm.sample
    does not jitter): the initial point plus a uniform [-1, 1] jitter of each unconstrained value, per chain."""
    from pymc.initial_point import make_initial_point_fn

    starts = make_initial_point_fn(model=model, jitter_rvs=set(model.free_RVs), return_transformed=False)
    return [starts(int(seed)) for seed in np.random.default_rng(random_seed).integers(2**30, size=chains)]


def planned_sampler(spec, data=None, optimize=True) -> str:
    """How `sample` will draw from this spec's posterior without a sampler named: "exact" (closed form),
    "gaussian" (linear-Gaussian blocks), or the NUTS sampler."""
    literal = spec.plan(data, False)
    exact = _exact(literal, optimize)
    return exact.kind if exact is not None else default_sampler(passes_for_mcmc(literal, optimize))


def _exact(literal: Plan, optimize) -> ExactDraws | None:
    return exact_draws(literal) if enabled(optimize)[EXACT] else None


def passes_for_mcmc(literal: Plan, optimize) -> Plan:
    """The plan NUTS samples: the passes `optimize` selects, without analysing exact draws a second time."""
    return run_passes(literal, model_passes(optimize))


def step_options(plan: Plan, options: dict) -> dict:
    """NUTS settings: a covariance with an LKJ prior is sampled with target_accept 0.95 unless one is given
    (the hyper-parameters of a few groups' covariance have tails that the default 0.8 steps across badly)."""
    options = dict(options)
    if "target_accept" not in options and any(isinstance(e, RandomVariable) and e.dist == "LKJCholeskyCov"
                                              for e in plan.entries):
        options["target_accept"] = 0.95
    return options


def resolve_sampler(sampler: str | None, plan: Plan | None = None) -> str:
    if sampler is None:
        return default_sampler(plan)
    if sampler not in SAMPLERS:
        raise error("DS601", sampler=sampler, why="is not a sampler dagspec knows",
                    hint="samplers: " + ", ".join(SAMPLERS))
    if sampler not in installed_samplers():
        raise error("DS601", sampler=sampler, why="is not installed",
                    hint=f"pip install 'dagspec[{_EXTRAS[sampler]}]', or use one of: " + ", ".join(installed_samplers()))
    return sampler


def sample(spec, data=None, draws: int = 1000, tune: int = 1000, chains: int = 4, random_seed=None,
           sampler: str | None = None, optimize=True, progressbar: bool = False, **kwargs):
    literal = spec.plan(data, False)
    cores = kwargs.pop("cores", None)
    threads = blas_threads(chains_at_once(chains, cores), _largest_data(literal))
    with limited_blas(threads):
        idata = _sample(spec, literal, draws, tune, chains, random_seed, sampler, optimize, progressbar, cores,
                        threads, **kwargs)
    idata.posterior.attrs[BLAS_THREADS_ATTR] = threads
    return idata


def _largest_data(plan: Plan) -> int:
    return max((np.size(e.values) for e in plan.entries if isinstance(e, DataVar)), default=0)


def _sample(spec, literal: Plan, draws, tune, chains, random_seed, sampler, optimize, progressbar, cores, threads,
            **kwargs):
    at_once = chains_at_once(chains, cores)
    blas_cores = kwargs.pop("blas_cores", None)  # PyMC's own limit, where it sets one: by default the same as ours
    exact = _exact(literal, optimize) if sampler is None else None
    if exact is not None:  # independent draws, no MCMC
        nuts = {"tune": tune, "progressbar": progressbar, "cores": at_once,
                "blas_cores": blas_cores or threads * at_once, **kwargs}
        idata = exact_sample(literal, exact, draws, chains, random_seed, nuts)
        if idata is not None:
            idata.posterior.attrs.update({STATISTICS_ATTR: statistics_attribute(literal), "dagspec_sampler": exact.kind,
                                          LEVELS_ATTR: levels_attribute(spec, literal), CHAINS_AT_ONCE_ATTR: at_once})
            return idata
    plan = passes_for_mcmc(copy.deepcopy(literal), optimize)
    sampler = resolve_sampler(sampler, plan)
    nuts = step_options(plan, {"target_accept": kwargs.pop("target_accept")} if "target_accept" in kwargs else {})
    options = dict(draws=draws, tune=tune, chains=chains, random_seed=random_seed, progressbar=progressbar)
    if sampler == "pymc":
        model, step = model_and_step(plan, nuts)
        kwargs.setdefault("initvals", jittered_starts(model, chains, random_seed))
        # Not the optimized model's log-likelihood: it may be per Binomial cell rather than per row, and PyMC
        # cannot compute it for variables with initial values (NotImplementedError). dagspec.log_likelihood
        # and dagspec.loo compute it per row with the literal model.
        kwargs.setdefault("idata_kwargs", {"log_likelihood": False})
        with model:
            idata = pm.sample(step=step, cores=at_once, blas_cores=blas_cores or threads * at_once, **options, **kwargs)
    else:
        with build_model(plan):
            idata = pm.sample(nuts_sampler=sampler, cores=at_once, blas_cores=blas_cores or threads * at_once, **options,
                              **nuts, **kwargs)
    idata.posterior.attrs[STATISTICS_ATTR] = statistics_attribute(plan)  # how predictions transform new rows
    idata.posterior.attrs.update({"dagspec_sampler": sampler, LEVELS_ATTR: levels_attribute(spec, plan),
                                  CHAINS_AT_ONCE_ATTR: at_once})
    return idata
