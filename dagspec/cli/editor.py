"""`dagspec lsp`: the language server editors start, speaking the Language Server Protocol over stdin/stdout."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, UsageError


def register(commands) -> None:
    lsp = commands.add_parser(
        "lsp",
        help="run the language server (diagnostics, hover, completion, ...) over stdio",
        description="The Language Server Protocol over stdin and stdout, for editors: see docs/editors.md.",
    )
    lsp.add_argument(
        "--stdio", action="store_true", help="accepted for editors that pass it: stdio is the only transport"
    )
    lsp.set_defaults(run=run_lsp)


def run_lsp(args: argparse.Namespace) -> int:
    try:
        from ..editor.server import run
    except ImportError as exc:
        raise UsageError(f"the language server needs pygls ({exc}): pip install 'dagspec[lsp]'") from None
    run()
    return EXIT_OK
