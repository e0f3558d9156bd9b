"""What the commands share: exit codes, argument types and option groups, and turning paths into specs, data
and InferenceData (a missing or unreadable file is a UsageError, exit 2, never a traceback)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# the modules each NUTS implementation needs (pymc's own needs nothing more)
SAMPLER_MODULES = {"pymc": (), "nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"), "blackjax": ("blackjax", "jax")}
# backends/approximate.py's METHODS (named here so that the command line does not import PyMC to list them)
FIT_METHODS = ("laplace", "advi", "fullrank_advi", "pathfinder")


class UsageError(Exception):
    """A problem with how dagspec was called (a missing file, a bad option): exit 2."""


# ---- argument types and option groups -----------------------------------------------------------------


def count(minimum: int):
    """An argparse type: an integer of at least `minimum` (a bad value is a usage error, exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is less than {minimum}")
        return value

    return parse


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def sampling_options(command) -> None:
    command.add_argument("--tune", type=count(0), default=1000, help="tuning steps per chain (1000)")
    command.add_argument("--chains", type=count(1), default=4, help="independent chains (4)")
    command.add_argument("--seed", type=count(0), default=None, help="random seed, for reproducible draws")
    command.add_argument(
        "--sampler",
        choices=SAMPLER_MODULES,
        default=None,
        help="NUTS implementation (default: dagspec picks draws without MCMC where the posterior allows, "
        "independence Metropolis-Hastings where it is close to its Laplace approximation, else pymc or nutpie)",
    )


def passes() -> tuple[str, ...]:
    from ..optimize import OPTIMIZATIONS  # names only: the optimizer's modules import no heavy library

    return OPTIMIZATIONS


def optimization_options(command) -> None:
    command.add_argument("--no-optimize", action="store_true", help="the literal model, no reparameterisation")
    command.add_argument(
        "--without", action="append", default=[], choices=passes(), help="leave out one optimization (repeatable)"
    )


def optimize_argument(args, default: bool = True):
    """--no-optimize / --without PASS → the `optimize` argument of Spec.build."""
    if getattr(args, "no_optimize", False) or not default:
        return False
    return {name: False for name in getattr(args, "without", [])} or True


# ---- files → specs, data, posteriors ------------------------------------------------------------------


def spec_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.dag") if p.is_file())
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"no such file or directory: {name}")
    if not files:
        raise UsageError("no .dag files found in " + ", ".join(paths))
    return list(dict.fromkeys(files))  # a file named twice (or inside a named folder) is checked once


def read_data(path: str | None):
    """--data FILE → a DataFrame; a missing file is a usage error, a file that cannot be read as data a coded
    finding about it (DagspecError)."""
    if path is None:
        return None
    from ..datafile import DataFileError, read_table
    from ..diagnostics import error
    from ..source import Source

    try:
        return read_table(Path(path))
    except FileNotFoundError:
        raise UsageError(f"no such data file: {path}") from None
    except DataFileError as exc:
        raise error(exc.code, source=Source("", path), **exc.fields) from None


def auto_priors_option(command) -> None:
    command.add_argument(
        "--auto-priors",
        action="store_true",
        help="scale the default priors to the data (Bambi's rule), as if the spec said `priors auto`",
    )


def load(path: str, auto_priors: bool = False):
    from ..spec import load as load_spec

    if not Path(path).exists():
        raise UsageError(f"no such file: {path}")
    return load_spec(path, auto_priors=auto_priors)


def read_idata(path: str, need_posterior: bool = True):
    """A NetCDF file written by `sample --out` → InferenceData (with a posterior, unless need_posterior is
    False); a usage error otherwise."""
    import arviz as az

    if not Path(path).is_file():
        raise UsageError(f"no such file: {path}")
    try:
        idata = az.from_netcdf(path)
    except Exception as exc:  # noqa: BLE001 - h5py/netCDF4/xarray raise many kinds for a file that is not one
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"cannot read {path} as ArviZ InferenceData (NetCDF): {reason}") from None
    if need_posterior and "posterior" not in idata.groups():
        raise UsageError(
            f"{path} has no posterior group (it has: {', '.join(idata.groups()) or 'nothing'}); "
            f"write one with `dagspec sample FILE --out {path}`"
        )
    return idata


def write_idata(idata, path: str) -> None:
    from ..atomic import atomic_path

    with atomic_path(path) as temporary:
        idata.to_netcdf(str(temporary))
    print(f"wrote {path}", file=sys.stderr)


def check_writable(path: str) -> None:
    """Fail before a long run, not after it, when the output file cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{path} is a folder: give a file name, e.g. {target / 'posterior.nc'}")
    folder = next((p for p in target.absolute().parents if p.exists()), None)
    if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write {path}: {folder} is not a writable folder")


# ---- sampling ---------------------------------------------------------------------------------------------


def available_sampler(name: str | None) -> str | None:
    """The sampler asked for if it can be imported (a usage error, exit 2, naming it if not); None if none was."""
    if name is None:
        return None
    import importlib

    for module in SAMPLER_MODULES[name]:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - ImportError, or a broken install failing as it loads
            reason = "is not installed" if isinstance(exc, ModuleNotFoundError) else f"is not available ({exc})"
            raise UsageError(f"sampler {name} {reason}: pip install 'dagspec[{name}]', or use --sampler pymc") from None
    return name


def quiet_pymc() -> None:
    """No progress bar, and none of PyMC's running commentary either."""
    import importlib
    import logging

    importlib.import_module("pymc")  # importing pymc sets its logger's level, so set ours after that
    logging.getLogger("pymc").setLevel(logging.ERROR)


@contextmanager
def interrupts_stop_sampling():
    """Make Ctrl-C stop the command even where a sampler catches it (PyMC and nutpie do, and return the draws
    made so far): after the block, a Ctrl-C pressed during it raises KeyboardInterrupt, so nothing is written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = []

    def on_interrupt(signum, frame):
        pressed.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if pressed:
        raise KeyboardInterrupt


@contextmanager
def printed_warnings(show: bool = True):
    """Within the block, the API's DagspecWarnings are collected in the list yielded (once each) and, with
    `show`, printed at once as the command line prints findings; other warnings are shown as usual."""
    from ..diagnostics import DagspecWarning

    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("default", DagspecWarning)
        show_other = warnings.showwarning

        def show_finding(message, category, filename, lineno, file=None, line=None):
            if not isinstance(message, DagspecWarning):
                show_other(message, category, filename, lineno, file, line)
                return
            found.append(message.diagnostic)
            if show:
                print(message.diagnostic.full(), file=sys.stderr)

        warnings.showwarning = show_finding
        yield found
