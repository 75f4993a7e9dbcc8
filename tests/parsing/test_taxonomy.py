"""The treatment taxonomy and its keyword rules."""

from __future__ import annotations

import re

import pytest

from decisions.parsing.taxonomy import BY_REGION, CATEGORIES, RULES, SUBCATEGORIES, SURGERY_BY_REGION, classify_request


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("Norco 10/325mg #90", ("medication", "opioid")),
        ("Naproxen 550mg #60", ("medication", "nsaid")),
        ("Flexeril 10mg #30", ("medication", "muscle-relaxant")),
        ("Compound Ketoprofen 20% cream, 120 grams", ("medication", "topical-compound")),
        ("Gabapentin 300mg #90", ("medication", "anticonvulsant")),
        ("Omeprazole 20mg #30", ("medication", "proton-pump-inhibitor")),
        ("MRI of the left knee without contrast", ("imaging", "mri")),
        ("X-rays of the cervical spine", ("imaging", "x-ray")),
        ("EMG/NCV of the bilateral lower extremities", ("electrodiagnostic", "emg-ncs")),
        ("Lumbar epidural steroid injection at L5-S1", ("injection", "epidural-steroid")),
        ("Platelet-rich plasma injection to the elbow", ("injection", "prp")),
        ("TENS unit purchase", ("dme", "tens")),
        ("Lumbar support", ("dme", "brace")),
        ("Right knee arthroscopy with meniscectomy", ("surgery", "knee")),
        ("Post-op physical therapy 2 times a week for 6 weeks", ("physical-therapy", "post-operative")),
        ("Physical therapy 2 times a week for 4 weeks", ("physical-therapy", "therapy")),
        ("Myofascial release to the low back", ("physical-therapy", "therapy")),
        ("Chiropractic treatment 6 visits", ("chiropractic", "manipulation")),
        ("Eight (8) acupuncture sessions", ("acupuncture", "acupuncture")),
        ("Functional restoration program 80 hours", ("functional-restoration", "program")),
        ("Functional capacity evaluation", ("evaluation", "functional-capacity")),
        ("Consult with a spine surgeon", ("evaluation", "consultation")),
        ("Cognitive behavioral therapy 6 sessions", ("psychological", "therapy")),
        ("Home health aide 4 hours a day", ("home-health", "home-care")),
        ("Transportation to and from appointments", ("transportation", "transportation")),
        ("Urine drug screen", ("lab-test", "drug-screen")),
    ],
)
def test_requests_are_classified(request_text: str, expected: tuple[str, str]) -> None:
    assert classify_request(request_text) == expected


def test_nothing_fits_is_other_and_empty_is_none() -> None:
    assert classify_request("Ergonomic consultation for the family dog") != ("other", "other")
    assert classify_request("Zebra") == ("other", "other")
    assert classify_request("  ") == (None, None)


def test_every_rule_names_a_known_category_and_subcategory() -> None:
    for pattern, category, subcategory in RULES:
        re.compile(pattern)
        assert category in CATEGORIES
        assert subcategory in SUBCATEGORIES[category] or (category, subcategory) == ("surgery", BY_REGION)
    assert set(SUBCATEGORIES) == set(CATEGORIES)
    assert set(SURGERY_BY_REGION.values()) <= set(SUBCATEGORIES["surgery"])


def test_a_request_is_classified_by_its_beginning_only() -> None:
    from decisions.parsing.taxonomy import CLASSIFIED_LENGTH

    padding = "x" * CLASSIFIED_LENGTH
    assert classify_request("Knee MRI " + padding) == ("imaging", "mri")
    assert classify_request(padding + " Knee MRI") == ("other", "other")
