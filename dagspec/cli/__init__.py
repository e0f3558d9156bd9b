"""argv → the dagspec commands. One module per command group, each adding its subcommands with `register`:
check (check, fmt), build (compile, codegen, graph), fit (sample, compare), results (plot, report, predict,
forecast, do), causal (explain, implications, adjust, export), validate (sbc, batch, test-dag) and editor (lsp);
common holds what they share.

Exit codes: 0 clean, 1 findings (errors; warnings too with --strict), 2 usage or I/O error, 3 a bug in
dagspec (with a banner and the traceback), 130 Ctrl-C. User errors print one message, never a traceback.
Heavy libraries (PyMC, ArviZ, matplotlib) are imported inside the commands that need them, so `check` is quick.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings

from .. import __version__
from ..diagnostics import DagspecError, DagspecWarning
from . import build, causal, check, editor, fit, results, validate
from .common import EXIT_BUG, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, SAMPLER_MODULES, UsageError

COMMAND_GROUPS = (check, build, fit, results, causal, validate, editor)
__all__ = [
    "main",
    "UsageError",
    "SAMPLER_MODULES",
    "EXIT_OK",
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "EXIT_BUG",
    "EXIT_INTERRUPTED",
]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        with warnings.catch_warnings():
            # the commands print findings themselves: the API's warnings of them would say each twice
            warnings.simplefilter("ignore", DagspecWarning)
            return args.run(args)
    except DagspecError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_FINDINGS
    except UsageError as exc:
        print(f"dagspec: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dagspec: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `dagspec check . | head`: the reader left; say nothing more
        _silence_stdout()
        return EXIT_FINDINGS
    except OSError as exc:  # reading or writing a file failed (a full disk, a missing folder, permissions)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dagspec: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception:  # noqa: BLE001 - anything else is our bug, and says so
        print(
            "=" * 72
            + "\nthis is a bug in dagspec, not in your spec: please report it with the text below\n"
            + "=" * 72,
            file=sys.stderr,
        )
        traceback.print_exc()
        return EXIT_BUG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dagspec", description="Declarative causal regression specs compiled to PyMC."
    )
    parser.add_argument("--version", action="version", version=f"dagspec {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _silence_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. captured in tests)
        pass
