"""Disputed items in the 'IMR ISSUES, DECISIONS AND RATIONALES' form (layouts A, S, C).

Items are not numbered and paragraphs are not separated by blank lines, so an item is found
by its header's last line ending in ': Upheld' / ': Overturned', and the header's first line
by walking back over lines that continue a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .citations import parse_guideline_text
from .items import OUTCOME_AT_END, build_item, split_header
from .models import Citation, ParsedItem
from .reading import MAX_ITEMS, items_beyond_limit
from .sections import marker_of
from .textutil import join_lines

_OUTCOME_ONLY = re.compile(r"(Upheld|Overturned)\s*\.?", re.I)
# A line ending a sentence (or a rationale's closing words) cannot be continued by a header.
_ENDS_SENTENCE = re.compile(r"(?:[.!?][\"'\u201d)\]]*|\b(?:necessary|appropriate|indicated|warranted|supported))$", re.I)
_MODIFIED = re.compile(r"remaining\s+IMR\s+eligible\s+portion|leaving\s+the\s+original\s+request\s+IMR\s+eligible", re.I)
_ORIGINAL = re.compile(r"was\s+the\s+original\s+request", re.I)
_MAX_HEADER_LINES = 12


@dataclass
class RawItem:
    header_lines: list[str]
    body: list[str] = field(default_factory=list)


def outcome_line_indexes(lines: list[str]) -> list[int]:
    """Indexes of lines that end an item header with its outcome word."""
    indexes = []
    for index, line in enumerate(lines):
        lowered = line[-14:].lower()  # the outcome word ends the line
        if ("upheld" not in lowered and "overturned" not in lowered) or marker_of(line):
            continue
        if OUTCOME_AT_END.search(line) or (_OUTCOME_ONLY.fullmatch(line) and index > 0 and lines[index - 1].endswith(":")):
            indexes.append(index)
    return indexes


def header_start(lines: list[str], end: int, floor: int) -> int:
    """First line of the header whose outcome is on line `end`; never above `floor`."""
    start = _walk_back(lines, end, floor)
    header = " ".join(lines[start : end + 1])
    if _MODIFIED.search(header) and not _ORIGINAL.search(header):
        for candidate in range(start - 1, max(floor, end - _MAX_HEADER_LINES) - 1, -1):
            if _ORIGINAL.search(" ".join(lines[candidate : start + 1])):
                return _walk_back(lines, candidate, floor)
    return start


def _walk_back(lines: list[str], index: int, floor: int) -> int:
    start = index
    while start - 1 >= floor and start > index - _MAX_HEADER_LINES:
        previous = lines[start - 1]
        if marker_of(previous) or _ENDS_SENTENCE.search(previous):
            break
        start -= 1
    return start


def raw_items(lines: list[str], ends: list[int] | None = None) -> list[RawItem]:
    """Cut the decisions section into items: header lines, then body lines.

    `ends` are the outcome_line_indexes(lines), when the caller has them already.
    """
    if ends is None:
        ends = outcome_line_indexes(lines)
    items: list[RawItem] = []
    floor = 0
    for number, end in enumerate(ends):
        start = header_start(lines, end, floor)
        if items:
            items[-1].body = lines[floor:start]
        items.append(RawItem(lines[start : end + 1]))
        floor = end + 1
        if number == len(ends) - 1:
            items[-1].body = lines[floor:]
    return items


def body_paragraphs(body: list[str]) -> dict[str, str]:
    """Marker name -> reflowed paragraph text (marker words removed)."""
    paragraphs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body:
        name = marker_of(line)
        if name in ("ca_guideline", "reviewer_guideline", "rationale"):
            current = paragraphs.setdefault(name, [])
            line = line.split(":", 1)[1].strip()
        if current is not None and line:
            current.append(line)
    return {name: join_lines(text) for name, text in paragraphs.items()}


def build_items(lines: list[str], warnings: list[str]) -> list[ParsedItem]:
    """ParsedItems from the decisions section's lines; problems go into `warnings`."""
    parsed: list[ParsedItem] = []
    ends = outcome_line_indexes(lines)  # found once: the orphan count below needs them too
    raws = raw_items(lines, ends)
    if len(raws) > MAX_ITEMS:
        warnings.append(items_beyond_limit(len(raws)))
    for position, raw in enumerate(raws[:MAX_ITEMS], start=1):
        header = join_lines(raw.header_lines)
        split = split_header(header)
        if split is None:
            warnings.append(f"item {position}: outcome word missing")
            continue
        request, outcome = split
        paragraphs = body_paragraphs(raw.body)
        ca = _citations(paragraphs, "ca_guideline", position, "claims administrator guideline", warnings)
        reviewer = _citations(paragraphs, "reviewer_guideline", position, "MAXIMUS guideline", warnings)
        rationale = paragraphs.get("rationale", "")
        if not rationale:
            warnings.append(f"item {position}: no decision rationale found")
        parsed.append(build_item(position, request, header, outcome, ca, reviewer, rationale))
    orphans = sum(max(0, _count_markers(raw.body, "reviewer_guideline") - 1) for raw in raws)
    orphans += _count_markers(lines[: _first_header(lines, ends)], "reviewer_guideline")
    if orphans:
        warnings.append(f"{orphans} disputed item(s) have no readable header with an outcome and were left out")
    return parsed


def _count_markers(lines: list[str], name: str) -> int:
    return sum(1 for line in lines if marker_of(line) == name)


def _first_header(lines: list[str], ends: list[int]) -> int:
    return header_start(lines, ends[0], 0) if ends else len(lines)


def _citations(paragraphs: dict[str, str], name: str, position: int, label: str, warnings: list[str]) -> list[Citation]:
    text = paragraphs.get(name)
    if text is None:
        warnings.append(f"item {position}: no {label} line found")
        return []
    citations = parse_guideline_text(text, warnings=warnings)
    if not citations and "did not cite" not in text.lower():
        warnings.append(f"item {position}: {label} names no guideline that could be read")
    return citations
