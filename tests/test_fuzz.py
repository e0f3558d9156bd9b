"""Fuzzing: random valid specs build; damaged specs give diagnostics or success, never a crash or a hang."""

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import mutations, valid_specs

import dagspec

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [p.read_text() for p in sorted((ROOT / "specs").rglob("*.dag"))]


def check_never_crashes(text: str) -> None:
    try:
        spec = dagspec.parse(text, "fuzz.dag")
    except dagspec.DagspecError as exc:
        assert exc.diagnostics and all(d.code.startswith("DS") for d in exc.diagnostics)
        assert all(d.span.line >= 0 for d in exc.diagnostics)
    else:
        assert spec.to_text()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_specs())
def test_random_valid_specs_build(case):
    text, data = case
    spec = dagspec.parse(text)
    model = spec.build(data, optimize=False)
    assert model.free_RVs
    assert dagspec.parse(spec.to_text()).ir == spec.ir
    spec.build(data)  # the optimized model builds too


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SEEDS).flatmap(mutations))
def test_mutated_specs_never_crash(text):
    check_never_crashes(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")))
def test_random_bytes_never_crash(text):
    check_never_crashes(text)


def test_a_5_mb_spec_is_refused_before_it_is_parsed(monkeypatch):
    text = "".join(f"a{i} ~ Normal(0, 1)\n" for i in range(250_000))
    parse_module = sys.modules["dagspec.parse"]  # the package's `parse` is the function of that name
    monkeypatch.setattr(parse_module, "_parser", lambda: pytest.fail("a spec over the limit was parsed"))
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(text)
    assert [d.code for d in info.value.diagnostics] == ["DS109"]


def test_a_large_generated_spec_parses():
    text = "".join(f"a{i} ~ Normal(0, 1)\n" for i in range(2_000))
    assert len(dagspec.parse(text).parameters) == 2_000
