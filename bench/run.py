"""dagspec vs hand-written PyMC (and Bambi) → bench/RESULTS.md (ESS per second, divergences, agreement): the
tutorial specs, the gallery's non-Gaussian hierarchical models (on a quiet machine and beside a CPU-bound
process), and scale curves for compiling large generated specs and sampling large regressions.

Usage: python bench/run.py [--quick]   (--quick: few specs, few draws, small scale curves; what CI runs)
       python bench/run.py --part glm [--part curves] [--only NAME ...]   (redo those parts, or those models of
       them, and report them with the other parts' stored results from bench/results.json)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
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

sys.path.insert(0, str(ROOT / "bench"))
import glm  # noqa: E402

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
    gaps = [
        (ours[s] - theirs[s]).abs() / np.sqrt(ours[f"mcse_{s}"] ** 2 + theirs[f"mcse_{s}"] ** 2) for s in ("mean", "sd")
    ]
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
        # NUTS on the optimized model, cold cache
        nuts, nuts_time = _timed(lambda: compiled({"exact": False, "independence": False}))
        del os.environ["DAGSPEC_CACHE_DIR"]
    their_summary, their_divergences = _stats(theirs, names)
    our_summary, our_divergences = _stats(ours, names)
    their_rate = their_summary["ess_bulk"].min() / their_time
    our_rate = our_summary["ess_bulk"].min() / our_time
    warm_rate = _stats(again, names)[0]["ess_bulk"].min() / warm_time
    nuts_summary, nuts_divergences = _stats(nuts, names)
    return {
        "nuts_s": nuts_time,
        "nuts_ratio": nuts_summary["ess_bulk"].min() / nuts_time / their_rate,
        "nuts_div": nuts_divergences,
        "nuts_sampler": nuts.posterior.attrs.get("dagspec_sampler"),
        "nuts_agreement": _agreement(nuts_summary, their_summary),
        "spec": name,
        "hand_s": their_time,
        "hand_ess_s": their_rate,
        "hand_div": their_divergences,
        "ours_s": our_time,
        "ours_ess_s": our_rate,
        "ours_div": our_divergences,
        "ratio": our_rate / their_rate,
        "warm_s": warm_time,
        "warm_ratio": warm_rate / their_rate,
        "sampler": ours.posterior.attrs.get("dagspec_sampler"),
        "agreement": _agreement(our_summary, their_summary),
    }


def _timed_cpu(function):
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - started, time.process_time() - cpu


def compile_curve(sizes) -> list[tuple[int, float, float, float, float]]:
    """Parse + check and build time of generated specs, a chain of regressions over `n` nodes: wall and CPU
    seconds (CPU time is what a busy machine's other jobs do not add to)."""
    rows = []
    for n in sizes:
        lines = [f"node v{i}" + (" ~ Normal" if i else "") for i in range(n)]
        lines += [f"v{i - 1} -> v{i}" for i in range(1, n)]
        lines.append("observed " + ", ".join(f"v{i}" for i in range(n)))
        text = "\n".join(lines)
        data = pd.DataFrame(np.random.default_rng(0).normal(size=(20, n)), columns=[f"v{i}" for i in range(n)])
        spec, parse_time, parse_cpu = _timed_cpu(lambda text=text: dagspec.parse(text))
        _, build_time, build_cpu = _timed_cpu(lambda spec=spec, data=data: spec.build(data))
        rows.append((n, parse_time, build_time, parse_cpu, build_cpu))
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
        for optimize in (True, {"exact": False, "independence": False}):
            idata, seconds = _timed(
                lambda data=data, optimize=optimize: dagspec.sample(
                    spec,
                    data,
                    draws=draws,
                    tune=draws,
                    chains=2,
                    cores=2,
                    random_seed=SEED,
                    progressbar=False,
                    optimize=optimize,
                )
            )
            row += [seconds, float(az.summary(idata, var_names=["b_x1_y", "b_x2_y"])["ess_bulk"].min())]
        rows.append(tuple(row))
    return rows


# ---------------------------------------------------------------- the gallery's hierarchical GLMs


def _flat_stats(draws: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """Per quantity (chain, draw, k): bulk ESS, mean, sd and the Monte Carlo errors of both, per element."""
    out = {}
    for name, value in draws.items():
        summary = az.summary(az.convert_to_dataset({"x": value}), round_to="none")
        out[name] = {
            "ess": summary["ess_bulk"].values,
            "mean": summary["mean"].values,
            "sd": summary["sd"].values,
            "mcse_mean": summary["mcse_mean"].values,
            "mcse_sd": summary["mcse_sd"].values,
        }
    return out


def _glm_side(idata, seconds: float, names: dict) -> dict:
    stats = _flat_stats({shared: glm.draws_of(idata, own) for shared, own in names.items()})
    ess = min(float(s["ess"].min()) for s in stats.values())
    divergences = int(idata.sample_stats["diverging"].sum()) if "diverging" in idata.sample_stats else 0
    gradients = float(idata.sample_stats["n_steps"].mean()) if "n_steps" in idata.sample_stats else float("nan")
    return {"s": seconds, "ess": ess, "ess_s": ess / seconds, "div": divergences, "grads": gradients, "stats": stats}


def _glm_agreement(ours: dict, theirs: dict) -> float:
    """The largest gap between two posteriors' means or sds over the shared quantities, in MCSE."""
    gaps = []
    for name, a in ours["stats"].items():
        b = theirs["stats"][name]
        gaps.append(np.max(np.abs(a["mean"] - b["mean"]) / np.hypot(a["mcse_mean"], b["mcse_mean"])))
        gaps.append(np.max(np.abs(a["sd"] - b["sd"]) / np.hypot(a["mcse_sd"], b["mcse_sd"])))
    return float(max(gaps))


def compare_glm(model: glm.GLM, draws: int, tune: int, chains: int) -> dict:
    """One model three ways, one after the other on the same machine: same data, draws, chains and seed, each
    side's defaults otherwise; wall time from building the model to the draws (PyTensor's compile cache warm)."""
    options = dict(draws=draws, tune=tune, chains=chains, random_seed=SEED, progressbar=False)
    hand_names = {shared: names[0] for shared, names in model.names.items()}
    our_names = {shared: names[1] for shared, names in model.names.items()}

    def hand_written():
        with model.hand_written():
            return pm.sample(**options)

    def compiled():
        return dagspec.sample(ROOT / "specs" / "gallery" / f"{model.name}.dag", **options)

    _warm_up(model)
    hand = _glm_side(*_timed(hand_written), hand_names)
    with tempfile.TemporaryDirectory() as cache:  # dagspec's step cache: empty for the first run, then warm
        os.environ["DAGSPEC_CACHE_DIR"] = cache
        idata, seconds = _timed(compiled)
        ours = _glm_side(idata, seconds, our_names)
        warm = _glm_side(*_timed(compiled), our_names)
        del os.environ["DAGSPEC_CACHE_DIR"]
    row = {
        "model": model.name,
        "title": model.title,
        "hand": hand,
        "ours": ours,
        "warm": warm,
        "sampler": idata.posterior.attrs.get("dagspec_sampler"),
        "ours_agreement": _glm_agreement(ours, hand),
        "ratio": ours["ess_s"] / hand["ess_s"],
        "warm_ratio": warm["ess_s"] / hand["ess_s"],
    }
    if model.bambi is None:
        row["bambi_skipped"] = model.why_not_bambi
    elif importlib.util.find_spec("bambi") is None:
        row["bambi_skipped"] = "Bambi is not installed (pip install 'dagspec[bench]')"
    else:
        bambi_names = {shared: names[2] for shared, names in model.names.items()}
        fitted = _timed(
            lambda: model.bambi().fit(**{k: v for k, v in options.items() if k != "progressbar"}, progressbar=False)
        )
        row["bambi"] = _glm_side(*fitted, bambi_names)
        row["bambi_agreement"] = _glm_agreement(row["bambi"], hand)
        row["bambi_ratio"] = row["bambi"]["ess_s"] / hand["ess_s"]
    for side in ("hand", "ours", "warm", "bambi"):
        if side in row:
            row[side].pop("stats")
    return row


def _warm_up(model: glm.GLM) -> None:
    """A few draws from each side first, so that PyTensor's compile cache is warm for all of them alike."""
    short = dict(draws=10, tune=10, chains=1, random_seed=SEED, progressbar=False)
    with model.hand_written():
        pm.sample(**short, compute_convergence_checks=False)
    os.environ["DAGSPEC_CACHE_DIR"] = "off"
    dagspec.sample(ROOT / "specs" / "gallery" / f"{model.name}.dag", **short)
    del os.environ["DAGSPEC_CACHE_DIR"]
    if model.bambi is not None and importlib.util.find_spec("bambi") is not None:
        model.bambi().fit(**{k: v for k, v in short.items() if k != "progressbar"}, progressbar=False)


@contextmanager
def cpu_hog():
    """A CPU-bound process beside the benchmark (a busy machine), stopped by its own id afterwards."""
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        process.kill()
        process.wait()


LOADS = ("quiet", "busy")


def glm_tables(
    names: list[str], draws: int, stored: dict, only: tuple[str, ...], loads=LOADS, save=None, runs=None
) -> dict:
    """The GLM comparisons on the machine as it is ("quiet") and beside a CPU-bound process ("busy"); `save`
    (load, rows) is called after each model, so that a long run keeps what it has measured; `runs` (a dict)
    gets each table's date, commit and the 1-minute load averages sampled before and after every model."""
    out = {}
    for load in loads:
        previous = {r["model"]: r for r in stored.get(load, [])}
        rows, averages = [], [os.getloadavg()[0]]
        started, commit = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), _commit()
        with cpu_hog() if load == "busy" else _nothing():
            for name in names:
                if only and name not in only:  # kept as an earlier run measured it, if one did
                    rows.extend([previous[name]] if name in previous else [])
                    continue
                rows.append(compare_glm(glm.BY_NAME[name], draws, draws, 2))
                averages.append(os.getloadavg()[0])
                print(load, json.dumps(rows[-1], default=float), flush=True)
                if save is not None:
                    save(load, rows)
        out[load] = rows
        if runs is not None:
            runs[load] = {"started": started, "commit": commit, "load_averages": averages, "only": list(only)}
    return out


def _commit() -> str:
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return described.stdout.strip() or "unknown"


@contextmanager
def _nothing():
    yield


def _glm_lines(rows: list[dict], load: str, draws: int, run: dict | None = None) -> list[str]:
    ratios = [r["ratio"] for r in rows]
    bambi = [r for r in rows if "bambi" in r]
    lines = [
        f"### {load}: "
        + (
            "the machine as it was (other jobs may share it)"
            if load == "quiet"
            else 'a CPU-bound process (`python -c "while True: pass"`) beside every run'
        ),
        "",
        f"**Median {statistics.median(ratios):.2f}× the hand-written ESS/s (cold step cache), "
        f"{statistics.median(r['warm_ratio'] for r in rows):.2f}× warm; slowest "
        f"{min(ratios):.2f}× ({min(rows, key=lambda r: r['ratio'])['model']}); divergences "
        f"{sum(r['ours']['div'] for r in rows)} (dagspec) vs {sum(r['hand']['div'] for r in rows)} (hand-written)"
        + (f" vs {sum(r['bambi']['div'] for r in bambi)} (Bambi, {len(bambi)} models)" if bambi else "")
        + ".**",
        "",
        "| model | hand-written s | ESS/s | div | dagspec s | ESS/s | div | ratio | warm s | warm ratio | sampler "
        "| gradients per draw (hand / dagspec) | agreement (MCSE) | Bambi s | ESS/s | div | ratio | agreement |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if run:
        averages = run["load_averages"]
        lines[1:1] = [
            "",
            f"Run {run['started']} at commit {run['commit']}"
            + (f" (only {', '.join(run['only'])})" if run["only"] else "")
            + f"; 1-minute load average (`uptime`) {min(averages):.1f}-{max(averages):.1f} before and after each "
            "model.",
        ]
    for r in rows:
        h, o, w = r["hand"], r["ours"], r["warm"]
        if "bambi" in r:
            b = r["bambi"]
            bambi_cells = (
                f"{b['s']:.1f} | {b['ess_s']:.1f} | {b['div']} | {r['bambi_ratio']:.2f}× | {r['bambi_agreement']:.1f}"
            )
        else:
            bambi_cells = f"skipped: {r['bambi_skipped']} | | | |"
        lines.append(
            f"| {r['title']} | {h['s']:.1f} | {h['ess_s']:.1f} | {h['div']} | {o['s']:.1f} | {o['ess_s']:.1f} | "
            f"{o['div']} | {r['ratio']:.2f}× | {w['s']:.1f} | {r['warm_ratio']:.2f}× | {r['sampler']} | "
            f"{h.get('grads', float('nan')):.0f} / "
            + ("none" if r["sampler"] == "independence" else f"{o.get('grads', float('nan')):.0f}")
            + " | "
            f"{r['ours_agreement']:.1f} | {bambi_cells} |"
        )
    return lines + [""]


# ---------------------------------------------------------------- the report

PARTS = ("tutorial", "glm", "curves", "compile")  # compile: the compile curve alone (also part of curves)


def main(quick: bool, parts: tuple[str, ...], only: tuple[str, ...] = (), loads=LOADS) -> None:
    names = ["fork", "binary_heterogenous"] if quick else sorted(MODELS)
    glm_names = ["kline_m11_10"] if quick else [m.name for m in glm.MODELS]
    draws = 200 if quick else 1000
    path = ROOT / "bench" / ("results-quick.json" if quick else "results.json")
    stored, produced = _stored(path, quick), {}
    if "tutorial" in parts:
        previous = {r["spec"]: r for r in stored.get("tutorial", [])}
        produced["tutorial"] = [
            previous[n] if only and n not in only and n in previous else compare(n, draws, draws, 2) for n in names
        ]
    if "glm" in parts:

        def save(load, rows):  # merged by model with what other runs (other models, the other load) wrote
            now = _stored(path, quick)
            merged = {r["model"]: r for r in now.get("glm", {}).get(load, [])} | {r["model"]: r for r in rows}
            now["glm"] = {**now.get("glm", {}), load: [merged[n] for n in glm_names if n in merged]}
            path.write_text(json.dumps(now, indent=1, default=float))

        runs = stored.get("glm_runs", {})
        produced["glm"] = glm_tables(glm_names, draws, stored.get("glm", {}), only, loads, save, runs)
        produced["glm_runs"] = runs
    if "curves" in parts or "compile" in parts:
        produced["compile_curve"] = compile_curve([10, 50] if quick else [10, 100, 500, 1000, 2000])
    if "curves" in parts:
        produced["sampling_curve"] = sampling_curve(
            [1_000, 10_000] if quick else [1_000, 10_000, 100_000, 1_000_000], 200
        )
    stored = _stored(path, quick)  # as it is now: runs of other models or the other load may have written meanwhile
    stored.update({k: v for k, v in produced.items() if k != "glm"})
    path.write_text(json.dumps(stored, indent=1, default=float))
    report = _report(stored, quick, draws)
    (ROOT / "bench" / ("RESULTS-quick.md" if quick else "RESULTS.md")).write_text(report)
    print(report)


def _stored(path: Path, quick: bool) -> dict:
    stored = json.loads(path.read_text()) if path.exists() and not quick else {}
    return {"tutorial": stored} if isinstance(stored, list) else stored  # earlier runs stored the tutorial alone


NOTES = ROOT / "bench" / "notes"  # how a section's rows were made and what they showed, written by hand


def _note(name: str, quick: bool) -> list[str]:
    """bench/notes/<name>.md as lines after a blank one; nothing where there is no note, nor in a quick report
    (the notes tell of the full runs)."""
    path = NOTES / f"{name}.md"
    return ["", *path.read_text().rstrip("\n").split("\n")] if path.exists() and not quick else []


def _report(stored: dict, quick: bool, draws: int) -> str:
    results = stored.get("tutorial", [])
    ratios = [r["ratio"] for r in results]
    lines = (
        [
            "# Benchmark: dagspec vs hand-written PyMC (and Bambi)",
            "",
            f"`python bench/run.py{' --quick' if quick else ''}` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}.",
            "",
            "## Tutorial specs",
            "",
            "Each tutorial model hand-written in PyMC 5 (`tests/tutorial_models.py`, default `pm.sample`) against its "
            f"spec with `dagspec.sample` (optimized model, the sampler dagspec picks for it): 2 chains × {draws} "
            f"draws after {draws} tuning steps, same seed, each side's defaults otherwise, wall time including "
            "compilation. ESS/s is the smallest bulk "
            "ESS over the tutorial's free parameters divided by wall time. dagspec runs twice: first with an empty "
            "step cache (every compile paid: the ratio), then again on the warm cache (the second `dagspec sample` "
            "of a spec; PyTensor's own compile cache is warm for both sides). Agreement is the largest gap between "
            "the two posterior means or sds in Monte Carlo standard errors (under ~4 means the same posterior).",
            "",
            f"**Median speed-up (min bulk-ESS/s): {statistics.median(ratios):.1f}× on a cold cache, "
            f"{statistics.median(r.get('warm_ratio', r['ratio']) for r in results):.1f}× warm**; slowest spec "
            f"{min(ratios):.2f}× ({min(results, key=lambda r: r['ratio'])['spec']}); divergences: "
            f"{sum(r['ours_div'] for r in results)} (dagspec) vs {sum(r['hand_div'] for r in results)} (hand-written).",
            "",
            "Samplers: `exact` and `gaussian` are independent draws without MCMC (a closed-form posterior; "
            "coefficients Gaussian given one or two scales drawn by quadrature), `collapsed` is NUTS on the scales alone "
            "with the Gaussian coefficients integrated out and drawn exactly. The last columns switch those off "
            '(`optimize={"exact": False, "independence": False}`): NUTS on the optimized model, what the '
            "reparameterisations alone give "
            f"(median {statistics.median(r['nuts_ratio'] for r in results):.1f}×, "
            f"{sum(r['nuts_div'] for r in results)} divergences).",
            "",
            "| spec | hand-written s | ESS/s | div | dagspec s | ESS/s | div | ratio | warm s | warm ratio | sampler "
            "| agreement (MCSE) | MCMC only s | ratio | div | sampler | agreement |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---:|",
        ]
        if results
        else ["# Benchmark: dagspec vs hand-written PyMC (and Bambi)", ""]
    )
    lines += [
        f"| {r['spec']} | {r['hand_s']:.1f} | {r['hand_ess_s']:.1f} | {r['hand_div']} | {r['ours_s']:.1f} | "
        f"{r['ours_ess_s']:.1f} | {r['ours_div']} | {r['ratio']:.1f}× | {r['warm_s']:.1f} | "
        f"{r['warm_ratio']:.1f}× | {r['sampler']} | {r['agreement']:.1f} | {r['nuts_s']:.1f} | "
        f"{r['nuts_ratio']:.1f}× | {r['nuts_div']} | {r['nuts_sampler']} | {r['nuts_agreement']:.1f} |"
        for r in results
    ]
    lines += _note("tutorial", quick) if results else []
    if stored.get("glm"):
        lines += [
            "",
            "## The gallery's non-Gaussian hierarchical models",
            "",
            "Statistical Rethinking's GLMs (`bench/glm.py`): hand-written PyMC in the book's parameterisation "
            "(default `pm.sample`), the gallery's spec with `dagspec.sample` (defaults), and Bambi with the same "
            f"priors where it can express the model (default `fit`). 2 chains × {draws} draws after {draws} "
            "tuning steps, the same seed; one model's three runs follow each other, so the ratios are measured "
            "side by side on a machine that other jobs share. ESS/s is the smallest bulk ESS over the "
            "quantities every side names (e.g. the pools' sds, not Bambi's offsets) over wall time from "
            "building the model to the draws; agreement is the largest gap in posterior mean or sd to the "
            "hand-written run, in Monte Carlo standard errors. Gradients per draw are NUTS's leapfrog steps per "
            "draw (tuning included), the cost each side's sampler pays per draw.",
            "",
            "dagspec's sampler rule (`sampler_choice` in dagspec/backends/sample.py, reported in the summary's "
            '"drawn with" line and `idata.posterior.attrs`): nutpie, where installed, for a model with an LKJ '
            "covariance; otherwise independence Metropolis-Hastings where a pilot shows its Laplace proposal (nested "
            "given the scales for a pool with one or two) mixes, else PyMC's NUTS with its cached compiled step. "
            "Measured: nutpie's gradient costs "
            "about a tenth of PyMC's step, but nutpie compiles the model afresh in every run (10-17 s for m14.3: "
            "numba compiles nutpie's log-density callback uncached; PyTensor's numba cache covers only the ops "
            "inside), so it pays only where NUTS needs long trajectories: m14.3 takes 32 gradients per draw at "
            "target_accept 0.95 (2 × 2000 in 3 s of nutpie's sampling, 25-30 s of PyMC's), the other models' whole "
            "PyMC runs take less than nutpie's compile alone.",
            *_note("glm", quick),
            "",
        ]
        for load in ("quiet", "busy"):
            if stored["glm"].get(load):
                lines += _glm_lines(stored["glm"][load], load, draws, stored.get("glm_runs", {}).get(load))
    if stored.get("compile_curve"):
        lines += [
            "",
            "## Compiling generated specs (a chain of n regressions)",
            "",
            "| nodes | parse + check s | build s | parse + check CPU s | build CPU s |",
            "|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {n} | {p:.3f} | {b:.3f} | " + " | ".join(f"{c:.3f}" for c in cpu) + " |"
            if cpu
            else f"| {n} | {p:.3f} | {b:.3f} | | |"
            for n, p, b, *cpu in stored["compile_curve"]
        ]
        lines += _note("compile", quick)
    if stored.get("sampling_curve"):
        lines += [
            "",
            "## Sampling a two-predictor regression (2 chains × 200 draws)",
            "",
            "| rows | default: wall s (compile included) | min bulk ESS | MCMC only: wall s | min bulk ESS |",
            "|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {n:,} | {s:.2f} | {e:.0f} | {ns:.1f} | {ne:.0f} |" for n, s, e, ns, ne in stored["sampling_curve"]
        ]
    lines += _note("cells", quick)  # bench/cells.py prints its table; the note holds the run worth keeping
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--part",
        action="append",
        choices=PARTS,
        default=[],
        help="redo only this part (repeatable; default: all), reporting the others as stored",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="with --part: compare only this spec or model again (repeatable)",
    )
    parser.add_argument(
        "--load",
        action="append",
        choices=LOADS,
        default=[],
        help="with --part glm: run only this table (repeatable; default: both)",
    )
    arguments = parser.parse_args()
    main(arguments.quick, tuple(arguments.part) or PARTS, tuple(arguments.only), tuple(arguments.load) or LOADS)
