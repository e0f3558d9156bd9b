"""A spec and its data → a test of each conditional independence its DAG implies (dagitty's localTests, plus a
Bayesian regression per implication), with the implications the data contradict and the edges they implicate.

For `u ⫫ v | Z` (dagitty's missing-edge basis: Z is v's parents), on the spec's observed columns (transformed and
filtered, as they are fitted):
- classical, as dagitty's localTests: both numeric → the partial correlation of u and v given Z with Fisher's z
  test and its 95% interval (type "cis"); a categorical one involved → Pillai's trace of the canonical correlations
  between the residuals of u and v (one-hot for categories) given Z, with its F approximation (type "cis.pillai");
- Bayesian: the regression the implication says is flat — v on u and Z, with v's family (the spec's, for an
  outcome; Bernoulli for a two-level or 0/1 node; else Normal on standardized values) — fitted with dagspec; the
  posterior of u's coefficient (per standard deviation of u) with its 95% interval, and whether it excludes 0.

An implication is contradicted when the classical test rejects it at `alpha`; the table says whether the
Bayesian interval agrees. A contradicted `u ⫫ v | Z` implicates a missing edge between u and v (in the
direction(s) that keep the graph acyclic) or a missing common cause of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..diagnostics import Diagnostic, error
from ..source import Source
from .runner import Progress, dask_client, run_tasks

INTERVAL = 0.95


@dataclass
class Implication:
    u: str
    v: str
    given: tuple[str, ...]

    @property
    def statement(self) -> str:
        given = f" | {', '.join(self.given)}" if self.given else ""
        return f"{self.u} _||_ {self.v}{given}"


@dataclass
class LocalTest:
    implication: Implication
    test: str  # "cis" or "cis.pillai"
    estimate: float
    low: float  # the 95% interval of a partial correlation; nan for Pillai's trace
    high: float
    p: float
    rows: int
    bayes: dict | None  # {"response", "coefficient", "mean", "low", "high", "excludes_zero"} or {"skipped": why}
    implicates: str = ""

    def contradicted(self, alpha: float) -> bool:
        return self.p < alpha


def implications(spec) -> list[Implication]:
    """The DAG's testable implications among observed nodes (as `dagspec implications` lists them)."""
    from ..causal.dsep import implied_independencies
    from ..causal.graph import from_checked

    return [
        Implication(u, v, tuple(sorted(given))) for u, v, given in implied_independencies(from_checked(spec.checked))
    ]


# ---- classical tests ----------------------------------------------------------------------------------------


def design(columns, names) -> np.ndarray:
    """An intercept and the columns `names` (categorical ones as indicators of all levels but the first)."""
    blocks = [np.ones((_rows(columns), 1))]
    blocks += [_block(columns[name]) for name in names]
    return np.hstack(blocks)


def _rows(columns) -> int:
    return len(next(iter(columns.values())).values)


def _block(column) -> np.ndarray:
    values = np.asarray(column.values)
    if column.levels is None:
        return values.astype(float).reshape(-1, 1)
    codes = values.astype(int)
    return (codes[:, None] == np.arange(1, len(column.levels))[None, :]).astype(float)


def _residuals(target: np.ndarray, basis: np.ndarray) -> np.ndarray:
    coefficients, *_ = np.linalg.lstsq(basis, target, rcond=None)
    return target - basis @ coefficients


def classical(columns, item: Implication) -> tuple[str, float, float, float, float]:
    """(test, estimate, interval low, interval high, p-value) of `item` on the columns."""
    from scipy import stats

    basis = design(columns, item.given)
    rows, k = basis.shape
    u, v = _block(columns[item.u]), _block(columns[item.v])
    ru, rv = _residuals(u, basis), _residuals(v, basis)
    if u.shape[1] == 1 and v.shape[1] == 1 and columns[item.u].levels is None and columns[item.v].levels is None:
        r = float(np.corrcoef(ru[:, 0], rv[:, 0])[0, 1]) if ru.std() > 0 and rv.std() > 0 else 0.0
        r = min(max(r, -0.999999), 0.999999)
        dof = rows - (k - 1) - 3  # dagitty's cis: n - |Z| - 3
        if dof < 1:
            raise error(
                "DS332",
                statement=item.statement,
                why=f"{rows} rows are too few for {k - 1} conditioning columns",
                suggestion="test it on more rows",
            )
        z = math.atanh(r) * math.sqrt(dof)
        half = stats.norm.ppf(0.5 + INTERVAL / 2) / math.sqrt(dof)
        return (
            "cis",
            r,
            math.tanh(math.atanh(r) - half),
            math.tanh(math.atanh(r) + half),
            float(2 * stats.norm.sf(abs(z))),
        )
    return ("cis.pillai", *_pillai(ru, rv, rows, k))


def _pillai(ru: np.ndarray, rv: np.ndarray, rows: int, k: int) -> tuple[float, float, float, float]:
    """Pillai's trace of the canonical correlations between two residual blocks, and its F test."""
    from scipy import stats

    def whitened(block):
        q, r = np.linalg.qr(block)
        keep = np.abs(np.diag(r)) > 1e-10 * max(1.0, np.abs(np.diag(r)).max(initial=0))
        return q[:, keep]

    qu, qv = whitened(ru), whitened(rv)
    p, q = qv.shape[1], qu.shape[1]  # response dimensions, hypothesis degrees of freedom
    if p == 0 or q == 0:
        return 0.0, math.nan, math.nan, 1.0
    canonical = np.clip(np.linalg.svd(qu.T @ qv, compute_uv=False), 0, 1)
    trace = float(np.sum(canonical**2))
    s = min(p, q)
    m = (abs(p - q) - 1) / 2
    n = (rows - k - q - p - 1) / 2  # the error degrees of freedom are rows - k - q
    if n <= 0 or trace >= s:
        return trace, math.nan, math.nan, 0.0 if trace >= s else 1.0
    df1, df2 = s * (2 * m + s + 1), s * (2 * n + s + 1)
    f = (2 * n + s + 1) / (2 * m + s + 1) * trace / (s - trace)
    return trace, math.nan, math.nan, float(stats.f.sf(f, df1, df2))


# ---- the Bayesian regression ------------------------------------------------------------------------------------


def regression(spec, columns, item: Implication) -> tuple[str, dict, str, str] | str:
    """(spec text, data, response, predictor) of the regression testing `item`; or why there is none."""
    u, v = item.u, item.v
    if _family(spec, columns, v) is None and _family(spec, columns, u) is not None:
        u, v = v, u  # regress on the one with a likelihood dagspec can fit
    family = _family(spec, columns, v)
    if family is None:
        return f"neither {u} nor {v} has a family dagspec can fit (a categorical with more than two levels)"
    data, lines = {}, []
    for name in (u, v, *item.given):
        column = columns[name]
        node = name
        if name == v:
            values = np.asarray(column.values, dtype=float)
            data[node] = values if family != "Normal" else _standardized(values)
            lines.append(f"node {node} ~ {family}")
        elif column.levels is not None:
            data[node] = np.asarray([str(column.levels[c]) for c in np.asarray(column.values, dtype=int)])
            lines.append(f"node {node} : categorical")
        else:
            data[node] = _standardized(np.asarray(column.values, dtype=float))
            lines.append(f"node {node}")
    lines += [f"{n} -> {v}" for n in (u, *item.given)]
    lines.append(f"observed {', '.join((u, v, *item.given))}")
    lines.append(f"prior {u} -> {v} as dependence")
    return "\n".join(lines) + "\n", data, v, u


def _standardized(values: np.ndarray) -> np.ndarray:
    sd = values.std(ddof=1) if len(values) > 1 else 0.0
    return (values - values.mean()) / sd if sd > 0 else values - values.mean()


def _family(spec, columns, name: str) -> str | None:
    """The likelihood for a regression on `name`: the spec's own for an outcome, Bernoulli for two values, None
    for a categorical node of more levels, else Normal."""
    node = spec.checked.nodes[name]
    column = columns[name]
    if column.levels is not None:
        return "Bernoulli" if len(column.levels) == 2 else None
    if node.role == "outcome" and node.family in ("Bernoulli", "Poisson", "NegativeBinomial"):
        return node.family
    values = np.unique(np.asarray(column.values, dtype=float))
    return "Bernoulli" if len(values) == 2 and set(values) <= {0.0, 1.0} else "Normal"


def bayesian_test(text: str, data: dict, response: str, predictor: str, seed: int, draws: int, chains: int) -> dict:
    """Fit the implied regression (on a worker) and summarise the dependence coefficient's posterior."""
    import dagspec

    spec = dagspec.parse(text, name=f"{predictor} -> {response}")
    idata = dagspec.sample(
        spec, data, draws=draws, tune=draws, chains=chains, random_seed=seed, compute_convergence_checks=False
    )
    draws_ = idata.posterior["dependence"]
    flat = draws_.values.reshape(-1, *draws_.shape[2:])
    flat = flat.reshape(len(flat), -1)
    low, high = np.quantile(flat, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2], axis=0)
    mean, sd = flat.mean(axis=0), flat.std(axis=0)
    strongest = int(np.argmax(np.abs(mean) / np.where(sd > 0, sd, 1)))
    extra = [d for d in draws_.dims if d not in ("chain", "draw")]
    label = f"[{draws_.coords[extra[0]].values.ravel()[strongest]}]" if extra else ""
    return {
        "response": response,
        "coefficient": f"{predictor}{label} -> {response}",
        "mean": float(mean[strongest]),
        "low": float(low[strongest]),
        "high": float(high[strongest]),
        "excludes_zero": bool(low[strongest] > 0 or high[strongest] < 0),
        "sampler": str(idata.posterior.attrs.get("dagspec_sampler", "")),
    }


# ---- the whole table -------------------------------------------------------------------------------------------


def implicated_edges(spec, item: Implication) -> str:
    """The edges a contradicted `u ⫫ v | Z` points at: a missing edge in a direction that keeps the graph acyclic,
    or a missing common cause."""
    graph = spec.checked.causal_graph()
    options = [f"{a} -> {b}" for a, b in ((item.u, item.v), (item.v, item.u)) if not nx.has_path(graph, b, a)]
    return "a missing edge " + " or ".join(options) + f", or a common cause of {item.u} and {item.v}"


def local_tests(
    spec,
    data=None,
    client=None,
    scheduler: str | None = None,
    workers: int | None = None,
    alpha: float = 0.05,
    bayes: bool = True,
    draws: int = 1000,
    chains: int = 2,
    seed: int = 0,
    quiet: bool = True,
) -> list[LocalTest]:
    """Test every implication of the spec's DAG on its data (see the module); the Bayesian fits run in parallel
    on the Dask cluster."""
    columns = spec.columns(data)
    items = implications(spec)
    missing = sorted({n for item in items for n in (item.u, item.v, *item.given) if n not in columns})
    if missing:
        raise error(
            "DS332",
            source=Source("", spec.name),
            statement="the implications",
            why=f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no data",
            suggestion="observe every node of the graph, or mark the ones without data as latent",
        )
    results = []
    for item in items:
        test, estimate, low, high, p = classical(columns, item)
        results.append(
            LocalTest(item, test, estimate, low, high, p, _rows(columns), None, implicated_edges(spec, item))
        )
    if bayes and results:
        fits = {}
        for index, result in enumerate(results):
            made = regression(spec, columns, result.implication)
            if isinstance(made, str):
                result.bayes = {"skipped": made}
            else:
                fits[index] = made
        if fits:
            tasks = {str(index): (bayesian_test, (*made, seed + index, draws, chains)) for index, made in fits.items()}
            with dask_client(client, scheduler, workers) as engine:
                done = run_tasks(engine, tasks, None, Progress("test-dag", len(tasks), quiet=quiet))
            for key, record in done.items():
                results[int(key)].bayes = (
                    {k: v for k, v in record.items() if k not in ("status", "key")}
                    if record["status"] == "ok"
                    else {"skipped": f"the fit failed: {record['error']}"}
                )
    return results


def table(results: list[LocalTest], alpha: float = 0.05):
    """One row per implication: the classical test, the Bayesian coefficient, the verdict."""
    import pandas as pd

    rows = []
    for r in results:
        bayes = r.bayes or {}
        interval = "" if math.isnan(r.low) else f"[{r.low:.3f}, {r.high:.3f}]"
        rows.append(
            {
                "implication": r.implication.statement,
                "test": r.test,
                "estimate": round(r.estimate, 3),
                "95% CI": interval,
                "p": float(f"{r.p:.3g}"),
                "bayes coefficient": bayes.get("coefficient", "-"),
                "posterior mean": round(bayes["mean"], 3) if "mean" in bayes else math.nan,
                "95% interval": f"[{bayes['low']:.3f}, {bayes['high']:.3f}]" if "low" in bayes else "-",
                "verdict": verdict(r, alpha),
            }
        )
    return pd.DataFrame(rows).set_index("implication") if rows else pd.DataFrame()


def verdict(result: LocalTest, alpha: float) -> str:
    excluded = (result.bayes or {}).get("excludes_zero")
    if result.contradicted(alpha):
        return "contradicted" + ("" if excluded or excluded is None else " (the Bayesian interval covers 0)")
    return "consistent" + (" (the Bayesian interval excludes 0)" if excluded else "")


def findings(results: list[LocalTest], alpha: float) -> list[Diagnostic]:
    from ..codes import CODES

    found = []
    for r in results:
        if r.contradicted(alpha):
            fields = {"statement": r.implication.statement, "p": f"{r.p:.2g}", "implicates": r.implicates}
            found.append(
                Diagnostic("DS330", CODES["DS330"].message.format(**fields), hint=CODES["DS330"].hint, file="test-dag")
            )
    if not results:
        found.append(Diagnostic("DS331", CODES["DS331"].message, hint=CODES["DS331"].hint, file="test-dag"))
    return found
