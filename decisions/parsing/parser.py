"""parse_text: recognise the layout, then read each field; what is unsure goes to warnings."""

from __future__ import annotations

import hashlib
import re

from . import layout_bd
from .fields import diagnoses_from, patient_age_sex, reviewer_from
from .maximus_items import build_items
from .models import Dates, ParsedDecision, ParseError, ReviewerInfo
from .reading import Reading, case_number_in
from .sections import INTROS, Sectioned, drop_intro, header_dates, marker_of, sectioned, split_on_markers
from .textutil import DATE_RE, clean_lines, join_lines, parse_date

# Each layout is known by markers that must all be present (checked in this order).
# Case-sensitive patterns that start with a literal keep detection cheap.
_LAYOUT_MARKERS: list[tuple[str, list[re.Pattern[str]]]] = [
    (
        "B",
        [
            re.compile(
                r"Notice\s+of\s+Independent\s+Medical\s+Review\s+Determination|"
                r"INDEPENDENT\s+MEDICAL\s+REVIEW\s+DECISION\s+AND\s+RATIONALE"
            )
        ],
    ),
    ("D", [re.compile(r"MEDICAL\s+PROFESSIONAL\s+REVIEW"), re.compile(r"ISSUES?\s+AT\s+DISPUTE")]),
    ("C", [re.compile(r"IMR\s+DECISION\s*\(?S?\)?\s+AND\s+RATIONALE")]),
    (
        "C",
        [
            re.compile(r"^\s*MAXIMUS\s+FEDERAL\s+SERVICES,?\s+INC\.?\s+Independent\s+Medical\s+Review", re.I),
            re.compile(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE"),
        ],
    ),
    ("A", [re.compile(r"Case\s+Number\s*:"), re.compile(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE")]),
    ("S", [re.compile(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE")]),
    ("S", [re.compile(r"IMR\s+ISSUES,?\s+DECISIONS\s+AND\s+RATIONALES")]),
]
# A date of injury in prose: the first date within 60 characters (and the same sentence)
# after one of these words. As one regex, `word[^.]{0,60}?(date)`, this tried the date
# pattern at each of the 60 positions after every word: 1.5 s for a megabyte of "injury".
_INJURY_WORD = re.compile(r"(?:injury|injured|claim)\b", re.I)
_INJURY_DATE_REACH = 60


def detect_layout(text: str) -> str | None:
    head = text[:20000]
    for name, patterns in _LAYOUT_MARKERS:
        if all(pattern.search(head) for pattern in patterns):
            return name
    return None


# PDF extraction can yield private-use code points for glyphs without a Unicode meaning; they carry
# no text, and the search marks its highlights with two of them (decisions/selectors.py).
PRIVATE_USE_CHARACTERS = dict.fromkeys(range(0xE000, 0xF900))


def parse_text(text: str, *, filename: str = "<text>", sha256: str | None = None) -> ParsedDecision:
    """Parse one letter's text. Raises ParseError when no known layout is recognised."""
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    lines = clean_lines(text.translate(PRIVATE_USE_CHARACTERS))
    flat = "\n".join(lines)
    layout = detect_layout(flat)
    if layout is None:
        raise ParseError(filename, "not an IMR determination letter in any known layout")
    reading = layout_bd.read(layout, lines) if layout in ("B", "D") else read_maximus(layout, lines)
    return _decision(filename, sha256, layout, reading, flat)


def injury_date_in_prose(summary: str) -> str | None:
    """The text of the first date shortly after 'injury', 'injured' or 'claim' in a sentence.

    Same result as re.search(r"(?:injury|injured|claim)\b[^.]{0,60}?(date)", summary, re.I),
    in one pass: the first date found after a word stays the first date after the next word
    as long as it does not start before that word's end, so the text is searched once.
    """
    date: re.Match[str] | None = None
    for word in _INJURY_WORD.finditer(summary):
        if date is None or date.start() < word.end():
            date = DATE_RE.search(summary, word.end())
            if date is None:
                return None  # no date after this word, so none after any later word
        reach = word.end() + _INJURY_DATE_REACH
        dot = summary.find(".", word.end(), reach)
        if date.start() <= (reach if dot == -1 else dot):
            return date.group(0)
    return None


def read_maximus(layout: str, lines: list[str]) -> Reading:
    """Layouts A, S and C: the 'HOW THE IMR FINAL DETERMINATION WAS MADE' family."""
    doc: Sectioned = sectioned(split_on_markers(lines))
    reading = Reading(header_expected=layout in ("A", "C"))
    header_text = "\n".join(doc.header)
    reading.case_number = case_number_in(header_text) or case_number_in("\n".join(lines))
    reading.dates = {key: parse_date(value) for key, value in header_dates(header_text).items()}
    method = doc.sections.get("determination_method", [])
    reading.credentials = "\n".join(method)
    summary_lines = drop_intro(doc.sections.get("clinical_summary", []), INTROS["summary"])
    reading.summary = join_lines(summary_lines) or None
    credentials_at = next((i for i, line in enumerate(method) if marker_of(line) == "credentials"), len(method))
    reading.sections = {
        "determination_method": join_lines(method[:credentials_at]) or None,
        "credentials": join_lines(method[credentials_at:]) or None,
        "documents_reviewed": join_lines(doc.sections.get("documents_reviewed", [])) or None,
        "clinical_summary": reading.summary,
    }
    decisions = drop_intro(doc.sections.get("decisions", []), INTROS["items"])
    if not decisions:
        reading.warnings.append("no section of disputed items found")
    reading.items = build_items(decisions, reading.warnings)
    return reading


def _decision(filename: str, sha256: str, layout: str, reading: Reading, text: str) -> ParsedDecision:
    warnings = list(reading.warnings)
    summary = reading.summary or ""
    if not summary:
        warnings.append("no clinical case summary found")
    age, sex = patient_age_sex(summary)
    if age is None:
        warnings.append("patient age not stated in the summary")
    if sex is None:
        warnings.append("patient sex not stated in the summary")
    dates = dict(reading.dates)
    if dates.get("injury") is None:
        prose = injury_date_in_prose(summary)
        dates["injury"] = parse_date(prose) if prose else None
    for name in ("injury", "decision", "assigned", "ur_denial", "application_received"):
        if dates.get(name) is None and (reading.header_expected or name in ("injury", "decision")):
            warnings.append(f"no {name.replace('_', ' ')} date found")
    reviewer, reviewer_warnings = (
        reviewer_from(reading.credentials) if reading.credentials else (ReviewerInfo(), ["no reviewer credentials found"])
    )
    warnings += reviewer_warnings
    if reading.case_number is None:
        warnings.append("no case number found")
    if not reading.items:
        warnings.append("no disputed items found")
    return ParsedDecision(
        filename=filename,
        sha256=sha256,
        layout=layout,
        case_number=reading.case_number,
        patient_age=age,
        patient_sex=sex,  # type: ignore[arg-type]
        dates=Dates(**{k: v for k, v in dates.items() if k in Dates.__dataclass_fields__}),
        reviewer=reviewer,
        diagnoses=diagnoses_from(summary),
        sections={
            **{"determination_method": None, "documents_reviewed": None},
            **reading.sections,
            "clinical_summary": reading.summary,
        },
        items=reading.items,
        warnings=warnings,
        text=text,
    )
