"""argv → the dagspec commands (check, compile, sample, graph, plot, explain, adjust, do, codegen, ...); exit 0/1/2."""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from . import __version__
from .diagnostics import DagspecError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageError(Exception):
    """A problem with how dagspec was called (a missing file, a bad option): exit 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
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
    except Exception:  # noqa: BLE001 - anything else is our bug, and says so
        print("=" * 72 + "\nthis is a bug in dagspec, not in your spec: please report it with the text below\n"
              + "=" * 72, file=sys.stderr)
        traceback.print_exc()
        return EXIT_BUG


# ---- arguments -------------------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dagspec", description="Declarative causal regression specs compiled to PyMC.")
    parser.add_argument("--version", action="version", version=f"dagspec {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="parse and check specs (files or folders)")
    check.add_argument("paths", nargs="+", metavar="FILE|DIR")
    check.add_argument("--format", choices=("short", "full", "json", "github"), default="short")
    check.add_argument("--strict", action="store_true", help="warnings are findings too (exit 1)")
    check.add_argument("--data", metavar="FILE", help="also check this CSV/Parquet data against the spec")
    check.set_defaults(run=run_check)

    compile_ = commands.add_parser("compile", help="show the parameters, priors and likelihoods a spec became")
    compile_.add_argument("file")
    compile_.add_argument("--data", metavar="FILE")
    compile_.add_argument("--emit", choices=("text", "ir", "plan"), default="text")
    _optimization_options(compile_)
    compile_.set_defaults(run=run_compile)

    sample = commands.add_parser("sample", help="sample the posterior and summarise it")
    sample.add_argument("file")
    sample.add_argument("--data", metavar="FILE")
    sample.add_argument("--draws", type=int, default=1000)
    sample.add_argument("--tune", type=int, default=1000)
    sample.add_argument("--chains", type=int, default=4)
    sample.add_argument("--cores", type=int, default=None)
    sample.add_argument("--seed", type=int, default=None)
    sample.add_argument("--target-accept", type=float, default=None)
    sample.add_argument("--sampler", choices=("pymc", "nutpie", "numpyro", "blackjax"), default=None)
    _optimization_options(sample)
    sample.add_argument("--strict", action="store_true", help="exit 1 when the sampler reports problems")
    sample.add_argument("--out", metavar="FILE.nc", help="write the InferenceData to NetCDF (atomically)")
    sample.add_argument("--quiet", action="store_true", help="no progress bar")
    sample.set_defaults(run=run_sample)

    graph = commands.add_parser("graph", help="draw the causal DAG (svg, png, pdf or dot)")
    graph.add_argument("file")
    graph.add_argument("-o", "--output", required=True, metavar="OUT.svg|png|pdf|dot")
    graph.set_defaults(run=run_graph)

    plot = commands.add_parser("plot", help="plot a posterior written by `sample --out`")
    plot.add_argument("idata", metavar="IDATA.nc")
    plot.add_argument("-o", "--output", required=True, metavar="OUT.png")
    plot.add_argument("--kind", choices=("trace", "posterior", "forest"), default="trace")
    plot.add_argument("--var", action="append", dest="vars", metavar="NAME")
    plot.set_defaults(run=run_plot)

    explain = commands.add_parser("explain", help="the paths between an exposure and an outcome, in words")
    explain.add_argument("file", help="a .dag spec or a dagitty graph")
    explain.add_argument("--effect", required=True, metavar="'X -> Y'")
    explain.add_argument("--given", default="", metavar="Z,W", help="nodes conditioned on")
    explain.set_defaults(run=run_explain)

    implications = commands.add_parser("implications", help="the conditional independencies the DAG implies")
    implications.add_argument("file")
    implications.set_defaults(run=run_implications)

    adjust = commands.add_parser("adjust", help="adjustment sets for an effect (dagitty's semantics)")
    adjust.add_argument("file")
    adjust.add_argument("--effect", required=True, metavar="'X -> Y'")
    adjust.add_argument("--direct", action="store_true", help="the direct effect (default: total)")
    adjust.add_argument("--canonical", action="store_true", help="the canonical set instead of all minimal sets")
    adjust.set_defaults(run=run_adjust)

    export = commands.add_parser("export", help="write the causal graph in dagitty's syntax")
    export.add_argument("file")
    export.add_argument("--to", choices=("dagitty",), default="dagitty")
    export.set_defaults(run=run_export)

    intervene = commands.add_parser("do", help="outcomes under an intervention, from a fitted posterior")
    intervene.add_argument("file")
    intervene.add_argument("idata", metavar="IDATA.nc", help="the posterior written by `sample --out`")
    intervene.add_argument("--set", action="append", required=True, dest="settings", metavar="NODE=VALUE")
    intervene.add_argument("--data", metavar="FILE")
    intervene.add_argument("--seed", type=int, default=None)
    intervene.add_argument("--out", metavar="FILE.nc", help="write the draws to NetCDF (atomically)")
    intervene.set_defaults(run=run_do)

    fmt = commands.add_parser("fmt", help="rewrite specs in canonical layout (comments kept)")
    fmt.add_argument("paths", nargs="+", metavar="FILE|DIR")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    fmt.set_defaults(run=run_fmt)

    codegen = commands.add_parser("codegen", help="write a standalone PyMC or PyMC3 script for a spec")
    codegen.add_argument("file")
    codegen.add_argument("--target", choices=("pymc", "pymc3"), default="pymc")
    codegen.add_argument("--data", metavar="FILE")
    codegen.add_argument("--optimize", action="store_true", help="write the optimized model")
    codegen.add_argument("--without", action="append", default=[], choices=("linear", "cells", "pools"),
                         help="with --optimize: leave out one optimization (repeatable)")
    codegen.add_argument("-o", "--output", metavar="model.py")
    codegen.set_defaults(run=run_codegen)
    return parser


def _optimization_options(command) -> None:
    command.add_argument("--no-optimize", action="store_true", help="the literal model, no reparameterisation")
    command.add_argument("--without", action="append", default=[], choices=("linear", "cells", "pools"),
                         help="leave out one optimization (repeatable)")


def _optimize(args, default: bool = True):
    """--no-optimize / --without PASS → the `optimize` argument of Spec.build."""
    if getattr(args, "no_optimize", False) or not default:
        return False
    return {name: False for name in args.without} or True


# ---- shared helpers ---------------------------------------------------------------------------------

def _spec_files(paths: list[str]) -> list[Path]:
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
    return files


def _read_data(path: str | None):
    if path is None:
        return None
    from .data import read_table

    try:
        return read_table(Path(path))
    except FileNotFoundError:
        raise UsageError(f"no such data file: {path}") from None
    except (OSError, ValueError, ImportError) as exc:
        raise UsageError(f"cannot read data file {path}: {str(exc).splitlines()[0] if str(exc) else exc}") from None


def _load(path: str):
    from .spec import load

    if not Path(path).exists():
        raise UsageError(f"no such file: {path}")
    return load(path)


# ---- commands ----------------------------------------------------------------------------------------

def run_check(args) -> int:
    from .render.diagnostics import render, summary
    from .spec import load

    data = _read_data(args.data)
    found = []
    files = _spec_files(args.paths)
    for path in files:
        try:
            spec = load(path)
        except DagspecError as exc:
            found += exc.diagnostics
            continue
        found += spec.warnings
        if data is not None:
            try:
                found += spec.columns(data).warnings
            except DagspecError as exc:
                found += exc.diagnostics
    sys.stdout.write(render(found, args.format))
    errors = sum(d.is_error for d in found)
    warnings = len(found) - errors
    print(summary(errors, warnings, len(files)), file=sys.stderr)
    return EXIT_FINDINGS if errors or (args.strict and warnings) else EXIT_OK


def run_compile(args) -> int:
    from .render.report import compile_report

    spec = _load(args.file)
    if args.emit == "ir":
        print(spec.to_json())
        return EXIT_OK
    data = _read_data(args.data)
    plan, note = None, ""
    try:
        plan = spec.plan(data, optimize=_optimize(args))
        note = f"; data: {plan.n_obs} rows" if plan.n_obs else ""
    except DagspecError as exc:
        if not all(d.code == "DS501" for d in exc.diagnostics):
            raise
        note = "; no data given, so shapes are shown as dims"
    if args.emit == "plan":
        print(_plan_text(plan) if plan is not None else "no plan without data: pass --data FILE")
        return EXIT_OK
    sys.stdout.write(compile_report(spec, plan, note))
    for warning in spec.warnings:
        print(warning.short(), file=sys.stderr)
    return EXIT_OK


def _plan_text(plan) -> str:
    from dataclasses import fields

    lines = [f"coords: { {k: len(v) for k, v in plan.coords.items()} }"]
    for entry in plan.entries:
        shown = {f.name: getattr(entry, f.name) for f in fields(entry) if f.name not in ("values", "name")}
        lines.append(f"{type(entry).__name__} {entry.name}: {shown}")
    return "\n".join(lines)


def run_sample(args) -> int:
    from .render.health import health_warnings
    from .render.summary import summary_table

    spec = _load(args.file)
    data = _read_data(args.data)
    from . import sample

    options = {"cores": args.cores} if args.cores else {}
    if args.target_accept:
        options["target_accept"] = args.target_accept
    idata = sample(spec, data, draws=args.draws, tune=args.tune, chains=args.chains, random_seed=args.seed,
                   sampler=args.sampler, optimize=_optimize(args), progressbar=not args.quiet, **options)
    print(summary_table(idata, spec))
    problems = health_warnings(idata)
    for problem in problems:
        print(problem.short(), file=sys.stderr)
    if args.out:
        from .atomic import atomic_path

        with atomic_path(args.out) as temporary:
            idata.to_netcdf(str(temporary))
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_FINDINGS if args.strict and problems else EXIT_OK


def run_graph(args) -> int:
    from .atomic import atomic_path
    from .render.dot import RENDERED, RenderError, render, to_dot

    spec = _load(args.file)
    fmt = Path(args.output).suffix.lower().lstrip(".")
    if fmt not in RENDERED + ("dot", "gv"):
        raise UsageError(f"cannot draw to .{fmt}: use .svg, .png, .pdf or .dot")
    text = to_dot(spec.checked, Path(spec.name).name)
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


def run_plot(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import arviz as az
    import matplotlib.pyplot as plt

    from .atomic import atomic_path

    if not Path(args.idata).exists():
        raise UsageError(f"no such file: {args.idata}")
    try:
        idata = az.from_netcdf(args.idata)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {args.idata} as InferenceData: {exc}") from None
    names = args.vars or [v for v in idata.posterior.data_vars if "__" not in v]
    missing = [v for v in names if v not in idata.posterior]
    if missing:
        raise UsageError(f"not in the posterior: {', '.join(missing)}; it has {', '.join(idata.posterior.data_vars)}")
    plotter = {"trace": az.plot_trace, "posterior": az.plot_posterior, "forest": az.plot_forest}[args.kind]
    options = {"combined": True} if args.kind == "forest" else {}
    plotter(idata, var_names=names, **options)
    figure = plt.gcf()
    figure.tight_layout()
    suffix = Path(args.output).suffix or ".png"
    with atomic_path(args.output) as temporary:
        figure.savefig(temporary, format=suffix.lstrip("."), dpi=100)
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _effect(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split("->")]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"--effect takes 'X -> Y', not {text!r}")
    return parts[0], parts[1]


def _graph(path: str):
    from .causal.api import as_graph

    if not Path(path).exists():
        raise UsageError(f"no such file: {path}")
    if Path(path).suffix == ".dagitty":
        from .causal.dagitty import DagittyParseError

        try:
            return as_graph(Path(path))
        except DagittyParseError as exc:
            raise UsageError(f"{path}:{exc.line}:{exc.column}: {exc.message}") from None
    return as_graph(_load(path))


def _check_nodes(graph, *names) -> None:
    unknown = [n for n in names if n not in graph.nodes]
    if unknown:
        raise UsageError(f"not a node of the graph: {', '.join(unknown)}; nodes: {', '.join(graph.nodes)}")


def run_explain(args) -> int:
    from .causal.roles import explain

    graph = _graph(args.file)
    exposure, outcome = _effect(args.effect)
    given = [g.strip() for g in args.given.split(",") if g.strip()]
    _check_nodes(graph, exposure, outcome, *given)
    print(explain(graph, exposure, outcome, given))
    return EXIT_OK


def run_implications(args) -> int:
    from .causal.dsep import implied_independencies

    found = implied_independencies(_graph(args.file))
    for u, v, given in found:
        print(f"{u} _||_ {v}" + (f" | {', '.join(sorted(given))}" if given else ""))
    if not found:
        print("the graph implies no conditional independence among observed nodes", file=sys.stderr)
    return EXIT_OK


def run_adjust(args) -> int:
    from .causal.adjustment import adjustment_sets

    graph = _graph(args.file)
    exposure, outcome = _effect(args.effect)
    _check_nodes(graph, exposure, outcome)
    effect = "direct" if args.direct else "total"
    found = adjustment_sets(graph, exposure, outcome, effect, "canonical" if args.canonical else "minimal")
    for adjustment in found:
        print("{ " + ", ".join(sorted(adjustment)) + " }" if adjustment else "{}")
    if not found:
        print(f"the {effect} effect of {exposure} on {outcome} is not identifiable by adjustment", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def run_export(args) -> int:
    sys.stdout.write(_load(args.file).to_dagitty())
    return EXIT_OK


def run_do(args) -> int:
    import arviz as az
    import numpy as np

    from . import do

    spec = _load(args.file)
    settings = {}
    for setting in args.settings:
        name, _, value = setting.partition("=")
        if not value:
            raise UsageError(f"--set takes NODE=VALUE, not {setting!r}")
        try:
            settings[name.strip()] = float(value)
        except ValueError:
            settings[name.strip()] = value.strip()  # a level name
    if not Path(args.idata).exists():
        raise UsageError(f"no such file: {args.idata}")
    idata = az.from_netcdf(args.idata)
    draws = do(spec, idata, settings, data=_read_data(args.data), random_seed=args.seed)
    shown = ", ".join(f"{k} = {v}" for k, v in settings.items())
    print(f"outcomes under do({shown}): the mean over rows, per posterior draw")
    for name, values in draws.posterior_predictive.data_vars.items():
        means = values.mean(dim=[d for d in values.dims if d not in ("chain", "draw")]).values.ravel()
        low, high = np.quantile(means, [0.03, 0.97])
        print(f"  {name}: mean {means.mean():.4g}, sd {means.std():.4g}, 94% interval [{low:.4g}, {high:.4g}]")
    if args.out:
        from .atomic import atomic_path

        with atomic_path(args.out) as temporary:
            draws.to_netcdf(str(temporary))
    return EXIT_OK


def run_fmt(args) -> int:
    from .atomic import write_text
    from .format import format_text

    changed, failed = [], []
    for path in _spec_files(args.paths):
        text = path.read_text(encoding="utf-8")
        try:
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


def run_codegen(args) -> int:
    from .atomic import write_text

    spec = _load(args.file)
    data = _read_data(args.data)
    source = spec.to_source(args.target, data, optimize=_optimize(args, default=args.optimize), output=args.output)
    if args.output:
        write_text(args.output, source)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(source)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
