"""The gallery: published analyses re-done as dagspec specs on their real data, each fitted once and checked
against the book's published table or an independent reference computed from the data (tests/gallery/references.py).

Tolerances (also stated on docs/gallery/README.md):
  |posterior mean - reference mean| <= 0.25 * reference sd + 4 * MCSE + half the last published digit
  |posterior sd   - reference sd|   <= 0.25 * reference sd + 4 * MCSE of the sd + half the last published digit
  (a sampled reference's own MCSE is combined with ours)
  and R-hat <= 1.05 for every checked parameter.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pytest

import dagspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from references import ANALYSES, BY_NAME, SETTINGS, SPECS, sd_tolerance, tolerance  # noqa: E402


@pytest.fixture(scope="module")
def fit():
    """Build and sample each spec once per test module; returns its az.summary and the InferenceData."""
    cache = {}

    def get(name):
        if name not in cache:
            analysis = BY_NAME[name]
            if analysis.skip_reason:
                pytest.skip(analysis.skip_reason)
            spec = dagspec.load(SPECS / f"{name}.dag")
            idata = dagspec.sample(spec, random_seed=analysis.seed, **SETTINGS, **analysis.nuts)
            cache[name] = (az.summary(idata, kind="all"), idata)
        return cache[name]

    return get


@cache
def references(name):
    return BY_NAME[name].references()


@pytest.mark.slow
@pytest.mark.parametrize("name", [a.name for a in ANALYSES])
def test_posterior_matches_references(name, fit):
    summary, _ = fit(name)
    for ref in references(name):
        _check(name, summary, ref)


def _check(name, summary, ref):
    problems = []
    for label, (mean, sd) in ref.checked().items():
        assert label in summary.index, f"{name}: no parameter {label} in the posterior ({list(summary.index)})"
        row = summary.loc[label]
        allowed = tolerance(sd, row["mcse_mean"], ref.digits, ref.mcse.get(label, 0.0))
        if abs(row["mean"] - mean) > allowed:
            problems.append(f"{label}: mean {row['mean']:.4f} vs {mean} (allowed ±{allowed:.4f})")
        allowed_sd = sd_tolerance(sd, row["mcse_sd"], ref.digits, ref.mcse_sd.get(label, 0.0))
        if abs(row["sd"] - sd) > allowed_sd:
            problems.append(f"{label}: sd {row['sd']:.4f} vs {sd} (allowed ±{allowed_sd:.4f})")
        if row["r_hat"] > 1.05:
            problems.append(f"{label}: R-hat {row['r_hat']}")
    assert not problems, f"{name} ({ref.source}):\n" + "\n".join(problems)


# ---------------------------------------------------------------- the causal stories the analyses tell


def _mean(fit, name, label):
    return float(fit(name)[0].loc[label, "mean"])


def _sd(fit, name, label):
    return float(fit(name)[0].loc[label, "sd"])


@pytest.mark.slow
def test_waffle_marriage_rate_is_spurious_once_age_is_adjusted_for(fit):
    # m5.2: D on M alone shows a positive association; m5.3 adjusts for A (the fork) and it vanishes
    assert _mean(fit, "waffle_m5_2", "bM") > 2 * _sd(fit, "waffle_m5_2", "bM")
    assert abs(_mean(fit, "waffle_m5_3", "bM")) < _sd(fit, "waffle_m5_3", "bM")
    # while age's effect hardly moves
    assert abs(_mean(fit, "waffle_m5_3", "bA") - _mean(fit, "waffle_m5_1", "bA")) < _sd(fit, "waffle_m5_1", "bA")


@pytest.mark.slow
def test_waffle_measurement_error_shrinks_uncertain_states_and_grows_the_marriage_effect(fit):
    # m15.1: the true divorce rates move from the measured ones toward the regression, the more the larger the
    # standard error; m15.2: with the marriage rate measured with error too, its effect grows (the book's point)
    _, idata = fit("waffle_m15_1")
    d = pd.read_csv(SPECS / "data" / "WaffleDivorce.csv")
    measured = (d["Divorce"] - d["Divorce"].mean()) / d["Divorce"].std()
    moved = np.abs(idata.posterior["D_true"].mean(("chain", "draw")).values - measured.to_numpy())
    assert np.corrcoef(moved, d["Divorce.SE"])[0, 1] > 0.5
    assert _mean(fit, "waffle_m15_2", "bM") > _mean(fit, "waffle_m15_1", "bM")


@pytest.mark.slow
def test_milk_both_effects_are_unmasked_together(fit):
    assert abs(_mean(fit, "milk_m5_7", "bN")) > 2 * abs(_mean(fit, "milk_m5_5", "bN"))
    assert abs(_mean(fit, "milk_m5_7", "bM")) > 2 * abs(_mean(fit, "milk_m5_6", "bM"))
    assert _mean(fit, "milk_m5_7", "bN") > 0 > _mean(fit, "milk_m5_7", "bM")


@pytest.mark.slow
def test_milk_imputation_keeps_both_effects_and_imputes_every_missing_row(fit):
    assert _mean(fit, "milk_m15_5", "bB") > 0 > _mean(fit, "milk_m15_5", "bM")
    _, idata = fit("milk_m15_5")
    missing = np.flatnonzero(pd.read_csv(SPECS / "data" / "milk.csv")["neocortex.perc"].isna())
    assert idata.posterior["B_missing"].coords["B__missing"].values.tolist() == missing.tolist()


@pytest.mark.slow
def test_ucbadmit_gender_contrast_reverses_within_departments(fit):
    assert _mean(fit, "ucbadmit_m11_7", "diff_a") > 5 * _sd(fit, "ucbadmit_m11_7", "diff_a")
    assert _mean(fit, "ucbadmit_m11_8", "diff_a") < 0


@pytest.mark.slow
def test_rugged_slopes_have_opposite_signs_in_and_out_of_africa(fit):
    assert _mean(fit, "rugged_m8_3", "b[1]") > 0 > _mean(fit, "rugged_m8_3", "b[0]")


@pytest.mark.slow
def test_austincats_black_cats_wait_longer(fit):
    # the right-censored likelihood: black cats (a[1]) wait about 57 days on average, the others (a[2]) about 48
    gap = _mean(fit, "austincats_m11_15", "a[1]") - _mean(fit, "austincats_m11_15", "a[2]")
    assert gap > 4 * np.hypot(_sd(fit, "austincats_m11_15", "a[1]"), _sd(fit, "austincats_m11_15", "a[2]"))


@pytest.mark.slow
def test_trolley_each_principle_lowers_ratings_and_intended_contact_most(fit):
    slopes = {b: _mean(fit, "trolley_m12_5", b) for b in ("bA", "bI", "bC", "bIA", "bIC")}
    assert all(value < -2 * _sd(fit, "trolley_m12_5", b) for b, value in slopes.items())
    assert min(slopes, key=slopes.get) == "bIC"
    # a story with none of the principles is rated 1 less often (invlogit(cutpoints[1|2]) in m12.5, about 7%)
    # than all stories together (m12.4, about 13%): the principles explain part of the low ratings
    assert _mean(fit, "trolley_m12_5", "cutpoints[1|2]") < _mean(fit, "trolley_m12_4", "cutpoints[1|2]")


@pytest.mark.slow
def test_reedfrogs_tanks_are_pooled(fit):
    # partial pooling: the tanks' posterior survival probabilities are less spread out than the raw proportions,
    # and the most extreme raw proportions (all or almost none survived) move most
    _, idata = fit("reedfrogs_m13_2")
    d = pd.read_csv(SPECS / "data" / "reedfrogs.csv")
    raw = d["propsurv"].to_numpy()
    post = (1 / (1 + np.exp(-idata.posterior["a"]))).mean(("chain", "draw")).to_numpy()
    assert post.std() < raw.std()
    shift = np.abs(post - raw)
    assert shift[raw == 1.0].mean() > shift[(raw > 0.6) & (raw < 0.9)].mean()


@pytest.mark.slow
def test_kline_population_still_matters_and_nearby_islands_share_tools(fit):
    # m14.8: the population effect survives the spatial covariance, and the correlation the GP implies between two
    # societies (at the posterior medians of etasq and rhosq, as the book's figure) falls with distance: Malekula,
    # Tikopia and Santa Cruz, a few hundred km apart, are strongly correlated, Hawaii with none of the others
    assert _mean(fit, "kline_m14_8", "b") > 2 * _sd(fit, "kline_m14_8", "b")
    _, idata = fit("kline_m14_8")
    etasq, rhosq = (float(idata.posterior[name].median()) for name in ("etasq", "rhosq"))
    D = pd.read_csv(SPECS / "data" / "islandsDistMatrix.csv", index_col=0)
    rho = etasq * np.exp(-rhosq * D**2) / (etasq + 0.01)
    assert min(rho.loc["Malekula", "Tikopia"], rho.loc["Tikopia", "Santa Cruz"]) > 0.5
    assert rho.loc["Hawaii"].drop("Hawaii").max() < 0.05


# ---------------------------------------------------------------- the causal analyses the specs ask for (fast)

ADJUSTED = {  # spec: (the parameters of the fitted regression, the codes dagspec warns with)
    "waffle_m5_1": ({"a", "bA", "sigma"}, set()),  # A's total effect: no back-door path
    "waffle_m5_2": ({"a", "bM", "sigma"}, {"DS316"}),  # M alone: the fork at A left open, and said so
    "waffle_m5_3": ({"a", "bM", "bA", "sigma"}, set()),  # estimate M -> D adjusts for A
    "milk_m5_5": ({"a", "bN", "sigma"}, {"DS316"}),
    "milk_m5_6": ({"a", "bM", "sigma"}, set()),  # N is a mediator of M: not adjusted for
    "milk_m5_7": ({"a", "bN", "bM", "sigma"}, set()),  # estimate N -> K adjusts for M
    "earnings_logearn_logheight_male": ({"beta_1", "beta_2", "beta_3", "sigma"}, set()),  # adjusts for male
}


@pytest.mark.parametrize("name", sorted(ADJUSTED))
def test_estimates_fit_the_adjustment_the_graph_implies(name):
    spec = dagspec.load(SPECS / f"{name}.dag")
    parameters, warnings = ADJUSTED[name]
    assert set(spec.parameters) == parameters
    assert {w.code for w in spec.warnings} == warnings


def test_every_gallery_spec_checks_without_errors():
    for analysis in ANALYSES:
        spec = dagspec.load(SPECS / f"{analysis.name}.dag")
        spec.plan()


@pytest.mark.slow
def test_cherry_blossoms_come_earlier_and_the_ar5_series_is_forecast(fit):
    # the walk's trend moved about five days earlier between 1946 and 2015
    gap = _mean(fit, "cherry_blossoms_walk", "trend[2015]") - _mean(fit, "cherry_blossoms_walk", "trend[1946]")
    assert gap < -2 * np.hypot(
        _sd(fit, "cherry_blossoms_walk", "trend[2015]"), _sd(fit, "cherry_blossoms_walk", "trend[1946]")
    )
    # arK's forecast: the first step's expected value is the recursion on the last five values, per draw
    _, idata = fit("arK")
    spec = dagspec.load(SPECS / "arK.dag")
    predicted = dagspec.forecast(spec, idata, 4, kind="mean", random_seed=1).predictions["y"]
    assert predicted.shape == (2, 500, 1, 4) and np.all(np.isfinite(predicted))
    y = np.asarray(json.loads((SPECS / "data" / "arK.json").read_text())["y"])
    post = idata.posterior
    first = post["alpha"] + sum(post[f"beta_{k}"] * y[-k] for k in range(1, 6))
    np.testing.assert_allclose(predicted.values[:, :, 0, 0], first.values, rtol=1e-9)
