"""Generated letters read back through the parser give exactly the values they were written from."""

from __future__ import annotations

from typing import Any

import pytest

from decisions.samples import SampleLetter, generate_letters, render_pdf

parsing = pytest.importorskip("decisions.parsing")

LETTERS = list(generate_letters(300, seed=2024))


def normalised(names: list[str]) -> list[str]:
    """Specialties compared as the labels are: '&' read as 'and', case and spacing folded."""
    return sorted(" ".join(name.replace("&", "and").casefold().split()) for name in names)


def letter_id(letter: SampleLetter) -> str:
    return letter.case_number or letter.text[200:240]


def mismatches(letter: SampleLetter, parsed: Any = None) -> list[str]:
    """Every field where the parse (of the text, unless given) differs from the written values."""
    if parsed is None:
        parsed = parsing.parse_text(letter.text, filename="sample.txt")
    found: list[str] = []

    def check(name: str, got: object, want: object) -> None:
        if got != want:
            found.append(f"{name}: parsed {got!r}, written {want!r}")

    check("layout", parsed.layout, letter.layout)
    check("case_number", parsed.case_number, letter.case_number)
    for name, value in letter.dates.items():
        check(f"dates.{name}", getattr(parsed.dates, name), value)
    check("age", parsed.patient_age, letter.age)
    check("sex", parsed.patient_sex, letter.sex)
    check("states", sorted(parsed.reviewer.licensed_states), sorted(letter.licensed_states))
    check("specialties", normalised(parsed.reviewer.specialties), normalised(letter.specialties))
    check("board_certified", parsed.reviewer.board_certified, letter.board_certified)
    check("diagnoses", [d.casefold() for d in parsed.diagnoses], [d.casefold() for d in letter.diagnoses])
    check("item count", len(parsed.items), len(letter.items))
    for index, (got, want) in enumerate(zip(parsed.items, letter.items, strict=False)):
        check(f"item {index} request", " ".join(got.request.split()), want.request)
        check(f"item {index} outcome", got.outcome, want.outcome)
        check(f"item {index} quantity", got.quantity, want.quantity)
        check(f"item {index} category", got.treatment_category, want.treatment_category)
        check(f"item {index} subcategory", got.treatment_subcategory, want.treatment_subcategory)
        check(
            f"item {index} reviewer citations",
            [(c.source, c.title) for c in got.reviewer_guidelines],
            [(c.source, c.title) for c in want.reviewer_guidelines],
        )
        check(
            f"item {index} claims administrator citations",
            [(c.source, c.title) for c in got.claims_administrator_guidelines],
            [(c.source, c.title) for c in want.claims_administrator_guidelines],
        )
    return found


def test_it_generates_both_layouts_for_the_round_trip() -> None:
    assert {letter.layout for letter in LETTERS} == {"A", "S"}


def test_it_reads_back_every_written_value() -> None:
    failures = {letter_id(letter): problems for letter in LETTERS if (problems := mismatches(letter))}
    shown = "\n".join(f"{key}: {problems}" for key, problems in list(failures.items())[:15])
    assert not failures, f"{len(failures)} of {len(LETTERS)} letters differ:\n{shown}"


def test_it_reads_back_every_written_value_from_the_pdf() -> None:
    failures = {}
    for letter in LETTERS[:60]:
        parsed = parsing.parse_bytes(render_pdf(letter.text), "sample.pdf")
        if problems := mismatches(letter, parsed):
            failures[letter_id(letter)] = problems
    assert not failures, f"{len(failures)} of 60 PDFs differ: {list(failures.items())[:5]}"


def test_it_classifies_requests_as_the_parser_taxonomy_does() -> None:
    for letter in LETTERS:
        for item in letter.items:
            assert parsing.classify_request(item.request) == (item.treatment_category, item.treatment_subcategory)


def parsed_item(request: str, reviewer_line: str = "Decision based on MTUS Chronic Pain Medical Treatment 2016."):
    """The first item of a one-item layout-A letter built around `request`."""
    letter = next(generate_letters(1, seed=7, layouts=("A",)))
    start = letter.text.index("IMR ISSUES, DECISIONS AND RATIONALES")
    body = (
        f"{request}: Upheld\nClaims Administrator guideline: {reviewer_line}\n"
        f"MAXIMUS guideline: {reviewer_line}\nDecision rationale: The request is not medically necessary.\n"
    )
    text = letter.text[:start] + "IMR ISSUES, DECISIONS AND RATIONALES\n" + body
    return parsing.parse_text(text).items[0]


def test_parser_reads_no_quantity_in_a_spinal_level() -> None:
    assert parsed_item("C6-7 interlaminar epidural steroid injection").quantity is None


def test_parser_reads_no_quantity_in_a_brand_name() -> None:
    assert parsed_item("Synvisc-One injection to the right knee").quantity is None


def test_parser_reads_an_uptodate_drug_citation_as_one() -> None:
    line = (
        "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. "
        "Decision based on Non-MTUS Citation Naproxen: Drug information, accessed from UpToDate.com."
    )
    item = parsed_item("Naproxen 550mg #60", line)
    assert [(c.source, c.title) for c in item.reviewer_guidelines] == [("other", "UpToDate")]
