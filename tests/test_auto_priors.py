"""`priors auto` / `auto_priors=True` / `--auto-priors`: default priors scaled to the data by Bambi's rule
(bambi/priors/scaler.py): the resolved numbers against ones computed here by hand, the built model's log
density against a hand-written PyMC model with those numbers, explicit priors winning, the coded notes where the
rule cannot apply, and the rest of the workflow (compile, codegen, prior draws, predictions, PPC, LOO)."""

import re
import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from cli.cli_support import run  # noqa: E402  (tests/cli is a folder of the suite)
from test_codegen import _run_script, _same_log_density

import dagspec


def r4(value):
    """4 significant digits, as the resolved numbers are rounded."""
    return np.vectorize(lambda v: float(f"{v:.4g}"))(value) if np.ndim(value) else float(f"{value:.4g}")


def at(location, sd):
    """A location to the precision of 4 significant digits of its sd, as an intercept's is rounded."""
    return round(location, 3 - int(np.floor(np.log10(sd))))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 60
    x = rng.normal(3.0, 2.0, n)
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = 10 + 1.5 * x + 4.0 * (g == "b") + rng.normal(0, 5, n)
    return pd.DataFrame({"x": x, "g": g, "y": y, "k": rng.binomial(1, 0.4, n)})


REGRESSION = """
node g : categorical
x, g -> y
observed x, g, y
priors auto
"""


def _normal_numbers(frame):
    """Bambi's rule for y ~ x + one-hot g, computed independently of dagspec."""
    x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
    dummies = np.stack([(frame["g"] == level).to_numpy(float) for level in ("a", "b", "c")], axis=1)
    sd_y = y.std()
    slope = r4(2.5 * sd_y / x.std())
    effects = r4(2.5 * sd_y / dummies.std(axis=0))
    intercept_sd = r4(np.sqrt((2.5 * sd_y) ** 2 + slope**2 * x.mean() ** 2 + np.sum(effects**2 * dummies.mean(0) ** 2)))
    return {
        "y_intercept": (at(y.mean(), intercept_sd), intercept_sd),
        "b_x_y": (0.0, slope),
        "b_g_y": (0.0, effects),
        "y_sigma": r4(sd_y),
    }


def test_the_numbers_are_bambis_rule(data):
    plan = dagspec.parse(REGRESSION).plan(data)
    expected = _normal_numbers(data)
    for name in ("y_intercept", "b_x_y", "b_g_y"):
        entry = plan.entry(name)
        assert entry.dist == "Normal" and entry.scaled and entry.default_prior
        np.testing.assert_array_equal(entry.args["mu"].value, expected[name][0])
        np.testing.assert_array_equal(entry.args["sigma"].value, expected[name][1])
    sigma = plan.entry("y_sigma")
    assert sigma.dist == "HalfStudentT" and sigma.args["nu"].value == 4
    assert sigma.args["sigma"].value == expected["y_sigma"]


def test_the_model_is_the_hand_written_one(data):
    """logp of the built model equals a PyMC model written with the numbers computed above."""
    numbers = _normal_numbers(data)
    ours = dagspec.parse(REGRESSION).build(data, optimize=False)
    codes = pd.Categorical(data["g"], categories=["a", "b", "c"]).codes
    with pm.Model(coords={"g": ["a", "b", "c"]}) as theirs:
        a = pm.Normal("y_intercept", *numbers["y_intercept"])
        b = pm.Normal("b_x_y", *numbers["b_x_y"])
        e = pm.Normal("b_g_y", mu=0, sigma=numbers["b_g_y"][1], dims="g")
        s = pm.HalfStudentT("y_sigma", nu=4, sigma=numbers["y_sigma"])
        pm.Normal("y", a + b * data["x"].to_numpy() + e[codes], s, observed=data["y"].to_numpy())
    ours_logp, theirs_logp = ours.compile_logp(), theirs.compile_logp()
    rng = np.random.default_rng(0)
    for _ in range(5):
        point = {k: v + rng.normal(0, 0.5, np.shape(v)) for k, v in ours.initial_point().items()}
        assert theirs_logp(point) == pytest.approx(ours_logp(point), rel=1e-10)


def test_reference_coding_by_groups_and_interactions(data):
    """The design columns Bambi scales: indicators of the levels but the reference, x times each group's
    indicator, and the product of an interaction."""
    spec = dagspec.parse(
        """
        node g : categorical(reference = "a")
        node z
        g -> y
        x -> y2 by g
        x, x * z -> y3
        observed x, g, y, z, y2 = y, y3 = y
        priors auto
        """
    )
    frame = data.assign(z=data["x"] ** 2 / 10)
    plan = spec.plan(frame)
    x, y, z = frame["x"].to_numpy(), frame["y"].to_numpy(), frame["z"].to_numpy()
    sd_y = y.std()
    dummies = np.stack([(frame["g"] == level).to_numpy(float) for level in ("b", "c")], axis=1)
    np.testing.assert_array_equal(plan.entry("b_g_y").args["sigma"].value, r4(2.5 * sd_y / dummies.std(0)))
    cells = np.stack([x * (frame["g"] == level) for level in ("a", "b", "c")], axis=1)
    np.testing.assert_array_equal(plan.entry("b_x_y2_by_g").args["sigma"].value, r4(2.5 * sd_y / cells.std(0)))
    assert plan.entry("b_x_z_y3").args["sigma"].value == r4(2.5 * sd_y / (x * z).std())
    slope = r4(2.5 * sd_y / x.std())
    product = r4(2.5 * sd_y / (x * z).std())
    intercept = np.sqrt((2.5 * sd_y) ** 2 + slope**2 * x.mean() ** 2 + product**2 * (x * z).mean() ** 2)
    assert plan.entry("y3_intercept").args["sigma"].value == r4(intercept)


def test_glms_use_the_link_scale_unit(data):
    """A count (any non-Gaussian family but a logit/probit binary one): Bambi's response mean 0 and sd 1; a
    Bernoulli outcome with the logit link: Bambi 0.17's own rule, 1 / sd(x) and an intercept Normal(0, 1.5)."""
    counts = data.assign(k=np.random.default_rng(2).poisson(4, len(data)))
    plan = dagspec.parse("node k ~ Poisson\nx -> k\nobserved x, k\npriors auto").plan(counts)
    x = data["x"].to_numpy()
    slope = r4(2.5 / x.std())
    assert plan.entry("b_x_k").args["sigma"].value == slope
    assert plan.entry("k_intercept").args["mu"].value == 0
    assert plan.entry("k_intercept").args["sigma"].value == r4(np.sqrt(2.5**2 + slope**2 * x.mean() ** 2))
    plan = dagspec.parse("node k ~ Bernoulli\nnode g : categorical\nx, g -> k\nobserved x, g, k\npriors auto").plan(
        data
    )
    assert plan.entry("b_x_k").args["sigma"].value == r4(1 / x.std())
    np.testing.assert_array_equal(plan.entry("b_g_k").args["sigma"].value, [1.0, 1.0, 1.0])
    assert plan.entry("k_intercept").args["sigma"].value == 1.5


def test_each_column_of_a_matrix_is_a_predictor():
    """`X -> y` of a matrix node: one slope sd per column, 2.5 sd(y) / sd(X[:, k]) (1 / sd(X[:, k]) for a binary
    outcome), and the intercept widened by every column's slope at its mean."""
    rng = np.random.default_rng(3)
    X = rng.normal([0.0, 5.0, -2.0], [1.0, 3.0, 0.5], size=(40, 3))
    y = X @ [1.0, -0.5, 2.0] + rng.normal(size=40)
    text = "node X : matrix\nnode y ~ {}\nX -> y\nobserved X, y\npriors auto"
    plan = dagspec.parse(text.format("Normal")).plan({"X": X, "y": y})
    slopes = r4(2.5 * y.std() / X.std(axis=0))
    np.testing.assert_array_equal(plan.entry("b_X_y").args["sigma"].value, slopes)
    sd = r4(np.sqrt((2.5 * y.std()) ** 2 + np.sum(slopes**2 * X.mean(axis=0) ** 2)))
    assert plan.entry("y_intercept").args["sigma"].value == sd
    plan = dagspec.parse(text.format("Bernoulli")).plan({"X": X, "y": (y > 0).astype(int)})
    np.testing.assert_array_equal(plan.entry("b_X_y").args["sigma"].value, r4(1 / X.std(axis=0)))


def test_lognormal_scales_by_log_y_and_cutpoints_spread_from_minus_2_to_2(data):
    positive = data.assign(w=np.exp(data["y"] / 10), r=pd.cut(data["y"], 5, labels=[1, 2, 3, 4, 5]).astype(int))
    plan = dagspec.parse("node w ~ LogNormal\nx -> w\nobserved x, w\npriors auto").plan(positive)
    log_w = np.log(positive["w"].to_numpy())
    assert plan.entry("w_intercept").args["mu"].value == at(log_w.mean(), plan.entry("w_intercept").args["sigma"].value)
    assert plan.entry("w_sigma").args["sigma"].value == r4(log_w.std())
    ordered = dagspec.parse("node r ~ OrderedLogistic\nx -> r\nobserved x, r\npriors auto").plan(positive)
    np.testing.assert_array_equal(ordered.entry("r_cutpoints").args["mu"].value, [-2.0, -0.67, 0.67, 2.0])
    assert ordered.entry("r_cutpoints").args["sigma"].value == 1


def test_explicit_priors_win_and_the_intercept_counts_only_scaled_slopes(data):
    spec = dagspec.parse(REGRESSION + "prior x -> y ~ Normal(0, 1) as bx\nprior y.sigma ~ Exponential(2)")
    plan = spec.plan(data)
    assert plan.entry("bx").args["sigma"].value == 1 and not plan.entry("bx").scaled
    assert plan.entry("y_sigma").dist == "Exponential"
    expected = _normal_numbers(data)
    dummies = np.stack([(data["g"] == level).to_numpy(float) for level in ("a", "b", "c")], axis=1)
    sd = np.sqrt((2.5 * data["y"].std(ddof=0)) ** 2 + np.sum(expected["b_g_y"][1] ** 2 * dummies.mean(0) ** 2))
    assert plan.entry("y_intercept").args["sigma"].value == r4(sd)


def test_per_run_is_the_same_as_the_statement(data):
    per_run = dagspec.parse(REGRESSION.replace("priors auto", ""), auto_priors=True)
    assert per_run.auto_priors and not dagspec.parse(REGRESSION.replace("priors auto", "")).auto_priors
    ours, theirs = dagspec.parse(REGRESSION).build(data, optimize=False), per_run.build(data, optimize=False)
    point = ours.initial_point()
    assert ours.compile_logp()(point) == theirs.compile_logp()(point)


def test_missing_values_are_left_out_of_the_statistics():
    """An imputed outcome (and predictor): its sd is that of the observed values; the imputed ones are
    parameters."""
    b = np.array([0.3, np.nan, -0.4, 0.9, np.nan, -0.8, 1.5])
    x = np.array([0.1, 1.2, -0.7, 0.5, 2.0, -1.1, 0.4])
    y = np.array([1.1, 0.2, 0.7, 0.6, -0.9, 1.8, 0.3])
    spec = dagspec.parse("node b ~ Normal(missing = impute)\nx -> b -> y\nobserved x, b, y\npriors auto")
    plan = spec.plan({"x": x, "b": b, "y": y})
    observed = b[~np.isnan(b)]
    assert plan.entry("b_intercept").args["mu"].value == at(
        observed.mean(), plan.entry("b_intercept").args["sigma"].value
    )
    assert plan.entry("b_sigma").args["sigma"].value == r4(observed.std())
    assert plan.entry("b_b_y").args["sigma"].value == r4(2.5 * y.std() / observed.std())


def test_what_the_rule_cannot_scale_is_a_coded_note(data):
    counts = data.assign(n=np.random.default_rng(1).poisson(3, len(data)), c=1.0)
    spec = dagspec.parse("node n ~ NegativeBinomial\nx -> n\nobserved x, n\npriors auto")
    with pytest.warns(dagspec.DagspecWarning) as caught:
        plan = spec.plan(counts)
    assert [w.message.code for w in caught] == ["DS171"] and "n.alpha" in str(caught[0].message)
    assert plan.entry("n_alpha").dist == "Exponential" and plan.entry("b_x_n").scaled  # the rest is scaled
    spec = dagspec.parse("node y ~ Normal(link = log)\nx -> y\nobserved x, y\npriors auto")
    with pytest.warns(dagspec.DagspecWarning, match="DS171"):
        assert not spec.plan(data.assign(y=data["y"] - data["y"].min() + 1)).scaled_priors
    spec = dagspec.parse("c, x -> y\nobserved c, x, y\npriors auto")
    found = spec.findings(counts)
    assert "DS172" in {d.code for d in found}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = spec.plan(counts)
    assert "c -> y" not in plan.scaled_priors and "x -> y" in plan.scaled_priors


def test_compile_and_codegen_show_the_numbers(data, tmp_path, capsys):
    frame = data.drop(columns="k")
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "m.dag").write_text(REGRESSION.replace("observed x, g, y", 'observed x, g, y from "d.csv"'))
    code, out, _ = run(capsys, "compile", tmp_path / "m.dag")
    numbers = _normal_numbers(frame)
    assert code == 0 and f"HalfStudentT(nu = 4, sigma = {numbers['y_sigma']:g}) (data-scaled)" in out
    assert f"Normal(mu = 0, sigma = {numbers['b_x_y'][1]:g}) (data-scaled)" in out
    assert "x -> y: 2.5 * sd(y) / sd(x)" in out
    plain = tmp_path / "plain.dag"
    plain.write_text((tmp_path / "m.dag").read_text().replace("priors auto", ""))
    code, out, _ = run(capsys, "compile", plain, "--auto-priors")
    assert code == 0 and "(data-scaled)" in out
    code, out, _ = run(capsys, "codegen", tmp_path / "m.dag")
    assert f"pm.HalfStudentT('y_sigma', nu=4, sigma={numbers['y_sigma']!r})" in out
    spec = dagspec.load(tmp_path / "m.dag")
    _same_log_density(spec.build(optimize=False), _run_script(spec, tmp_path, False))


def test_a_bad_priors_statement_is_a_coded_error():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse("x -> y\nobserved x, y\npriors bambi")
    assert info.value.codes == ["DS170"] and "priors auto" in info.value.diagnostics[0].hint


@pytest.mark.slow
def test_prior_draws_predictions_ppc_and_loo(data):
    spec = dagspec.parse(REGRESSION)
    prior = dagspec.sample_prior(spec, data, draws=400, random_seed=1)
    expected = _normal_numbers(data)
    assert prior.prior["b_x_y"].std() == pytest.approx(expected["b_x_y"][1], rel=0.15)
    idata = dagspec.sample(spec, data, draws=300, chains=2, random_seed=1, progressbar=False)
    dagspec.log_likelihood(spec, idata, data)
    dagspec.posterior_predictive(spec, idata, data, random_seed=1)
    assert np.isfinite(dagspec.loo(spec, idata, data).elpd_loo)
    new = pd.DataFrame({"x": [0.0, 5.0], "g": ["a", "c"]})
    means = dagspec.predict(spec, idata, new).predictions["y"].mean(("chain", "draw")).values
    post = idata.posterior
    by_hand = [
        float((post["y_intercept"] + post["b_g_y"].sel(g="a")).mean()),
        float((post["y_intercept"] + 5 * post["b_x_y"] + post["b_g_y"].sel(g="c")).mean()),
    ]
    np.testing.assert_allclose(means, by_hand, rtol=1e-6)


def test_the_language_reference_shows_true_numbers():
    """The numbers docs/language.md quotes for its `priors auto` example are what compile shows."""
    from pathlib import Path

    from dagspec.render.report import compile_report

    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / "language.md").read_text()
    example = next(b for b in re.findall(r"```dag\n(.*?)```", text, re.S) if "priors auto" in b)
    spec = dagspec.parse(example, str(root / "example.dag"))
    spec.path = root / "example.dag"  # the data file is named from the repository's root
    plan = spec.plan()
    report = compile_report(spec, plan)
    for quoted in re.findall(r"`([^`]*\(data-scaled\))`", text) + ["Normal(mu = 154.6, sigma = 137.5)"]:
        assert quoted.split(" ~ ")[-1] in report
    assert "HalfStudentT(nu = 4, sigma = 7.731)" in report and plan.n_obs == 352 and "352 adults" in text


# What Bambi 0.17.2 prints for these models of the Howell adults (bmb.Model(formula, data, family).build(), its
# default auto-scaled priors), next to the same models in dagspec: a reference from outside dagspec.
BAMBI_0_17 = [
    (
        'node sex : categorical(reference = "f")\nweight, sex -> height',  # height ~ weight + sex
        {"weight -> height": 2.9978, "sex -> height": 38.7324, "height.intercept": (154.5971, 137.4541)},
    ),
    (
        'node sex : categorical(reference = "f")\nnode tall ~ Bernoulli\nweight, sex -> tall',  # bernoulli
        {"weight -> tall": 0.1551, "sex -> tall": 1.0, "tall.intercept": (0.0, 1.5)},
    ),
    (
        'node sex : categorical(reference = "f")\nnode n ~ Poisson\nweight, sex -> n',  # poisson
        {"weight -> n": 0.3877, "sex -> n": 5.0098, "n.intercept": (0.0, 17.7789)},
    ),
    (
        "weight, age, weight * age -> height",  # height ~ weight + age + weight:age
        {"age -> height": 1.2122, "weight * age -> height": 0.0278, "height.intercept": (154.5971, 153.7865)},
    ),
    ("node sex : categorical\nweight -> height by sex", {"weight -> height by sex": [0.9104, 0.7873]}),
    (
        "node sex : categorical\nnode tall ~ Bernoulli\nweight -> tall by sex",  # bernoulli, tall ~ weight:sex
        {"weight -> tall by sex": [0.1551, 0.1551], "tall.intercept": (0.0, 1.5)},
    ),
]


@pytest.mark.parametrize("text, bambi", BAMBI_0_17)
def test_the_numbers_are_bambis(text, bambi):
    from pathlib import Path

    frame = pd.read_csv(Path(__file__).resolve().parent.parent / "specs" / "gallery" / "data" / "Howell1.csv")
    frame = frame[frame["age"] >= 18].reset_index(drop=True)
    frame = frame.assign(
        tall=(frame["height"] > 155).astype(int), sex=np.where(frame["male"] == 1, "m", "f"), n=frame["age"] // 10
    )
    outcome = "tall" if "tall" in text else "n" if "node n" in text else "height"
    parents = ", ".join(name for name in ("weight", "age", "sex") if name in text)
    spec = dagspec.parse(f"{text}\nobserved {outcome}, {parents}\npriors auto")
    scaled = spec.plan(frame).scaled_priors
    if outcome == "height":
        assert scaled["height.sigma"].args["sigma"] == 7.731  # HalfStudentT(nu: 4.0, sigma: 7.7313)
    for address, expected in bambi.items():
        args = scaled[address].args
        if isinstance(expected, tuple):
            assert args["mu"] == pytest.approx(expected[0], abs=0.05) and args["sigma"] == pytest.approx(
                expected[1], rel=5e-4
            )
        else:
            np.testing.assert_allclose(np.ravel(args["sigma"]), expected, rtol=5e-4, err_msg=address)
