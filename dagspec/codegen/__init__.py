"""A Spec's Plan → standalone, readable Python source for PyMC 5 (`pymc`) or PyMC3 3.11 (`pymc3`)."""

from __future__ import annotations

from .source import generate

TARGETS = ("pymc", "pymc3")

__all__ = ["generate", "TARGETS"]
