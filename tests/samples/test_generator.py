"""The sample-letter generator: reproducible, unique, and spread like the real archive."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from decisions.samples import SampleLetter, generate_letters

MANY = list(generate_letters(2000, seed=1))
ITEMS = [item for letter in MANY for item in letter.items]


def test_it_gives_the_same_letters_for_the_same_seed() -> None:
    first = [letter.text for letter in generate_letters(50, seed=42)]
    again = [letter.text for letter in generate_letters(50, seed=42)]
    other = [letter.text for letter in generate_letters(50, seed=43)]
    assert first == again
    assert first != other


def test_it_numbers_layout_a_cases_uniquely_in_the_real_form() -> None:
    numbers = [letter.case_number for letter in MANY if letter.layout == "A"]
    assert len(numbers) == len(set(numbers))
    for letter in MANY:
        if letter.layout == "A":
            assert letter.case_number is not None
            assert re.fullmatch(r"CM\d{2}-\d{7}", letter.case_number)
            assert letter.case_number[2:4] == f"{letter.dates['decision'].year % 100:02d}"  # type: ignore[union-attr]
            assert letter.text.startswith(f"Case Number: {letter.case_number}\n")


def test_it_writes_layout_s_without_header_or_case_number() -> None:
    letters = [letter for letter in MANY if letter.layout == "S"]
    assert letters
    for letter in letters:
        assert letter.case_number is None
        assert "Case Number" not in letter.text
        assert letter.text.lstrip().startswith("HOW THE IMR FINAL DETERMINATION WAS MADE")
        assert letter.dates["decision"] is None


def test_it_reproduces_the_seed_extraction_quirk_in_some_layout_s_letters() -> None:
    s_texts = [letter.text for letter in MANY if letter.layout == "S"]
    quirky = [text for text in s_texts if " \n\n \n\n" in text]
    assert 0 < len(quirky) < len(s_texts)
    assert all(max(len(line) for line in text.split("\n")) <= 97 for text in quirky)


def test_it_spreads_decision_dates_over_the_layouts_years() -> None:
    a_years = {letter.dates["decision"].year for letter in MANY if letter.layout == "A"}  # type: ignore[union-attr]
    assert a_years == set(range(2015, 2026))
    for letter in MANY:
        dates = letter.dates
        assert dates["injury"] is not None
        if letter.layout == "A":
            assert dates["injury"] < dates["ur_denial"] <= dates["application_received"]  # type: ignore[operator]
            assert dates["application_received"] <= dates["assigned"] < dates["decision"]  # type: ignore[operator]


def test_it_upholds_about_nine_in_ten_items() -> None:
    upheld = sum(item.outcome == "upheld" for item in ITEMS) / len(ITEMS)
    assert 0.86 <= upheld <= 0.94


def test_it_decides_one_to_eight_items_and_often_more_than_one() -> None:
    counts = [len(letter.items) for letter in MANY]
    assert min(counts) == 1
    assert max(counts) == 8
    share_with_more = sum(count > 1 for count in counts) / len(counts)
    assert 0.33 <= share_with_more <= 0.47


@pytest.mark.parametrize(
    "category",
    [
        "medication",
        "physical-therapy",
        "occupational-therapy",
        "chiropractic",
        "acupuncture",
        "imaging",
        "electrodiagnostic",
        "lab-test",
        "injection",
        "dme",
        "surgery",
        "psychological",
        "functional-restoration",
        "evaluation",
    ],
)
def test_it_covers_every_main_treatment_category(category: str) -> None:
    assert any(item.treatment_category == category for item in ITEMS)


def test_it_makes_medication_the_largest_category() -> None:
    counts = Counter(item.treatment_category for item in ITEMS)
    assert counts.most_common(1)[0][0] == "medication"
    assert 0.3 <= counts["medication"] / len(ITEMS) <= 0.5


def test_it_writes_modified_requests_in_the_real_structure() -> None:
    modified = [(letter, item) for letter in MANY for item in letter.items if item.modified]
    assert 0.02 <= len(modified) / len(ITEMS) <= 0.08
    for letter, item in modified:
        assert letter.layout == "A"
        flat = " ".join(letter.text.split())
        assert f"The remaining IMR eligible portion of the original request, {item.request} is:" in flat


def test_it_writes_each_item_header_with_its_outcome() -> None:
    for letter in MANY[:300]:
        flat = " ".join(letter.text.split())
        for item in letter.items:
            word = "Upheld" if item.outcome == "upheld" else "Overturned"
            assert re.search(re.escape(item.request) + r"(?: is)?: ?" + word, flat)


def test_it_ends_each_rationale_with_a_verdict_matching_the_outcome() -> None:
    for item in ITEMS:
        verdict = "not medically necessary" if item.outcome == "upheld" else "medically necessary"
        assert verdict in item.rationale
        if item.outcome == "overturned":
            assert "not medically necessary" not in item.rationale


def test_it_states_quantities_in_the_real_forms() -> None:
    requests = [item.request for item in ITEMS if item.quantity is not None]
    assert any(re.search(r"\d X WEEK FOR \d WEEKS", r) for r in requests)
    assert any(re.search(r"\d times a week for \d weeks", r) for r in requests)
    assert any(re.search(r"#\d+", r) for r in requests)
    assert any(re.search(r"[A-Z][a-z]+ \(\d+\)", r) for r in requests)
    assert any(item.quantity is None for item in ITEMS)


def test_it_cites_guidelines_in_all_three_forms() -> None:
    text = "\n".join(" ".join(letter.text.split()) for letter in MANY)
    assert "MAXIMUS guideline: Decision based on MTUS" in text
    assert "recommendation(s) outside of the MTUS Guidelines. Decision based on Non-MTUS Citation" in text
    assert "The Expert Reviewer did not cite any medical evidence for its decision." in text
    assert "Decision based on MTUS ACOEM Chapter" in text  # layout S
    assert "did not base their decision on the MTUS" in text  # layout S


def test_it_draws_reviewers_from_many_specialties_and_states() -> None:
    specialties = Counter(name for letter in MANY for name in letter.specialties)
    states = Counter(code for letter in MANY for code in letter.licensed_states)
    assert len(specialties) >= 15
    assert states.most_common(1)[0][0] == "CA"
    assert len(states) >= 12
    assert all(1 <= len(letter.licensed_states) <= 3 for letter in MANY)


def test_it_sometimes_leaves_sex_or_age_unstated() -> None:
    assert any(letter.sex is None for letter in MANY)
    assert any(letter.age is None for letter in MANY)
    assert sum(letter.age is not None and letter.sex is not None for letter in MANY) / len(MANY) > 0.85


@pytest.mark.parametrize("layouts", [("A",), ("S",)])
def test_it_writes_only_the_layouts_asked_for(layouts: tuple[str, ...]) -> None:
    letters: list[SampleLetter] = list(generate_letters(30, seed=3, layouts=layouts))
    assert {letter.layout for letter in letters} == set(layouts)


def test_it_refuses_an_unknown_layout() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        next(generate_letters(1, layouts=("B",)))


def test_it_numbers_cases_from_the_start_number() -> None:
    letter = next(generate_letters(1, seed=5, layouts=("A",), start_number=500_000))
    assert letter.case_number is not None
    assert int(letter.case_number[5:]) >= 500_000
