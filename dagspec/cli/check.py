"""`dagspec check` and `dagspec fmt`: spec files → findings, and → their canonical layout."""

from __future__ import annotations

import sys

from ..diagnostics import DagspecError
from .common import EXIT_FINDINGS, EXIT_OK, read_data, spec_files


def register(commands) -> None:
    check = commands.add_parser("check", help="parse and check specs (files or folders)")
    check.add_argument("paths", nargs="+", metavar="FILE|DIR")
    check.add_argument(
        "--format",
        choices=("short", "full", "json", "github"),
        default="short",
        help="short: file:line:col: severity CODE message (default); full: with the source line "
        "and hint; json; github: Actions annotations",
    )
    check.add_argument("--strict", action="store_true", help="warnings are findings too (exit 1)")
    check.add_argument(
        "--data",
        metavar="FILE",
        help="check this CSV/Parquet/JSON data against the spec (default: the files the spec names)",
    )
    check.add_argument("--no-data", action="store_true", help="check the specs alone, without reading any data")
    check.set_defaults(run=run_check)

    fmt = commands.add_parser("fmt", help="rewrite specs in canonical layout (comments kept)")
    fmt.add_argument("paths", nargs="+", metavar="FILE|DIR")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    fmt.set_defaults(run=run_fmt)


def run_check(args) -> int:
    from ..render.diagnostics import render, summary
    from ..spec import load

    found, data, read = [], None, not args.no_data
    try:
        data = read_data(args.data)
    except DagspecError as exc:  # the --data file cannot be read: say so once, then check the specs alone
        found += exc.diagnostics
        read = False
    files = spec_files(args.paths)
    for path in files:
        try:
            spec = load(path)
        except DagspecError as exc:
            found += exc.diagnostics
            continue
        found += spec.findings(data, named_files=read)
    sys.stdout.write(render(found, args.format))
    errors = sum(d.is_error for d in found)
    warnings = len(found) - errors
    print(summary(errors, warnings, len(files)), file=sys.stderr)
    return EXIT_FINDINGS if errors or (args.strict and warnings) else EXIT_OK


def run_fmt(args) -> int:
    from ..atomic import write_text
    from ..format import format_text
    from ..spec import read_spec_text

    changed, failed = [], []
    for path in spec_files(args.paths):
        try:
            text = read_spec_text(path)
            formatted = format_text(text, str(path))
        except DagspecError as exc:
            print(exc.render(), file=sys.stderr)
            failed.append(path)
            continue
        if formatted != text:
            changed.append(path)
            if not args.check:
                write_text(path, formatted)
    verb = "would reformat" if args.check else "reformatted"
    for path in changed:
        print(f"{verb} {path}", file=sys.stderr)
    if failed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if args.check and changed else EXIT_OK
