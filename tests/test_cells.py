"""Outcomes whose rows share their categorical predictors' levels → one log density over the cells from sufficient
statistics (optimize/cells.py, cell_stats.py): exactly the literal model's log density, families that do not
factor left alone, and the pointwise log-likelihood (LOO) still per row from the literal model."""

import arviz as az
import numpy as np
import pandas as pd
import pytest
from logp_support import assert_same_log_density
from scipy import stats

import dagspec
from dagspec.plan import OBS_DIM, LikelihoodVar, LogDensity

ONLY_CELLS = {"linear": False, "whiten": False, "pools": False, "normal": False, "exact": False}


def _rows(n=300, seed=5):
    """Two categorical predictors (12 cells, about 25 rows each), a numeric one, and outcomes of each kind that
    depend on the categorical ones: positive, in (0, 1), real, counts with extra zeros, zeros or positive."""
    rng = np.random.default_rng(seed)
    g, t = rng.integers(0, 4, n), rng.integers(0, 3, n)
    eta = 0.3 * g - 0.4 * t
    return pd.DataFrame(
        {
            "g": g,
            "t": t,
            "x": rng.normal(0, 1, n),
            "positive": rng.gamma(2.0, np.exp(eta) / 2.0),
            "unit": rng.beta(5 / (1 + np.exp(-eta)), 5 / (1 + np.exp(eta))),
            "real": rng.normal(2 + eta, np.exp(0.2 * g)),
            "count": rng.poisson(np.exp(1 + eta)) * rng.binomial(1, 0.7, n),  # with extra zeros
            # zeros and positive values; none positive in the cell g = 0, t = 0
            "hurdle": rng.gamma(2.0, np.exp(eta) / 2.0) * rng.binomial(1, 0.7, n) * ((g > 0) | (t > 0)),
        }
    )


def _spec(family: str, extra: str = "", options: str = ""):
    column = {"Beta": "unit", "Normal": "real"}.get(family, "count" if "Poisson" in family else "positive")
    return dagspec.parse(
        f"node g : categorical\nnode t : categorical\nnode {column} ~ {family}{options}\n"
        f"g -> {column}\nt -> {column}\n{extra}observed g, t, {column}\n"
    )


def _outcomes(*outcomes: tuple[str, str, str, str]):
    """A spec of several outcomes (name, family and options, column, more lines), each on g and t: one model
    build checks them all."""
    lines = ["node g : categorical", "node t : categorical"]
    for name, family, _, extra in outcomes:
        lines += [f"node {name} ~ {family}", f"g -> {name}", f"t -> {name}", *filter(None, extra.split("\n"))]
    lines.append("observed g, t, " + ", ".join(f'{name} = "{column}"' for name, _, column, _ in outcomes))
    return dagspec.parse("\n".join(lines) + "\n")


def _likelihoods(plan):
    return [e for e in plan.entries if isinstance(e, LikelihoodVar)]


def _collapsed(spec, data) -> None:
    """Every outcome's rows collapsed to the 12 cells of g and t: a log density each, no likelihood left."""
    plan = spec.plan(data, optimize=ONLY_CELLS)
    outcomes = sorted(n.name for n in spec.checked.outcomes())
    assert not _likelihoods(plan)
    assert sorted(e.name for e in plan.entries if isinstance(e, LogDensity)) == [f"{o}__likelihood" for o in outcomes]
    assert sum(f"{len(data)} rows collapsed" in note and "12 cells of g, t" in note for note in plan.notes) == len(
        outcomes
    )


EXACT = {
    "plain": [
        ("normal", "Normal", "real", ""),
        ("normal_log", "Normal(link = log)", "real", ""),
        ("lognormal", "LogNormal", "positive", ""),
        ("exponential", "Exponential", "positive", ""),
        ("gamma", "Gamma", "positive", ""),
        ("gamma_fixed", "Gamma(alpha = 2)", "positive", ""),  # a fixed shape
        ("beta", "Beta", "unit", ""),
        ("beta_probit", "Beta(link = probit)", "unit", ""),
    ],
    # distributional: the auxiliary parameter's own linear predictor, evaluated once per cell
    "distributional": [
        ("normal", "Normal", "real", "g -> normal.sigma"),
        ("gamma", "Gamma", "positive", "t -> gamma.alpha"),
        (
            "lognormal",
            "LogNormal",
            "positive",
            "g -> lognormal.sigma\nprior g -> lognormal.sigma ~ Normal(0, tau)\nprior tau ~ HalfNormal(1)",
        ),
        ("beta", "Beta", "unit", "g -> beta.kappa"),
    ],
    "hurdles": [
        ("h_gamma", "HurdleGamma", "hurdle", ""),
        ("h_lognormal", "HurdleLogNormal", "hurdle", ""),
        ("h_gamma_by", "HurdleGamma", "hurdle", "g -> h_gamma_by.hu\nt -> h_gamma_by.alpha"),
    ],
}


@pytest.mark.parametrize("kind", list(EXACT))
def test_rows_sharing_a_cell_give_exactly_the_literal_log_density(kind):
    spec, data = _outcomes(*EXACT[kind]), _rows()
    _collapsed(spec, data)
    # a log density over the 12 cells equal to the rows' at random points, nothing dropped
    assert_same_log_density(spec.build(data, optimize=ONLY_CELLS), spec.build(data, optimize=False), rel=1e-9)


def test_counts_collapse_dropping_only_the_stated_constant():
    from scipy.special import gammaln

    counts = [
        ("poisson_sqrt", "Poisson(link = sqrt)", "count", ""),
        ("zip", "ZeroInflatedPoisson", "count", ""),
        ("zip_by_t", "ZeroInflatedPoisson", "count", "t -> zip_by_t.zi"),
        ("hurdle", "HurdlePoisson", "count", ""),
        ("hurdle_sqrt", "HurdlePoisson(link = sqrt)", "count", "g -> hurdle_sqrt.hu"),
    ]
    spec, data = _outcomes(*counts), _rows()
    _collapsed(spec, data)
    assert all("the constant -Σ log y! dropped" in note for note in spec.plan(data, optimize=ONLY_CELLS).notes[1:])
    collapsed, literal = spec.build(data, optimize=ONLY_CELLS), spec.build(data, optimize=False)
    collapsed_logp, literal_logp = collapsed.compile_logp(), literal.compile_logp()
    rng = np.random.default_rng(0)
    for _ in range(6):
        point = {k: v + rng.normal(0, 0.7, np.shape(v)) for k, v in literal.initial_point().items()}
        gap = collapsed_logp(point) - literal_logp(point)
        assert gap == pytest.approx(len(counts) * np.sum(gammaln(data["count"] + 1)), rel=1e-9)


def test_with_every_pass_the_cells_come_after_the_pools_and_the_whitening():
    """The pools pass judges a pool on the literal rows, then the cells collapse; the posterior is the same (the
    non-centred pool and the whitened effects: a constant Jacobian)."""
    from logp_support import log_density_gaps

    pooled = "prior g -> gamma ~ Normal(0, tau)\nprior tau ~ HalfNormal(1)"
    spec, data = _outcomes(("gamma", "Gamma", "positive", pooled), ("normal", "Normal", "real", "")), _rows()
    notes = spec.plan(data, optimize=True).notes
    assert any("b_g_gamma:" in note and "pool" in note for note in notes)
    assert any("normal: effects" in note and "whitened" in note for note in notes)
    assert sum("collapsed" in note for note in notes) == 2
    gaps, _, _ = log_density_gaps(spec, data, True)
    assert np.ptp(gaps) < 1e-8 * max(1.0, np.abs(gaps).max())


def test_the_cells_data_are_named_apart_from_the_users_nodes():
    """The cells' containers (`y__cell__g`, `y__rows`, `y__sum_y`, ...) never meet a node's own name."""
    data = _rows().rename(columns={"g": "rows", "t": "sum_y"})
    spec = dagspec.parse(
        "node rows : categorical\nnode sum_y : categorical\nnode positive ~ Gamma\nrows, sum_y -> positive\n"
        "observed rows, sum_y, positive\n"
    )
    assert any("collapsed" in note for note in spec.plan(data, optimize=ONLY_CELLS).notes)
    assert_same_log_density(spec.build(data, optimize=ONLY_CELLS), spec.build(data, optimize=False), rel=1e-9)


def test_rows_in_cells_of_their_own_are_left_alone():
    data = _rows(n=12).assign(g=[0, 1, 2, 3] * 3, t=[0] * 4 + [1] * 4 + [2] * 4)  # one row per cell
    for family in ("Gamma", "Normal", "Beta"):
        plan = _spec(family).plan(data, optimize=True)
        assert [e.family for e in _likelihoods(plan)] == [family]
        assert not any("collapsed" in note for note in plan.notes)


@pytest.mark.parametrize(
    "text",
    [
        # densities that do not factor into per-cell sums of the outcome
        "node y ~ StudentT\ng, t -> y",
        "node y ~ NegativeBinomial\ng, t -> y",
        "node y ~ Weibull\ng, t -> y",
        "node y ~ HurdleNegativeBinomial\ng, t -> y",
        # rows that do not each add the family's own density once
        "node c\nnode y ~ Gamma(censored = c)\ng, t -> y\nobserved c",
        "node y ~ Gamma(truncated = [0, none])\ng, t -> y",
        "node w\nnode y ~ Gamma(weights = w)\ng, t -> y\nobserved w",
        # a numeric predictor, or one of the auxiliary parameter: every row its own mean
        "node x\nnode y ~ Gamma\ng, t, x -> y\nobserved x",
        "node x\nnode y ~ Gamma\ng, t -> y\nx -> y.alpha\nobserved x",
        # a mediator: other nodes read its rows
        "node y ~ Gamma\nnode z ~ Normal\ng, t -> y\ny -> z\nobserved z",
    ],
    ids=[
        "StudentT",
        "NegativeBinomial",
        "Weibull",
        "HurdleNegativeBinomial",
        "censored",
        "truncated",
        "weighted",
        "numeric",
        "numeric-alpha",
        "mediator",
    ],
)
def test_likelihoods_that_cannot_collapse_exactly_keep_their_rows(text):
    rng = np.random.default_rng(1)
    data = _rows().assign(c=0, w=rng.uniform(0.5, 2, 300), z=rng.normal(0, 1, 300))
    data["y"] = rng.poisson(3.0, 300) if "NegativeBinomial" in text else data.positive
    spec = dagspec.parse(f"node g : categorical\nnode t : categorical\n{text}\nobserved g, t, y\n")
    plan = spec.plan(data, optimize=True)
    y = next(e for e in _likelihoods(plan) if e.name == "y")
    assert y.dims == (OBS_DIM,) and not any("collapsed" in note for note in plan.notes)


def test_the_pointwise_log_likelihood_is_still_per_row_of_the_literal_model():
    spec, data = _spec("Gamma"), _rows(n=60)
    assert any("collapsed" in note for note in spec.plan(data, optimize=True).notes)
    rng = np.random.default_rng(2)
    draws = {
        "positive_intercept": rng.normal(0, 0.1, (1, 3)),
        "b_g_positive": rng.normal(0, 0.1, (1, 3, 4)),
        "b_t_positive": rng.normal(0, 0.1, (1, 3, 3)),
        "positive_alpha": rng.uniform(1, 3, (1, 3)),
    }
    idata = az.from_dict(posterior=draws, dims={"b_g_positive": ["g"], "b_t_positive": ["t"]})
    pointwise = dagspec.log_likelihood(spec, idata, data).log_likelihood["positive"]
    assert pointwise.shape == (1, 3, 60)
    for d in range(3):
        eta = (
            draws["positive_intercept"][0, d]
            + draws["b_g_positive"][0, d][data.g]
            + draws["b_t_positive"][0, d][data.t]
        )
        alpha = draws["positive_alpha"][0, d]
        expected = stats.gamma.logpdf(data.positive, alpha, scale=np.exp(eta) / alpha)
        np.testing.assert_allclose(pointwise[0, d], expected, rtol=1e-8)


def test_a_script_of_the_collapsed_model_matches(tmp_path):
    from test_codegen import _run_script, _same_log_density

    _rows().to_csv(tmp_path / "rows.csv", index=False)
    (tmp_path / "cells.dag").write_text(
        "node g : categorical\nnode t : categorical\nnode positive ~ LogNormal\nnode unit ~ Beta\nnode real ~ Normal\n"
        "node hurdle ~ HurdleGamma\nnode count ~ ZeroInflatedPoisson\n"
        "g, t -> positive\ng, t -> unit\ng -> real\nt -> real.sigma\ng, t -> hurdle\ng, t -> count\n"
        'observed g, t, positive, unit, real, hurdle, count from "rows.csv"\n'
    )
    spec = dagspec.load(tmp_path / "cells.dag")
    assert sum("collapsed" in note for note in spec.plan(optimize=True).notes) == 5
    _same_log_density(spec.build(optimize=True), _run_script(spec, tmp_path, True))
