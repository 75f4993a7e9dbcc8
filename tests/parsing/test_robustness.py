"""Whatever comes in, the parser returns a ParsedDecision or raises ParseError."""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions.parsing import ParsedDecision, ParseError, parse_bytes, parse_text
from tests.parsing.letters import LETTERS


def parses_or_refuses(text: str) -> ParsedDecision | None:
    try:
        decision = parse_text(text, filename="mutant.txt")
    except ParseError:
        return None
    decision.to_dict()  # the JSON shape must build too
    return decision


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_decision_or_parse_error(data: bytes) -> None:
    for name in ("x.txt", "x.pdf", "x"):
        with contextlib.suppress(ParseError):
            parse_bytes(data, name)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_gives_a_decision_or_parse_error(text: str) -> None:
    parses_or_refuses(text)


@settings(max_examples=200, deadline=None)
@given(layout=st.sampled_from(sorted(LETTERS)), junk=st.text(max_size=200), at=st.integers(min_value=0))
def test_junk_inserted_into_a_letter_never_crashes(layout: str, junk: str, at: int) -> None:
    text = LETTERS[layout][0]
    position = at % (len(text) + 1)
    parses_or_refuses(text[:position] + junk + text[position:])


def mutants(text: str, seed: int) -> list[str]:
    """Damaged copies of a letter: lines dropped, doubled, shuffled, sections removed."""
    rng = random.Random(seed)
    lines = text.splitlines()
    out = []
    for _ in range(15):
        dropped = [line for line in lines if rng.random() > 0.15]
        out.append("\n".join(dropped))
        doubled = [line for line in lines for _ in range(2 if rng.random() < 0.2 else 1)]
        out.append("\n".join(doubled))
        swapped = lines[:]
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        swapped[i], swapped[j] = swapped[j], swapped[i]
        out.append("\n".join(swapped))
    header = lines[:8]
    rng.shuffle(header)
    out.append("\n".join(header + lines[8:]))
    return out


@pytest.mark.parametrize("layout", sorted(LETTERS))
def test_mutated_letters_never_crash(layout: str) -> None:
    for mutant in mutants(LETTERS[layout][0], seed=len(layout)):
        parses_or_refuses(mutant)


@pytest.mark.parametrize("layout", sorted(LETTERS))
def test_removing_each_section_keeps_the_rest(layout: str) -> None:
    text = LETTERS[layout][0]
    for heading in ("CLINICAL CASE SUMMARY", "HOW THE IMR FINAL DETERMINATION WAS MADE", "CASE SUMMARY:"):
        if heading not in text:
            continue
        decision = parses_or_refuses(text.replace(heading, ""))
        assert decision is None or decision.case_number == LETTERS[layout][1]["case_number"]


def test_reordered_sections_still_find_items() -> None:
    text = LETTERS["C"][0]
    summary_at = text.index("CLINICAL CASE SUMMARY")
    decisions_at = text.index("IMR DECISION(S)")
    reordered = text[:summary_at] + text[decisions_at:] + text[summary_at:decisions_at]
    decision = parse_text(reordered)
    assert [item.outcome for item in decision.items] == ["overturned"]


def test_missing_outcome_word_is_warned_not_guessed() -> None:
    text = LETTERS["A"][0].replace("MRI of the lumbar spine without contrast: Upheld", "MRI of the lumbar spine")
    decision = parse_text(text)
    assert len(decision.items) == 3
    assert any("left out" in warning for warning in decision.warnings)


@pytest.mark.parametrize(
    ("replaced", "by", "read"),
    [
        ("61-year-old gentleman", "61-year-old g\u0131rl", lambda d: d.patient_sex == "female"),
        ("61-year-old gentleman", "61-year-old g\u0130rl", lambda d: d.patient_sex == "female"),
        ("Oregon,California", "Oregon,Cal\u0131fornia", lambda d: "CA" in d.reviewer.licensed_states),
        ("Oregon,California", "Oregon,Cal\u0130fornia", lambda d: "CA" in d.reviewer.licensed_states),
        ("spine four sessions is:", "spine \u017fix sessions is:", lambda d: d.items[2].quantity == 6),
        ("spine four sessions is:", "spine s\u0131x sessions is:", lambda d: d.items[2].quantity == 6),
    ],
)
def test_words_written_with_case_twins_of_ascii_letters_are_read_not_crashed_on(replaced: str, by: str, read) -> None:  # type: ignore[no-untyped-def]
    """'ı', 'İ', 'ſ' and the Kelvin sign match i, s and k case-insensitively; str.lower() keeps them."""
    text = LETTERS["A"][0].replace(replaced, by)
    assert by in text
    assert read(parse_text(text))


def test_month_names_written_with_a_long_s_are_dates() -> None:
    from datetime import date

    from decisions.parsing.textutil import parse_date

    assert parse_date("\u017fept 5, 2016") == date(2016, 9, 5)
    assert parse_date("Augu\u017ft 5, 2016") == date(2016, 8, 5)
