"""A spec → simulation-based calibration (Talts et al. 2018): per parameter, the ranks of prior draws among the
posterior draws of fits to data simulated from them, a test of their uniformity and a verdict.

Simulation i draws the parameters from the prior and the outcomes from the spec's likelihood on the spec's
predictors (its transformed, filtered columns: the data the model is fitted to), in the causal order (a
mediator's draw feeds the outcomes it causes), then fits the simulated data as `dagspec sample` would. Its seeds
come from `numpy.random.SeedSequence(seed, spawn_key=(i,))`, so a simulation's result does not depend on how many
others there are or on which worker ran it. The rank of each true value is counted among `rank_draws` draws taken
evenly from the posterior (thinned, as Talts et al. do, so that MCMC draws are close to independent).

If the fits are right, each parameter's ranks are uniform on 0..rank_draws. The test is the simultaneous ECDF
band of Säilynoja, Bürkner and Vehtari (2022), as ArviZ computes it: a parameter is miscalibrated when the ECDF of
its fractional ranks leaves the band (family-wise level 5% over the parameters, Bonferroni); a chi-square test of
the binned ranks is reported beside it. The shape says what is wrong: ranks piling up high mean the posterior
sits below the truth, U-shaped ranks a posterior too narrow, a hump one too wide.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..diagnostics import Diagnostic, error
from ..source import Source
from .runner import Progress, RecordStore, dask_client, run_tasks

DEFAULT_RANK_DRAWS = 99  # ranks 0..99: a hundred values, as in Talts et al.'s examples
FAMILY_LEVEL = 0.05  # the chance that a correct spec fails for some parameter
MCMC_FREE = ("exact", "gaussian")  # samplers whose draws are independent


@dataclass(frozen=True)
class FitSettings:
    """How each simulated data set is fitted: what `dagspec sample` is given."""

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    sampler: str | None = None
    optimize: object = True

    def sample_kwargs(self) -> dict:
        return dict(
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            sampler=self.sampler,
            optimize=self.optimize,
            progressbar=False,
            compute_convergence_checks=False,
        )


# ---- one simulation (runs on a worker) ----------------------------------------------------------------------


def seeds(seed: int, index: int) -> tuple[int, int]:
    """(simulation seed, fitting seed) of simulation `index`: children of SeedSequence(seed) by index."""
    simulate, fit = np.random.SeedSequence(seed, spawn_key=(index,)).spawn(2)
    return int(simulate.generate_state(1)[0]), int(fit.generate_state(1)[0])


def with_data(spec, columns, simulated: dict[str, np.ndarray] | None = None):
    """A copy of `spec` fitted to `columns` (already transformed and filtered), whatever data it is given, with
    the simulated values `{observed PyMC name: values}` in place of the observed ones: in their columns, or in
    the plan for values written in the spec (`observed heads = 7`). Every simulated value must find its place."""
    from ..optimize import optimize as run_passes
    from ..plan import Const, RandomVariable, make_plan

    nodes = observed_nodes(spec)
    simulated = simulated or {}
    in_columns = {nodes[name]: values for name, values in simulated.items() if nodes[name] in columns}
    fixed_columns = replace_outcomes(columns, in_columns)
    literal = {name: values for name, values in simulated.items() if nodes[name] not in columns}

    def plan(data=None, optimize=False):
        made = make_plan(spec.checked, fixed_columns)
        entries = [
            replace(e, observed=Const(np.asarray(literal[e.name]).tolist()))
            if isinstance(e, RandomVariable) and e.observed is not None and e.name in literal
            else e
            for e in made.entries
        ]
        placed = {e.name for e in made.entries if isinstance(e, RandomVariable) and e.name in literal}
        if placed != set(literal):  # a simulated value with nowhere to go would be fitted as the real data
            raise RuntimeError(f"dagspec cannot place the simulated {', '.join(sorted(set(literal) - placed))}")
        return run_passes(replace(made, entries=entries), optimize)

    fixed = copy.copy(spec)
    fixed.columns = lambda data=None: fixed_columns
    fixed.plan = plan
    return fixed


def simulate(spec, columns, seed: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One draw from the prior and the prior predictive: ({parameter: value}, {observed PyMC name: values})."""
    import dagspec

    prior = dagspec.sample_prior(with_data(spec, columns), draws=1, random_seed=seed)
    observed = observed_nodes(spec)
    truth = {name: np.asarray(prior.prior[name].values[0, 0]) for name in spec.parameters if name in prior.prior}
    outcomes = {
        name: np.asarray(values.values[0, 0]) for name, values in prior.prior_predictive.items() if name in observed
    }
    return truth, outcomes


def observed_nodes(spec) -> dict[str, str]:
    """PyMC names of the observed random variables (outcomes) → their node names."""
    return {
        n.pymc_name: n.name
        for n in spec.checked.nodes.values()
        if n.observed is not None and n.role in ("outcome", "random")
    }


def replace_outcomes(columns, outcomes: dict[str, np.ndarray]):
    """`columns` with the simulated values of the outcomes `{node: values}` (the predictors kept)."""
    replaced = type(columns)(
        {
            name: replace(column, values=np.asarray(outcomes[name]).astype(column.values.dtype))
            if name in outcomes
            else column
            for name, column in columns.items()
        }
    )
    replaced.statistics = columns.statistics
    return replaced


def run_simulation(
    spec, fit_spec, columns, fit_columns, index: int, seed: int, settings: FitSettings, rank_draws: int
) -> dict:
    """Simulate data set `index`, fit it, and return its record: true values, ranks and how the fit went."""
    import dagspec

    started = time.perf_counter()
    simulate_seed, fit_seed = seeds(seed, index)
    truth, outcomes = simulate(spec, columns, simulate_seed)
    node_of = observed_nodes(spec)
    fit_name = {node: name for name, node in observed_nodes(fit_spec).items()}
    fitted = {fit_name[node_of[name]]: values for name, values in outcomes.items() if node_of[name] in fit_name}
    idata = dagspec.sample(with_data(fit_spec, fit_columns, fitted), random_seed=fit_seed, **settings.sample_kwargs())
    posterior = idata.posterior
    sampler = str(posterior.attrs.get("dagspec_sampler", settings.sampler or "pymc"))
    values, ranks = {}, {}
    for name, true in truth.items():
        if name not in posterior:
            continue
        draws = thinned(posterior[name].values, rank_draws)
        for element, at in _elements(name, posterior[name]):
            values[element] = float(true[at])
            ranks[element] = int(np.sum(draws[at] < true[at]))
    record = {
        "sim": index,
        "truth": values,
        "ranks": ranks,
        "rank_draws": rank_draws,
        "sampler": sampler,
        "divergences": _divergences(idata),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if sampler not in MCMC_FREE:
        record["min_ess"] = _min_ess(idata, [n for n in truth if n in posterior])
    return record


def thinned(values: np.ndarray, count: int) -> np.ndarray:
    """`count` draws taken evenly from all chains' draws (chain after chain): an array (*shape, count)."""
    flat = values.reshape((-1,) + values.shape[2:])
    if len(flat) < count:
        raise ValueError(
            f"the fit has {len(flat)} draws, fewer than the {count} ranks are counted among: "
            "draw more (draws × chains) or lower rank_draws"
        )
    picked = flat[np.round(np.linspace(0, len(flat) - 1, count)).astype(int)]
    return np.moveaxis(picked, 0, -1)


def _elements(name: str, array):
    """(`name`, ()) for a scalar parameter, else (`name[level, ...]`, its index) for each element."""
    dims = [d for d in array.dims if d not in ("chain", "draw")]
    for index in np.ndindex(*(array.sizes[d] for d in dims)):
        labels = [str(array.coords[d].values[i]) if d in array.coords else str(i) for d, i in zip(dims, index)]
        yield (f"{name}[{', '.join(labels)}]" if dims else name), index


def _divergences(idata) -> int:
    stats = idata.get("sample_stats")
    return int(np.asarray(stats["diverging"]).sum()) if stats is not None and "diverging" in stats else 0


def _min_ess(idata, names: list[str]) -> float | None:
    import arviz as az

    if not names or idata.posterior.sizes.get("draw", 0) < 4:
        return None
    ess = az.ess(idata, var_names=names)
    return float(min(float(np.min(v.values)) for v in ess.data_vars.values()))


# ---- the run (on the cluster) -------------------------------------------------------------------------------


def sbc(
    spec,
    sims: int = 100,
    client=None,
    data=None,
    fit=None,
    seed: int | None = None,
    out=None,
    settings: FitSettings | None = None,
    rank_draws: int = DEFAULT_RANK_DRAWS,
    scheduler: str | None = None,
    workers: int | None = None,
    overwrite: bool = False,
    quiet: bool = True,
) -> SBCResult:
    """Simulation-based calibration of `spec` (fitted with `fit`, by default the same spec): see the module."""
    if sims < 1:
        raise ValueError("sims must be at least 1")
    fit = spec if fit is None else fit
    settings = settings or FitSettings()
    _check_proper(spec, data)
    columns = spec.columns(data)
    fit_columns = fit.columns(data)
    _check_pair(spec, fit)
    if settings.draws * settings.chains < rank_draws:
        raise error("DS655", draws=settings.draws * settings.chains, rank_draws=rank_draws)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="dagspec-sbc-") as temporary:
            return sbc(
                spec,
                sims,
                client,
                data,
                fit,
                seed,
                temporary,
                settings,
                rank_draws,
                scheduler,
                workers,
                overwrite,
                quiet,
            )
    folder = Path(out)
    if seed is None:  # a new run picks one and records it; a resumed run reuses it
        seed = _recorded_seed(folder) if not overwrite else None
        seed = seed if seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
    manifest = {
        "command": "sbc",
        "spec": _digest(spec.source.text),
        "fit": _digest(fit.source.text),
        "data": _columns_digest(columns),
        "seed": seed,
        "rank_draws": rank_draws,
        "settings": {k: v for k, v in vars(settings).items()},
    }
    store = RecordStore(folder, json.loads(json.dumps(manifest, default=str)), overwrite=overwrite)
    keys = {f"sim-{i:05d}": i for i in range(sims)}
    records = store.load(keys)
    todo = [(key, i) for key, i in keys.items() if key not in records]
    progress = Progress("sbc", sims, done=len(records), quiet=quiet)
    if todo:
        with dask_client(client, scheduler, workers) as engine:
            # the specs and the data go to every worker once, not with every simulation
            shared = engine.scatter([spec, fit, columns, fit_columns], broadcast=True, hash=False)
            tasks = {key: (run_simulation, (*shared, i, seed, settings, rank_draws)) for key, i in todo}
            records.update(run_tasks(engine, tasks, store, progress))
    return analyse([records[key] for key in keys], rank_draws, seed, str(folder) if out is not None else None)


def _check_pair(spec, fit) -> None:
    """DS650 unless `spec` simulates something; DS652 unless `fit` fits the same outcomes and shares parameters."""
    simulated = set(observed_nodes(spec).values())
    where = Source("", spec.name)
    if not simulated:
        raise error("DS650", source=where, spec=spec.name)
    fitted = set(observed_nodes(fit).values())
    common = set(spec.parameters) & set(fit.parameters)
    if fitted - simulated or not common:
        why = (
            f"it fits {', '.join(sorted(fitted - simulated))}, which {spec.name} does not simulate"
            if fitted - simulated
            else "they share no parameter name"
        )
        raise error("DS652", source=Source("", fit.name), fit=fit.name, spec=spec.name, why=why)


def _check_proper(spec, data) -> None:
    """DS610 before anything runs when a prior cannot be drawn from (rather than once per simulation)."""
    from ..plan import RandomVariable

    improper = sorted(
        {
            (e.name, e.dist)
            for e in spec.plan(data, False).entries
            if isinstance(e, RandomVariable) and e.dist in ("Flat", "HalfFlat")
        }
    )
    if improper:
        several = len(improper) > 1
        raise error(
            "DS610",
            source=Source("", spec.name),
            names=", ".join(n for n, _ in improper),
            have="have" if several else "has",
            dists=", ".join(sorted({d for _, d in improper})),
            them="them" if several else "it",
        )


def _recorded_seed(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["seed"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _columns_digest(columns) -> str:
    digest = hashlib.sha256()
    for name in sorted(columns):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(columns[name].values).tobytes())
        digest.update(repr(columns[name].levels).encode())
    return digest.hexdigest()[:16]


# ---- the ranks → a verdict per parameter --------------------------------------------------------------------


@dataclass
class ParameterCalibration:
    name: str
    ranks: np.ndarray
    rank_draws: int
    chi2_p: float
    inside_band: bool
    shape: str  # "", or what the ranks say is wrong

    @property
    def verdict(self) -> str:
        return "calibrated" if self.inside_band else "miscalibrated"

    @property
    def fractional(self) -> np.ndarray:
        """Ranks as fractions in (0, 1): uniform on the grid j/(L+1) exactly when the ranks are uniform."""
        return (self.ranks + 0.5) / (self.rank_draws + 1)


@dataclass
class SBCResult:
    """What `sbc` found: one calibration per parameter element, the failed and the divergent fits."""

    parameters: list[ParameterCalibration]
    records: list[dict]
    seed: int
    rank_draws: int
    folder: str | None = None
    band_prob: float = 0.95
    failed: dict[int, str] = field(default_factory=dict)
    diverged: dict[int, int] = field(default_factory=dict)

    @property
    def calibrated(self) -> bool:
        return all(p.inside_band for p in self.parameters)

    def table(self):
        """A DataFrame: one row per parameter: sims, chi-square p-value, inside the band, verdict, shape."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "parameter": p.name,
                    "sims": len(p.ranks),
                    "chi2_p": round(p.chi2_p, 4),
                    "in_band": p.inside_band,
                    "verdict": p.verdict,
                    "shape": p.shape,
                }
                for p in self.parameters
            ]
        ).set_index("parameter")

    def findings(self) -> list[Diagnostic]:
        """Warnings: each miscalibrated parameter (DS653), failed fits (DS654), fits that diverged (DS656)."""
        found = [
            _warning("DS653", name=p.name, shape=p.shape or "the ranks are not uniform", sims=len(p.ranks))
            for p in self.parameters
            if not p.inside_band
        ]
        if self.failed:
            first = next(iter(self.failed.items()))
            found.append(
                _warning(
                    "DS654",
                    count=len(self.failed),
                    total=len(self.records),
                    sims=_some(self.failed),
                    example=f"sim {first[0]}: {first[1]}",
                )
            )
        if self.diverged:
            found.append(
                _warning("DS656", count=len(self.diverged), total=len(self.records), sims=_some(self.diverged))
            )
        low = [r["min_ess"] for r in self.records if r.get("min_ess") is not None and r["min_ess"] < self.rank_draws]
        if low:
            found.append(
                _warning(
                    "DS659",
                    count=len(low),
                    total=len(self.records),
                    rank_draws=self.rank_draws,
                    worst=f"{min(low):.0f}",
                )
            )
        return found

    def plot(self, path=None, parameters=None):
        """ECDF-difference plots of the fractional ranks with the simultaneous band (ArviZ's plot_ecdf), one panel
        per parameter; written to `path` when given. Returns the matplotlib figure."""
        from ..render.sbc import ecdf_figure

        return ecdf_figure(self, path, parameters)


def analyse(records: list[dict], rank_draws: int, seed: int, folder: str | None = None) -> SBCResult:
    ok = [r for r in records if r.get("status") == "ok"]
    failed = {int(r.get("sim", _number(r["key"]))): str(r.get("error", "")) for r in records if r.get("status") != "ok"}
    diverged = {int(r["sim"]): int(r["divergences"]) for r in ok if r.get("divergences")}
    names = list(dict.fromkeys(name for r in ok for name in r["ranks"]))
    band_prob = 1 - FAMILY_LEVEL / max(1, len(names))
    parameters = [
        calibration(name, np.array([r["ranks"][name] for r in ok if name in r["ranks"]]), rank_draws, band_prob)
        for name in names
    ]
    return SBCResult(parameters, records, seed, rank_draws, folder, band_prob, failed, diverged)


def calibration(name: str, ranks: np.ndarray, rank_draws: int, band_prob: float) -> ParameterCalibration:
    """The uniformity tests of one parameter's ranks (each in 0..rank_draws)."""
    from scipy import stats

    count = len(ranks)
    result = ParameterCalibration(name, ranks, rank_draws, float("nan"), True, "")
    if count < 2:
        return result
    fraction = result.fractional
    bins = max(2, min(20, count // 5, rank_draws + 1))
    observed = np.histogram(fraction, bins=bins, range=(0, 1))[0]
    result.chi2_p = float(stats.chisquare(observed).pvalue)
    points = band_points(rank_draws)
    ecdf = np.searchsorted(np.sort(fraction), points, side="right") / count
    lower, upper = simultaneous_band(count, points, band_prob)
    result.inside_band = bool(np.all((ecdf >= lower - 1e-12) & (ecdf <= upper + 1e-12)))
    result.shape = "" if result.inside_band else _shape(fraction)
    return result


def band_points(rank_draws: int) -> np.ndarray:
    """Where the ECDF is compared with the uniform: boundaries between ranks j/(L+1) (at most 100 of them)."""
    grid = np.unique(np.round(np.linspace(1, rank_draws, min(rank_draws, 100))).astype(int))
    return grid / (rank_draws + 1)


def simultaneous_band(count: int, points: np.ndarray, prob: float) -> tuple[np.ndarray, np.ndarray]:
    """ArviZ's simultaneous ECDF band (Säilynoja et al. 2022, optimized) for `count` uniform draws at `points`."""
    from arviz.stats.ecdf_utils import ecdf_confidence_band

    return ecdf_confidence_band(count, points, points, prob=prob, method="optimized")


def _shape(fraction: np.ndarray) -> str:
    """What non-uniform ranks suggest: the posterior's location is off, or its width."""
    count = len(fraction)
    words = []
    if abs(fraction.mean() - 0.5) > 2.5 * np.sqrt(1 / 12 / count):
        words.append(
            "the posterior sits below the true values"
            if fraction.mean() > 0.5
            else "the posterior sits above the true values"
        )
    spread = np.mean((fraction - 0.5) ** 2)
    if abs(spread - 1 / 12) > 2.5 * np.sqrt(1 / 180 / count):
        words.append(
            "the posterior is too narrow (ranks pile up at both ends)"
            if spread > 1 / 12
            else "the posterior is too wide (ranks pile up in the middle)"
        )
    return "; ".join(words) or "the ranks are not uniform"


def _some(by_sim: dict) -> str:
    shown = ", ".join(str(s) for s in sorted(by_sim)[:8])
    return shown + (", ..." if len(by_sim) > 8 else "")


def _number(key: str) -> int:
    return int(key.rsplit("-", 1)[-1])


def _warning(code: str, **fields) -> Diagnostic:
    from ..codes import CODES

    template = CODES[code]
    return Diagnostic(code, template.message.format(**fields), hint=template.hint.format(**fields), file="sbc")
