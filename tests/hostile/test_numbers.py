"""Issue 13: `Normal(0, 1e400)` said "sigma = inf must be positive". A number a double cannot hold is DS113 at the
number: beyond about 1.8e308 (it would become inf), or nonzero but so small it would become 0."""

import pytest

import dagspec


def only_error(text: str):
    with pytest.raises(dagspec.DagspecError) as info:
        dagspec.parse(text)
    (found,) = info.value.diagnostics
    return found.code, found.span.line, found.span.column, found.message


@pytest.mark.parametrize("number", ["1e400", "1E309", "2e308", "99999e304"])
def test_a_number_too_large_says_it_overflows(number):
    code, line, column, message = only_error(f"a ~ Normal(0, {number})")
    assert (code, line, column) == ("DS113", 1, 15)
    assert number in message and "largest" in message and "inf" not in message


def test_a_negative_number_too_large_points_at_the_number():
    assert only_error("a ~ Normal(-1e400, 1)")[:3] == ("DS113", 1, 13)


@pytest.mark.parametrize("number", ["1e-400", "0.5e-330"])
def test_a_nonzero_number_that_would_become_zero(number):
    code, line, column, message = only_error(f"a ~ Normal(0, 1)\nb ~ Normal(a, {number})")
    assert (code, line, column) == ("DS113", 2, 15)
    assert "become 0" in message


@pytest.mark.parametrize("number", ["0e400", "0.0", "1.7e308", "1e-300", "1e-320"])
def test_numbers_a_double_holds_are_accepted(number):
    spec = dagspec.parse(f"let c = {number}")
    assert spec.to_text() == f"let c = {number}\n"
