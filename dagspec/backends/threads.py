"""The cores this process may use → how a run uses them: chains at once, and BLAS threads per chain.

Every model dagspec samples does its per-gradient linear algebra on small matrices (a few dozen coefficients;
a design of n rows × a few columns). Multithreaded BLAS hands such products to its threads for more than they
save, and on a busy machine its threads wait for each other: NUTS on a collapsed marginal with OpenBLAS's
default two threads took 1357 s on a 2-core machine at load 12, 176 s with one thread. So while dagspec
samples, each chain's BLAS gets one thread, or the cores left over by the chains running at once where a data
container is large enough for threads to pay. The limit is set with threadpoolctl in this process (a chain
forked from it inherits the setting) and in the environment for what starts or loads while it holds (a chain
started afresh, a BLAS that PyTensor loads when it compiles).
"""

from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

LARGE = 1_000_000  # entries in one data container from which splitting a product across threads pays
_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def chains_at_once(chains: int, cores: int | None = None) -> int:
    """How many chains run in parallel: one per core the user has (or per core asked for), at most `chains`;
    one in a worker process (of a Dask or multiprocessing pool: `dagspec batch`), which may not start processes.
    (PyMC's own default assumes half of the CPUs are hyper-threads, so on 2 CPUs it ran chains one by one.)"""
    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(chains, cores or usable_cores()))


def blas_threads(at_once: int, largest: int) -> int:
    """BLAS threads per chain: one, unless some data container has LARGE entries or more and cores are left
    over by the chains running at once."""
    return max(1, usable_cores() // at_once) if largest >= LARGE else 1


@contextmanager
def limited_blas(threads: int):
    """Hold BLAS (and OpenMP-threaded BLAS) to `threads` threads per process inside the block."""
    saved = {name: os.environ.get(name) for name in _VARIABLES}
    os.environ.update(dict.fromkeys(_VARIABLES, str(threads)))
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
