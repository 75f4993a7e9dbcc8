"""What the parser reads of each item, scored against labels: the 89 real letters (skipped when
../shared is absent) and the project's own held-out requests, labelled blind."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import pytest

from tests.parsing.conftest import LETTERS_DIR, REPO, require_shared


def accuracy_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("taxonomy_accuracy", REPO / "benchmarks" / "taxonomy_accuracy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def accuracy(figures: dict[str, Any], field: str) -> float:
    return float(figures[field]["accuracy"])


def test_the_real_letters_items_are_classified_as_labelled() -> None:
    require_shared(LETTERS_DIR / "categories.jsonl")
    figures = accuracy_script().score_letters(LETTERS_DIR).figures()
    assert accuracy(figures, "category") >= 0.99
    assert accuracy(figures, "subcategory") >= 0.97
    assert accuracy(figures, "ingredients") >= 0.97
    assert accuracy(figures, "body_region") >= 0.95
    assert accuracy(figures, "laterality") >= 0.95


@pytest.mark.parametrize("name", ["heldout_1", "heldout_2"])
def test_held_out_requests_are_classified_as_labelled(name: str) -> None:
    script = accuracy_script()
    figures = script.score_requests(script.read_jsonl(script.HELDOUT_SETS[name]), script.ingredients_of).figures()
    assert figures["category"]["of"] >= 90
    assert accuracy(figures, "category") >= 0.97
    assert accuracy(figures, "subcategory") >= 0.95
    assert accuracy(figures, "ingredients") >= 0.95
    assert accuracy(figures, "body_region") >= 0.95
    assert accuracy(figures, "laterality") >= 0.95
