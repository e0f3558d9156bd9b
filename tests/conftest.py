"""Shared test set-up: repository paths and golden-file updating (UPDATE_GOLDEN=1 rewrites golden files)."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    """Compare `actual` with the golden file, or rewrite it when UPDATE_GOLDEN=1."""
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {path} did not exist; it was written — review and commit it")
        return
    assert actual == path.read_text(), f"output differs from {path} (UPDATE_GOLDEN=1 to accept)"
