"""dagspec: .dag text → checked causal model → PyMC model; the public API."""
from __future__ import annotations

from .causal.api import adjustment_sets, d_separated, explain, implied_independencies
from .diagnostics import DagspecError, Diagnostic
from .spec import Spec, load, parse

__all__ = ["DagspecError", "Diagnostic", "Spec", "adjustment_sets", "compare", "conditional_effects", "d_separated", "do",
           "explain", "implied_independencies", "load", "log_likelihood", "loo", "parse", "posterior_predictive",
           "predict", "report", "sample", "sample_prior"]
__version__ = "0.1.0"


def sample(spec, data=None, draws: int = 1000, tune: int = 1000, chains: int = 4, random_seed=None,
           sampler: str | None = None, optimize=True, **kwargs):
    """Sample a spec's posterior; returns arviz.InferenceData.

    `spec` is a Spec or a path to a .dag file; `data` and `optimize` as in `Spec.build`. `sampler` is one of
    "pymc", "nutpie", "numpyro", "blackjax"; by default dagspec picks (`idata.posterior.attrs["dagspec_sampler"]`
    says which): independent draws without MCMC where the posterior allows it — "exact" (closed form: a prior-only
    model, a Beta prior on a Binomial's p) and "gaussian" (coefficients Gaussian given one or two scales, drawn by
    quadrature) —, "collapsed" (NUTS on the scales alone, the Gaussian coefficients integrated out and drawn
    exactly), else PyMC's NUTS with its compiled step cached across runs.
    `optimize={"exact": False}` turns the draws without MCMC off. Extra keyword arguments go to `pymc.sample`
    (e.g. `target_accept`, `cores`). The pointwise log-likelihood is not stored; `log_likelihood`, `loo` and
    `posterior_predictive` add it and predictive draws per data row.
    """
    from .backends.sample import sample as _sample

    spec = _as_spec(spec)
    return _sample(spec, data, draws=draws, tune=tune, chains=chains, random_seed=random_seed, sampler=sampler,
                   optimize=optimize, **kwargs)


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

    return _compare({name: (_as_spec(spec), idata) for name, (spec, idata) in models.items()}, data=data,
                    outcome=outcome)


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


def conditional_effects(spec, idata, data=None, outcome: str | None = None, parent: str | None = None, points: int = 50):
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
