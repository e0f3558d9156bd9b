"""Every spec in tests/bad/ reports exactly its golden diagnostics, and every diagnostic code has a case."""

from pathlib import Path

import pytest
from conftest import check_golden
from corpus import diagnostics_for, render

import dagspec
from dagspec.codes import CODES

BAD = Path(__file__).parent / "bad"
CASES = sorted(BAD.glob("*.dag"))

# Codes that no .dag file can trigger: tested in test_api_errors.py, test_fuzz.py (DS109), tests/cli (DS60x).
API_ONLY = {
    "DS108",
    "DS511",
    "DS601",
    "DS109",
    "DS602",
    "DS603",
    "DS604",
    "DS605",
    "DS515",
    "DS620",  # predictions (tests/test_predict.py)
    "DS680",  # do() and predictions on a matrix node (tests/test_matrices.py)
    "DS448",  # code generation for PyMC3 (tests/test_survival.py)
    "DS665",  # forecasts (tests/test_timeseries.py)
    "DS606",
    "DS607",
    "DS608",
    "DS609",
    "DS610",
    "DS611",
    "DS612",  # tests/test_predictive.py, tests/cli/test_compare.py
    "DS640",  # pathfinder without pymc-extras (tests/test_fit_methods.py)
    "DS685",  # LOO of weighted rows (tests/test_observation.py)
    "DS591",  # new multinomial counts without totals (tests/test_multinomial.py)
    "DS645",
    "DS646",  # approximate fits (tests/test_fit_methods.py)
    "DS521",
    "DS523",
    "DS524",
    "DS526",  # tests/hostile/ (a 2 GB file; complex and date columns; `check`)
    "DS530",
    "DS630",
    "DS631",
    "DS632",
    "DS633",
    "DS634",
    "DS635",  # found when sampling: tests/hostile/
    # the spec against its data or its own simulations (tests/validate/)
    "DS330",
    "DS331",
    "DS332",
    "DS650",
    "DS651",
    "DS652",
    "DS653",
    "DS654",
    "DS655",
    "DS656",
    "DS657",
    "DS658",
    "DS659",
}
# DS109: a 1 MB spec, made in test_fuzz.py


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_spec_reports_its_golden_diagnostics(path):
    found = diagnostics_for(path)
    assert found, f"{path.name} should report at least one diagnostic"
    for diagnostic in found:
        assert diagnostic.code in CODES
        assert diagnostic.hint, f"{diagnostic.code} has no hint"
        if diagnostic.code not in ("DS106", "DS107"):  # about the whole file
            assert diagnostic.span.line > 0, f"{diagnostic.code} has no location"
    check_golden(path.with_suffix(".expected"), render(found))


def test_the_corpus_is_large():
    assert len(CASES) >= 80


def test_every_code_has_a_corpus_case():
    covered = set()
    for path in CASES:
        expected = path.with_suffix(".expected")
        if expected.exists():
            covered |= {line.split()[0] for line in expected.read_text().splitlines() if line}
    missing = sorted(set(CODES) - covered - API_ONLY)
    assert not missing, f"diagnostic codes with no bad spec in tests/bad/: {missing}"


def test_full_rendering_has_caret_and_hint():
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.load(BAD / "prior_negative_sigma.dag")
    text = info.value.render()
    assert "prior_negative_sigma.dag:1:15: error DS403" in text
    assert "   1 | a ~ Normal(0, -1)\n     |               ^~" in text
    assert "hint: use a value that is positive" in text
