"""Every ```dag example in docs/ parses, checks, compiles to a PyMC model, and round-trips."""

import re
from pathlib import Path

import pytest

import dagspec
from dagspec.codes import CODES, reference_page

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))


def examples():
    for doc in DOCS:
        for number, block in enumerate(re.findall(r"```dag\n(.*?)```", doc.read_text(), re.S)):
            yield pytest.param(block, id=f"{doc.stem}-{number}")


@pytest.mark.parametrize("text", list(examples()))
def test_doc_example_compiles(text):
    spec = dagspec.parse(text, "example.dag")
    model = spec.build()
    logp = model.compile_logp()(model.initial_point())
    assert logp == logp  # not NaN
    assert dagspec.parse(spec.to_text()).ir == spec.ir


def test_language_reference_has_many_examples():
    assert len(list(examples())) >= 15


def test_diagnostics_reference_lists_every_code():
    text = (ROOT / "docs" / "diagnostics.md").read_text()
    assert text == reference_page(), "regenerate it: python -m dagspec.codes > docs/diagnostics.md"
    assert all(code in text for code in CODES)
