"""`dagspec compile`, `codegen` and `graph`: a spec → what it compiles to (a report, the IR, the plan), a
standalone PyMC/PyMC3 script, and a picture of its DAG."""

from __future__ import annotations

import sys
from pathlib import Path

from ..diagnostics import DagspecError
from .common import (
    EXIT_OK,
    UsageError,
    auto_priors_option,
    load,
    optimization_options,
    optimize_argument,
    passes,
    read_data,
)


def register(commands) -> None:
    compile_ = commands.add_parser("compile", help="show the parameters, priors and likelihoods a spec became")
    compile_.add_argument("file")
    compile_.add_argument("--data", metavar="FILE", help="CSV/Parquet data (default: the file the spec names)")
    compile_.add_argument(
        "--emit",
        choices=("text", "ir", "plan"),
        default="text",
        help="text: the report (default); ir: the JSON IR; plan: the backend-neutral plan",
    )
    optimization_options(compile_)
    auto_priors_option(compile_)
    compile_.set_defaults(run=run_compile)

    codegen = commands.add_parser("codegen", help="write a standalone PyMC or PyMC3 script for a spec")
    codegen.add_argument("file")
    codegen.add_argument("--target", choices=("pymc", "pymc3"), default="pymc")
    codegen.add_argument("--data", metavar="FILE")
    codegen.add_argument("--optimize", action="store_true", help="write the optimized model")
    codegen.add_argument(
        "--without",
        action="append",
        default=[],
        choices=passes(),
        help="with --optimize: leave out one optimization (repeatable)",
    )
    codegen.add_argument("-o", "--output", metavar="model.py")
    auto_priors_option(codegen)
    codegen.set_defaults(run=run_codegen)

    graph = commands.add_parser("graph", help="draw the causal DAG (svg, png, pdf or dot)")
    graph.add_argument("file")
    graph.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.svg|png|pdf|dot",
        help="the picture to write; its suffix picks the format (- writes DOT to stdout)",
    )
    graph.set_defaults(run=run_graph)


def run_compile(args) -> int:
    from ..render.report import compile_report

    spec = load(args.file, args.auto_priors)
    if args.emit == "ir":
        print(spec.to_json())
        return EXIT_OK
    data = read_data(args.data)
    plan, note = None, ""
    try:
        plan = spec.plan(data, optimize=optimize_argument(args))
        note = f"; data: {plan.n_obs} rows" if plan.n_obs else ""
    except DagspecError as exc:
        # Without --data, a spec that names no data (DS501) or a data file that is not there (DS503) still
        # compiles: the report shows dims by name instead of sizes. A plan needs the data.
        codes = {d.code for d in exc.diagnostics}
        if data is not None or not codes <= {"DS501", "DS503"}:
            raise
        if args.emit == "plan":
            if codes == {"DS501"}:
                raise UsageError("a plan needs data, and the spec names no data file: pass --data FILE") from None
            raise
        note = "; no data, so shapes are shown by dim name"
        for diagnostic in exc.diagnostics:
            if diagnostic.code == "DS503":
                print(
                    f"{diagnostic.location}: note: {diagnostic.message}; shapes are shown by dim name", file=sys.stderr
                )
    if args.emit == "plan":
        from ..render.plan import plan_text

        sys.stdout.write(plan_text(plan, Path(spec.name).name))
        return EXIT_OK
    sys.stdout.write(compile_report(spec, plan, note))
    for warning in spec.warnings + (plan.warnings if plan is not None else []):
        print(warning.short(), file=sys.stderr)
    return EXIT_OK


def run_codegen(args) -> int:
    from ..atomic import write_text

    spec = load(args.file, args.auto_priors)
    data = read_data(args.data)
    source = spec.to_source(
        args.target, data, optimize=optimize_argument(args, default=args.optimize), output=args.output
    )
    if args.output:
        write_text(args.output, source)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(source)
    return EXIT_OK


def run_graph(args) -> int:
    from ..atomic import atomic_path
    from ..render.dot import RENDERED, RenderError, render, to_dot

    spec = load(args.file)
    text = to_dot(spec.checked, Path(spec.name).name)
    if args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    fmt = Path(args.output).suffix.lower().lstrip(".")
    if fmt not in RENDERED + ("dot", "gv"):
        raise UsageError(f"cannot draw to .{fmt or args.output}: use .svg, .png, .pdf or .dot (or - for DOT on stdout)")
    if fmt in ("dot", "gv"):
        payload = text.encode()
    else:
        try:
            payload = render(text, fmt)
        except RenderError as exc:
            raise UsageError(str(exc)) from None
    with atomic_path(args.output) as temporary:
        temporary.write_bytes(payload)
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK
