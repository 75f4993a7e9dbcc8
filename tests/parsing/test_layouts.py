"""Each layout, read from a letter written for the tests (tests/parsing/letters.py)."""

from __future__ import annotations

import pytest

from decisions.parsing import parse_text
from tests.parsing.letters import LETTERS


@pytest.mark.parametrize("layout", sorted(LETTERS))
def test_layout_letter_reads_every_field(layout: str) -> None:
    text, expected = LETTERS[layout]
    decision = parse_text(text, filename=f"{layout}.txt")
    as_dict = decision.to_dict()
    assert decision.layout == expected["layout"]
    assert decision.case_number == expected["case_number"]
    for name, value in expected["dates"].items():
        assert as_dict["dates"][name] == value, name
    assert (decision.patient_age, decision.patient_sex) == (expected["age"], expected["sex"])
    assert decision.reviewer.licensed_states == expected["states"]
    assert decision.reviewer.specialties == expected["specialties"]
    assert decision.reviewer.board_certified is expected["board_certified"]
    assert [(i.outcome, i.request, i.quantity) for i in decision.items] == expected["items"]
    assert [i.position for i in decision.items] == list(range(1, len(decision.items) + 1))


@pytest.mark.parametrize("layout", sorted(LETTERS))
def test_every_item_has_a_category_and_all_but_one_a_rationale(layout: str) -> None:
    decision = parse_text(LETTERS[layout][0])
    assert all(item.treatment_category not in (None, "other") for item in decision.items)
    # Only layout A's fixture has an item with no body (two headers in a row).
    without_rationale = [item.position for item in decision.items if not item.rationale]
    assert without_rationale == ([2] if layout == "A" else [])


def test_layout_a_header_cells_in_any_order() -> None:
    text, _ = LETTERS["A"]
    scrambled = text.replace(
        "Date Assigned: 11/02/2016 Date of Injury: 09/14/2016",
        "Date Assigned: Date of Injury: 11/02/2016 09/14/2016",
    )
    dates = parse_text(scrambled).to_dict()["dates"]
    assert dates["assigned"] == "2016-11-02"
    assert dates["injury"] == "2016-09-14"
    assert dates["application_received"] == "2016-10-28"


def test_two_headers_in_a_row_give_two_items_and_a_warning() -> None:
    decision = parse_text(LETTERS["A"][0])
    assert decision.items[1].request == "Lumbar support brace"
    assert decision.items[1].rationale == ""
    assert "item 2: no decision rationale found" in decision.warnings


def test_modified_request_keeps_remaining_portion() -> None:
    item = parse_text(LETTERS["A"][0]).items[2]
    assert item.request == "Physical therapy to the lumbar spine four sessions"
    assert item.header.startswith("Physical therapy to the lumbar spine eight sessions was the original")
    assert item.header.endswith("four sessions is: Overturned")


def test_outcome_word_on_next_line_is_read() -> None:
    assert parse_text(LETTERS["A"][0]).items[2].outcome == "overturned"


def test_page_break_glued_heading_is_split() -> None:
    decision = parse_text(LETTERS["A"][0])
    assert decision.sections["clinical_summary"].endswith("little relief.")
    assert "IMR ISSUES" not in decision.sections["clinical_summary"]


def test_seed_style_blank_lines_are_reflowed() -> None:
    decision = parse_text(LETTERS["S"][0])
    summary = decision.sections["clinical_summary"]
    assert "\n" not in summary
    assert summary.startswith("This 44 year old woman")
    assert decision.diagnoses == ["medial meniscus tear", "knee effusion", "gait disturbance"]


def test_layout_b_glued_words_give_the_outcome() -> None:
    decision = parse_text(LETTERS["B"][0])
    assert decision.items[0].outcome == "upheld"
    assert decision.items[0].header.endswith("is not medically necessary")


def test_layout_d_reviewer_guidelines_apply_to_each_item() -> None:
    decision = parse_text(LETTERS["D"][0])
    for item in decision.items:
        assert [c.title for c in item.reviewer_guidelines] == ["Chronic Pain Medical Treatment Guidelines"]
        assert item.reviewer_guidelines[0].pages == "46"


def test_layout_s_without_header_warns_about_missing_dates() -> None:
    decision = parse_text(LETTERS["S"][0])
    assert "no decision date found" in decision.warnings
    assert "no case number found" in decision.warnings
    assert not any("assigned" in warning for warning in decision.warnings)


def test_clean_letter_has_no_warnings() -> None:
    assert parse_text(LETTERS["C"][0]).warnings == []
