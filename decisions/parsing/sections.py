"""Splitting a letter's lines into sections and paragraphs by its own markers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textutil import DATE_RE

# Headings are matched in capitals only: the same words occur in lower case in prose.
HEADINGS: dict[str, str] = {
    "determination_method": r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE",
    "documents_reviewed": r"DOCUMENTS\s+REVIEWED(?!\s+FOR)",
    "clinical_summary": r"CLINICAL\s+CASE\s+SUMMARY",
    "decisions": (
        r"IMR\s+ISSUES,?\s+DECISIONS\s+AND\s+RATIONALES|"
        r"IMR\s+DECISION\s*\(?S?\)?\s+AND\s+RATIONALE\s*\(?S?\)?"
    ),
}
# Paragraph markers inside sections; each starts a new line.
MARKERS: dict[str, str] = {
    "ca_guideline": r"Claims\s+Administrator\s+guidelines?\s*:",
    "reviewer_guideline": r"MAXIMUS\s+guidelines?\s*:",
    "rationale": r"Decision\s+rationale\s*:",
    "credentials": r"The\s+Expert\s+Reviewer\s+has\s+the\s+following\s+credentials\s*:",
    "licensure": r"State\s*\(s\)\s+of\s+Licensure\s*:",
    "specialty": r"Certification\s*\(s\)\s*/\s*Specialty\s*:",
}
_HEADING_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in HEADINGS.items()))
# The look-ahead on the markers' first letters (case folded, as the rest) lets the engine
# reject most positions with one test instead of trying all six alternatives.
_MARKER_INITIALS = "".join(sorted({pattern[0].lower() for pattern in MARKERS.values()}))
_MARKER_RE = re.compile(f"(?=[{_MARKER_INITIALS}])(?:" + "|".join(f"(?P<{k}>{v})" for k, v in MARKERS.items()) + ")", re.I)
# Every heading starts with one of these capitals; other lines need no regex to rule out.
_HEADING_INITIALS = frozenset(alternative[0] for pattern in HEADINGS.values() for alternative in pattern.split("|"))
assert all(initial.isalpha() for initial in _HEADING_INITIALS | set(_MARKER_INITIALS)), "patterns must start with a letter"
# The credentials intro stands alone on its line; the other markers begin a paragraph.
_STANDALONE = {"credentials"}
# Every marker ends with a colon and holds one of these words (headings are checked inline).
_MARKER_HINTS = ("guideline", "rationale", "licensure", "specialt", "credentials")
# Matched loosely (fixed start and end, any wording between) so reworded intros are dropped too.
INTROS = {
    "items": re.compile(r"The\s+Final\s+Determination\s+was\s+based\s+on\s[^:]{0,200}?\bbelow\s*:", re.I),
    "summary": re.compile(r"The\s+expert\s+reviewer\s+developed\s+the\s+following\s[^:]{0,250}?\brecords\s*:", re.I),
}


def split_on_markers(lines: list[str]) -> list[str]:
    """Re-cut lines so every heading stands alone and every marker starts a line.

    Page breaks glue a heading to the text around it ("...authorized.IMR ISSUES, ...").
    Work line by line, and only on lines that can hold a marker: this runs on every letter.
    """
    out: list[str] = []
    for line in lines:
        has_heading = "IMR" in line or "CLINICAL CASE" in line or "DOCUMENTS REVIEWED" in line
        has_marker = ":" in line and any(hint in line.lower() for hint in _MARKER_HINTS)
        if not (has_heading or has_marker):
            out.append(line)
            continue
        if has_heading:
            line = _HEADING_RE.sub(lambda m: f"\n{_one_line(m.group(0))}\n", line)
        line = _MARKER_RE.sub(
            lambda m: f"\n{_one_line(m.group(0))}" + ("\n" if m.lastgroup in _STANDALONE else " "),
            line,
        )
        out.extend(piece.strip() for piece in line.split("\n") if piece.strip())
    return out


def drop_intro(lines: list[str], intro: re.Pattern[str]) -> list[str]:
    """Lines without the boilerplate sentence that opens a section (it may wrap)."""
    head = "\n".join(lines[:4])
    match = intro.match(head)
    if not match:
        return lines
    rest = head[match.end() :].split("\n") + lines[4:]
    return [line.strip() for line in rest if line.strip()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def heading_of(line: str) -> str | None:
    if line[:1] not in _HEADING_INITIALS:
        return None
    match = _HEADING_RE.fullmatch(line)
    return match.lastgroup if match else None


def marker_of(line: str) -> str | None:
    if ":" not in line:  # every marker ends with a colon; most lines have none
        return None
    match = _MARKER_RE.match(line)
    return match.lastgroup if match else None


@dataclass
class Sectioned:
    header: list[str]
    sections: dict[str, list[str]]


def sectioned(lines: list[str]) -> Sectioned:
    """Lines before the first heading, and the lines under each heading (first one wins)."""
    header: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        name = heading_of(line)
        if name is not None:
            current = [] if name in sections else sections.setdefault(name, [])
            continue
        (header if current is None else current).append(line)
    return Sectioned(header, sections)


# ---------------------------------------------------------------- header table

_HEADER_LABELS: dict[str, str] = {
    "assigned": r"Date\s+Assigned\s*:",
    "injury": r"Date\s+of\s+Injury\s*:|DOI\s*:",
    "decision": r"Decision\s+Date\s*:|Date\s+of\s+(?:Decision|Determination)\s*:|Dated\s*:",
    "ur_denial": r"UR\s+Denial\s+Date\s*:|Date\s+of\s+UR\s+(?:Decision|Denial)\s*:",
    # The table cell "Application Received:" is often split around the priority value.
    "application_received": (r"(?:IMR\s+)?Application\s+(?:(?:Standard|Expedited|Urgent|Priority:?)\s+)*Received\s*:"),
}
_HEADER_TOKEN = re.compile(
    "|".join(f"(?P<{k}>{v})" for k, v in _HEADER_LABELS.items()) + f"|(?P<date>{DATE_RE.pattern})",
    re.I,
)


def header_dates(text: str) -> dict[str, str]:
    """Label -> date text from a two-column header table, whatever order the cells come in.

    Extractors print a table either cell by cell ("L1 d1 L2 d2") or labels first
    ("L1 L2 d1 d2"): a run of labels takes the run of dates that follows it, in order.
    """
    found: dict[str, str] = {}
    labels: list[str] = []
    dates: list[str] = []

    def pair_up() -> None:
        for label, value in zip(labels, dates, strict=False):  # extra labels wait for dates
            found.setdefault(label, value)
        labels[: len(dates)] = []
        dates.clear()

    for match in _HEADER_TOKEN.finditer(text):
        kind = match.lastgroup or ""
        if kind == "date":
            dates.append(match.group(0))
            continue
        if dates:
            pair_up()
        if kind not in found and kind not in labels:
            labels.append(kind)
    pair_up()
    return found
