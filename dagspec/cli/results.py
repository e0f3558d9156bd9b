"""`dagspec plot`, `report`, `predict`, `forecast` and `do`: a posterior written by `sample --out` → pictures of it, a
one-page HTML report, predictions for new rows, forecasts h time steps ahead, and outcomes under an intervention."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import (
    EXIT_OK,
    UsageError,
    available_sampler,
    check_writable,
    count,
    interrupts_stop_sampling,
    load,
    quiet_pymc,
    read_data,
    read_idata,
    sampling_options,
)

PLOTS = ("trace", "posterior", "forest", "ppc", "effects")


def register(commands) -> None:
    plot = commands.add_parser("plot", help="plot a posterior written by `sample --out`")
    plot.add_argument("idata", metavar="IDATA.nc")
    plot.add_argument("-o", "--output", required=True, metavar="OUT.png")
    plot.add_argument(
        "--kind",
        choices=PLOTS,
        default="trace",
        help="trace (default), posterior, forest, ppc (predictive draws against the data), or effects "
        "(each outcome's expected value along one parent, the others held at typical values; "
        "needs --spec)",
    )
    plot.add_argument(
        "--var",
        action="extend",
        dest="vars",
        metavar="NAME",
        nargs="+",
        help="variables to plot (repeatable; default: every named one of modest size, or every outcome)",
    )
    plot.add_argument(
        "--group",
        choices=("posterior", "prior"),
        default=None,
        help="with --kind ppc: posterior or prior predictive draws (default: posterior, if there)",
    )
    plot.add_argument("--spec", metavar="FILE.dag", help="with --kind effects: the spec the posterior was fitted with")
    plot.add_argument("--outcome", metavar="NODE", help="with --kind effects: this outcome only (default: all)")
    plot.add_argument("--parent", metavar="NODE", help="with --kind effects: along this parent only (default: all)")
    plot.add_argument(
        "--data", metavar="FILE", help="with --kind effects: the fitted data, when it was not the spec's own file"
    )
    plot.set_defaults(run=run_plot)

    report = commands.add_parser(
        "report",
        help="one self-contained HTML page: the DAG, the model, the causal summary, the posterior and its plots",
    )
    report.add_argument("file")
    report.add_argument(
        "idata",
        nargs="?",
        metavar="IDATA.nc",
        help="a posterior written by `sample --out` (default: sample the spec now)",
    )
    report.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    report.add_argument("--data", metavar="FILE", help="CSV/Parquet data (default: the file the spec names)")
    report.add_argument("--draws", type=count(1), default=1000, help="without IDATA.nc: draws per chain (1000)")
    sampling_options(report)
    report.add_argument("--no-ppc", action="store_true", help="no posterior predictive check (when IDATA.nc has none)")
    report.add_argument("--quiet", action="store_true", help="no progress bar")
    report.set_defaults(run=run_report)

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
    predict.add_argument(
        "--newdata",
        metavar="FILE",
        help="CSV/Parquet/JSON rows to predict, with the columns the spec reads (default: the fitted rows)",
    )
    predict.add_argument(
        "--kind",
        choices=("mean", "outcome", "survival"),
        default="mean",
        help="mean: each outcome's expected value (default); outcome: new draws of it; survival: a duration "
        "outcome's survival S(t) = P(T > t) at --times and its median time",
    )
    predict.add_argument(
        "--times",
        type=_times,
        metavar="T1,T2,...",
        help="with --kind survival: the times to give S(t) at (numbers separated by commas)",
    )
    predict.add_argument(
        "--outcome",
        action="append",
        dest="outcomes",
        metavar="NODE",
        help="predict only these outcomes (repeatable; default: all)",
    )
    predict.add_argument("--data", metavar="FILE", help="the fitted data, when it was not the spec's own file")
    predict.add_argument("--seed", type=count(0), default=None)
    predict.add_argument("-o", "--output", metavar="OUT.csv", help="write the table as CSV (atomically)")
    predict.add_argument("--out", metavar="FILE.nc", help="write every draw to NetCDF (atomically)")
    predict.set_defaults(run=run_predict)

    ahead = commands.add_parser(
        "forecast", help="forecast an autoregressive or random-walk outcome h time steps past its data"
    )
    ahead.add_argument("file")
    ahead.add_argument("idata", metavar="IDATA.nc", help="the posterior written by `sample --out`")
    ahead.add_argument("--horizon", type=count(1), required=True, metavar="H", help="time steps to forecast")
    ahead.add_argument(
        "--kind",
        choices=("outcome", "mean"),
        default="outcome",
        help="outcome: draws of the outcome, the recursion fed with them (default); mean: its expected value "
        "at each step, given the path drawn before it",
    )
    ahead.add_argument("--outcome", metavar="NODE", help="the outcome to forecast (when several can be)")
    ahead.add_argument("--data", metavar="FILE", help="the fitted data, when it was not the spec's own file")
    ahead.add_argument("--seed", type=count(0), default=None)
    ahead.add_argument("-o", "--output", metavar="OUT.csv", help="write the table as CSV (atomically)")
    ahead.add_argument("--out", metavar="FILE.nc", help="write every draw to NetCDF (atomically)")
    ahead.set_defaults(run=run_forecast)


def run_report(args) -> int:
    import dagspec

    from ..atomic import write_text
    from .fit import sample_posterior

    spec = load(args.file)
    data = read_data(args.data)
    check_writable(args.output)
    if args.idata:
        idata = read_idata(args.idata)
    else:
        if args.quiet:
            quiet_pymc()
        with interrupts_stop_sampling():
            idata = sample_posterior(args, spec, data, available_sampler(args.sampler), args.draws)
    if "posterior_predictive" not in idata.groups() and not args.no_ppc:
        print("adding posterior predictive draws for the predictive check (--no-ppc leaves them out)", file=sys.stderr)
        dagspec.posterior_predictive(spec, idata, data, random_seed=args.seed)
    write_text(args.output, dagspec.report(spec, idata, data))
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def run_plot(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..atomic import atomic_path

    figure_format = (Path(args.output).suffix.lstrip(".") or "png").lower()
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if figure_format not in formats:
        raise UsageError(f"cannot plot to .{figure_format}: use one of " + ", ".join(f".{f}" for f in sorted(formats)))
    _check_plot_options(args)
    if args.kind == "ppc":
        figure = _plot_ppc(args)
    elif args.kind == "effects":
        figure = _plot_effects(args)
    else:
        figure = _plot_posterior(args)
    figure.tight_layout()
    with atomic_path(args.output) as temporary:
        figure.savefig(temporary, format=figure_format, dpi=100)
    plt.close("all")
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _check_plot_options(args) -> None:
    if args.group and args.kind != "ppc":
        raise UsageError(f"--group is for --kind ppc, not --kind {args.kind}")
    given = [f"--{o}" for o in ("spec", "outcome", "parent", "data") if getattr(args, o)]
    if given and args.kind != "effects":
        raise UsageError(
            f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for --kind effects, not --kind {args.kind}"
        )
    if args.kind == "effects" and not args.spec:
        raise UsageError("--kind effects needs the spec the posterior was fitted with: --spec FILE.dag")


def _plot_posterior(args):
    from ..render.figures import plotted_variables, posterior_figure

    idata = read_idata(args.idata)
    posterior = idata.posterior
    if args.vars:
        names = args.vars
        missing = [v for v in names if v not in posterior]
        if missing:
            raise UsageError(f"not in the posterior: {', '.join(missing)}; it has {', '.join(posterior.data_vars)}")
    else:
        names = plotted_variables(posterior)
        if not names:
            raise UsageError(f"nothing small enough to plot in {args.idata}: choose variables with --var NAME")
    return posterior_figure(idata, names, args.kind)


def _plot_effects(args):
    from ..backends.effects import conditional_effects
    from ..render.figures import effects_figure

    if args.vars:
        raise UsageError("--var is not for --kind effects: choose with --outcome and --parent")
    spec = load(args.spec)
    table = conditional_effects(spec, read_idata(args.idata), data=args.data, outcome=args.outcome, parent=args.parent)
    return effects_figure(table)


def _plot_ppc(args):
    """Predictive draws (posterior, or prior) against the observed data, one panel per outcome."""
    from ..render.figures import ppc_figure

    idata = read_idata(args.idata, need_posterior=False)
    groups = idata.groups()
    path = args.idata
    makes = {"posterior": f"`dagspec sample FILE --out {path}`", "prior": f"`dagspec sample FILE --prior --out {path}`"}
    group = args.group or next((g for g in ("posterior", "prior") if f"{g}_predictive" in groups), None)
    if group is None:
        raise UsageError(
            f"{path} has no predictive draws to plot (it has: {', '.join(groups) or 'nothing'}); write "
            f"posterior predictive draws with {makes['posterior']}, prior ones with {makes['prior']}"
        )
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
    return ppc_figure(idata, group, names)


def run_do(args) -> int:
    import numpy as np

    from .. import do

    spec = load(args.file)
    settings = {}
    for setting in args.settings:
        name, _, value = setting.partition("=")
        if not value:
            raise UsageError(f"--set takes NODE=VALUE, not {setting!r}")
        try:
            settings[name.strip()] = float(value)
        except ValueError:
            settings[name.strip()] = value.strip()  # a level name
    idata = read_idata(args.idata)
    draws = do(spec, idata, settings, data=read_data(args.data), random_seed=args.seed)
    shown = ", ".join(f"{k} = {v}" for k, v in settings.items())
    print(f"outcomes under do({shown}): the mean over rows, per posterior draw")
    for name, values in draws.posterior_predictive.data_vars.items():
        means = values.mean(dim=[d for d in values.dims if d not in ("chain", "draw")]).values.ravel()
        low, high = np.quantile(means, [0.03, 0.97])
        print(f"  {name}: mean {means.mean():.4g}, sd {means.std():.4g}, 94% interval [{low:.4g}, {high:.4g}]")
    if args.out:
        from ..atomic import atomic_path

        with atomic_path(args.out) as temporary:
            draws.to_netcdf(str(temporary))
    return EXIT_OK


def run_predict(args) -> int:
    from .. import predict
    from ..render.summary import prediction_table

    if (args.kind == "survival") != (args.times is not None):
        raise UsageError("--kind survival needs --times T1,T2,... and --times is for --kind survival only")
    spec = load(args.file)
    newdata = read_data(args.newdata)
    idata = read_idata(args.idata)
    outcomes = None
    if args.outcomes:
        names = {n.name: n.pymc_name for n in spec.checked.outcomes()}
        unknown = [o for o in args.outcomes if o not in names and o not in names.values()]
        if unknown:
            raise UsageError(f"not an outcome of {args.file}: {', '.join(unknown)}; outcomes: {', '.join(names)}")
        outcomes = [names.get(o, o) for o in args.outcomes]
    if args.kind == "survival":
        result = _survival_predictions(args, spec, idata, newdata, outcomes)
    else:
        result = predict(
            spec, idata, newdata, kind=args.kind, outcomes=outcomes, random_seed=args.seed, data=read_data(args.data)
        )
    what = {"mean": "expected value", "outcome": "predictive draws", "survival": "survival S(t) and median time"}
    _show_and_write(args, f"{what[args.kind]} per row", prediction_table(result.predictions, newdata), result)
    return EXIT_OK


def run_forecast(args) -> int:
    import pandas as pd

    from .. import forecast
    from ..render.summary import prediction_table

    spec = load(args.file)
    idata = read_idata(args.idata)
    result = forecast(
        spec,
        idata,
        args.horizon,
        kind=args.kind,
        outcome=args.outcome,
        random_seed=args.seed,
        data=read_data(args.data),
    )
    predictions = result.predictions
    groups, steps = predictions["group"].values, predictions["step"].values
    when = pd.DataFrame({"group": groups.repeat(len(steps)), "step": list(steps) * len(groups)})
    if "time" in predictions.coords:
        when["time"] = predictions["time"].values.ravel()
    if len(groups) == 1:
        when = when.drop(columns="group")  # one series (no `by`)
    what = "forecast draws" if args.kind == "outcome" else "expected value"
    _show_and_write(args, f"{what} per time step", prediction_table(predictions, when), result)
    return EXIT_OK


def _show_and_write(args, what: str, table, result) -> None:
    """Print the table of predictions; write it as CSV (-o) and every draw as NetCDF (--out), atomically."""
    from ..atomic import atomic_path, write_text

    print(f"{what}: posterior mean, sd and 94% HDI")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.output:
        write_text(args.output, table.to_csv(index=False))
        print(f"wrote {args.output}", file=sys.stderr)
    if args.out:
        with atomic_path(args.out) as temporary:
            result.to_netcdf(str(temporary))
        print(f"wrote {args.out}", file=sys.stderr)


def _times(text: str) -> list[float]:
    import argparse
    import math

    try:
        times = [float(part) for part in text.replace(" ", ",").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"times are numbers separated by commas, not {text!r}") from None
    if not times or not all(math.isfinite(t) and t >= 0 for t in times):
        raise argparse.ArgumentTypeError(f"times are non-negative numbers separated by commas, not {text!r}")
    return list(dict.fromkeys(times))


def _survival_predictions(args, spec, idata, newdata, outcomes):
    """S(t) at each time and the median time, as InferenceData predictions (one variable per time)."""
    import arviz as az

    from .. import survival

    if outcomes is not None and len(outcomes) > 1:
        raise UsageError("--kind survival is for one outcome: give --outcome once")
    curves = survival(
        spec,
        idata,
        newdata,
        times=args.times,
        outcome=outcomes[0] if outcomes else None,
        data=read_data(args.data),
        random_seed=args.seed,
    )
    variables = {f"S({t:g})": curves["survival"].sel(time=t, drop=True) for t in curves["time"].values}
    return az.InferenceData(predictions=curves.drop_vars("survival").assign(variables)[[*variables, "median"]])
