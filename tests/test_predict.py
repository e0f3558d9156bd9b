"""dagspec.predict: expected values and new outcomes for new rows, checked against hand computations on given draws."""

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import special

import dagspec

RNG = np.random.default_rng(7)
CHAINS, DRAWS = 2, 200


def posterior(coords=None, dims=None, **values):
    """An InferenceData whose posterior holds the given draws (arrays of shape (chains, draws, ...))."""
    return az.from_dict(posterior=values, coords=coords or {}, dims=dims or {})


def draws(loc=0.0, scale=1.0, shape=()):
    return RNG.normal(loc, scale, size=(CHAINS, DRAWS) + shape)


PATH = dagspec.parse("node x1\nnode x2 ~ Normal\nnode y ~ Normal\nx1 -> x2 -> y\nobserved x1, x2, y")
PATH_DRAWS = dict(
    x2_intercept=draws(),
    b_x1_x2=draws(2),
    x2_sigma=np.abs(draws(0.5, 0.1)),
    y_intercept=draws(1),
    b_x2_y=draws(3),
    y_sigma=np.abs(draws(1, 0.1)),
)


def test_a_mediator_left_out_is_predicted_first_and_feeds_the_outcome():
    idata = posterior(**PATH_DRAWS)
    x1 = np.array([0.0, 1.0, -2.0])
    got = dagspec.predict(PATH, idata, pd.DataFrame({"x1": x1})).predictions
    d = PATH_DRAWS
    x2_mean = d["x2_intercept"][..., None] + d["b_x1_x2"][..., None] * x1
    np.testing.assert_allclose(got["x2"].values, x2_mean)
    np.testing.assert_allclose(got["y"].values, d["y_intercept"][..., None] + d["b_x2_y"][..., None] * x2_mean)


def test_a_mediator_given_in_the_new_rows_is_used_as_given():
    idata = posterior(**PATH_DRAWS)
    got = dagspec.predict(PATH, idata, pd.DataFrame({"x1": [5.0, 5.0], "x2": [0.0, 1.0]})).predictions
    d = PATH_DRAWS
    np.testing.assert_allclose(
        got["y"].values, d["y_intercept"][..., None] + d["b_x2_y"][..., None] * np.array([0.0, 1.0])
    )


def test_outcome_draws_carry_the_noise_of_every_step_of_the_path():
    fixed = {
        k: np.full((CHAINS, DRAWS * 10), v)
        for k, v in dict(x2_intercept=0.0, b_x1_x2=2.0, x2_sigma=0.5, y_intercept=1.0, b_x2_y=3.0, y_sigma=1.0).items()
    }
    got = dagspec.predict(PATH, posterior(**fixed), pd.DataFrame({"x1": [1.0]}), kind="outcome", random_seed=1)
    y = got.predictions["y"].values.ravel()
    sd = np.sqrt(1.0 + 9 * 0.25)  # y = 1 + 3 (2 + 0.5 e1) + e2
    assert abs(y.mean() - 7.0) < 4 * sd / np.sqrt(y.size)
    assert abs(y.std() - sd) < 0.06 * sd


def test_new_rows_are_transformed_with_the_fitted_statistics():
    fitted = pd.DataFrame({"Age": [24.0, 25.0, 27.0, 30.0], "Divorce": [12.0, 11.0, 9.0, 7.0]})
    spec = dagspec.parse("A -> D\nobserved A = standardize(Age), D = Divorce")
    idata = posterior(D_intercept=draws(10), b_A_D=draws(-1), D_sigma=np.abs(draws(1, 0.1)))
    got = dagspec.predict(spec, idata, pd.DataFrame({"Age": [26.0, 31.0]}), data=fitted).predictions
    z = (np.array([26.0, 31.0]) - fitted.Age.mean()) / fitted.Age.std(ddof=1)
    np.testing.assert_allclose(
        got["D"].values, idata.posterior.D_intercept.values[..., None] + idata.posterior.b_A_D.values[..., None] * z
    )


def test_statistics_travel_with_the_posterior():
    spec = dagspec.parse("A -> D\nobserved A = center(Age), D = Divorce")
    idata = posterior(D_intercept=draws(10), b_A_D=draws(-1), D_sigma=np.abs(draws(1, 0.1)))
    idata.posterior.attrs["dagspec_statistics"] = '{"A: mean(Age)": 100.0}'
    got = dagspec.predict(spec, idata, pd.DataFrame({"Age": [101.0]})).predictions  # no fitted data needed
    np.testing.assert_allclose(got["D"].values[..., 0], idata.posterior.D_intercept + idata.posterior.b_A_D)


def test_bernoulli_and_binomial_means_are_probabilities_and_expected_counts():
    spec = dagspec.parse("node n\nnode k ~ Binomial(n = n)\nnode b ~ Bernoulli\nx -> k\nx -> b\nobserved x, n, k, b")
    idata = posterior(k_intercept=draws(), b_x_k=draws(), b_intercept=draws(), b_x_b=draws())
    got = dagspec.predict(spec, idata, pd.DataFrame({"x": [0.5], "n": [20]})).predictions
    p = idata.posterior
    np.testing.assert_allclose(got["b"].values[..., 0], special.expit(p.b_intercept + 0.5 * p.b_x_b))
    np.testing.assert_allclose(got["k"].values[..., 0], 20 * special.expit(p.k_intercept + 0.5 * p.b_x_k))


POOL = dagspec.parse(
    "node g : categorical\nnode y ~ Normal(intercept = none)\ng -> y\nobserved g, y\n"
    "prior mu ~ Normal(0, 5)\nprior tau ~ Exponential(1)\nprior g -> y ~ Normal(mu, tau) as a"
)


def test_a_new_level_of_a_pool_gets_effects_drawn_from_the_hierarchical_prior():
    size = (CHAINS, DRAWS * 10)
    idata = posterior(
        coords={"g": ["a", "b"]},
        dims={"a": ["g"]},
        mu=np.full(size, 3.0),
        tau=np.full(size, 2.0),
        a=RNG.normal(size=size + (2,)),
        y_sigma=np.ones(size),
    )
    got = dagspec.predict(POOL, idata, pd.DataFrame({"g": ["b", "new"]}), random_seed=3).predictions
    np.testing.assert_allclose(got["y"].values[..., 0], idata.posterior.a.values[..., 1])
    new = got["y"].values[..., 1].ravel()
    assert abs(new.mean() - 3.0) < 4 * 2.0 / np.sqrt(new.size)
    assert abs(new.std() - 2.0) < 0.1


def test_a_new_level_without_a_pool_is_an_error_naming_the_fitted_levels():
    spec = dagspec.parse("node g : categorical\nnode y ~ Normal\ng -> y\nobserved g, y")
    idata = posterior(
        coords={"g": ["a", "b"]},
        dims={"b_g_y": ["g"]},
        y_intercept=draws(),
        b_g_y=draws(shape=(2,)),
        y_sigma=np.abs(draws(1, 0.1)),
    )
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.predict(spec, idata, pd.DataFrame({"g": ["a", "zzz"]}))
    assert info.value.codes == ["DS515"]
    assert "zzz" in info.value.diagnostics[0].message and "a, b" in info.value.diagnostics[0].message


def test_a_new_group_of_lkj_cells_is_drawn_from_the_multivariate_prior():
    spec = dagspec.parse(
        "node g : categorical\nnode t : categorical\nnode y ~ Normal(intercept = none)\n"
        "t -> y by g\nobserved g, t, y\nprior a_bar ~ Normal(0, 2)\nprior b_bar ~ Normal(0, 2)\n"
        "prior chol_cov ~ LKJCholeskyCov(eta = 2, sd = Exponential(1))\n"
        "prior t -> y by g ~ MvNormal(mu = [a_bar, b_bar], chol = chol_cov) as ab"
    )
    size = (CHAINS, DRAWS * 10)
    chol = np.array([[1.0, 0.0], [0.6, 0.8]])  # packed row by row: 1.0, 0.6, 0.8
    idata = posterior(
        coords={"g": [0, 1], "t": [0, 1]},
        dims={"ab": ["g", "t"]},
        a_bar=np.full(size, 1.0),
        b_bar=np.full(size, -1.0),
        chol_cov=np.broadcast_to([1.0, 0.6, 0.8], size + (3,)).copy(),
        ab=RNG.normal(size=size + (2, 2)),
        y_sigma=np.ones(size),
    )
    got = dagspec.predict(spec, idata, pd.DataFrame({"g": [5, 5], "t": [0, 1]}), random_seed=2).predictions
    cells = got["y"].values.reshape(-1, 2)
    np.testing.assert_allclose(cells.mean(axis=0), [1.0, -1.0], atol=0.1)
    np.testing.assert_allclose(np.cov(cells.T), chol @ chol.T, atol=0.1)


def test_a_new_component_of_a_multivariate_prior_is_an_error():
    """A new level of the dimension an MvNormal runs over would lengthen its vectors: DS515 says it cannot grow."""
    spec = dagspec.parse(
        "node g : categorical\nnode t : categorical\nnode y ~ Normal(intercept = none)\n"
        "t -> y by g\nobserved g, t, y\n"
        "prior chol_cov ~ LKJCholeskyCov(eta = 2, sd = Exponential(1))\n"
        "prior t -> y by g ~ MvNormal(mu = 0, chol = chol_cov) as ab"
    )
    idata = posterior(
        coords={"g": [0, 1], "t": [0, 1]},
        dims={"ab": ["g", "t"]},
        chol_cov=np.broadcast_to([1.0, 0.6, 0.8], (CHAINS, DRAWS, 3)).copy(),
        ab=draws(shape=(2, 2)),
        y_sigma=np.ones((CHAINS, DRAWS)),
    )
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.predict(spec, idata, pd.DataFrame({"g": [0], "t": [7]}))
    assert info.value.codes == ["DS515"]
    diagnostic = info.value.diagnostics[0]
    assert "level(s) 7 " in diagnostic.message and "(fitted levels: 0, 1)" in diagnostic.message
    assert diagnostic.hint == "t indexes the components of a multivariate prior, which cannot grow"


def test_a_posterior_of_another_spec_is_refused():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.predict(PATH, posterior(y_intercept=draws()), pd.DataFrame({"x1": [0.0]}))
    assert info.value.codes == ["DS608"]


def test_unknown_kind_is_refused():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.predict(PATH, posterior(**PATH_DRAWS), pd.DataFrame({"x1": [0.0]}), kind="median")
    assert info.value.codes == ["DS620"]


@pytest.mark.slow
def test_predictions_from_a_sampled_posterior_after_a_netcdf_round_trip(tmp_path):
    x = RNG.normal(50, 10, size=100)
    data = pd.DataFrame({"weight": x, "height": 150 + 0.9 * (x - x.mean()) + RNG.normal(0, 5, size=100)})
    spec = dagspec.parse(
        "node weight\nnode height ~ Normal\nweight -> height\nobserved height, weight = center(weight) where weight > 0"
    )
    idata = dagspec.sample(spec, data, draws=300, tune=300, chains=2, random_seed=1)
    idata.to_netcdf(tmp_path / "fit.nc")
    again = az.from_netcdf(tmp_path / "fit.nc")
    got = dagspec.predict(spec, again, pd.DataFrame({"weight": [x.mean() + 10]})).predictions["height"]
    post = again.posterior
    np.testing.assert_allclose(got.values[..., 0], post.height_intercept + post.b_weight_height * 10, rtol=1e-10)
    assert abs(float(got.mean()) - 159) < 3
