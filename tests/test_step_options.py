"""NUTS settings chosen from the plan by measured rules (bench/RESULTS.md states the measurements)."""

from pathlib import Path

import dagspec
from dagspec.backends.sample import passes_for_mcmc, step_options

ROOT = Path(__file__).resolve().parent.parent


def _options(path: Path, **given):
    spec = dagspec.load(path)
    return step_options(passes_for_mcmc(spec.plan(None, False), {"exact": False}), given)


def test_target_accept_is_raised_for_a_covariance_on_a_normal_outcome_only():
    assert _options(ROOT / "specs" / "tutorial" / "heterogenous.dag") == {"target_accept": 0.95}
    assert _options(ROOT / "specs" / "gallery" / "chimpanzees_m14_3.dag") == {}  # a Bernoulli outcome: 0.8
    assert _options(ROOT / "specs" / "gallery" / "chimpanzees_m13_4.dag") == {}  # no covariance
    assert _options(ROOT / "specs" / "tutorial" / "heterogenous.dag", target_accept=0.9) == {"target_accept": 0.9}
