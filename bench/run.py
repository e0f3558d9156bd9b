"""Tutorial specs vs their hand-written PyMC models → bench/RESULTS.md (ESS per second, divergences, agreement),
plus scale curves for compiling large generated specs and sampling large regressions.

Usage: python bench/run.py [--quick]   (--quick: two specs, few draws, small scale curves; what CI runs)
       python bench/run.py --reuse bench/results.json [--only SPEC ...]   (redo the curves, and those specs)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYTHONWARNINGS", "ignore")

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pymc as pm  # noqa: E402

import dagspec  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from tutorial_models import MODELS, load_data  # noqa: E402

SEED = 20251124


def _timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def _stats(idata, names):
    summary = az.summary(idata, var_names=names, round_to="none")
    divergences = int(idata.sample_stats["diverging"].sum()) if "diverging" in idata.sample_stats else 0
    return summary, divergences


def _agreement(ours, theirs) -> float:
    """The largest gap between the two posterior means or sds, in units of its Monte Carlo standard error."""
    gaps = [(ours[s] - theirs[s]).abs() / np.sqrt(ours[f"mcse_{s}"] ** 2 + theirs[f"mcse_{s}"] ** 2) for s in ("mean", "sd")]
    return float(max(g.max() for g in gaps))


def compare(name: str, draws: int, tune: int, chains: int) -> dict:
    data = load_data(name)
    reference = MODELS[name](data)
    names = [rv.name for rv in reference.free_RVs]
    # each side with its own defaults for the rest (pm.sample runs the chains on min(4, cores) processes;
    # dagspec picks its sampler)
    options = dict(draws=draws, tune=tune, chains=chains, random_seed=SEED, progressbar=False)

    def hand_written():
        with MODELS[name](data):
            return pm.sample(**options)

    def compiled(optimize=True):
        return dagspec.sample(ROOT / "specs" / "tutorial" / f"{name}.dag", optimize=optimize, **options)

    theirs, their_time = _timed(hand_written)
    with tempfile.TemporaryDirectory() as cache:  # dagspec's step cache: empty for the first run, then warm
        os.environ["DAGSPEC_CACHE_DIR"] = cache
        ours, our_time = _timed(compiled)
        again, warm_time = _timed(compiled)
        nuts, nuts_time = _timed(lambda: compiled({"exact": False}))  # MCMC on the optimized model, cold cache
        del os.environ["DAGSPEC_CACHE_DIR"]
    their_summary, their_divergences = _stats(theirs, names)
    our_summary, our_divergences = _stats(ours, names)
    their_rate = their_summary["ess_bulk"].min() / their_time
    our_rate = our_summary["ess_bulk"].min() / our_time
    warm_rate = _stats(again, names)[0]["ess_bulk"].min() / warm_time
    nuts_summary, nuts_divergences = _stats(nuts, names)
    return {
        "nuts_s": nuts_time, "nuts_ratio": nuts_summary["ess_bulk"].min() / nuts_time / their_rate,
        "nuts_div": nuts_divergences, "nuts_sampler": nuts.posterior.attrs.get("dagspec_sampler"),
        "nuts_agreement": _agreement(nuts_summary, their_summary),
        "spec": name, "hand_s": their_time, "hand_ess_s": their_rate, "hand_div": their_divergences,
        "ours_s": our_time, "ours_ess_s": our_rate, "ours_div": our_divergences, "ratio": our_rate / their_rate,
        "warm_s": warm_time, "warm_ratio": warm_rate / their_rate, "sampler": ours.posterior.attrs.get("dagspec_sampler"),
        "agreement": _agreement(our_summary, their_summary),
    }


def compile_curve(sizes) -> list[tuple[int, float, float]]:
    """Parse + check + build time of generated specs: a chain of regressions over `n` nodes."""
    rows = []
    for n in sizes:
        lines = [f"node v{i}" + (" ~ Normal" if i else "") for i in range(n)]
        lines += [f"v{i - 1} -> v{i}" for i in range(1, n)]
        lines.append("observed " + ", ".join(f"v{i}" for i in range(n)))
        text = "\n".join(lines)
        data = pd.DataFrame(np.random.default_rng(0).normal(size=(20, n)), columns=[f"v{i}" for i in range(n)])
        spec, parse_time = _timed(lambda: dagspec.parse(text))
        _, build_time = _timed(lambda: spec.build(data))
        rows.append((n, parse_time, build_time))
    return rows


def sampling_curve(sizes, draws: int) -> list[tuple]:
    """Wall time and min bulk ESS of a regression's draws: dagspec's default (exact draws), and NUTS."""
    spec = dagspec.parse("x1, x2 -> y\nobserved x1, x2, y")
    rows = []
    for n in sizes:
        rng = np.random.default_rng(n)
        x1, x2 = rng.normal(size=n), rng.normal(size=n)
        data = pd.DataFrame({"x1": x1, "x2": x2 + 0.5 * x1, "y": 1 + 2 * x1 - x2 + rng.normal(size=n)})
        row = [n]
        for optimize in (True, {"exact": False}):
            idata, seconds = _timed(lambda: dagspec.sample(spec, data, draws=draws, tune=draws, chains=2, cores=2,
                                                            random_seed=SEED, progressbar=False, optimize=optimize))
            row += [seconds, float(az.summary(idata, var_names=["b_x1_y", "b_x2_y"])["ess_bulk"].min())]
        rows.append(tuple(row))
    return rows


def main(quick: bool, reuse: str | None = None, only: tuple[str, ...] = ()) -> None:
    names = ["fork", "binary_heterogenous"] if quick else sorted(MODELS)
    draws = 200 if quick else 1000
    if reuse:  # the comparisons of an earlier run (its JSON), to redo only the curves (and the specs in `only`)
        results = [compare(r["spec"], draws, draws, 2) if r["spec"] in only else r
                   for r in json.loads(Path(reuse).read_text())]
        Path(reuse).write_text(json.dumps(results, indent=1, default=float))
    else:
        results = []
        for name in names:
            results.append(compare(name, draws, draws, 2))
            print(results[-1], flush=True)
        (ROOT / "bench" / ("results-quick.json" if quick else "results.json")).write_text(
            json.dumps(results, indent=1, default=float))
    curve = compile_curve([10, 50] if quick else [10, 100, 500, 1000, 2000])
    rows = sampling_curve([1_000, 10_000] if quick else [1_000, 10_000, 100_000, 1_000_000], 200)
    ratios = [r["ratio"] for r in results]
    lines = [
        "# Benchmark: dagspec vs hand-written PyMC", "",
        f"`python bench/run.py{' --quick' if quick else ''}` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}. "
        f"Each tutorial model hand-written in PyMC 5 (`tests/tutorial_models.py`, default `pm.sample`) against its "
        f"spec with `dagspec.sample` (optimized model, the sampler dagspec picks for it): 2 chains × {draws} "
        f"draws after {draws} tuning steps, same seed, each side's defaults otherwise, wall time including "
        "compilation. ESS/s is the smallest bulk "
        "ESS over the tutorial's free parameters divided by wall time. dagspec runs twice: first with an empty "
        "step cache (every compile paid: the ratio), then again on the warm cache (the second `dagspec sample` "
        "of a spec; PyTensor's own compile cache is warm for both sides). Agreement is the largest gap between "
        "the two posterior means or sds in Monte Carlo standard errors (under ~4 means the same posterior).", "",
        f"**Median speed-up (min bulk-ESS/s): {statistics.median(ratios):.1f}× on a cold cache, "
        f"{statistics.median(r.get('warm_ratio', r['ratio']) for r in results):.1f}× warm**; slowest spec "
        f"{min(ratios):.2f}× ({min(results, key=lambda r: r['ratio'])['spec']}); divergences: "
        f"{sum(r['ours_div'] for r in results)} (dagspec) vs {sum(r['hand_div'] for r in results)} (hand-written).", "",
        "Samplers: `exact` and `gaussian` are independent draws without MCMC (a closed-form posterior; "
        "coefficients Gaussian given one or two scales drawn by quadrature), `collapsed` is NUTS on the scales alone "
        "with the Gaussian coefficients integrated out and drawn exactly. The last columns switch those off "
        "(`optimize={\"exact\": False}`): MCMC on the optimized model, what the reparameterisations alone give "
        f"(median {statistics.median(r['nuts_ratio'] for r in results):.1f}×, "
        f"{sum(r['nuts_div'] for r in results)} divergences).", "",
        "| spec | hand-written s | ESS/s | div | dagspec s | ESS/s | div | ratio | warm s | warm ratio | sampler "
        "| agreement (MCSE) | MCMC only s | ratio | div | sampler | agreement |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---:|",
    ]
    lines += [f"| {r['spec']} | {r['hand_s']:.1f} | {r['hand_ess_s']:.1f} | {r['hand_div']} | {r['ours_s']:.1f} | "
              f"{r['ours_ess_s']:.1f} | {r['ours_div']} | {r['ratio']:.1f}× | {r['warm_s']:.1f} | "
              f"{r['warm_ratio']:.1f}× | {r['sampler']} | {r['agreement']:.1f} | {r['nuts_s']:.1f} | "
              f"{r['nuts_ratio']:.1f}× | {r['nuts_div']} | {r['nuts_sampler']} | {r['nuts_agreement']:.1f} |"
              for r in results]
    lines += ["", "## Compiling generated specs (a chain of n regressions)", "",
              "| nodes | parse + check s | build s |", "|---:|---:|---:|"]
    lines += [f"| {n} | {p:.3f} | {b:.3f} |" for n, p, b in curve]
    lines += ["", "## Sampling a two-predictor regression (2 chains × 200 draws)", "",
              "| rows | default: wall s (compile included) | min bulk ESS | MCMC only: wall s | min bulk ESS |",
              "|---:|---:|---:|---:|---:|"]
    lines += [f"| {n:,} | {s:.2f} | {e:.0f} | {ns:.1f} | {ne:.0f} |" for n, s, e, ns, ne in rows]
    target = ROOT / "bench" / ("RESULTS-quick.md" if quick else "RESULTS.md")
    target.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse", metavar="results.json", help="report an earlier run's comparisons, redo the curves")
    parser.add_argument("--only", action="append", default=[], metavar="SPEC",
                        help="with --reuse: compare this spec again (repeatable)")
    arguments = parser.parse_args()
    main(arguments.quick, arguments.reuse, tuple(arguments.only))
