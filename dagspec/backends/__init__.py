"""Backends: a Plan → a model object of one probabilistic programming library."""
