"""A library's chatter → silence while dagspec reports in its own words: a logger raised to ERROR, warnings muted."""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager


@contextmanager
def silenced(logger: logging.Logger, *categories: type[Warning]):
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            for category in categories:
                warnings.simplefilter("ignore", category)
            yield
    finally:
        logger.setLevel(level)
