"""Letters in layout A written for these tests (invented wording, no real letter's sentences)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    request: str = "Physical therapy for the lower back, eight visits"
    outcome: str = "Upheld"
    claims_guideline: str = "Decision based on MTUS Low Back Complaints 2004."
    reviewer_guideline: str = "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical Medicine."


@dataclass(frozen=True)
class Letter:
    case_number: str
    states: str = "California,Oregon"
    specialties: str = "Physical Medicine & Rehabilitation, Pain Medicine"
    age: int = 47
    sex: str = "female"
    items: list[Item] = field(default_factory=lambda: [Item()])
    note: str = ""

    def text(self) -> str:
        return render(self)


def render(letter: Letter) -> str:
    items = "\n\n".join(render_item(item) for item in letter.items)
    return f"""Case Number: {letter.case_number}
Date Assigned: 11/02/2016 Date of Injury:  04/18/2014
Decision Date: 12/01/2016 UR Denial Date:  10/25/2016
Priority:  Standard Application
Received:
10/28/2016

HOW THE IMR FINAL DETERMINATION WAS MADE
An independent physician with no ties to anyone in this dispute looked at the whole file.
The reviewer practises at least part time and knows the rules that govern this review.
The Expert Reviewer has the following credentials:
State(s) of Licensure: {letter.states}
Certification(s)/Specialty: {letter.specialties}

CLINICAL CASE SUMMARY
The reviewer wrote this summary after reading the records in the file:
The injured worker is a {letter.age} year old {letter.sex} who hurt the lower back lifting boxes on 4-18-14.
She describes aching pain that worsens when sitting for long periods. {letter.note}
The listed diagnosis is lumbar strain.

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on the decisions about each disputed item listed below:

{items}
"""


def render_item(item: Item) -> str:
    return f"""{item.request} is: {item.outcome}

Claims Administrator guideline: {item.claims_guideline}

MAXIMUS guideline: {item.reviewer_guideline}

Decision rationale: The records show some progress with earlier care, yet the notes give no measured
gains that would justify this request now. Therefore, the request is {"not " if item.outcome == "Upheld" else ""}medically necessary.
"""


def letter(number: int, **overrides: object) -> Letter:
    """The n-th test letter, with a case number of its own."""
    return Letter(case_number=f"CM16-{9000000 + number:07d}", **overrides)  # type: ignore[arg-type]


# Consonants only: no stemmer folds two of the padding words into one.
PADDING_ALPHABET = "bcdfghjklmnpqrstvwxz"
PADDING_WORDS = 120_000


def padding_word(index: int) -> str:
    """A made-up word per index, ten letters, all distinct."""
    letters = []
    while index or len(letters) < 10:
        index, digit = divmod(index, len(PADDING_ALPHABET))
        letters.append(PADDING_ALPHABET[digit])
    return "".join(letters)


def oversized_letter_text(number: int) -> str:
    """A letter followed by 120,000 distinct words (1.3 MB): its search vector would pass PostgreSQL's 1 MB."""
    return letter(number).text() + "\n" + " ".join(padding_word(index) for index in range(PADDING_WORDS)) + "\n"


def slow_pdf(number: int) -> bytes:
    """A letter followed by about 2,500 pages of notes: seconds of pdfium's time to extract, where a letter takes ms."""
    from decisions.samples import render_pdf

    notes = "\n".join(f"Note {line} on the records reviewed for this dispute." for line in range(125_000))
    return render_pdf(letter(number).text() + "\n" + notes)
