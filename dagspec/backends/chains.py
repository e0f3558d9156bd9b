"""A model, its NUTS step and per-chain starts → the chains' draws, run in forked processes that each draw a
whole chain and hand it back once.

PyMC's own parallel sampler runs chains in lockstep with the main process: every draw of every chain waits
for a message from the main process ("write_next") before the next one is drawn. On a busy machine each of
those round trips waits for the scheduler, so a small model's 4000 draws cost more in messages than in
gradients (UCBadmit m11.7: 2.1 s in PyMC's parallel sampler, 1.2 s with both chains one after the other in
one process, on a quiet 2-core machine). Here each chain is a forked copy of this process (model and compiled
step inherited, nothing pickled on the way in) that runs `pm.sample` for one chain from start to end and sends
its InferenceData back once; the chains are then put side by side. Each chain is the same NUTS with the same
step settings as in `pm.sample`; only how the chains are driven differs. Used where the "fork" start method
exists and nothing asks for per-draw interaction (a progress bar, a callback, a custom trace).
"""

from __future__ import annotations

import logging
import multiprocessing
import platform
from multiprocessing.connection import wait

import arviz as az
import numpy as np
import pymc as pm

# pm.sample arguments that mean the same for one chain as for all of them
PER_CHAIN = {"idata_kwargs", "discard_tuned_samples", "compute_convergence_checks", "keep_warning_stat"}
_log = logging.getLogger("pymc")


def can_fork(chains: int, at_once: int, progressbar: bool, options: dict) -> bool:
    """Whether the chains can run as forked whole-chain processes: several chains at once, no progress bar,
    only arguments that apply chain by chain, and a system where forking is safe (not macOS)."""
    return (
        chains > 1
        and at_once > 1
        and not progressbar
        and set(options) <= PER_CHAIN | {"initvals"}
        and "fork" in multiprocessing.get_all_start_methods()
        and platform.system() != "Darwin"
    )


def sample_forked(model: pm.Model, step, draws: int, tune: int, chains: int, at_once: int, random_seed, options):
    """`chains` chains of `draws` draws after `tune` tuning steps, at most `at_once` processes at a time; the
    result as pm.sample returns it (InferenceData with chains 0..chains-1). A chain's error is raised here."""
    rngs = np.random.default_rng(random_seed).spawn(chains)
    starts = options.pop("initvals", None)
    starts = starts if isinstance(starts, (list, tuple)) else [starts] * chains
    names = ", ".join(v.name for v in step.vars)
    _log.info(f"Parallel sampling ({chains} chains, {at_once} forked processes at a time, one transfer each)")
    _log.info(f"NUTS: [{names}]")
    az.convert_to_dataset({"warm": np.zeros((1, 2))})  # xarray's lazy imports, once here rather than per chain
    context = multiprocessing.get_context("fork")
    waiting, results = list(range(chains)), {}
    running: dict[int, tuple] = {}  # chain -> (its process, the end of its pipe we read)
    try:
        while waiting or running:
            while waiting and len(running) < at_once:
                chain = waiting.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(
                    target=_one_chain,
                    args=(sender, model, step, draws, tune, rngs[chain], starts[chain], options),
                    daemon=True,
                )
                process.start()
                sender.close()
                running[chain] = (process, receiver)
            ready = wait([receiver for _, receiver in running.values()])
            for chain, (process, receiver) in list(running.items()):
                if receiver not in ready:
                    continue
                try:
                    status, value = receiver.recv()
                except EOFError:  # the chain's process ended without an answer (killed, out of memory)
                    process.join()
                    raise RuntimeError(f"chain {chain}'s process ended with exit code {process.exitcode}") from None
                process.join()
                del running[chain]
                if status == "error":
                    raise value
                results[chain] = value
    finally:
        for process, _ in running.values():
            process.kill()
            process.join()
    return _side_by_side([results[chain] for chain in range(chains)])


def _one_chain(sender, model, step, draws, tune, rng, start, options) -> None:
    """In the forked process: one whole chain, sent back once (or the error that stopped it)."""
    _log.setLevel(logging.WARNING)  # the parent says once how the chains are sampled
    try:
        with model:
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=1,
                cores=1,
                step=step,
                random_seed=rng,
                initvals=start,
                progressbar=False,
                **{"compute_convergence_checks": False, **options},
            )
        answer = ("ok", idata)
    except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
        answer = ("error", exc)
    try:
        sender.send(answer)
    except Exception as exc:  # noqa: BLE001 - an error that cannot be pickled is sent as its text
        sender.send(("error", RuntimeError(f"{type(answer[1]).__name__}: {answer[1]} ({exc})")))
    finally:
        sender.close()


def _side_by_side(parts: list[az.InferenceData]) -> az.InferenceData:
    """One chain's InferenceData each → one with chains 0..n-1 (groups without chains taken from the first)."""
    for chain, part in enumerate(parts):
        for group in part.groups():
            if "chain" in part[group].dims:
                setattr(part, group, part[group].assign_coords(chain=[chain]))
    return az.concat(parts, dim="chain", inplace=False)
