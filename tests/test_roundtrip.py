"""Every good spec round-trips: text → IR → text → IR, and IR → JSON → IR; spans point at the source."""

from pathlib import Path

import pytest

import dagspec
from dagspec import ir
from dagspec.parse import parse_text
from dagspec.printer import to_text

ROOT = Path(__file__).resolve().parent.parent
GOOD = sorted((ROOT / "specs").rglob("*.dag")) + sorted((ROOT / "tests" / "good").glob("*.dag"))


@pytest.mark.parametrize("path", GOOD, ids=[str(p.relative_to(ROOT)) for p in GOOD])
def test_text_ir_text_ir(path):
    first = parse_text(path.read_text(), str(path))
    text = to_text(first)
    second = parse_text(text)
    assert first == second
    assert to_text(second) == text  # the printer is idempotent: canonical text is a fixed point


@pytest.mark.parametrize("path", GOOD, ids=[str(p.relative_to(ROOT)) for p in GOOD])
def test_ir_json_ir(path):
    spec = dagspec.load(path)
    again = dagspec.Spec.from_json(spec.to_json())
    assert again.ir == spec.ir
    assert again.ir.statements[0].span == spec.ir.statements[0].span  # spans survive JSON too
    assert list(again.parameters) == list(spec.parameters)


def test_equality_ignores_spans():
    a = parse_text("a ~ Normal(0, 1)")
    b = parse_text("\n\n   a ~ Normal(0,    1)")
    assert a == b
    assert a.statements[0].span != b.statements[0].span


def test_spans_locate_every_statement():
    text = 'node x\nnode y ~ Normal\nx -> y; observed x, y = "Y"\nprior y.sigma ~ Exponential(1) as s\n'
    spec = parse_text(text)
    node, outcome, edge, observed, prior = spec.statements
    assert (node.span.line, node.span.column) == (1, 1)
    assert (outcome.family.span.line, outcome.family.span.column) == (2, 8)
    assert (observed.span.line, observed.span.column) == (3, 9)
    assert observed.items[1].column == "Y"
    assert (prior.alias.span.line, prior.alias.span.column) == (4, 35)
    assert text[prior.address.span.start : prior.address.span.end] == "y.sigma"


def test_json_carries_a_version():
    spec = dagspec.parse("a ~ Normal(0, 1)")
    assert f'"version": {ir.IR_VERSION}' in spec.to_json()


def test_expressions_print_with_the_parentheses_they_need():
    text = "let c = (a + b) * -(a - b) ** 2 / (a - (b - a))\n"
    spec = parse_text(text)
    assert to_text(spec) == text
