"""The optimizer's models have exactly the literal model's posterior: log densities differ by a constant
(the reparameterisations' Jacobians), user names survive as deterministics, and each pass can be switched off."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytensor
import pytest
from logp_support import log_density_gaps

import dagspec

ROOT = Path(__file__).resolve().parent.parent


def _fork(n=200, seed=3):
    rng = np.random.default_rng(seed)
    z = rng.normal(10, 3, n)
    return pd.DataFrame({"z": z, "x": 3 * z + rng.normal(0, 0.1, n), "y": 2 * z + rng.normal(0, 0.1, n)})


FORK = """
node z
node x
node y ~ Normal
z -> x
x, z -> y
observed x, z, y
prior y.intercept ~ Normal(0, 1) as intercept
prior x -> y ~ Normal(0, 1) as slope_x
prior z -> y ~ Normal(0, 1) as slope_z
prior y.sigma ~ Exponential(1) as error
"""


def test_qr_and_centring_keep_the_posterior():
    spec = dagspec.parse(FORK)
    gaps, literal, optimized = log_density_gaps(spec, _fork(), True)
    assert np.ptp(gaps) < 1e-6 * max(1.0, np.abs(gaps).max())
    assert {"intercept", "slope_x", "slope_z"} <= {d.name for d in optimized.deterministics}
    assert "y__theta" in {v.name for v in optimized.free_RVs}
    notes = spec.plan(_fork(), optimize=True).notes
    assert any("QR basis" in n for n in notes) and any("centred" in n for n in notes)


def test_centring_alone_for_uncorrelated_predictors():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"a": rng.normal(5, 1, 100), "b": rng.normal(-3, 2, 100)})
    data["y"] = 1 + 2 * data.a - data.b + rng.normal(0, 0.5, 100)
    spec = dagspec.parse("a, b -> y\nobserved a, b, y")
    gaps, _, optimized = log_density_gaps(spec, data, True)
    assert np.ptp(gaps) < 1e-8 * max(1.0, np.abs(gaps).max())
    assert "y__theta" not in {v.name for v in optimized.free_RVs}
    assert {"b_a_y", "b_b_y"} <= {v.name for v in optimized.free_RVs}


BINARY = """
node g : categorical
node t : categorical
node y ~ Bernoulli(link = identity, intercept = none)
t -> y by g
observed g, t, y
prior t -> y by g ~ Beta(1, 1) as p_cell
"""


def _cells(n=600, seed=2):
    rng = np.random.default_rng(seed)
    g, t = rng.integers(0, 3, n), rng.integers(0, 2, n)
    p = np.array([[0.1, 0.2], [0.2, 0.1], [0.3, 0.3]])[g, t]
    return pd.DataFrame({"g": g, "t": t, "y": rng.binomial(1, p)})


def test_bernoulli_collapses_to_binomial_cells():
    spec = dagspec.parse(BINARY)
    gaps, _, optimized = log_density_gaps(spec, _cells(), True)
    assert np.ptp(gaps) < 1e-8 * max(1.0, np.abs(gaps).max())  # the binomial coefficients: a constant
    assert optimized["y"].owner.op.name == "binomial"
    assert optimized["y"].shape.eval()[0] == 6


def test_switching_passes_off_one_by_one():
    spec = dagspec.parse(BINARY)
    assert spec.build(_cells(), optimize={"cells": False})["y"].owner.op.name == "bernoulli"
    spec = dagspec.parse(FORK)
    model = spec.build(_fork(), optimize={"linear": False})
    assert {"slope_x", "slope_z", "intercept"} <= {v.name for v in model.free_RVs}
    with pytest.raises(ValueError, match="unknown optimization"):
        spec.build(_fork(), optimize={"qr": False})


POOL = """
node g : categorical
node y ~ Normal(intercept = none)
g -> y
observed g, y
prior mu ~ Normal(0, 1)
prior tau ~ Exponential(1)
prior g -> y ~ Normal(mu, tau) as effect
"""


def test_weak_groups_get_a_non_centred_pool():
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(8), 3)  # 3 noisy rows per group: weak data
    data = pd.DataFrame({"g": g, "y": rng.normal(0.3 * g, 2.0)})
    spec = dagspec.parse(POOL)

    def log_tau_per_group(values):  # effect = mu + tau * z has Jacobian tau per group
        return 8 * np.log(values["tau"])

    gaps, _, optimized = log_density_gaps(spec, data, True, jacobian=log_tau_per_group)
    assert np.ptp(gaps) < 1e-8 * max(1.0, np.abs(gaps).max())
    assert "effect__z" in {v.name for v in optimized.free_RVs}
    assert "effect" in {d.name for d in optimized.deterministics}


def test_strong_groups_keep_a_centred_pool():
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(4), 50)
    data = pd.DataFrame({"g": g, "y": rng.normal(2.0 * g, 0.1)})
    optimized = dagspec.parse(POOL).build(data)
    assert "effect" in {v.name for v in optimized.free_RVs}


GLM_POOL = """
node g : categorical
node trials
node y ~ Binomial(n = trials, intercept = none)
g -> y
observed g, trials, y
prior mu ~ Normal(0, 1.5)
prior tau ~ Exponential(1)
prior g -> y ~ Normal(mu, tau) as effect
"""


@pytest.mark.parametrize("trials, spread, centred", [(200, 1.5, True), (3, 1.5, False), (200, 0.01, False)])
def test_a_logit_pool_is_centred_where_the_groups_data_are_strong(trials, spread, centred):
    """Binomial information per group n p (1 - p) against the spread between groups' log-odds."""
    rng = np.random.default_rng(3)
    logits = rng.normal(0.5, spread, 12)
    data = pd.DataFrame({"g": np.arange(12), "trials": trials, "y": rng.binomial(trials, 1 / (1 + np.exp(-logits)))})
    spec = dagspec.parse(GLM_POOL)
    assert ("effect__z" not in {e.name for e in spec.plan(data, optimize=True).entries}) == centred
    if not centred:  # the same posterior: log densities differ by the Jacobian tau per group
        gaps, _, _ = log_density_gaps(spec, data, True, jacobian=lambda values: 12 * np.log(values["tau"]))
        assert np.ptp(gaps) < 1e-8 * max(1.0, np.abs(gaps).max())


@pytest.mark.parametrize(
    "path, pools",
    [
        # three groups of 33 rows at sigma 0.1: median I tau^2 about 11 000, divergent non-centred
        ("specs/tutorial/heterogenous.dag", {"ab_did": True}),
        # the actor pool at 8.5 (over the bar of a Normal pool, 1), the block pool at 0.3: the book's non-centred model
        ("specs/gallery/chimpanzees_m14_3.dag", {"alpha": False, "beta": False}),
    ],
)
def test_a_covariance_pool_is_centred_only_where_the_groups_data_are_very_strong(path, pools):
    names = {e.name for e in dagspec.load(ROOT / path).plan(optimize=True).entries}
    assert {pool: f"{pool}__z" not in names for pool in pools} == pools


def test_a_covariance_pool_of_a_family_without_a_rule_stays_non_centred():
    """Forty rows per cell would centre a Normal pool of an Exponential outcome (no rule: FEW rows or more); a
    covariance's pool has no such measurement behind it, and stays as it was before its bar."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x1": np.repeat([0, 1, 2], 80), "x2": np.tile([0, 1], 120), "y1": rng.exponential(1.0, 240)})
    text = (
        "node x1 : categorical\nnode x2 : categorical\nnode y1 ~ Exponential(intercept = none)\nx2 -> y1 by x1\n"
        "observed x1, x2, y1\nprior a_bar ~ Normal(0, 2)\nprior b_bar ~ Normal(0, 2)\n"
        "prior chol_cov ~ LKJCholeskyCov(eta = 2, sd = Exponential(1))\n"
        "prior x2 -> y1 by x1 ~ MvNormal(mu = [a_bar, b_bar], chol = chol_cov) as ab\n"
    )
    assert "ab__z" in {e.name for e in dagspec.parse(text).plan(data, optimize=True).entries}


def test_a_log_pool_of_counts_is_centred_where_the_counts_are_large():
    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(6), 5)
    text = (
        GLM_POOL.replace("node trials\n", "")
        .replace("Binomial(n = trials, intercept = none)", "Poisson(intercept = none)")
        .replace("g, trials, y", "g, y")
    )
    large = pd.DataFrame({"g": g, "y": rng.poisson(np.exp(rng.normal(4, 1, 6))[g])})
    small = pd.DataFrame({"g": g, "y": rng.poisson(np.exp(rng.normal(-2, 0.2, 6))[g])})
    spec = dagspec.parse(text)
    assert "effect__z" not in {e.name for e in spec.plan(large, optimize=True).entries}
    assert "effect__z" in {e.name for e in spec.plan(small, optimize=True).entries}


def test_the_spec_can_choose_a_pools_parameterisation():
    rng = np.random.default_rng(5)
    strong = pd.DataFrame({"g": np.repeat(np.arange(4), 50), "y": rng.normal(2.0 * np.repeat(np.arange(4), 50), 0.1)})
    forced = dagspec.parse(POOL.replace("as effect", "as effect noncentered"))
    assert "effect__z" in {e.name for e in forced.plan(strong, optimize=True).entries}
    assert "non-centred pool (as the spec asks)" in " ".join(forced.plan(strong, optimize=True).notes)
    kept = dagspec.parse(POOL.replace("as effect", "as effect centered"))
    weak = pd.DataFrame({"g": np.repeat(np.arange(8), 3), "y": rng.normal(0, 2.0, 24)})
    assert "effect__z" not in {e.name for e in kept.plan(weak, optimize=True).entries}
    assert "noncentered" in forced.to_text()
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("x -> y\nobserved x, y\nprior x -> y ~ Normal(0, 1) noncentered")
    assert info.value.codes == ["DS409"]


def test_cli_switches_optimizations_off_one_by_one(capsys):
    from pathlib import Path

    from dagspec import cli

    spec = Path(__file__).resolve().parent.parent / "specs" / "tutorial" / "fork.dag"
    cli.main(["compile", str(spec)])
    assert "QR basis" in capsys.readouterr().out
    cli.main(["compile", str(spec), "--without", "linear"])
    assert "QR basis" not in capsys.readouterr().out
    cli.main(["compile", str(spec), "--no-optimize"])
    assert "optimizations" not in capsys.readouterr().out


def test_normal_likelihood_from_sufficient_statistics_is_exact_even_for_large_outcomes():
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"a": rng.normal(5, 1, 400), "b": rng.normal(-3, 2, 400)})
    data["y"] = 1e4 + 2 * data.a - data.b + rng.normal(0, 0.01, 400)  # large values, little noise
    spec = dagspec.parse(
        "a, b -> y\nobserved a, b, y\nprior y.intercept ~ Normal(1e4, 10)\nprior y.sigma ~ Exponential(10)"
    )
    gaps, literal, optimized = log_density_gaps(spec, data, True)
    assert np.ptp(gaps) < 1e-6  # rounding only: a wrong term of the density would move it by far more
    assert "y__likelihood" in {p.name for p in optimized.potentials}
    assert "y" not in {v.name for v in optimized.observed_RVs}
    kept = spec.build(data, optimize={"normal": False})
    assert "y" in {v.name for v in kept.observed_RVs}


def test_a_mediator_keeps_its_rows():
    rng = np.random.default_rng(6)
    x1 = rng.normal(size=100)
    x2 = x1 + rng.normal(size=100)
    data = pd.DataFrame({"x1": x1, "x2": x2, "y": x2 + rng.normal(size=100)})
    optimized = dagspec.parse("node x2 ~ Normal\nx1 -> x2 -> y\nobserved x1, x2, y").build(data)
    assert {v.name for v in optimized.observed_RVs} == {"x2"}  # y's likelihood became sufficient statistics


def test_categorical_effects_are_whitened_with_a_constant_jacobian():
    rng = np.random.default_rng(8)
    g, h = rng.integers(0, 3, 120), rng.integers(0, 4, 120)
    data = pd.DataFrame(
        {
            "g": g,
            "h": h,
            "y": np.array([1.0, -1.0, 0.5])[g] + np.array([0.0, 2.0, -2.0, 1.0])[h] + rng.normal(0, 0.1, 120),
        }
    )
    spec = dagspec.parse(
        "node g : categorical\nnode h : categorical\nnode y ~ Normal(intercept = none)\n"
        "g -> y\nh -> y\nobserved g, h, y\nprior g -> y ~ Normal(0, 1)\nprior h -> y ~ Flat()"
    )
    gaps, _, optimized = log_density_gaps(spec, data, True)
    assert np.ptp(gaps) < 1e-6 * max(1.0, np.abs(gaps).max())  # log |det L|, the same at every point
    assert "y__z_white" in {v.name for v in optimized.free_RVs}
    assert {"b_g_y", "b_h_y"} <= {d.name for d in optimized.deterministics}
    assert any("whitened" in n for n in spec.plan(data, optimize=True).notes)


UCB = """
node gender : categorical
node dept : categorical
node applications
node admit ~ Binomial(n = applications, intercept = none)
gender, dept -> admit
observed admit, applications, dept, gender
prior gender -> admit ~ Normal(0, 1.5) as a
prior dept -> admit ~ Normal(0, 1.5) as delta
"""


def _admissions(seed=8):
    rng = np.random.default_rng(seed)
    gender, dept = np.repeat([0, 1], 6), np.tile(np.arange(6), 2)
    applications = rng.integers(20, 800, 12)
    logit = np.array([0.1, -0.1])[gender] + np.linspace(1, -2, 6)[dept]
    return pd.DataFrame(
        {
            "gender": gender,
            "dept": dept,
            "applications": applications,
            "admit": rng.binomial(applications, 1 / (1 + np.exp(-logit))),
        }
    )


@pytest.mark.parametrize(
    "text, data, outcome",
    [
        (UCB, _admissions(), "admit"),
        (
            "node c : categorical\nnode x\nnode y ~ Poisson(intercept = none)\nc -> y\nx -> y by c\nobserved c, x, y\n"
            "prior c -> y ~ Normal(3, 0.5) as a\nprior x -> y by c ~ Normal(0, 0.2) as b",
            pd.DataFrame(
                {"c": np.arange(10) % 2, "x": np.linspace(-1.5, 1.5, 10), "y": [13, 22, 24, 43, 33, 19, 40, 28, 55, 71]}
            ),
            "y",
        ),
    ],
)
def test_logit_and_log_ridges_are_whitened_at_the_posterior_mode(text, data, outcome):
    """b = m + L z with m the posterior mode and L L' the inverse Hessian there: a constant Jacobian, so the log
    densities differ by a constant; the whitened coordinates are about standard normal."""
    spec = dagspec.parse(text)
    gaps, literal, optimized = log_density_gaps(spec, data, True)
    assert np.ptp(gaps) < 1e-8 * max(1.0, np.abs(gaps).max())
    assert f"{outcome}__z_white" in {v.name for v in optimized.free_RVs}
    assert any("Laplace approximation" in n for n in spec.plan(data, optimize=True).notes)
    # at the mode (z = 0) the optimized density's gradient vanishes and its Hessian is minus the identity
    import pytensor.tensor as pt

    z = optimized.rvs_to_values[optimized[f"{outcome}__z_white"]]
    others = {v.name: v for v in optimized.value_vars if v is not z}
    assert not others  # every parameter is in the whitened block
    hessian = pytensor.function([z], pt.hessian(optimized.logp(), z))(optimized.initial_point()[z.name])
    np.testing.assert_allclose(hessian, -np.eye(len(hessian)), atol=1e-6)


def test_rows_in_cells_of_their_own_are_not_collapsed():
    data = _cells(n=6).assign(g=[0, 0, 1, 1, 2, 2], t=[0, 1, 0, 1, 0, 1])  # one row per cell
    plan = dagspec.parse(BINARY).plan(data, optimize=True)
    assert not any("collapsed" in note for note in plan.notes)
    assert dagspec.parse(BINARY).build(data)["y"].owner.op.name == "bernoulli"


COUNTS = """
node g : categorical
node t : categorical
node y ~ Poisson(intercept = none)
g -> y
t -> y
observed g, t, y
prior g -> y ~ Normal(1, 1) as a
prior t -> y ~ Normal(0, 0.5) as b
"""


def test_poisson_counts_collapse_to_cells_dropping_a_stated_constant():
    from scipy.special import gammaln

    data = _cells(n=300, seed=4)
    data["y"] = np.random.default_rng(4).poisson(np.exp(0.5 + 0.3 * data.g - 0.4 * data.t))
    spec = dagspec.parse(COUNTS)
    only_cells = {"linear": False, "whiten": False, "pools": False, "normal": False, "exact": False}
    gaps, _, optimized = log_density_gaps(spec, data, only_cells)
    assert optimized["y"].owner.op.name == "poisson" and optimized["y"].shape.eval()[0] == 6
    # the product of the rows' Poisson densities vs Poisson(S | n exp(eta)) per cell: they differ by
    # sum_c (log S_c! - S_c log n_c) - sum_i log y_i!, which the collapse drops
    cells = data.groupby(["g", "t"])["y"].agg(["sum", "count"])
    dropped = np.sum(gammaln(cells["sum"] + 1) - cells["sum"] * np.log(cells["count"])) - np.sum(gammaln(data.y + 1))
    np.testing.assert_allclose(gaps, -dropped, rtol=1e-9)
    # with every pass (the effects also whitened at the mode) the gap is still one constant
    gaps, _, _ = log_density_gaps(spec, data, True)
    assert np.ptp(gaps) < 1e-8 * max(1.0, np.abs(gaps).max())
