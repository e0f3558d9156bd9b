"""A plan → PyMC's model and compiled NUTS step, from an on-disk cache keyed by the plan's structure.

Compiling a model's log density and gradient takes most of a small model's run. The key is the plan with
its data containers reduced to shapes (their values are set again after loading) but every constant compiled
into the graph kept (the optimizer's centring means, a random variable's observations), plus the versions
that compiled it. So a second `dagspec sample` of the same spec and data loads the compiled step instead of
compiling it again, and other data are never sampled with a stale step. `DAGSPEC_CACHE_DIR` moves the
cache (default ~/.cache/dagspec); `DAGSPEC_CACHE_DIR=off` turns it off.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import platform
from pathlib import Path

import cloudpickle
import numpy as np
import pymc as pm
import pytensor

from .. import __version__
from ..atomic import atomic_path
from ..plan import DataVar, LikelihoodVar, Plan, RandomVariable
from .pymc import build_model

KEEP = 64  # cached entries kept; older ones are removed


def cache_dir() -> Path | None:
    setting = os.environ.get("DAGSPEC_CACHE_DIR")
    if setting and setting.lower() in ("off", "0", "none"):
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dagspec"


def plan_key(plan: Plan, step_options: dict) -> str:
    """A hash of everything that shapes the compiled functions: the plan without its data values."""
    parts = (__version__, pm.__version__, pytensor.__version__, platform.python_version(), str(pytensor.config.floatX),
             _structure(plan.coords), _structure(plan.entries), plan.expose_means, sorted(step_options.items()))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _structure(value):
    if isinstance(value, np.ndarray):  # a constant compiled into the graph (e.g. a random variable's observations)
        return ("array", value.shape, str(value.dtype), hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest())
    if isinstance(value, DataVar):  # held in a shared variable: set again after loading, so only its shape counts
        return ("data", value.name, value.dims, np.shape(value.values), str(np.asarray(value.values).dtype))
    if isinstance(value, RandomVariable):  # its starting value is set after loading
        return _structure(dataclasses.replace(value, initval=None).__dict__) + ("random",)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, _structure(value.__dict__))
    if isinstance(value, dict):
        return tuple((k, _structure(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_structure(v) for v in value)
    return repr(value)


def model_and_step(plan: Plan, step_options: dict) -> tuple[pm.Model, pm.step_methods.NUTS]:
    """The model and its NUTS step: loaded from the cache (with this plan's data and starts), else compiled.
    Models with imputed values or a censored likelihood are not cached: their graphs hold data that `_refresh`
    cannot set (the observed rows of an imputed node), or a CustomDist whose log density a new process cannot
    unpickle."""
    folder = cache_dir() if not any(isinstance(e, LikelihoodVar) and (e.imputed is not None or e.censoring)
                                    for e in plan.entries) else None
    path = folder / f"{plan_key(plan, step_options)}.pkl" if folder is not None else None
    if path is not None and path.exists():
        try:
            model, step = pickle.loads(path.read_bytes())
            _refresh(model, plan)
            os.utime(path)
            return model, step
        except Exception:  # noqa: BLE001 - a stale or damaged entry is compiled again
            path.unlink(missing_ok=True)
    model = build_model(plan)
    with model:
        step = pm.NUTS(**step_options)
    if path is not None:
        _store(path, model, step)
    return model, step


def _refresh(model: pm.Model, plan: Plan) -> None:
    pm.set_data({e.name: e.values for e in plan.entries if isinstance(e, DataVar)}, model=model)
    for entry in plan.entries:
        if isinstance(entry, RandomVariable) and entry.initval is not None:
            model.set_initval(model[entry.name], entry.initval)


def _store(path: Path, model, step) -> None:
    try:
        blob = cloudpickle.dumps((model, step))
        with atomic_path(path) as temporary:
            temporary.write_bytes(blob)
        entries = sorted(path.parent.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a cache that cannot be written only costs the next run its compile
        pass
