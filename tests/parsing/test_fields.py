"""Dates, patient, reviewer, quantities and request headers."""

from __future__ import annotations

from datetime import date

import pytest

from decisions.parsing.fields import (
    diagnoses_from,
    patient_age_sex,
    reviewer_from,
    specialties_from,
    states_from,
)
from decisions.parsing.items import quantity_of, split_header
from decisions.parsing.sections import header_dates
from decisions.parsing.textutil import clean_lines, join_lines, parse_date


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("11/03/2016", date(2016, 11, 3)),
        ("1/3/2016", date(2016, 1, 3)),
        ("10-13-16", date(2016, 10, 13)),
        ("7/8/02", date(2002, 7, 8)),
        ("October 20, 2016", date(2016, 10, 20)),
        ("Dec. 9 2016", date(2016, 12, 9)),
        ("13/45/2016", None),
        ("no date", None),
    ],
)
def test_date_forms_become_dates(written: str, expected: date | None) -> None:
    assert parse_date(written) == expected


def test_application_received_split_around_priority() -> None:
    found = header_dates("Priority: Standard Application\nReceived:\n11/03/2016\nDecision Date: 12/01/2016")
    assert found == {"application_received": "11/03/2016", "decision": "12/01/2016"}


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("The injured worker is a 48 year old male who fell.", (48, "male")),
        ("This case involves a now 54-year-old female with a claim.", (54, "female")),
        ("This 51 year old woman hurt her wrist.", (51, "female")),
        ("The claimant is a 60 year old gentleman.", (60, "male")),
        ("The applicant is a 33-year-old lady.", (33, "female")),
        ("The injured worker is a(n) 45 year old man.", (45, "male")),
        ("The claimant is a 55 year old patient with pain.", (55, None)),
        ("Injured worker is a male with date of injury 7/8/2002.", (None, "male")),
        ("The records were sparse.", (None, None)),
    ],
)
def test_age_and_sex_from_prose(summary: str, expected: tuple[int | None, str | None]) -> None:
    assert patient_age_sex(summary) == expected


def test_diagnoses_are_listed() -> None:
    assert diagnoses_from("She fell. Diagnoses include neck strain, wrist sprain and anxiety. More.") == [
        "neck strain",
        "wrist sprain",
        "anxiety",
    ]
    assert diagnoses_from("Diagnoses include 1) disc bulge 2) radiculopathy.") == ["disc bulge", "radiculopathy"]


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("California,North Carolina", ["CA", "NC"]),
        ("Texas, New York, California", ["CA", "NY", "TX"]),
        ("California and Nevada", ["CA", "NV"]),
        ("CA, AZ", ["AZ", "CA"]),
    ],
)
def test_licensure_states_become_postal_codes(written: str, codes: list[str]) -> None:
    assert states_from(written) == (codes, [])


def test_unknown_state_is_reported() -> None:
    assert states_from("California, Atlantis") == (["CA"], ["Atlantis"])


def test_specialties_are_normalised() -> None:
    names, unknown = specialties_from(
        "Physical Medicine & Rehabilitation,  Sports Medicinea, Public Health & General Preventive Medicine"
    )
    assert names == ["Physical Medicine and Rehabilitation", "Sports Medicine", "Public Health and General Preventive Medicine"]
    assert unknown == []


def test_prose_credentials_board_certified() -> None:
    info, warnings = reviewer_from(
        "The physician reviewer is Board Certified in Physical Medicine and Rehabilitation and is "
        "licensed to practice in California. He/she works."
    )
    assert info.specialties == ["Physical Medicine and Rehabilitation"]
    assert info.licensed_states == ["CA"]
    assert info.board_certified is True
    assert warnings == []


def test_acupuncturist_is_acupuncture_and_not_board_certified() -> None:
    info, _ = reviewer_from("The expert reviewer is a Licensed Acupuncturist and is licensed to practice in California.")
    assert (info.specialties, info.licensed_states, info.board_certified) == (["Acupuncture"], ["CA"], None)


def test_missing_credentials_are_warned() -> None:
    info, warnings = reviewer_from("He/she has no affiliation with anyone.")
    assert info.specialties == [] and info.board_certified is None
    assert "no reviewer specialty found" in warnings


@pytest.mark.parametrize(
    ("request_text", "quantity"),
    [
        ("POSTOPERATIVE ACUPUNCTURE 2 X WEEK FOR 6 WEEKS", 12),
        ("Continue physical therapy 3 times a week for 2 weeks", 6),
        ("Electro acupuncture two times a week times six weeks", 12),
        ("Twelve acupuncture visits, 2 times weekly for 6 weeks", 12),
        ("Tramadol 50mg #60", 60),
        ("Eight (8) acupuncture sessions", 8),
        ("Bio-behavioral therapy x12", 12),
        ("Chiropractic care for the low back; six sessions", 6),
        ("12 sessions of acupuncture", 12),
        ("MRI of the lumbar spine", None),
        ("Cold therapy unit 30 day rental", None),
        ("Lidoderm 5% patch", None),
    ],
)
def test_quantity_where_stated(request_text: str, quantity: int | None) -> None:
    assert quantity_of(request_text) == quantity


def test_header_splits_on_last_colon() -> None:
    assert split_header("Labs to include: EKG:  Upheld") == ("Labs to include: EKG", "upheld")
    assert split_header("Knee brace: Overturned") == ("Knee brace", "overturned")
    assert split_header("Knee brace") is None


def test_modified_request_leaving_original_eligible() -> None:
    header = (
        "Skilled nursing 14 days was the original request. The Claims Administrator authorized "
        "Skilled nursing 7 days, leaving the original request IMR eligible. The original request, "
        "Skilled nursing 14 days is: Upheld"
    )
    assert split_header(header) == ("Skilled nursing 14 days", "upheld")


def test_normalisation_joins_crlf_page_breaks_and_hyphens() -> None:
    lines = clean_lines("First line of a sen-\r\ntence that goes on\f\r\nafter the page break.\r\n\r\nPage 2 of 3\r\n")
    assert join_lines(lines) == "First line of a sen-tence that goes on after the page break."


def test_glued_words_are_separated() -> None:
    assert clean_lines("the request is notmedically necessary") == ["the request is not medically necessary"]
