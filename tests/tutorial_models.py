"""the tutorial's 16 models hand-written in PyMC 5, the reference every compiled spec is compared against.

Literal translations of the tutorial's PyMC3 code: `sd=` is `sigma=`, `theano.shared` is a numpy array or
`pm.Data`, LKJCholeskyCov returns the Cholesky factor directly, and the collider models' `observed=y - mu`
(which PyMC 5 refuses) is the same density written as a Potential. Names are the tutorial's.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

DATA = Path(__file__).resolve().parent.parent / "specs" / "tutorial" / "data"

DATASETS = {
    "sum_of_normals": None, "coin": None,
    "simple_regression": "simple_regression.csv", "multivariate_regression": "multivariate_regression.csv",
    "pipe_regression": "pipe.csv", "path_analysis": "pipe.csv",
    "no_fork": "fork.csv", "fork": "fork.csv",
    "include_collider": "collider.csv", "exclude_collider": "collider.csv",
    "combined_confounds": "combined_confounds.csv",
    "categorical": "categorical.csv", "pooled_categorical": "categorical.csv",
    "no_heterogenous": "heterogenous.csv", "heterogenous": "heterogenous.csv",
    "binary_heterogenous": "binary_heterogenous.csv",
}


def load_data(name: str) -> pd.DataFrame | None:
    file = DATASETS[name]
    return None if file is None else pd.read_csv(DATA / file)


def sum_of_normals(data=None) -> pm.Model:
    with pm.Model() as example:
        a = pm.Normal("a", 2, 0.5)
        b = pm.Normal("b", 3, 0.2)
        pm.Deterministic("c", a + b)
    return example


def coin(data=None) -> pm.Model:
    with pm.Model() as example2:
        p = pm.Beta("a", 1, 1)
        pm.Binomial("likelihood", n=10, p=p, observed=8)
    return example2


def simple_regression(data) -> pm.Model:
    with pm.Model() as model:
        x1 = pm.Data("x1", data["x1"].values)
        y1 = pm.Data("y1", data["y1"].values)
        alpha = pm.Normal("intercept", 0, 10)
        beta = pm.Normal("coeff", 0, 10)
        sigma = pm.Exponential("error", lam=1)
        mu = alpha + beta * x1
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return model


def multivariate_regression(data) -> pm.Model:
    with pm.Model() as model:
        x1 = pm.Data("x1", data["x1"].values)
        x2 = pm.Data("x2", data["x2"].values)
        y1 = pm.Data("y1", data["y1"].values)
        alpha = pm.Normal("intercept_1", 0, 10)
        beta_1 = pm.Normal("coeff_1", 0, 10)
        beta_2 = pm.Normal("coeff_2", 0, 10)
        sigma = pm.Exponential("error", lam=1)
        mu = alpha + beta_1 * x1 + beta_2 * x2
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return model


def pipe_regression(data) -> pm.Model:
    with pm.Model() as pipe_confound:
        x1 = pm.Data("x1", data["x1"].values)
        x2 = pm.Data("x2", data["x2"].values)
        y1 = pm.Data("y1", data["y1"].values)
        alpha_1 = pm.Normal("intercept_1", 0, 10)
        beta_1 = pm.Normal("coeff_1", 0, 2)
        beta_2 = pm.Normal("coeff_2", 0, 2)
        sigma = pm.Exponential("error_2", lam=1)
        mu = alpha_1 + beta_1 * x1 + beta_2 * x2
        pm.Normal("y_hat", mu, sigma, observed=y1)
    return pipe_confound


def path_analysis(data) -> pm.Model:
    with pm.Model() as path_analysis_model:
        x1 = pm.Data("x1", data["x1"].values)
        x2 = pm.Data("x2", data["x2"].values)
        y1 = pm.Data("y1", data["y1"].values)
        alpha_1 = pm.Normal("intercept_1", 0, 10)
        beta_1 = pm.Normal("coeff_1", 0, 2)
        sigma_1 = pm.Exponential("error_1", lam=1)
        alpha_2 = pm.Normal("intercept_2", 0, 10)
        beta_2 = pm.Normal("coeff_2", 0, 2)
        sigma_2 = pm.Exponential("error_2", lam=1)
        mu_1 = alpha_1 + beta_1 * x1
        x2_hat = pm.Normal("x2_hat", mu_1, sigma_1, observed=x2)
        mu_2 = alpha_2 + beta_2 * x2_hat
        pm.Normal("y_hat", mu_2, sigma_2, observed=y1)
    return path_analysis_model


def no_fork(data) -> pm.Model:
    with pm.Model() as no_fork_model:
        x = pm.Data("x", data["x"].values)
        y = pm.Data("y", data["y"].values)
        alpha = pm.Normal("intercept", 0, 1)
        beta = pm.Normal("slope", 0, 1)
        sigma = pm.Exponential("error", lam=1)
        mu = alpha + beta * x
        pm.Normal("y_hat", mu, sigma, observed=y)
    return no_fork_model


def fork(data) -> pm.Model:
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


def include_collider(data) -> pm.Model:
    with pm.Model() as include_collider_model:
        x = pm.Data("x", data["x"].values)
        z = pm.Data("z", data["z"].values)
        y = pm.Data("y", data["y"].values)
        alpha = pm.Normal("intercept", 0, 1)
        beta_x = pm.Normal("slope_x", 0, 1)
        beta_z = pm.Normal("slope_z", 0, 1)
        sigma = pm.Exponential("error", lam=1)
        mu = alpha + beta_x * x + beta_z * z
        # PyMC 5 refuses observed=y - mu (it depends on parameters); this is the same density, written out
        pm.Potential("y_hat", pm.logp(pm.Normal.dist(0, sigma), y - mu))
    return include_collider_model


def exclude_collider(data) -> pm.Model:
    with pm.Model() as exclude_collider_model:
        x = pm.Data("x", data["x"].values)
        y = pm.Data("y", data["y"].values)
        alpha = pm.Normal("intercept", 0, 1)
        beta_x = pm.Normal("slope_x", 0, 1)
        sigma = pm.Exponential("error", lam=1)
        mu = alpha + beta_x * x
        pm.Potential("y_hat", pm.logp(pm.Normal.dist(0, sigma), y - mu))  # observed=y - mu, as in PyMC3
    return exclude_collider_model


def combined_confounds(data) -> pm.Model:
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


def categorical(data) -> pm.Model:
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


def pooled_categorical(data) -> pm.Model:
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


def no_heterogenous(data) -> pm.Model:
    return categorical(data)


def heterogenous(data) -> pm.Model:
    with pm.Model() as heterogenous_model:
        x1 = data["x1"].values
        x2 = data["x2"].values
        y1 = pm.Data("y1", data["y1"].values)
        error = pm.Exponential("error", lam=1)
        a_bar = pm.Normal("a_bar", mu=0, sigma=2)
        b_bar = pm.Normal("b_bar", mu=0, sigma=2)
        chol, corr, stds = pm.LKJCholeskyCov("chol_cov", eta=2, n=2, sd_dist=pm.Exponential.dist(lam=1),
                                             compute_corr=True)
        pm.Deterministic("sigma_ab", stds)
        pm.Deterministic("Rho", corr[np.triu_indices(2, k=1)])
        ab_cat = pm.MvNormal("ab_did", mu=pt.stack([a_bar, b_bar]), chol=chol,
                             shape=(len(data["x1"].unique()), len(data["x2"].unique())))
        mu = ab_cat[x1, x2]
        pm.Normal("y_hat", mu, error, observed=y1)
    return heterogenous_model


def binary_heterogenous(data) -> pm.Model:
    with pm.Model() as count_heterogenous_model:
        x1 = data["x1"].values
        x2 = data["x2"].values
        y1 = data["y1"].values
        prob1 = pm.Beta("treatment_effect", alpha=1, beta=1, shape=(3, 2))
        pm.Bernoulli("y_hat", p=prob1[x1, x2], observed=y1)
        pm.Deterministic("diff", prob1[:, 1] - prob1[:, 0])
    return count_heterogenous_model


MODELS = {name: globals()[name] for name in DATASETS}
