"""`dagspec sbc`, `dagspec batch` and `dagspec test-dag`: many fits of one spec on a Dask cluster — simulation-based
calibration, one fit per data set, and the tests of the DAG's implications on the data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

from .common import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    available_sampler,
    count,
    load,
    optimization_options,
    optimize_argument,
    probability,
    read_data,
    sampling_options,
)

PLOT_FORMATS = (".png", ".svg", ".pdf")


def engine_options(command) -> None:
    command.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler to run the fits on, e.g. tcp://10.0.0.5:8786 "
        "(default: a local cluster of worker processes)",
    )
    command.add_argument(
        "--workers", type=count(1), default=None, help="worker processes of the local cluster (default: one per core)"
    )
    command.add_argument("--quiet", action="store_true", help="no progress lines")


def _fit_options(command, draws_help: str) -> None:
    """How each of the command's fits samples."""
    command.add_argument("--draws", type=count(1), default=1000, help=draws_help)
    sampling_options(command)
    optimization_options(command)


def _results_options(command, kind: str) -> None:
    """Where the command's results go (a resumable folder) and which engine runs its fits."""
    command.add_argument(
        "--out", metavar="DIR", help=f"results folder, resumed if it exists (default: out/{kind}-SPEC)"
    )
    command.add_argument("--overwrite", action="store_true", help="start again, discarding the folder's results")
    engine_options(command)


def register(commands) -> None:
    sbc = commands.add_parser("sbc", help="simulation-based calibration: simulate from the prior, fit, rank")
    sbc.add_argument("file")
    sbc.add_argument("--sims", type=count(1), default=100, help="simulated data sets (100)")
    sbc.add_argument("--data", metavar="FILE", help="the predictors to simulate on (default: the data the spec names)")
    sbc.add_argument(
        "--fit",
        metavar="OTHER.dag",
        help="fit the simulations with this spec instead (same outcomes and parameter names)",
    )
    _fit_options(sbc, "draws per chain of each fit (1000)")
    sbc.add_argument(
        "--rank-draws",
        type=count(1),
        default=99,
        metavar="L",
        help="count each rank among L posterior draws, thinned evenly (99: ranks 0..99)",
    )
    sbc.add_argument("--plot", metavar="FILE", help="the ECDF-difference plot (default: DIR/ecdf.png)")
    _results_options(sbc, "sbc")
    sbc.set_defaults(run=run_sbc)

    batch = commands.add_parser("batch", help="fit one spec to many data sets, in parallel")
    batch.add_argument("file")
    source = batch.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-dir", metavar="DIR", help="a folder of CSV/Parquet/JSON files, one data set each")
    source.add_argument("--data", metavar="FILE", help="one table, split into data sets by --by")
    batch.add_argument("--by", metavar="COLUMN", help="with --data: the column whose values name the data sets")
    _fit_options(batch, "draws per chain (1000)")
    _results_options(batch, "batch")
    batch.set_defaults(run=run_batch)

    test = commands.add_parser("test-dag", help="test each conditional independence the DAG implies on the data")
    test.add_argument("file")
    test.add_argument("--data", metavar="FILE", help="CSV/Parquet data (default: the file the spec names)")
    test.add_argument("--alpha", type=probability, default=0.05, help="level of the classical tests (0.05)")
    test.add_argument("--no-bayes", action="store_true", help="only the classical tests (no fits)")
    test.add_argument("--draws", type=count(10), default=1000, help="draws per chain of each Bayesian fit (1000)")
    test.add_argument("--chains", type=count(1), default=2, help="chains of each Bayesian fit (2)")
    test.add_argument("--seed", type=count(0), default=0, help="random seed of the fits (0)")
    engine_options(test)
    test.set_defaults(run=run_test_dag)


def _need_dask() -> None:
    import importlib.util

    from ..validate.runner import NO_DASK

    if importlib.util.find_spec("distributed") is None:
        raise UsageError(NO_DASK)


def _interrupted(out: Path) -> int:
    """After Ctrl-C: say what was kept and how to go on (main's "nothing was written" would be wrong here)."""
    kept = len(list((out / "records").glob("*.json"))) if (out / "records").is_dir() else 0
    print(
        f"\ninterrupted: {kept} finished fit(s) are recorded in {out}; run the same command again to resume",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED


def _settings(args):
    from ..validate.sbc import FitSettings

    return FitSettings(
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        sampler=available_sampler(args.sampler),
        optimize=optimize_argument(args),
    )


def _print_findings(found) -> None:
    for finding in found:
        print(finding.full(), file=sys.stderr)


def run_sbc(args) -> int:
    from ..render.sbc import sbc_report
    from ..validate.sbc import sbc

    _need_dask()
    if args.plot and Path(args.plot).suffix.lower() not in PLOT_FORMATS:
        raise UsageError(f"--plot {args.plot}: the plot is written as {', '.join(PLOT_FORMATS)}")
    spec = load(args.file)
    fit = load(args.fit) if args.fit else None
    out = Path(args.out or f"out/sbc-{Path(args.file).stem}")
    try:
        result = sbc(
            spec,
            sims=args.sims,
            data=read_data(args.data),
            fit=fit,
            seed=args.seed,
            out=out,
            settings=_settings(args),
            rank_draws=args.rank_draws,
            scheduler=args.scheduler,
            workers=args.workers,
            overwrite=args.overwrite,
            quiet=args.quiet,
        )
    except KeyboardInterrupt:
        return _interrupted(out)
    print(sbc_report(result))
    if result.parameters:
        plot = args.plot or str(out / "ecdf.png")
        result.plot(plot)
        print(f"wrote {plot}", file=sys.stderr)
    from ..atomic import write_text

    write_text(out / "summary.csv", result.table().to_csv())
    print(f"wrote {out / 'summary.csv'} (the fits' records are in {out / 'records'})", file=sys.stderr)
    _print_findings(result.findings())
    if len(result.failed) == len(result.records):
        return _all_failed(result.failed)
    return EXIT_OK if result.calibrated else EXIT_FINDINGS


def _all_failed(failed: dict) -> NoReturn:
    from ..diagnostics import error

    first = next(iter(failed.items()))
    raise error("DS658", count=len(failed), example=f"{first[0]}: {first[1]}")


def run_batch(args) -> int:
    from ..validate.batch import batch, data_sets, long_table, summary_table

    _need_dask()
    spec = load(args.file)
    if args.data and not args.by:
        raise UsageError("--data FILE needs --by COLUMN, the column whose values name the data sets")
    if args.data_dir and not Path(args.data_dir).is_dir():
        raise UsageError(f"no such folder: {args.data_dir}")
    frames = data_sets(args.data_dir, read_data(args.data) if args.data else None, args.by)
    out = Path(args.out or f"out/batch-{Path(args.file).stem}")
    try:
        records = batch(
            spec,
            frames,
            out,
            settings=_settings(args),
            seed=args.seed or 0,
            scheduler=args.scheduler,
            workers=args.workers,
            overwrite=args.overwrite,
            quiet=args.quiet,
        )
    except KeyboardInterrupt:
        return _interrupted(out)
    print(summary_table(records).to_string(float_format="{:.4g}".format))
    from ..atomic import write_text

    write_text(out / "summary.csv", long_table(records).to_csv(index=False))
    print(f"wrote {out / 'summary.csv'} and one posterior per fit in {out / 'fits'}", file=sys.stderr)
    failed = {name: r.get("error", "") for name, r in records.items() if r.get("status") != "ok"}
    diverged = [name for name, r in records.items() if r.get("divergences")]
    for name, why in failed.items():
        print(f"batch: the fit to {name} failed: {why}", file=sys.stderr)
    if diverged:
        print(f"batch: divergent transitions in the fits to {', '.join(diverged)}", file=sys.stderr)
    if failed and len(failed) == len(records):
        return _all_failed(failed)
    return EXIT_FINDINGS if failed else EXIT_OK


def run_test_dag(args) -> int:
    from ..validate.localtests import findings, local_tests, table

    if not args.no_bayes:
        _need_dask()
    spec = load(args.file)
    results = local_tests(
        spec,
        read_data(args.data),
        scheduler=args.scheduler,
        workers=args.workers,
        alpha=args.alpha,
        bayes=not args.no_bayes,
        draws=args.draws,
        chains=args.chains,
        seed=args.seed,
        quiet=args.quiet,
    )
    if results:
        import pandas as pd

        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(table(results, args.alpha).to_string())
    found = findings(results, args.alpha)
    _print_findings(found)
    return EXIT_FINDINGS if any(f.code == "DS330" for f in found) else EXIT_OK
