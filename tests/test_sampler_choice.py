"""Which NUTS implementation `dagspec.sample` picks without one named, and that it says why (no sampling here:
the rule's measurements are in bench/RESULTS.md)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import xarray as xr

import dagspec
from dagspec.backends import sample as sampling
from dagspec.render.summary import how_drawn

GALLERY = Path(__file__).resolve().parent.parent / "specs" / "gallery"


def _plan(name: str):
    spec = dagspec.load(GALLERY / f"{name}.dag")
    return sampling.passes_for_mcmc(copy.deepcopy(sampling.posterior_plan(spec)), True)


def test_an_lkj_covariance_is_sampled_with_nutpie_where_installed(monkeypatch):
    plan = _plan("chimpanzees_m14_3")
    monkeypatch.setattr(sampling, "installed_samplers", lambda: ["nutpie", "pymc"])
    assert sampling.sampler_choice(plan)[0] == "nutpie"
    assert "LKJ covariance" in sampling.sampler_choice(plan)[1]
    assert sampling.step_options(plan, {}) == {"target_accept": 0.95}  # the same settings either way
    monkeypatch.setattr(sampling, "installed_samplers", lambda: ["pymc"])
    assert sampling.sampler_choice(plan)[0] == "pymc"


@pytest.mark.parametrize("name", ["reedfrogs_m13_2", "chimpanzees_m13_4", "ucbadmit_m11_8"])
def test_other_glms_keep_pymcs_cached_step(monkeypatch, name):
    monkeypatch.setattr(sampling, "installed_samplers", lambda: ["nutpie", "pymc"])
    assert sampling.sampler_choice(_plan(name))[0] == "pymc"


def test_the_summary_says_which_sampler_and_why():
    posterior = xr.Dataset(
        {"x": (("chain", "draw"), [[0.0, 1.0], [1.0, 0.0]])},
        attrs={
            "dagspec_sampler": "nutpie",
            sampling.SAMPLER_REASON_ATTR: "an LKJ covariance",
            sampling.CHAINS_AT_ONCE_ATTR: 2,
            sampling.BLAS_THREADS_ATTR: 1,
        },
    )
    idata = type("Draws", (), {"posterior": posterior})()
    assert how_drawn(idata) == (
        "drawn with nutpie NUTS (an LKJ covariance): 2 chain(s), 2 at a time, 1 BLAS thread(s) per chain"
    )
