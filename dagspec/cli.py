"""argv → the dagspec commands (check, compile, sample, graph, plot, compare, explain, adjust, do, codegen, fmt, ...).

Exit codes: 0 clean, 1 findings (errors; warnings too with --strict), 2 usage or I/O error, 3 a bug in
dagspec (with a banner and the traceback), 130 Ctrl-C. User errors print one message, never a traceback.
Heavy libraries (PyMC, ArviZ, matplotlib) are imported inside the commands that need them, so `check` is quick.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from . import __version__
from .diagnostics import DagspecError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# the modules each NUTS implementation needs (pymc's own needs nothing more)
SAMPLER_MODULES = {"pymc": (), "nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"), "blackjax": ("blackjax", "jax")}
PLOTS = ("trace", "posterior", "forest", "ppc")
PPC_DRAWS = 100  # predictive draws a ppc plot shows (a density each)
MAX_PLOTTED_ELEMENTS = 20  # without --var, variables with more values per draw than this are left out


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
    except BrokenPipeError:  # `dagspec check . | head`: the reader left; say nothing more
        _silence_stdout()
        return EXIT_FINDINGS
    except OSError as exc:  # reading or writing a file failed (a full disk, a missing folder, permissions)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dagspec: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception:  # noqa: BLE001 - anything else is our bug, and says so
        print("=" * 72 + "\nthis is a bug in dagspec, not in your spec: please report it with the text below\n"
              + "=" * 72, file=sys.stderr)
        traceback.print_exc()
        return EXIT_BUG


def _silence_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. captured in tests)
        pass


# ---- arguments -------------------------------------------------------------------------------------

def _count(minimum: int):
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


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dagspec", description="Declarative causal regression specs compiled to PyMC.")
    parser.add_argument("--version", action="version", version=f"dagspec {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="parse and check specs (files or folders)")
    check.add_argument("paths", nargs="+", metavar="FILE|DIR")
    check.add_argument("--format", choices=("short", "full", "json", "github"), default="short",
                       help="short: file:line:col: severity CODE message (default); full: with the source line "
                            "and hint; json; github: Actions annotations")
    check.add_argument("--strict", action="store_true", help="warnings are findings too (exit 1)")
    check.add_argument("--data", metavar="FILE", help="also check this CSV/Parquet data against the spec")
    check.set_defaults(run=run_check)

    compile_ = commands.add_parser("compile", help="show the parameters, priors and likelihoods a spec became")
    compile_.add_argument("file")
    compile_.add_argument("--data", metavar="FILE", help="CSV/Parquet data (default: the file the spec names)")
    compile_.add_argument("--emit", choices=("text", "ir", "plan"), default="text",
                          help="text: the report (default); ir: the JSON IR; plan: the backend-neutral plan")
    _optimization_options(compile_)
    compile_.set_defaults(run=run_compile)

    sample = commands.add_parser("sample", help="sample the posterior (or the prior) and summarise it")
    sample.add_argument("file")
    sample.add_argument("--data", metavar="FILE", help="CSV/Parquet data (default: the file the spec names)")
    sample.add_argument("--prior", action="store_true",
                        help="draw from the prior and the prior predictive instead (no fitting; --draws N draws)")
    sample.add_argument("--draws", type=_count(1), default=None,
                        help="draws per chain after tuning (1000); with --prior, prior draws (500)")
    _sampling_options(sample)
    sample.add_argument("--cores", type=_count(1), default=None, help="chains run in parallel (PyMC's default)")
    sample.add_argument("--target-accept", type=_probability, default=None, metavar="P",
                        help="NUTS target acceptance rate in (0, 1); raise it (e.g. 0.95) against divergences")
    _optimization_options(sample)
    sample.add_argument("--strict", action="store_true", help="exit 1 when the sampler reports problems")
    sample.add_argument("--out", metavar="FILE.nc",
                        help="write the InferenceData to NetCDF (atomically), with the pointwise log-likelihood and "
                             "posterior predictive draws per data row")
    sample.add_argument("--no-ppc", action="store_true",
                        help="with --out: leave out the log-likelihood and posterior predictive draws (smaller files)")
    sample.add_argument("--quiet", action="store_true", help="no progress bar")
    sample.set_defaults(run=run_sample)

    graph = commands.add_parser("graph", help="draw the causal DAG (svg, png, pdf or dot)")
    graph.add_argument("file")
    graph.add_argument("-o", "--output", required=True, metavar="OUT.svg|png|pdf|dot",
                       help="the picture to write; its suffix picks the format (- writes DOT to stdout)")
    graph.set_defaults(run=run_graph)

    plot = commands.add_parser("plot", help="plot a posterior written by `sample --out`")
    plot.add_argument("idata", metavar="IDATA.nc")
    plot.add_argument("-o", "--output", required=True, metavar="OUT.png")
    plot.add_argument("--kind", choices=PLOTS, default="trace",
                      help="trace (default), posterior, forest, or ppc (predictive draws against the data)")
    plot.add_argument("--var", action="extend", dest="vars", metavar="NAME", nargs="+",
                      help="variables to plot (repeatable; default: every named one of modest size, or every outcome)")
    plot.add_argument("--group", choices=("posterior", "prior"), default=None,
                      help="with --kind ppc: posterior or prior predictive draws (default: posterior, if there)")
    plot.set_defaults(run=run_plot)

    compare = commands.add_parser("compare", help="compare specs by PSIS-LOO cross-validation on the same data")
    compare.add_argument("models", nargs="+", metavar="FILE.dag[=IDATA.nc]",
                         help="two or more specs; FILE.dag=IDATA.nc reuses a posterior written by `sample --out`")
    compare.add_argument("--data", metavar="FILE", help="CSV/Parquet data for every spec (default: their own files)")
    compare.add_argument("--draws", type=_count(1), default=1000, help="draws per chain after tuning (1000)")
    _sampling_options(compare)
    compare.add_argument("--cores", type=_count(1), default=None, help="chains run in parallel (PyMC's default)")
    compare.add_argument("--outcome", metavar="NODE", help="compare on this outcome alone (default: every outcome)")
    compare.add_argument("--strict", action="store_true",
                         help="exit 1 when LOO is unreliable for a row (Pareto k > 0.7) or a sampler reports problems")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    compare.set_defaults(run=run_compare)

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

    predict = commands.add_parser("predict", help="predict outcomes for new rows from a fitted posterior")
    predict.add_argument("file")
    predict.add_argument("idata", metavar="IDATA.nc", help="the posterior written by `sample --out`")
    predict.add_argument("--newdata", metavar="FILE", help="CSV/Parquet/JSON rows to predict, with the columns the "
                                                          "spec reads (default: the fitted rows)")
    predict.add_argument("--kind", choices=("mean", "outcome"), default="mean",
                         help="mean: each outcome's expected value (default); outcome: new draws of it")
    predict.add_argument("--outcome", action="append", dest="outcomes", metavar="NODE",
                         help="predict only these outcomes (repeatable; default: all)")
    predict.add_argument("--data", metavar="FILE", help="the fitted data, when it was not the spec's own file")
    predict.add_argument("--seed", type=_count(0), default=None)
    predict.add_argument("-o", "--output", metavar="OUT.csv", help="write the table as CSV (atomically)")
    predict.add_argument("--out", metavar="FILE.nc", help="write every draw to NetCDF (atomically)")
    predict.set_defaults(run=run_predict)

    fmt = commands.add_parser("fmt", help="rewrite specs in canonical layout (comments kept)")
    fmt.add_argument("paths", nargs="+", metavar="FILE|DIR")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    fmt.set_defaults(run=run_fmt)

    codegen = commands.add_parser("codegen", help="write a standalone PyMC or PyMC3 script for a spec")
    codegen.add_argument("file")
    codegen.add_argument("--target", choices=("pymc", "pymc3"), default="pymc")
    codegen.add_argument("--data", metavar="FILE")
    codegen.add_argument("--optimize", action="store_true", help="write the optimized model")
    codegen.add_argument("--without", action="append", default=[], choices=_passes(),
                         help="with --optimize: leave out one optimization (repeatable)")
    codegen.add_argument("-o", "--output", metavar="model.py")
    codegen.set_defaults(run=run_codegen)
    return parser


def _sampling_options(command) -> None:
    command.add_argument("--tune", type=_count(0), default=1000, help="tuning steps per chain (1000)")
    command.add_argument("--chains", type=_count(1), default=4, help="independent chains (4)")
    command.add_argument("--seed", type=_count(0), default=None, help="random seed, for reproducible draws")
    command.add_argument("--sampler", choices=SAMPLER_MODULES, default=None,
                         help="NUTS implementation (default: draws without MCMC where the posterior allows, "
                              "else pymc)")


def _passes() -> tuple[str, ...]:
    from .optimize import OPTIMIZATIONS  # names only: the optimizer's modules import no heavy library

    return OPTIMIZATIONS


def _optimization_options(command) -> None:
    command.add_argument("--no-optimize", action="store_true", help="the literal model, no reparameterisation")
    command.add_argument("--without", action="append", default=[], choices=_passes(),
                         help="leave out one optimization (repeatable)")


def _optimize(args, default: bool = True):
    """--no-optimize / --without PASS → the `optimize` argument of Spec.build."""
    if getattr(args, "no_optimize", False) or not default:
        return False
    return {name: False for name in getattr(args, "without", [])} or True


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
    return list(dict.fromkeys(files))  # a file named twice (or inside a named folder) is checked once


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
                print(f"{diagnostic.location}: note: {diagnostic.message}; shapes are shown by dim name",
                      file=sys.stderr)
    if args.emit == "plan":
        from .render.plan import plan_text

        sys.stdout.write(plan_text(plan, Path(spec.name).name))
        return EXIT_OK
    sys.stdout.write(compile_report(spec, plan, note))
    for warning in spec.warnings:
        print(warning.short(), file=sys.stderr)
    return EXIT_OK


def run_sample(args) -> int:
    spec = _load(args.file)
    data = _read_data(args.data)
    if args.out:
        _check_writable(args.out)  # before a long run, not after it
    if args.prior:
        return _sample_prior(args, spec, data)
    sampler = _available_sampler(args.sampler)
    from .render.health import health_warnings
    from .render.summary import summary_table, user_variables

    if args.quiet:
        _quiet_pymc()
    with interrupts_stop_sampling():
        idata = _sample_posterior(args, spec, data, sampler, args.draws or 1000)
    print(summary_table(idata, spec))
    problems = health_warnings(idata, user_variables(idata, spec))
    for problem in problems:
        print(problem.full(), file=sys.stderr)
    if args.out:
        if not args.no_ppc and _observes_something(spec):
            import dagspec

            # per data row, through the literal model (the optimized one may predict per-cell counts)
            print("adding the pointwise log-likelihood and posterior predictive draws (--no-ppc leaves them out)",
                  file=sys.stderr)
            dagspec.log_likelihood(spec, idata, data)
            dagspec.posterior_predictive(spec, idata, data, random_seed=args.seed)
        _write_idata(idata, args.out)
    return EXIT_FINDINGS if args.strict and problems else EXIT_OK


def _sample_posterior(args, spec, data, sampler: str | None, draws: int):
    """Sample as the command line's options say (the caller handles Ctrl-C); without a sampler named, the way
    dagspec picks for this model (draws without MCMC where it can, else PyMC's NUTS)."""
    import dagspec

    from .backends.sample import planned_sampler

    shown = sampler or planned_sampler(spec, data, _optimize(args))
    options = {"cores": args.cores} if getattr(args, "cores", None) else {}
    if getattr(args, "target_accept", None):
        options["target_accept"] = args.target_accept
    options["compute_convergence_checks"] = False  # dagspec reports convergence itself, in its own words
    what = {"exact": "exact independent draws (the posterior in closed form)",
            "gaussian": "independent draws (coefficients Gaussian given their scales, no MCMC)",
            "collapsed": "NUTS on the scales alone (the Gaussian coefficients integrated out, then drawn exactly)",
            }.get(shown, shown)
    tuning = "" if shown in ("exact", "gaussian") else f" after {args.tune} tuning steps"
    print(f"sampling {Path(spec.name).name} with {what}: {args.chains} chain(s) of {draws} draws{tuning}",
          file=sys.stderr)
    return dagspec.sample(spec, data, draws=draws, tune=args.tune, chains=args.chains, random_seed=args.seed,
                          sampler=sampler, optimize=_optimize(args), progressbar=not args.quiet, **options)


def _quiet_pymc() -> None:
    """No progress bar, and none of PyMC's running commentary either."""
    import importlib
    import logging

    importlib.import_module("pymc")  # importing pymc sets its logger's level, so set ours after that
    logging.getLogger("pymc").setLevel(logging.ERROR)


def _observes_something(spec) -> bool:
    return any(n.observed is not None and n.role in ("outcome", "random") for n in spec.checked.nodes.values())


def _sample_prior(args, spec, data) -> int:
    import dagspec

    from .render.predictive import prior_summary

    draws = args.draws or 500
    print(f"drawing {draws} times from the prior of {Path(spec.name).name} (nothing is fitted)", file=sys.stderr)
    idata = dagspec.sample_prior(spec, data, draws=draws, random_seed=args.seed)
    print(prior_summary(idata, spec))
    if args.out:
        _write_idata(idata, args.out)
    return EXIT_OK


def _write_idata(idata, path: str) -> None:
    from .atomic import atomic_path

    with atomic_path(path) as temporary:
        idata.to_netcdf(str(temporary))
    print(f"wrote {path}", file=sys.stderr)


def _available_sampler(name: str | None) -> str | None:
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


def _check_writable(path: str) -> None:
    """Fail before a long run, not after it, when the output file cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{path} is a folder: give a file name, e.g. {target / 'posterior.nc'}")
    folder = next((p for p in target.absolute().parents if p.exists()), None)
    if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write {path}: {folder} is not a writable folder")


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


def run_graph(args) -> int:
    from .atomic import atomic_path
    from .render.dot import RENDERED, RenderError, render, to_dot

    spec = _load(args.file)
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


def run_plot(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import arviz as az
    import matplotlib.pyplot as plt

    from .atomic import atomic_path

    figure_format = (Path(args.output).suffix.lstrip(".") or "png").lower()
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if figure_format not in formats:
        raise UsageError(f"cannot plot to .{figure_format}: use one of " + ", ".join(f".{f}" for f in sorted(formats)))
    if args.kind == "ppc":
        _plot_ppc(args, az)
    else:
        _plot_posterior(args, az)
    figure = plt.gcf()
    figure.tight_layout()
    with atomic_path(args.output) as temporary:
        figure.savefig(temporary, format=figure_format, dpi=100)
    plt.close("all")
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _plot_posterior(args, az) -> None:
    if args.group:
        raise UsageError(f"--group is for --kind ppc, not --kind {args.kind}")
    idata = _read_idata(args.idata)
    posterior = idata.posterior
    if args.vars:
        names = args.vars
        missing = [v for v in names if v not in posterior]
        if missing:
            raise UsageError(f"not in the posterior: {', '.join(missing)}; it has {', '.join(posterior.data_vars)}")
    else:
        per_draw = max(posterior.sizes.get("chain", 1) * posterior.sizes.get("draw", 1), 1)
        names = [v for v in posterior.data_vars if "__" not in v and posterior[v].size // per_draw <= MAX_PLOTTED_ELEMENTS]
        if not names:
            raise UsageError(f"nothing small enough to plot in {args.idata}: choose variables with --var NAME")
    plotter = {"trace": az.plot_trace, "posterior": az.plot_posterior, "forest": az.plot_forest}[args.kind]
    options = {"combined": True} if args.kind == "forest" else {}
    plotter(idata, var_names=names, **options)


def _plot_ppc(args, az) -> None:
    """Predictive draws (posterior, or prior) against the observed data, one panel per outcome."""
    idata = _read_idata(args.idata, need_posterior=False)
    groups = idata.groups()
    path = args.idata
    makes = {"posterior": f"`dagspec sample FILE --out {path}`", "prior": f"`dagspec sample FILE --prior --out {path}`"}
    group = args.group or next((g for g in ("posterior", "prior") if f"{g}_predictive" in groups), None)
    if group is None:
        raise UsageError(f"{path} has no predictive draws to plot (it has: {', '.join(groups) or 'nothing'}); write "
                         f"posterior predictive draws with {makes['posterior']}, prior ones with {makes['prior']}")
    if f"{group}_predictive" not in groups:
        raise UsageError(f"{path} has no {group} predictive draws; write them with {makes[group]}")
    if "observed_data" not in groups:
        raise UsageError(f"{path} has no observed_data to compare the draws with; write it with {makes[group]}")
    predictive = idata[f"{group}_predictive"]
    available = [v for v in predictive.data_vars if v in idata.observed_data]
    names = args.vars or available
    missing = [v for v in names if v not in available]
    if missing:
        raise UsageError(f"no {group} predictive draws of {', '.join(missing)}; there are {', '.join(available)}")
    draws = predictive.sizes.get("chain", 1) * predictive.sizes.get("draw", 1)
    az.plot_ppc(idata, group=group, var_names=names, observed=True, num_pp_samples=min(PPC_DRAWS, draws),
                random_seed=0)


def _read_idata(path: str, need_posterior: bool = True):
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
        raise UsageError(f"{path} has no posterior group (it has: {', '.join(idata.groups()) or 'nothing'}); "
                         f"write one with `dagspec sample FILE --out {path}`")
    return idata


def run_compare(args) -> int:
    from .backends.predictive import MIN_LOO_DRAWS, check_same_data, compare_loo
    from .render.health import health_warnings
    from .render.predictive import compare_table, pareto_warning
    from .render.summary import user_variables

    if len(args.models) < 2:
        raise UsageError("compare needs two or more specs, e.g. `dagspec compare a.dag b.dag`")
    given = [item.partition("=")[::2] for item in args.models]
    names = _model_names([path for path, _ in given])
    specs = {name: _load(path) for name, (path, _) in zip(names, given)}  # every file is read before sampling
    posteriors = {name: _read_idata(stored) for name, (_, stored) in zip(names, given) if stored}
    data = _read_data(args.data)
    check_same_data(specs, data, args.outcome)  # before sampling, not after it
    problems = []
    if len(posteriors) < len(specs):
        if args.draws * args.chains < MIN_LOO_DRAWS:
            raise UsageError(f"LOO needs at least {MIN_LOO_DRAWS} draws: --draws {args.draws} --chains {args.chains} "
                             f"make {args.draws * args.chains}")
        sampler = _available_sampler(args.sampler)
        if args.quiet:
            _quiet_pymc()
        with interrupts_stop_sampling():
            for name, spec in specs.items():
                if name not in posteriors:
                    posteriors[name] = _sample_posterior(args, spec, data, sampler, args.draws)
                    problems += [replace(p, file=f"{name}: {p.file}")
                                 for p in health_warnings(posteriors[name], user_variables(posteriors[name], spec))]
    table, loos = compare_loo({name: (specs[name], posteriors[name]) for name in specs}, data, args.outcome)
    print(compare_table(table))
    unreliable = pareto_warning(loos)
    problems += [unreliable] if unreliable else []
    for problem in problems:
        print(problem.full(), file=sys.stderr)
    return EXIT_FINDINGS if args.strict and problems else EXIT_OK


def _model_names(paths: list[str]) -> list[str]:
    """Models are named by their file's stem, or by the path as given when two stems are the same."""
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    if len(set(paths)) < len(paths):
        raise UsageError("a spec is named twice: " + ", ".join(sorted({p for p in paths if paths.count(p) > 1})))
    return paths


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
    idata = _read_idata(args.idata)
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


def run_predict(args) -> int:
    from . import predict
    from .atomic import atomic_path, write_text
    from .render.summary import prediction_table

    spec = _load(args.file)
    newdata = _read_data(args.newdata)
    idata = _read_idata(args.idata)
    outcomes = None
    if args.outcomes:
        names = {n.name: n.pymc_name for n in spec.checked.outcomes()}
        unknown = [o for o in args.outcomes if o not in names and o not in names.values()]
        if unknown:
            raise UsageError(f"not an outcome of {args.file}: {', '.join(unknown)}; outcomes: {', '.join(names)}")
        outcomes = [names.get(o, o) for o in args.outcomes]
    result = predict(spec, idata, newdata, kind=args.kind, outcomes=outcomes, random_seed=args.seed,
                     data=_read_data(args.data))
    table = prediction_table(result.predictions, newdata)
    what = "expected value" if args.kind == "mean" else "predictive draws"
    print(f"{what} per row: posterior mean, sd and 94% HDI")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.output:
        write_text(args.output, table.to_csv(index=False))
        print(f"wrote {args.output}", file=sys.stderr)
    if args.out:
        with atomic_path(args.out) as temporary:
            result.to_netcdf(str(temporary))
        print(f"wrote {args.out}", file=sys.stderr)
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
