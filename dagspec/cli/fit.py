"""`dagspec sample` and `dagspec compare`: a spec and its data → a posterior (or prior) with its summary and
health checks, and several specs → their PSIS-LOO comparison."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FIT_METHODS,
    UsageError,
    auto_priors_option,
    available_sampler,
    check_writable,
    count,
    interrupts_stop_sampling,
    load,
    optimization_options,
    optimize_argument,
    printed_warnings,
    probability,
    quiet_pymc,
    read_data,
    read_idata,
    sampling_options,
    write_idata,
)

# What `--strict` counts as the sampler's problems: divergences, tree depth, R-hat, ESS, a fall back to NUTS
SAMPLER_PROBLEMS = ("DS602", "DS603", "DS604", "DS605", "DS633")


def register(commands) -> None:
    sample = commands.add_parser("sample", help="sample the posterior (or the prior) and summarise it")
    sample.add_argument("file")
    sample.add_argument("--data", metavar="FILE", help="CSV/Parquet data (default: the file the spec names)")
    sample.add_argument(
        "--prior",
        action="store_true",
        help="draw from the prior and the prior predictive instead (no fitting; --draws N draws)",
    )
    sample.add_argument(
        "--draws",
        type=count(1),
        default=None,
        help="draws per chain after tuning (1000); with --prior, prior draws (500)",
    )
    sampling_options(sample)
    sample.add_argument(
        "--method",
        choices=("nuts",) + FIT_METHODS,
        default="nuts",
        help="nuts (default: the exact posterior, by NUTS or without MCMC where dagspec can); or an "
        "approximation you choose: laplace (Gaussian at the mode, as Rethinking's quap), advi, "
        "fullrank_advi (variational), pathfinder (pymc-extras' Pathfinder: pip install 'dagspec[pathfinder]')",
    )
    sample.add_argument("--cores", type=count(1), default=None, help="chains run at once (default: one per core)")
    sample.add_argument(
        "--target-accept",
        type=probability,
        default=None,
        metavar="P",
        help="NUTS target acceptance rate in (0, 1); raise it (e.g. 0.95) against divergences",
    )
    optimization_options(sample)
    auto_priors_option(sample)
    sample.add_argument("--strict", action="store_true", help="exit 1 when the sampler reports problems")
    sample.add_argument(
        "--out",
        metavar="FILE.nc",
        help="write the InferenceData to NetCDF (atomically), with the pointwise log-likelihood and "
        "posterior predictive draws per data row",
    )
    sample.add_argument(
        "--no-ppc",
        action="store_true",
        help="with --out: leave out the log-likelihood and posterior predictive draws (smaller files)",
    )
    sample.add_argument("--quiet", action="store_true", help="no progress bar")
    sample.set_defaults(run=run_sample)

    compare = commands.add_parser("compare", help="compare specs by PSIS-LOO cross-validation on the same data")
    compare.add_argument(
        "models",
        nargs="+",
        metavar="FILE.dag[=IDATA.nc]",
        help="two or more specs; FILE.dag=IDATA.nc reuses a posterior written by `sample --out`",
    )
    compare.add_argument("--data", metavar="FILE", help="CSV/Parquet data for every spec (default: their own files)")
    compare.add_argument("--draws", type=count(1), default=1000, help="draws per chain after tuning (1000)")
    sampling_options(compare)
    compare.add_argument("--cores", type=count(1), default=None, help="chains run at once (default: one per core)")
    compare.add_argument("--outcome", metavar="NODE", help="compare on this outcome alone (default: every outcome)")
    compare.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when LOO is unreliable for a row (Pareto k > 0.7) or a sampler reports problems",
    )
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    auto_priors_option(compare)
    compare.set_defaults(run=run_compare)


def run_sample(args) -> int:
    spec = load(args.file, args.auto_priors)
    data = read_data(args.data)
    if args.out:
        check_writable(args.out)  # before a long run, not after it
    if args.prior:
        return _sample_prior(args, spec, data)
    if args.method != "nuts":
        return _fit_approximately(args, spec, data)
    sampler = available_sampler(args.sampler)
    from ..render.summary import summary_table

    if args.quiet:
        quiet_pymc()
    with interrupts_stop_sampling(), printed_warnings() as found:  # health findings print as they are made
        idata = sample_posterior(args, spec, data, sampler, args.draws or 1000)
    print(summary_table(idata, spec))
    problems = [d for d in found if d.code in SAMPLER_PROBLEMS]
    if args.out:
        if not args.no_ppc and _observes_something(spec):
            import dagspec

            # per data row, through the literal model (the optimized one may predict per-cell counts)
            print(
                "adding the pointwise log-likelihood and posterior predictive draws (--no-ppc leaves them out)",
                file=sys.stderr,
            )
            dagspec.log_likelihood(spec, idata, data)
            dagspec.posterior_predictive(spec, idata, data, random_seed=args.seed)
        write_idata(idata, args.out)
    return EXIT_FINDINGS if args.strict and problems else EXIT_OK


def _fit_approximately(args, spec, data) -> int:
    """`sample --method laplace|advi|fullrank_advi|pathfinder`: independent draws of an approximation, said as such."""
    import dagspec

    from ..render.summary import summary_table

    given = [
        option
        for option, value in (
            ("--sampler", args.sampler),
            ("--target-accept", args.target_accept),
            ("--cores", args.cores),
        )
        if value is not None
    ]
    if given:
        raise UsageError(
            f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for NUTS, not --method {args.method}"
        )
    draws = args.draws or 1000
    what = {
        "laplace": "the Laplace approximation (a Gaussian at the posterior's mode)",
        "advi": "mean-field ADVI (a variational Gaussian)",
        "fullrank_advi": "full-rank ADVI (a variational Gaussian with correlations)",
        "pathfinder": "Pathfinder (variational Gaussians along optimization paths, importance-resampled)",
    }[args.method]
    print(
        f"fitting {Path(spec.name).name} with {what}, not MCMC: {args.chains} x {draws} independent draws",
        file=sys.stderr,
    )
    with interrupts_stop_sampling():
        idata = dagspec.fit(spec, data, method=args.method, draws=draws, chains=args.chains, random_seed=args.seed)
    print(summary_table(idata, spec))
    if args.out:
        if not args.no_ppc and _observes_something(spec):
            dagspec.log_likelihood(spec, idata, data)
            dagspec.posterior_predictive(spec, idata, data, random_seed=args.seed)
        write_idata(idata, args.out)
    return EXIT_OK


def sample_posterior(args, spec, data, sampler: str | None, draws: int):
    """Sample as the command line's options say (the caller handles Ctrl-C); without a sampler named, the way
    dagspec picks for this model (draws without MCMC where it can, else independence Metropolis-Hastings or NUTS)."""
    import dagspec

    from ..backends.sample import planned_sampler
    from ..backends.threads import chains_at_once, usable_cores
    from ..optimize import INDEPENDENCE, enabled

    optimize = optimize_argument(args)
    shown = sampler or planned_sampler(spec, data, optimize)
    options = {"cores": args.cores} if getattr(args, "cores", None) else {}
    if getattr(args, "target_accept", None):
        options["target_accept"] = args.target_accept
    options["compute_convergence_checks"] = False  # dagspec reports convergence itself, in its own words
    what = {
        "exact": "exact independent draws (the posterior in closed form)",
        "gaussian": "independent draws (coefficients Gaussian given their scales, no MCMC)",
        "collapsed": "NUTS on the scales alone (the Gaussian coefficients integrated out, then drawn exactly)",
    }.get(shown, shown)
    if sampler is None and shown == "pymc" and "target_accept" not in options and enabled(optimize)[INDEPENDENCE]:
        what = "independence Metropolis-Hastings if a pilot of its Laplace proposals mixes, else pymc NUTS"
    if shown in ("exact", "gaussian"):
        how = ""
    else:
        at_once = chains_at_once(args.chains, getattr(args, "cores", None))
        how = f" after {args.tune} tuning steps, {at_once} at a time ({usable_cores()} core(s) here)"
    print(f"sampling {Path(spec.name).name} with {what}: {args.chains} chain(s) of {draws} draws{how}", file=sys.stderr)
    return dagspec.sample(
        spec,
        data,
        draws=draws,
        tune=args.tune,
        chains=args.chains,
        random_seed=args.seed,
        sampler=sampler,
        optimize=optimize,
        progressbar=not args.quiet,
        **options,
    )


def _observes_something(spec) -> bool:
    return any(n.observed is not None and n.role in ("outcome", "random") for n in spec.checked.nodes.values())


def _sample_prior(args, spec, data) -> int:
    import dagspec

    from ..render.predictive import prior_summary

    draws = args.draws or 500
    print(f"drawing {draws} times from the prior of {Path(spec.name).name} (nothing is fitted)", file=sys.stderr)
    idata = dagspec.sample_prior(spec, data, draws=draws, random_seed=args.seed)
    print(prior_summary(idata, spec))
    if args.out:
        write_idata(idata, args.out)
    return EXIT_OK


def run_compare(args) -> int:
    from ..backends.predictive import MIN_LOO_DRAWS, check_same_data, compare_loo
    from ..render.predictive import compare_table, pareto_warning

    if len(args.models) < 2:
        raise UsageError("compare needs two or more specs, e.g. `dagspec compare a.dag b.dag`")
    given = [item.partition("=")[::2] for item in args.models]
    names = _model_names([path for path, _ in given])
    # every file is read before sampling
    specs = {name: load(path, args.auto_priors) for name, (path, _) in zip(names, given)}
    posteriors = {name: read_idata(stored) for name, (_, stored) in zip(names, given) if stored}
    data = read_data(args.data)
    check_same_data(specs, data, args.outcome)  # before sampling, not after it
    found = []  # what sampling each spec reported, printed after the table with the spec's name
    if len(posteriors) < len(specs):
        if args.draws * args.chains < MIN_LOO_DRAWS:
            raise UsageError(
                f"LOO needs at least {MIN_LOO_DRAWS} draws: --draws {args.draws} --chains {args.chains} "
                f"make {args.draws * args.chains}"
            )
        sampler = available_sampler(args.sampler)
        if args.quiet:
            quiet_pymc()
        with interrupts_stop_sampling():
            for name, spec in specs.items():
                if name not in posteriors:
                    with printed_warnings(show=False) as reported:
                        posteriors[name] = sample_posterior(args, spec, data, sampler, args.draws)
                    found += [replace(p, file=f"{name}: {p.file}") for p in reported]
    table, loos = compare_loo({name: (specs[name], posteriors[name]) for name in specs}, data, args.outcome)
    print(compare_table(table))
    unreliable = pareto_warning(loos)
    found += [unreliable] if unreliable else []
    for finding in found:
        print(finding.full(), file=sys.stderr)
    problems = [d for d in found if d.code in SAMPLER_PROBLEMS or d is unreliable]
    return EXIT_FINDINGS if args.strict and problems else EXIT_OK


def _model_names(paths: list[str]) -> list[str]:
    """Models are named by their file's stem, or by the path as given when two stems are the same."""
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    if len(set(paths)) < len(paths):
        raise UsageError("a spec is named twice: " + ", ".join(sorted({p for p in paths if paths.count(p) > 1})))
    return paths
