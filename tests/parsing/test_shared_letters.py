"""The real letters in ../shared: schema validity, accuracy against labels, seed values.

Skipped when ../shared is absent (the letters are never copied into the repository).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest

from decisions.parsing import parse_bytes
from tests.parsing.conftest import LETTERS_DIR, REPO, SCHEMA_PATH, SEEDS_DIR, require_shared

# Facts of the five seed letters (numbers, outcomes, short item names), not their sentences.
SEEDS = {
    "000": {
        "age": 52,
        "sex": "male",
        "injury": "2003-04-09",
        "states": ["CA"],
        "specialties": ["Physical Medicine and Rehabilitation"],
        "board": True,
        "items": [("upheld", "acupuncture", 8), ("upheld", "imaging", None)],
        "reviewer_titles": [["Acupuncture Treatment Guidelines"], ["ACOEM Chapter 12: Low Back Complaints"]],
    },
    "001": {
        "age": 55,
        "sex": None,
        "injury": None,
        "states": ["CA"],
        "specialties": ["Acupuncture"],
        "board": None,
        "items": [("upheld", "acupuncture", 12)],
        "reviewer_titles": [["Acupuncture Treatment Guidelines"]],
    },
    "002": {
        "age": 37,
        "sex": "male",
        "injury": "2014-04-16",
        "states": ["MD"],
        "specialties": ["Physical Medicine and Rehabilitation", "Neuromuscular Medicine"],
        "board": None,
        "items": [("upheld", "acupuncture", 6), ("upheld", "injection", None)],
        "reviewer_titles": [["Acupuncture Treatment Guidelines"], ["Chronic Pain Medical Treatment Guidelines"]],
    },
    "003": {
        "age": None,
        "sex": "male",
        "injury": "2002-07-08",
        "states": ["CA"],
        "specialties": ["Occupational Medicine"],
        "board": True,
        "items": [("upheld", "acupuncture", None), ("overturned", "functional-restoration", 1)],
        "reviewer_titles": [["Acupuncture Treatment Guidelines"], ["Chronic Pain Medical Treatment Guidelines"]],
    },
    "004": {
        "age": 54,
        "sex": "female",
        "injury": "2012-08-06",
        "states": ["AZ", "CA"],
        "specialties": ["Family Practice"],
        "board": None,
        "items": [("overturned", "psychological", 12), ("upheld", "acupuncture", 12)],
        "reviewer_titles": [["Chronic Pain Medical Treatment Guidelines"], ["Acupuncture Treatment Guidelines"]],
    },
}


def shared_files() -> list[Path]:
    return sorted(LETTERS_DIR.glob("*.pdf")) + sorted(SEEDS_DIR.glob("*.txt"))


def load_accuracy_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parser_accuracy", REPO / "benchmarks" / "parser_accuracy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_shared_letter_validates_against_the_schema() -> None:
    schema = json.loads(require_shared(SCHEMA_PATH).read_text())
    files = shared_files()
    assert len(files) >= 94
    for path in files:
        as_dict = parse_bytes(path.read_bytes(), path.name).to_dict()
        jsonschema.validate(as_dict, schema)


def test_accuracy_on_labelled_letters_is_at_least_99_percent() -> None:
    require_shared(LETTERS_DIR / "labels.jsonl")
    report = load_accuracy_script().run(LETTERS_DIR, quiet=True)
    assert report["overall"] >= 0.99, report["fields"]
    assert min(report["fields"].values()) >= 0.95, report["fields"]


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_letter_fields(prefix: str) -> None:
    [path] = require_shared(SEEDS_DIR).glob(f"{prefix}_*.txt")
    decision = parse_bytes(path.read_bytes(), path.name)
    want = SEEDS[prefix]
    assert decision.layout == "S"
    assert (decision.patient_age, decision.patient_sex) == (want["age"], want["sex"])
    assert decision.to_dict()["dates"]["injury"] == want["injury"]
    assert decision.reviewer.licensed_states == want["states"]
    assert decision.reviewer.specialties == want["specialties"]
    assert decision.reviewer.board_certified is want["board"]
    assert [(i.outcome, i.treatment_category, i.quantity) for i in decision.items] == want["items"]
    assert [[c.title for c in i.reviewer_guidelines] for i in decision.items] == want["reviewer_titles"]


def test_every_shared_request_gets_a_real_category() -> None:
    require_shared(LETTERS_DIR)
    for path in shared_files():
        for item in parse_bytes(path.read_bytes(), path.name).items:
            assert item.treatment_category not in (None, "other"), (path.name, item.request)
