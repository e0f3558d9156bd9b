"""LKJ covariance priors sampled in Stan's coordinates (log standard deviations and partial correlations,
backends/lkj_coordinates.py, the optimizer's `covariance` pass) keep the prior and the posterior: the transform is a
bijection whose log Jacobian is the autodiff one, the optimized model's log density is the literal one's at the same
covariance plus the difference of the two coordinates' Jacobians, and NUTS in the new coordinates draws the LKJ
prior's known marginals."""

from pathlib import Path

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from logp_support import log_density_gaps
from scipy import stats

import dagspec
from dagspec.backends.lkj_coordinates import ScalesAndPartialCorrelations

ROOT = Path(__file__).resolve().parent.parent
M14_3 = ROOT / "specs" / "gallery" / "chimpanzees_m14_3.dag"


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_the_transform_is_a_bijection_with_the_autodiff_log_jacobian(n):
    transform = ScalesAndPartialCorrelations(n)
    u = pt.vector("u")
    packed = transform.backward(u)
    jacobian = pytensor.gradient.jacobian(packed, u)
    _, log_det = pt.linalg.slogdet(jacobian)
    evaluate = pytensor.function([u], [packed, log_det, transform.log_jac_det(u), transform.forward(packed)])
    rng = np.random.default_rng(n)
    for spread in (0.5, 2.0, 4.0):  # partial correlations up to tanh(12): the log(1 - z^2) term must stay finite
        point = rng.normal(0.0, spread, n * (n + 1) // 2)
        value, expected, log_jacobian, back = evaluate(point)
        diagonal = np.arange(1, n + 1).cumsum() - 1
        assert np.all(value[diagonal] > 0)
        assert log_jacobian == pytest.approx(expected, rel=1e-9, abs=1e-9)
        if spread < 4:  # at tanh(y) within 1e-7 of 1 the way back loses digits in 1 - sum R^2 (starts only use it)
            np.testing.assert_allclose(back, point, rtol=1e-7, atol=1e-7)


def test_the_packed_factor_is_diag_sigma_times_a_correlation_factor():
    transform = ScalesAndPartialCorrelations(3)
    point = np.array([0.3, -1.2, 0.7, 0.4, -0.8, 1.5])
    packed = transform.backward(pt.constant(point)).eval()
    chol = np.zeros((3, 3))
    chol[np.tril_indices(3)] = packed
    covariance = chol @ chol.T
    np.testing.assert_allclose(np.sqrt(np.diag(covariance)), np.exp(point[:3]), rtol=1e-12)
    # canonical partial correlations: corr(1, 2) = z21, corr(1, 3) = z31, and z32 is corr(2, 3) given 1
    sds = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(sds, sds)
    z21, z31, z32 = np.tanh(point[3:])
    assert correlation[1, 0] == pytest.approx(z21)
    assert correlation[2, 0] == pytest.approx(z31)
    partial = (correlation[2, 1] - z21 * z31) / np.sqrt((1 - z21**2) * (1 - z31**2))
    assert partial == pytest.approx(z32)


def _packed_log_jacobians(values):
    """The log Jacobian of the new coordinates minus PyMC's, at each LKJ prior's packed factor in `values`."""
    total = 0.0
    for name in ("chol_actor", "chol_block"):
        packed = pt.constant(values[name])
        ours = ScalesAndPartialCorrelations(4)
        pymcs = pm.distributions.transforms.CholeskyCovPacked(4)
        total += float((ours.log_jac_det(ours.forward(packed)) - pymcs.log_jac_det(pymcs.forward(packed))).eval())
    return total


def test_the_optimized_chimpanzees_m14_3_is_the_literal_model_at_the_same_covariances():
    spec = dagspec.load(M14_3)
    only = {"linear": False, "whiten": False, "pools": False, "cells": False, "normal": False, "batch": False}
    gaps, literal, optimized = log_density_gaps(spec, None, optimize=only, jacobian=_packed_log_jacobians)
    assert "chol_actor_log_sd_partial_corr__" in optimized.initial_point()
    assert "chol_actor_cholesky-cov-packed__" in literal.initial_point()
    np.testing.assert_allclose(gaps, 0.0, atol=1e-8)
    # control: without the Jacobians' difference the two log densities differ by more than a constant
    unadjusted, _, _ = log_density_gaps(spec, None, optimize=only)
    assert np.ptp(unadjusted) > 0.1


def test_generated_scripts_keep_pymcs_coordinates():
    source = dagspec.load(M14_3).to_source("pymc")
    assert "pm.LKJCholeskyCov(" in source and "default_transform" not in source


def _lkj_prior_draws(seed):
    with pm.Model() as model:
        pm.LKJCholeskyCov(
            "chol",
            n=3,
            eta=2.0,
            sd_dist=pm.Exponential.dist(1.0, shape=3),
            compute_corr=True,
            default_transform=ScalesAndPartialCorrelations(3),
        )
    with model:
        idata = pm.sample(
            draws=4000, tune=1000, chains=2, random_seed=seed, progressbar=False, compute_convergence_checks=False
        )
    posterior = idata.posterior
    thinned = slice(None, None, 4)
    return posterior["chol_corr"].values[:, thinned, 1, 0].ravel(), posterior["chol_stds"].values[:, thinned].ravel()


def test_nuts_in_the_new_coordinates_draws_the_lkj_prior():
    """Under LKJ(eta) in n dimensions a correlation's (r + 1) / 2 is Beta(eta - 1 + n/2, eta - 1 + n/2): Beta(2.5, 2.5)
    for eta = 2, n = 3; the control, the uniform LKJ(1)'s Beta(1.5, 1.5), must fail. The sds are Exponential(1)."""
    correlation, sds = _lkj_prior_draws(seed=11)
    assert stats.kstest((correlation + 1) / 2, stats.beta(2.5, 2.5).cdf).pvalue > 0.01
    assert stats.kstest((correlation + 1) / 2, stats.beta(1.5, 1.5).cdf).pvalue < 1e-4
    assert stats.kstest(sds, stats.expon().cdf).pvalue > 0.01
    assert stats.kstest(sds, stats.expon(scale=1.15).cdf).pvalue < 1e-4
