"""Shared paths for parser tests. These tests need no database."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
LETTERS_DIR = SHARED / "imr-letters"
SEEDS_DIR = SHARED / "seeds"
SCHEMA_PATH = SHARED / "parsed-decision.schema.json"


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the real letters live in ../shared, outside the repo")
    return path
