"""dagspec: .dag text → checked causal model → PyMC model; the public API."""

from __future__ import annotations

from .causal.api import adjustment_sets, d_separated, explain, implied_independencies
from .diagnostics import DagspecError, DagspecWarning, Diagnostic
from .spec import Spec, load, parse

__all__ = [
    "DagspecError",
    "DagspecWarning",
    "Diagnostic",
    "Spec",
    "adjustment_sets",
    "batch",
    "compare",
    "conditional_effects",
    "d_separated",
    "do",
    "explain",
    "fit",
    "forecast",
    "implied_independencies",
    "load",
    "local_tests",
    "log_likelihood",
    "loo",
    "parse",
    "posterior_predictive",
    "predict",
    "report",
    "sample",
    "sample_prior",
    "sbc",
    "survival",
]
__version__ = "0.1.0"


def sample(
    spec,
    data=None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    random_seed=None,
    sampler: str | None = None,
    optimize=True,
    **kwargs,
):
    """Sample a spec's posterior; returns arviz.InferenceData.

    `spec` is a Spec or a path to a .dag file; `data` and `optimize` as in `Spec.build`. `sampler` is one of
    "pymc", "nutpie", "numpyro", "blackjax"; by default dagspec picks (`idata.posterior.attrs["dagspec_sampler"]`
    says which): independent draws without MCMC where the posterior allows it — "exact" (closed form: a prior-only
    model, a Beta prior on a Binomial's p) and "gaussian" (coefficients Gaussian given one or two scales, drawn by
    quadrature) —, "collapsed" (NUTS on the scales alone, the Gaussian coefficients integrated out and drawn
    exactly), "independence" (Metropolis-Hastings proposing from the posterior's Laplace approximation, or for a pool
    with one or two group scales from Laplace approximations given the scales, where a pilot shows it mixes:
    small GLMs and their varying intercepts), else PyMC's NUTS with its compiled step cached across runs, or
    nutpie where installed for a model with an LKJ covariance (`attrs["dagspec_sampler_reason"]` says why).
    `optimize={"exact": False}` turns the draws without MCMC off, `{"independence": False}` the independence
    sampler. Extra keyword arguments go to `pymc.sample` (e.g. `target_accept`, `cores`; a NUTS option means NUTS). The pointwise log-likelihood is not stored; `log_likelihood`, `loo` and
    `posterior_predictive` add it and predictive draws per data row.

    What the command line prints as warnings comes as `DagspecWarning`s carrying their code (`.code`):
    divergences, R-hat, ESS and tree depth (DS602-DS605), a fall back from draws without MCMC to NUTS (DS633),
    and problems with the step cache (DS630-DS632). Impossible arguments (`draws=0`, `random_seed="x"`) are
    DagspecErrors (DS634).
    """
    from .backends.sample import sample as _sample

    spec = _as_spec(spec)
    return _sample(
        spec,
        data,
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=random_seed,
        sampler=sampler,
        optimize=optimize,
        **kwargs,
    )


def fit(
    spec,
    data=None,
    method: str = "laplace",
    draws: int = 1000,
    chains: int = 1,
    random_seed=None,
    iterations: int | None = None,
):
    """An approximate posterior by a method other than MCMC; returns arviz.InferenceData (chains × draws of
    independent draws; `idata.posterior.attrs["dagspec_method"]` names the method).

    `method="laplace"`: a Gaussian at the posterior's mode with the inverse curvature there as covariance
    (Statistical Rethinking's `quap`); `"advi"` / `"fullrank_advi"`: PyMC's mean-field / full-rank variational
    fit (`iterations` steps of its optimizer, 30,000 by default, in the optimizer's centred coordinates);
    `"pathfinder"`: pymc-extras' multi-path Pathfinder (4 paths of at most `iterations` L-BFGS steps, 1000 by
    default; `pip install 'dagspec[pathfinder]'`, else DS640), the Pareto k of its importance weights in
    `idata.posterior.attrs["dagspec_pareto_k"]`. All work in the unconstrained space (a scale's log), so every
    draw is inside its support. Variational fits are
    approximations that can be far off (typically too narrow, or not converged): compare with `sample`, which
    gives the exact posterior by NUTS (or without MCMC where dagspec can). `fit` is never chosen for you.
    """
    from .backends.approximate import fit as _fit
    from .backends.sample import check_arguments

    check_arguments(
        draws=draws,
        chains=chains,
        random_seed=random_seed,
        **({"iterations": iterations} if iterations is not None else {}),
    )
    return _fit(
        _as_spec(spec), data, method=method, draws=draws, chains=chains, random_seed=random_seed, iterations=iterations
    )


def do(spec, idata, interventions: dict, data=None, outcomes=None, random_seed=None):
    """Posterior predictive distributions of outcomes under do(node = value), through the fitted path model.

    `interventions` maps node names to values (level names for categorical nodes). Returns InferenceData
    with the outcomes in `posterior_predictive`; the average causal effect of x on y is the difference of
    y's means under two interventions, e.g. do(x=1) minus do(x=0).
    """
    from .backends.intervene import do as _do

    spec = _as_spec(spec)
    return _do(spec, idata, interventions, data=data, outcomes=outcomes, random_seed=random_seed)


def sample_prior(spec, data=None, draws: int = 500, random_seed=None):
    """Draws from the prior and the prior predictive distribution (no data is fitted); returns InferenceData.

    Groups: `prior` (every parameter, under the names the posterior uses), `prior_predictive` (each outcome,
    one value per data row: what the model expects before it sees the outcomes) and `observed_data`. The data
    gives the predictors and the number of rows. Improper priors (Flat, HalfFlat) cannot be drawn from (DS610).
    """
    from .backends.predictive import prior_predictive
    from .backends.sample import check_arguments

    check_arguments(draws=draws, random_seed=random_seed)
    return prior_predictive(_as_spec(spec), data, draws=draws, random_seed=random_seed)


def posterior_predictive(spec, idata, data=None, random_seed=None):
    """Add posterior predictive draws of each outcome, one per data row, to `idata` (and return it).

    `idata` is a posterior of this spec (from `sample`). Draws come from the literal model, so a Bernoulli
    outcome has one 0/1 draw per row even where the optimized model fitted per-cell counts; `observed_data`
    is set to the literal model's observed values, as `arviz.plot_ppc` needs. `data` predicts other rows.
    """
    from .backends.predictive import posterior_predictive as _posterior_predictive

    return _posterior_predictive(_as_spec(spec), idata, data=data, random_seed=random_seed)


def log_likelihood(spec, idata, data=None):
    """Add the pointwise log-likelihood of the literal model (per data row, per outcome) to `idata` and return it;
    `observed_data` is set to the literal model's observed values."""
    from .backends.predictive import log_likelihood as _log_likelihood

    return _log_likelihood(_as_spec(spec), idata, data=data)


def loo(spec, idata, data=None, outcome: str | None = None):
    """PSIS leave-one-out cross-validation of a posterior (`arviz.loo`, pointwise): an ELPDData.

    One term per data row. A spec with one outcome is cross-validated on it; with several outcomes over the
    same rows (path analysis: x2 and y1), a row's log-likelihood is the sum of its outcomes' (a row is left out
    whole). `outcome` (a node name, e.g. "y1") cross-validates one outcome alone. `pareto_k` has one value
    per row: above 0.7, that row's estimate is unreliable.
    """
    from .backends.predictive import loo as _loo

    return _loo(_as_spec(spec), idata, data=data, outcome=outcome)


def compare(models: dict, data=None, outcome: str | None = None):
    """Compare fitted specs by PSIS-LOO: `{"name": (spec, idata), ...}` → `arviz.compare`'s DataFrame.

    Rows best first: rank, elpd_loo, p_loo, elpd_diff (to the best), weight (stacking), se, dse (the standard
    error of elpd_diff), warning, scale. The models must predict the same observed values of the same nodes
    (the rule of `loo` decides what a row is); otherwise DS607. `outcome` compares on that node alone.
    """
    from .backends.predictive import compare as _compare

    return _compare(
        {name: (_as_spec(spec), idata) for name, (spec, idata) in models.items()}, data=data, outcome=outcome
    )


def survival(spec, idata, newdata=None, times=(), outcome: str | None = None, data=None, random_seed=None):
    """Survival curves for new rows of an Exponential, Weibull, Gamma or LogNormal outcome (censored, truncated or
    neither): an xarray Dataset with `survival`
    (chain, draw, row, time), S(t) = P(T > t) at each of `times`, and `median` (chain, draw, row), the median time
    to the event, per posterior draw. `newdata` as for `predict` (no censoring column needed)."""
    from .backends.survival import survival as _survival

    return _survival(_as_spec(spec), idata, newdata, times=times, outcome=outcome, data=data, random_seed=random_seed)


def forecast(spec, idata, horizon: int, kind: str = "outcome", outcome=None, random_seed=None, data=None):
    """Forecasts of an autoregressive outcome (parents: its own lags `lag(y, k, ...)`, the lags' `by` group, a time
    node with a random-walk or AR(1) pool) 1..horizon time steps after each group's last fitted time: the AR
    recursion iterated per posterior draw, reading its lags from the data and from the draws of the steps before,
    and the walk drawn on past its last fitted level. InferenceData whose `predictions` have the outcome per
    (chain, draw, group, step), with the `time` of each step; kind="mean" gives the expected value at each step
    given the path drawn so far. `data` as for `predict`."""
    from .backends.forecast import forecast as _forecast

    return _forecast(_as_spec(spec), idata, horizon, kind=kind, outcome=outcome, random_seed=random_seed, data=data)


def predict(spec, idata, newdata=None, kind: str = "mean", outcomes=None, random_seed=None, data=None):
    """Predictions for new rows: InferenceData whose `predictions` group has each outcome per draw and row.

    `kind="mean"`: the outcome's expected value (mu; p for Bernoulli; n p for Binomial); `kind="outcome"`: a
    new draw of it. `newdata` holds the raw columns the spec reads (transforms are applied with the fitted
    rows' statistics; `where` is not applied); `newdata=None` predicts the fitted rows. In a path model a
    mediator left out of `newdata` is predicted from its parents first and feeds what it causes; one given
    in `newdata` is used as given. A categorical level not seen in fitting gets an effect drawn from its
    hierarchical prior (per posterior draw) where it has one, and is an error (DS515) where it has not.
    `data` is the fitted data when it was passed to `sample` (to recompute the transforms' statistics from,
    if `idata` does not carry them).
    """
    from .backends.predict import predict as _predict

    return _predict(_as_spec(spec), idata, newdata, kind=kind, outcomes=outcomes, random_seed=random_seed, data=data)


def sbc(
    spec,
    sims: int = 100,
    client=None,
    data=None,
    fit=None,
    seed: int | None = None,
    out=None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    sampler: str | None = None,
    optimize=True,
    rank_draws: int = 99,
    scheduler: str | None = None,
    workers: int | None = None,
    overwrite: bool = False,
):
    """Simulation-based calibration (Talts et al. 2018) on a Dask cluster; returns an SBCResult.

    Each of `sims` simulations draws the parameters from the prior and the outcomes from the likelihood on the
    spec's predictors (or `data`'s), fits them as `sample` would (`draws`, `tune`, `chains`, `sampler`,
    `optimize`), and ranks each true value among `rank_draws` posterior draws. Seeds come from `seed` through
    numpy's SeedSequence (one child per simulation), so a run is reproducible. `fit` is another spec to fit with
    (a deliberately different prior, say). `client` is a `dask.distributed.Client`; without one, `scheduler` (an
    address) or a LocalCluster of `workers` processes is used. With `out` (a folder), each simulation's record
    is written as it finishes and a second call resumes. The result has `.table()` (per parameter: chi-square
    p-value, inside the simultaneous ECDF band, verdict), `.calibrated`, `.failed`, `.diverged`, `.findings()`
    (DS653 miscalibrated, DS654 failed, DS656 divergent) and `.plot(path)` (ECDF differences with bands).
    """
    from .validate.sbc import FitSettings
    from .validate.sbc import sbc as _sbc

    settings = FitSettings(draws=draws, tune=tune, chains=chains, sampler=sampler, optimize=optimize)
    return _sbc(
        _as_spec(spec),
        sims=sims,
        client=client,
        data=data,
        fit=None if fit is None else _as_spec(fit),
        seed=seed,
        out=out,
        settings=settings,
        rank_draws=rank_draws,
        scheduler=scheduler,
        workers=workers,
        overwrite=overwrite,
    )


def batch(
    spec,
    datasets: dict,
    out,
    client=None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    sampler: str | None = None,
    optimize=True,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    overwrite: bool = False,
):
    """Fit one spec to many data sets on a Dask cluster: `{name: DataFrame}` → `{name: record}`.

    A record has `status` ("ok" or "failed" with `error`), `summary` (per parameter: mean, sd, hdi_3%, hdi_97%,
    ess_bulk, r_hat), `divergences` and `posterior` (the file `out/fits/NAME.nc`). `out` is resumed if it holds
    records of the same run. `dagspec.validate.batch.data_sets(folder)` or `data_sets(data=table, by=column)`
    makes `datasets`; `summary_table(records)` is the parameters × fits table. Engine arguments as in `sbc`.
    """
    from .validate.batch import batch as _batch
    from .validate.sbc import FitSettings

    settings = FitSettings(draws=draws, tune=tune, chains=chains, sampler=sampler, optimize=optimize)
    return _batch(
        _as_spec(spec),
        datasets,
        out,
        client=client,
        settings=settings,
        seed=seed,
        scheduler=scheduler,
        workers=workers,
        overwrite=overwrite,
    )


def local_tests(
    spec,
    data=None,
    client=None,
    alpha: float = 0.05,
    bayes: bool = True,
    draws: int = 1000,
    chains: int = 2,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
):
    """Test each conditional independence the spec's DAG implies on its data (as dagitty's localTests), with a
    Bayesian regression per implication fitted in parallel on a Dask cluster; returns a list of LocalTest.

    `dagspec.validate.localtests.table(results, alpha)` is the table `dagspec test-dag` prints; a result's
    `contradicted(alpha)` says whether the classical test rejects it, `implicates` which edges that points at.
    """
    from .validate.localtests import local_tests as _local_tests

    return _local_tests(
        _as_spec(spec),
        data,
        client=client,
        scheduler=scheduler,
        workers=workers,
        alpha=alpha,
        bayes=bayes,
        draws=draws,
        chains=chains,
        seed=seed,
    )


def conditional_effects(
    spec, idata, data=None, outcome: str | None = None, parent: str | None = None, points: int = 50
):
    """Each outcome's expected value along one of its parents, the other columns the spec reads held at their mean
    (numeric) or most frequent value (categorical, text): a pandas DataFrame with one row per (outcome, parent,
    grid value) and the posterior mean and 94% HDI there (columns outcome, parent, column, value, categorical,
    mean, hdi_low, hdi_high), as brms's `conditional_effects` and Bambi's `interpret` compute them. A numeric
    parent runs over `points` values from its column's minimum to maximum, a categorical one over its levels.
    `data` is the fitted data when it was not the spec's own file."""
    from .backends.effects import conditional_effects as _effects

    return _effects(_as_spec(spec), idata, data=data, outcome=outcome, parent=parent, points=points)


def report(spec, idata, data=None) -> str:
    """One self-contained HTML page (a string): the DAG, the spec, the compiled model, the causal summary, the
    posterior table with the sampler's health, and plots (trace, posterior, the posterior predictive check when
    `idata` has predictive draws, conditional effects). It makes no network request when opened."""
    from .render.html import build_report

    return build_report(_as_spec(spec), idata, data)


def _as_spec(spec) -> Spec:
    return spec if isinstance(spec, Spec) else load(spec)
