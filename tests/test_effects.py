"""Conditional effects: an outcome's expected value along one parent, others at typical values, against the
posterior draws computed by hand."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dagspec

TUTORIAL = Path(__file__).resolve().parent.parent / "specs" / "tutorial"


@pytest.fixture(scope="module")
def fork():
    spec = dagspec.load(TUTORIAL / "fork.dag")
    return spec, dagspec.sample(spec, draws=200, chains=2, random_seed=3, progressbar=False)


def test_a_numeric_parent_matches_the_regression_by_hand(fork):
    spec, idata = fork
    table = dagspec.conditional_effects(spec, idata, outcome="y", parent="x", points=7)
    data = pd.read_csv(TUTORIAL / "data" / "fork.csv")
    grid = np.linspace(data["x"].min(), data["x"].max(), 7)
    assert np.allclose(table["value"].astype(float), grid)
    post = idata.posterior.stack(sample=("chain", "draw"))
    by_hand = (
        post["intercept"].values[None, :]
        + post["slope_x"].values[None, :] * grid[:, None]
        + post["slope_z"].values[None, :] * data["z"].mean()
    )
    assert np.allclose(table["mean"], by_hand.mean(axis=1))
    assert (table["hdi_low"] < table["mean"]).all() and (table["mean"] < table["hdi_high"]).all()
    assert set(table["outcome"]) == {"y"} and set(table["parent"]) == {"x"} and not table["categorical"].any()


def test_data_passed_as_columns(fork):
    spec, idata = fork
    data = pd.read_csv(TUTORIAL / "data" / "fork.csv")
    from_frame = dagspec.conditional_effects(spec, idata, data=data, parent="x", points=3)
    from_dict = dagspec.conditional_effects(
        spec, idata, data={c: data[c].to_numpy() for c in data}, parent="x", points=3
    )
    assert np.allclose(from_frame["mean"], from_dict["mean"])


def test_every_fitted_edge_by_default(fork):
    spec, idata = fork
    table = dagspec.conditional_effects(spec, idata, points=5)
    assert set(zip(table["outcome"], table["parent"])) == {("y", "x"), ("y", "z")}
    assert len(table) == 10


def test_a_categorical_parent_takes_each_level():
    spec = dagspec.load(TUTORIAL / "pooled_categorical.dag")
    idata = dagspec.sample(spec, draws=100, chains=2, random_seed=1, progressbar=False)
    table = dagspec.conditional_effects(spec, idata, parent="x1")
    data = pd.read_csv(TUTORIAL / "data" / "categorical.csv")
    assert sorted(table["value"]) == sorted(data["x1"].unique()) and table["categorical"].all()
    # no intercept: at level a of x1, with x2 at its most frequent level b, the mean is cat_x1[a] + cat_x2[b]
    post = idata.posterior.stack(sample=("chain", "draw"))
    b = data["x2"].mode().iloc[0]
    for _, row in table.iterrows():
        by_hand = post["cat_x1"].sel(x1=row["value"]).values + post["cat_x2"].sel(x2=b).values
        assert row["mean"] == pytest.approx(by_hand.mean(), rel=1e-9)


def test_a_parent_that_is_not_one_is_a_coded_error(fork):
    spec, idata = fork
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.conditional_effects(spec, idata, outcome="y", parent="nope")
    assert info.value.codes == ["DS620"]
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.conditional_effects(spec, idata, outcome="x")
    assert info.value.codes == ["DS620"] and "not an outcome" in str(info.value)


def test_an_ordered_outcome_is_drawn_as_its_expected_level(tmp_path):
    from scipy.special import expit

    rng = np.random.default_rng(5)
    x = rng.normal(size=300)
    cuts = np.array([-1.0, 0.0, 1.2])
    eta = 0.8 * x
    cdf = expit(cuts[None, :] - eta[:, None])
    probabilities = np.diff(np.column_stack([np.zeros_like(x), cdf, np.ones_like(x)]), axis=1)
    rating = np.array([rng.choice([1, 2, 3, 4], p=p) for p in probabilities])
    pd.DataFrame({"x": x, "R": rating}).to_csv(tmp_path / "ratings.csv", index=False)
    (tmp_path / "ratings.dag").write_text(
        "node R ~ OrderedLogistic(levels = [1, 2, 3, 4])\nx -> R\n"
        'observed x, R from "ratings.csv"\nprior x -> R ~ Normal(0, 1) as b\n'
    )
    spec = dagspec.load(tmp_path / "ratings.dag")
    idata = dagspec.fit(spec, method="laplace", draws=300, random_seed=1)
    table = dagspec.conditional_effects(spec, idata, points=4)
    post = idata.posterior.stack(sample=("chain", "draw"))
    cut = post["R_cutpoints"].values  # (3, samples)
    for _, row in table.iterrows():
        cdf = expit(cut - post["b"].values[None, :] * row["value"])
        levels = np.diff(np.vstack([np.zeros(cdf.shape[1]), cdf, np.ones(cdf.shape[1])]), axis=0)
        expected = (np.arange(1, 5)[:, None] * levels).sum(axis=0).mean()
        assert row["mean"] == pytest.approx(expected, rel=1e-6)
    assert table["mean"].is_monotonic_increasing  # b > 0: higher x, higher ratings
