"""Fixtures for the web tests: a small archive whose answers are known by construction."""

from __future__ import annotations

from datetime import date

import pytest

from tests.web.factories import Item, make_case


@pytest.fixture
def archive(db):
    """Six letters. Overturned items: 4 (in 3 letters). ODG reviewer citations in 3 letters, of which
    only CM16-0000002 has an item that is ODG-cited AND overturned on the same item."""
    return {
        "gabapentin": make_case(
            [
                Item(
                    "Gabapentin 600mg #90",
                    "overturned",
                    "medication",
                    "anticonvulsant",
                    "Gabapentin is recommended for neuropathic pain.",
                    90,
                    ["mtus-chronic-pain"],
                    ["odg-pain"],
                    ingredients=["gabapentin"],
                ),
                Item(
                    "Acupuncture 6 sessions",
                    "upheld",
                    "acupuncture",
                    "acupuncture",
                    "No functional improvement after prior acupuncture.",
                    6,
                    ["mtus-acupuncture"],
                ),
            ],
            case_number="CM16-0000001",
            decided=date(2016, 12, 9),
            sex="male",
            age=48,
            specialties=("Orthopaedic Surgery",),
            states=("CA",),
        ),
        "odg_overturned": make_case(
            [
                Item(
                    "MRI of the lumbar spine",
                    "overturned",
                    "imaging",
                    "mri",
                    "Red flags are documented; imaging is appropriate.",
                    None,
                    ["odg-low-back"],
                ),
                Item(
                    "Norco 10/325 #120",
                    "upheld",
                    "medication",
                    "opioid",
                    "Opioids without documented functional gains are not medically necessary.",
                    120,
                    ["mtus-chronic-pain"],
                ),
            ],
            case_number="CM16-0000002",
            decided=date(2016, 11, 2),
            sex="female",
            age=55,
            specialties=("Physical Medicine and Rehabilitation",),
            states=("CA", "NV"),
        ),
        "odg_upheld": make_case(
            [
                Item(
                    "Physical therapy 12 sessions",
                    "upheld",
                    "physical-therapy",
                    "therapy",
                    "Guidelines allow 10 visits for myalgia.",
                    12,
                    ["odg-low-back"],
                ),
                Item(
                    "Tramadol 50mg #60",
                    "overturned",
                    "medication",
                    "opioid",
                    "Tramadol is appropriate for moderate pain.",
                    60,
                    ["mtus-chronic-pain"],
                ),
            ],
            case_number="CM16-0000003",
            decided=date(2017, 1, 15),
            sex="female",
            age=39,
            specialties=("Physical Medicine and Rehabilitation",),
            states=("CA",),
        ),
        "acupuncture": make_case(
            [
                Item(
                    "Acupuncture 12 sessions",
                    "upheld",
                    "acupuncture",
                    "acupuncture",
                    "Acupuncture beyond the trial is not supported.",
                    12,
                    ["mtus-acupuncture"],
                    ["mtus-acupuncture"],
                )
            ],
            case_number="CM16-0000004",
            decided=date(2015, 6, 1),
            sex="male",
            age=61,
            specialties=("Chiropractic",),
            states=("AZ",),
        ),
        "pt_overturned": make_case(
            [
                Item(
                    "Physical therapy 6 sessions for the knee",
                    "overturned",
                    "physical-therapy",
                    "post-operative",
                    "Post-operative therapy after arthroscopy is recommended.",
                    6,
                    ["uptodate"],
                    ["odg-low-back"],
                )
            ],
            case_number="CM16-0000005",
            decided=date(2016, 3, 3),
            sex="male",
            age=30,
            specialties=("Orthopaedic Surgery",),
            states=("CA", "AZ"),
            summary="Right knee arthroscopy in January.",
            diagnoses=("Knee meniscus tear",),
        ),
        "odg_pain_upheld": make_case(
            [
                Item(
                    "Lidoderm patch 5%",
                    "upheld",
                    "medication",
                    "topical-compound",
                    "Lidoderm is recommended only after a trial of first-line therapy.",
                    30,
                    ["odg-pain"],
                )
            ],
            case_number="CM16-0000006",
            decided=date(2017, 2, 1),
            sex="",
            age=None,
            specialties=("Anesthesiology", "Pain Medicine"),
            states=("NY",),
        ),
    }
