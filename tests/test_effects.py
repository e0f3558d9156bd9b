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
    by_hand = (post["intercept"].values[None, :] + post["slope_x"].values[None, :] * grid[:, None]
               + post["slope_z"].values[None, :] * data["z"].mean())
    assert np.allclose(table["mean"], by_hand.mean(axis=1))
    assert (table["hdi_low"] < table["mean"]).all() and (table["mean"] < table["hdi_high"]).all()
    assert set(table["outcome"]) == {"y"} and set(table["parent"]) == {"x"} and not table["categorical"].any()


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
