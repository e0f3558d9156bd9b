"""the tutorial's 16 models hand-written in PyMC 5, the reference every compiled spec is compared against.

Literal translations of the tutorial's PyMC3 code ("Bayesian regression tutorial with PyMC3"), with the tutorial's
names for every free random variable, likelihood and deterministic. What changes from PyMC3 to PyMC 5:
  - `sd=` is `sigma=`;
  - `pm.Data` stays `pm.Data` (named after its column); `theano.shared` of an integer index column is a numpy array;
  - `pm.LKJCholeskyCov(..., compute_corr=True)` returns the Cholesky factor, the correlations and the standard
    deviations directly (no `expand_packed_triangular`); `sigma_ab` and `Rho` are kept as deterministics;
  - the collider models' `pm.Normal('y_hat', 0, sigma, observed=y - mu)` is refused by PyMC 5 (observed data may
    not depend on parameters), so `y_hat` observes `y` as `mu + Normal(0, sigma)`: the density of `y - mu` under
    Normal(0, sigma), exactly the tutorial's (the shift has unit Jacobian);
  - the coin's Beta keeps the tutorial's name 'a'; binary_heterogenous's 'treatment effect' is 'treatment_effect'.
Everything is float64 (PyTensor's default floatX); data columns are read as float64, index columns as int64.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "specs" / "tutorial" / "data"

# model name → its CSV file in specs/tutorial/data (written by specs/tutorial/make_data.py); None: no data
DATASETS: dict[str, str | None] = {
    "sum_of_normals": None,
    "coin": None,
    "simple_regression": "simple_regression.csv",
    "multivariate_regression": "multivariate_regression.csv",
    "pipe_regression": "pipe.csv",
    "path_analysis": "pipe.csv",
    "no_fork": "fork.csv",
    "fork": "fork.csv",
    "include_collider": "collider.csv",
    "exclude_collider": "collider.csv",
    "combined_confounds": "combined_confounds.csv",
    "categorical": "categorical.csv",
    "pooled_categorical": "categorical.csv",
    "no_heterogenous": "heterogenous.csv",
    "heterogenous": "heterogenous.csv",
    "binary_heterogenous": "binary_heterogenous.csv",
}


def load_data(model_name: str) -> pd.DataFrame | None:
    """The data set of a tutorial model, or None for the two models without data."""
    file = DATASETS[model_name]
    return None if file is None else pd.read_csv(DATA / file)


def sum_of_normals(data: pd.DataFrame | None = None) -> pm.Model:
    with pm.Model() as example:
        a = pm.Normal("a", 2, 0.5)
        b = pm.Normal("b", 3, 0.2)
        pm.Deterministic("c", a + b)
    return example


def coin(data: pd.DataFrame | None = None) -> pm.Model:
    with pm.Model() as example2:
        p = pm.Beta("a", 1, 1)
        pm.Binomial("likelihood", n=10, p=p, observed=8)
    return example2


def simple_regression(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as simple_regression_model:
        # data
        x1 = pm.Data("x1", data["x1"].values)
        y1 = pm.Data("y1", data["y1"].values)

        # prior
        alpha = pm.Normal("intercept", 0, 10)
        beta = pm.Normal("coeff", 0, 10)
        sigma = pm.Exponential("error", lam=1)

        mu = alpha + beta * x1

        pm.Normal("y_hat", mu, sigma, observed=y1)
    return simple_regression_model


def multivariate_regression(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as independent_regression_model:
        # data
        x1 = pm.Data("x1", data["x1"].values)
        x2 = pm.Data("x2", data["x2"].values)
        y1 = pm.Data("y1", data["y1"].values)

        # prior
        alpha = pm.Normal("intercept_1", 0, 10)
        beta_1 = pm.Normal("coeff_1", 0, 10)
        beta_2 = pm.Normal("coeff_2", 0, 10)
        sigma = pm.Exponential("error", lam=1)

        mu = alpha + beta_1 * x1 + beta_2 * x2
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return independent_regression_model


def pipe_regression(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as pipe_confound:
        # data
        x1 = pm.Data("x1", data["x1"].values)
        x2 = pm.Data("x2", data["x2"].values)
        y1 = pm.Data("y1", data["y1"].values)

        # prior
        alpha_1 = pm.Normal("intercept_1", 0, 10)
        beta_1 = pm.Normal("coeff_1", 0, 2)

        beta_2 = pm.Normal("coeff_2", 0, 2)
        sigma = pm.Exponential("error_2", lam=1)

        mu = alpha_1 + beta_1 * x1 + beta_2 * x2
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return pipe_confound


def path_analysis(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as path_analysis_model:
        # data
        x1 = pm.Data("x1", data["x1"].values)
        x2 = pm.Data("x2", data["x2"].values)
        y1 = pm.Data("y1", data["y1"].values)

        # prior
        alpha_1 = pm.Normal("intercept_1", 0, 10)
        beta_1 = pm.Normal("coeff_1", 0, 2)
        sigma_1 = pm.Exponential("error_1", lam=1)

        alpha_2 = pm.Normal("intercept_2", 0, 10)
        beta_2 = pm.Normal("coeff_2", 0, 2)
        sigma_2 = pm.Exponential("error_2", lam=1)

        mu_1 = alpha_1 + beta_1 * x1
        x2_hat = pm.Normal("x2_hat", mu_1, sigma_1, observed=x2)

        mu_2 = alpha_2 + beta_2 * x2_hat  # the observed RV: in the log density it is the data x2
        pm.Normal("y_hat", mu_2, sigma_2, observed=y1)
    return path_analysis_model


def no_fork(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as no_fork_model:
        x = pm.Data("x", data["x"].values)
        y = pm.Data("y", data["y"].values)

        alpha = pm.Normal("intercept", 0, 1)
        beta = pm.Normal("slope", 0, 1)
        sigma = pm.Exponential("error", lam=1)

        mu = alpha + beta * x
        pm.Normal("y_hat", mu, sigma, observed=y)
    return no_fork_model


def fork(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as fork_model:
        x = pm.Data("x", data["x"].values)
        z = pm.Data("z", data["z"].values)
        y = pm.Data("y", data["y"].values)

        alpha = pm.Normal("intercept", 0, 1)
        beta_x = pm.Normal("slope_x", 0, 1)
        beta_z = pm.Normal("slope_z", 0, 1)
        sigma = pm.Exponential("error", lam=1)

        mu = alpha + beta_x * x + beta_z * z
        pm.Normal("y_hat", mu, sigma, observed=y)
    return fork_model


def _shifted_normal(mu, sigma, size):
    """`mu + Normal(0, sigma)`: observing y under it scores y - mu under Normal(0, sigma), the tutorial's
    `pm.Normal('y_hat', 0, sigma, observed=y - mu)` (which PyMC 5 refuses because y - mu depends on parameters)."""
    return mu + pm.Normal.dist(0.0, sigma, size=size)


def include_collider(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as include_collider_model:
        x = pm.Data("x", data["x"].values)
        z = pm.Data("z", data["z"].values)
        y = pm.Data("y", data["y"].values)

        alpha = pm.Normal("intercept", 0, 1)
        beta_x = pm.Normal("slope_x", 0, 1)
        beta_z = pm.Normal("slope_z", 0, 1)
        sigma = pm.Exponential("error", lam=1)

        mu = alpha + beta_x * x + beta_z * z
        pm.CustomDist("y_hat", mu, sigma, dist=_shifted_normal, observed=y)  # tutorial: observed=y-mu
    return include_collider_model


def exclude_collider(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as exclude_collider_model:
        x = pm.Data("x", data["x"].values)
        y = pm.Data("y", data["y"].values)

        alpha = pm.Normal("intercept", 0, 1)
        beta_x = pm.Normal("slope_x", 0, 1)
        sigma = pm.Exponential("error", lam=1)

        mu = alpha + beta_x * x
        pm.CustomDist("y_hat", mu, sigma, dist=_shifted_normal, observed=y)  # tutorial: observed=y-mu
    return exclude_collider_model


def combined_confounds(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as combined_model_exclude_collider:
        x1 = pm.Data("x1", data["x1"].values)
        x2 = pm.Data("x2", data["x2"].values)
        y = pm.Data("y", data["y"].values)

        alpha_1 = pm.Normal("intercept_1", 0, 1)
        beta_1 = pm.Normal("slope_1", 0, 1)
        beta_2 = pm.Normal("slope_2", 0, 1)
        beta_3 = pm.Normal("slope_3", 0, 1)

        sigma_1 = pm.Exponential("error_1", lam=1)
        sigma_2 = pm.Exponential("error_2", lam=1)

        x2_hat = pm.Normal("x2_hat", beta_1 * x1 + alpha_1, sigma_1, observed=x2)
        pm.Normal("y_hat", beta_2 * x2_hat + beta_3 * x1, sigma_2, observed=y)
    return combined_model_exclude_collider


def categorical(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as categorical_model:
        x1 = data["x1"].values
        x2 = data["x2"].values
        y1 = pm.Data("y1", data["y1"].values)

        cat_x1 = pm.Normal("cat_x1", 0, 1, shape=len(data["x1"].unique()))
        cat_x2 = pm.Normal("cat_x2", 0, 1, shape=len(data["x2"].unique()))
        sigma = pm.Exponential("error", lam=1)

        mu = cat_x1[x1] + cat_x2[x2]
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return categorical_model


def pooled_categorical(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as pooled_categorical_model:
        x1 = data["x1"].values
        x2 = data["x2"].values
        y1 = pm.Data("y1", data["y1"].values)

        pooled_x2_mu = pm.Normal("pooled_x2_mu", 0, 1)
        pooled_x2_sigma = pm.Exponential("pooled_x2_sigma", lam=1)

        cat_x1 = pm.Normal("cat_x1", 0, 1, shape=len(data["x1"].unique()))
        cat_x2 = pm.Normal("cat_x2", pooled_x2_mu, pooled_x2_sigma, shape=len(data["x2"].unique()))
        sigma = pm.Exponential("error", lam=1)

        mu = cat_x1[x1] + cat_x2[x2]
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return pooled_categorical_model


def no_heterogenous(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as no_heterogenous_model:
        x1 = data["x1"].values
        x2 = data["x2"].values
        y1 = pm.Data("y1", data["y1"].values)

        cat_x1 = pm.Normal("cat_x1", 0, 1, shape=len(data["x1"].unique()))
        cat_x2 = pm.Normal("cat_x2", 0, 1, shape=len(data["x2"].unique()))
        sigma = pm.Exponential("error", lam=1)

        mu = cat_x1[x1] + cat_x2[x2]
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return no_heterogenous_model


def heterogenous(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as heterogenous_model:
        x1 = data["x1"].values
        x2 = data["x2"].values
        y1 = pm.Data("y1", data["y1"].values)

        error = pm.Exponential("error", lam=1)

        # the covariance of the (x2 = 0, x2 = 1) effects within an x1 group
        a_bar = pm.Normal("a_bar", mu=0, sigma=2)
        b_bar = pm.Normal("b_bar", mu=0, sigma=2)
        chol, corr, stds = pm.LKJCholeskyCov(
            "chol_cov", n=2, eta=2, sd_dist=pm.Exponential.dist(1.0), compute_corr=True
        )
        # the standard deviations and rho
        pm.Deterministic("sigma_ab", stds)
        pm.Deterministic("Rho", corr[np.triu_indices(2, k=1)])

        ab_cat = pm.MvNormal(
            "ab_did",
            mu=pt.stack([a_bar, b_bar]),
            chol=chol,
            shape=(len(data["x1"].unique()), len(data["x2"].unique())),
        )

        mu = ab_cat[x1, x2]
        pm.Normal("y_hat", mu, error, observed=y1)
    return heterogenous_model


def binary_heterogenous(data: pd.DataFrame | None) -> pm.Model:
    with pm.Model() as count_heterogenous_model:
        x1 = data["x1"].values
        x2 = data["x2"].values
        y1 = data["y1"].values

        # prior
        prob1 = pm.Beta("treatment_effect", alpha=1, beta=1, shape=(3, 2))
        # likelihood
        pm.Bernoulli("y_hat", p=prob1[x1, x2], observed=y1)
        pm.Deterministic("diff", prob1[:, 1] - prob1[:, 0])
    return count_heterogenous_model


MODELS: dict[str, Callable[[pd.DataFrame | None], pm.Model]] = {
    "sum_of_normals": sum_of_normals,
    "coin": coin,
    "simple_regression": simple_regression,
    "multivariate_regression": multivariate_regression,
    "pipe_regression": pipe_regression,
    "path_analysis": path_analysis,
    "no_fork": no_fork,
    "fork": fork,
    "include_collider": include_collider,
    "exclude_collider": exclude_collider,
    "combined_confounds": combined_confounds,
    "categorical": categorical,
    "pooled_categorical": pooled_categorical,
    "no_heterogenous": no_heterogenous,
    "heterogenous": heterogenous,
    "binary_heterogenous": binary_heterogenous,
}
