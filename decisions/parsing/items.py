"""Disputed-item headers: the request decided, its outcome and its quantity."""

from __future__ import annotations

import re

from .body import region_and_side
from .drugs import read_drugs
from .models import Citation, ParsedItem
from .taxonomy import CLASSIFIED_LENGTH, classify_request
from .textutil import keyword_view

_OUTCOME_WORDS = {"upheld": "upheld", "overturned": "overturned"}
# "<header>: Upheld" -- the outcome word ends the header paragraph.
OUTCOME_AT_END = re.compile(r":\s*(Upheld|Overturned)\s*\.?\s*$", re.I)
# Modified requests name the remaining portion that was actually decided.
_REMAINING = re.compile(
    r"(?:remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request|"
    r"leaving\s+the\s+original\s+request\s+IMR\s+eligible\.\s*The\s+original\s+request)"
    r"\s*,?\s*(?P<request>.+?)\s*(?:,?\s+(?:is|was|are))?\s*$",
    re.I | re.S,
)
_TRAILING_IS = re.compile(r"\s+(?:is|are)$", re.I)

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "once": 1,
    "twice": 2,
    "thrice": 3,
    "single": 1,
}
_NUM = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNITS = (
    r"(?:sessions?|visits?|treatments?|units?|tablets?|tabs?|capsules?|caps?|patch(?:es)?|"
    r"injections?|pills?|appointments?|classes|hours?)"
)
_QUANTITY_RULES: list[tuple[re.Pattern[str], str]] = [
    # "2 X WEEK FOR 6 WEEKS", "3 times a week for 2 weeks", "two times a week times six weeks"
    (
        re.compile(
            rf"\b({_NUM})\s*(?:x|times|time)?\s*(?:a|per|each|/)?\s*(?:week(?:ly)?|wk)s?\s*"
            rf"(?:for|x|times|over)\s*(?:the\s+next\s+)?({_NUM})\s*(?:weeks?|wks?)\b",
            re.I,
        ),
        "product",
    ),
    # "Eight (8)", "two times four visits (8)"
    (re.compile(r"\((\d{1,3})\)"), "one"),
    # "#60", "# 90"
    (re.compile(r"#\s*(\d{1,4})\b"), "one"),
    # "x12", "times 12", "quantity 12", "Qty: 60"
    (
        re.compile(r"(?:\bx\s*|\btimes\s+|\bquantity:?\s*|\bqty:?\s*)(\d{1,3})\b(?!\s*(?:mg|mcg|%|weeks?|days?|months?))", re.I),
        "one",
    ),
    # "six sessions", "12 visits", "8 additional sessions"; not the second half of a spinal
    # level ("C6-7 ... injection") or a brand name ("Synvisc-One injection").
    (re.compile(rf"(?<![-/])\b({_NUM})\s+(?:[\w/-]+\s+){{0,3}}{_UNITS}\b", re.I), "one"),
]


def split_header(header: str) -> tuple[str, str] | None:
    """('request as decided', 'upheld'|'overturned') from a header ending in ': Upheld'."""
    match = OUTCOME_AT_END.search(header)
    if not match:
        return None
    before = header[: match.start()].strip()
    return request_decided(before), _OUTCOME_WORDS[keyword_view(match.group(1))]


def request_decided(before_outcome: str) -> str:
    """The part of a header actually decided: the remaining portion of a modified request."""
    remaining = _REMAINING.search(before_outcome)
    if remaining:
        return remaining.group("request").strip(" ,.")
    return before_outcome.strip(" ,.")


def quantity_of(request: str) -> int | None:
    """Number of sessions/units a request states; None when it states none."""
    for pattern, kind in _QUANTITY_RULES:
        match = pattern.search(request)
        if not match:
            continue
        numbers = [_number(group) for group in match.groups()]
        if kind == "product":
            return numbers[0] * numbers[1]
        if numbers[0]:
            return numbers[0]
    return None


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[keyword_view(word)]


def build_item(
    position: int, request: str, header: str, outcome: str, ca: list[Citation], reviewer: list[Citation], rationale: str
) -> ParsedItem:
    """One disputed item, with its treatment category, drugs, body region and quantity read from the request."""
    category, subcategory = classify_request(request)
    body_region, laterality = region_and_side(request, header)
    return ParsedItem(
        position=position,
        request=request,
        header=header,
        outcome=outcome,  # type: ignore[arg-type]
        treatment_category=category,
        treatment_subcategory=subcategory,
        quantity=quantity_of(request),
        claims_administrator_guidelines=ca,
        reviewer_guidelines=reviewer,
        rationale=rationale,
        ingredients=ingredients_of(request) if category == "medication" else (),
        body_region=body_region,
        laterality=laterality,
    )


def ingredients_of(request: str) -> tuple[str, ...]:
    """Generic ingredients of a medication request, from the drug tables or the general dictionary."""
    return read_drugs(keyword_view(" ".join(request[:CLASSIFIED_LENGTH].split())), general=True).ingredients
