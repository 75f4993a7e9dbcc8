"""Layouts B (2013 'Notice of Independent Medical Review Determination') and D
('MEDICAL PROFESSIONAL REVIEW'). No sample text of either was available: these readers
follow the descriptions in formats.md and are tested on letters written for the tests.
"""

from __future__ import annotations

import re

from .citations import parse_guideline_text
from .items import build_item, split_header
from .models import Citation
from .reading import MAX_ITEMS, Reading, case_number_in, items_beyond_limit
from .sections import header_dates
from .textutil import join_lines, parse_date

_NECESSITY = re.compile(r"\b(?:is|are|was|were|be)\s+(not\s+)?medically\s+necessary", re.I)

# ------------------------------------------------------------------ layout B

_B_DETAIL = re.compile(r"INDEPENDENT\s+MEDICAL\s+REVIEW\s+DECISION\s+AND\s+RATIONALE")
# A summary item is cut from its start to the next item's start before its verdict is looked
# for: a verdict searched for across the whole text would be searched for again from every
# start that has none, which is quadratic in the number of items.
_B_SUMMARY_START = re.compile(
    r"(?:^|\s)(?P<number>\d{1,2})\)\s*MAXIMUS\s+Federal\s+Services,?\s+Inc\.?,?\s+has\s+determined\s+"
    r"(?:that\s+)?the\s+requests?\s+for\s+",
    re.I,
)
_B_VERDICT = re.compile(
    r"(?P<request>.+?)\s+(?P<verdict>is|are|was)\s+(?P<negation>not\s+)?medically\s+necessary",
    re.I | re.S,
)
_B_LABELS = {
    "credentials": r"Medical\s+Qualifications\s+of\s+the\s+Expert\s+Reviewer\s*:",
    "summary": r"(?:Expert\s+Reviewer\s+)?Case\s+Summary\s*:",
    "documents": r"Documents\s+Reviewed\s*:",
}
# A request wraps over a few lines at most; unbounded, every numbered line without a colon line
# after it would be read on to the end of the text.
_B_REQUEST_LINES = 5
_B_ITEM_START = re.compile(
    r"(?:^|\n)\s*(?P<number>\d{1,2})\)\s*Regarding\s+the\s+requests?\s+for\s+"
    rf"(?P<request>[^\n]*(?:\n(?!\s*Medical\s+Treatment)[^\n]*){{0,{_B_REQUEST_LINES}}}?)\s*:\s*\n",
    re.I,
)
_B_CA = re.compile(r"Medical\s+Treatment\s+Guidelines?\s*\(s\)\s+Used\s+by\s+the\s+Claims\s+Administrator[^:]{0,200}:", re.I)
_B_ER = re.compile(r"Medical\s+Treatment\s+Guidelines?\s*\(s\)\s+Used\s+by\s+the\s+Expert\s+Reviewer[^:]{0,200}:", re.I)
_B_RATIONALE = re.compile(r"Rationale\s+for\s+the\s+Decision\s*:", re.I)


def read(layout: str, lines: list[str]) -> Reading:
    return read_b(lines) if layout == "B" else read_d(lines)


def read_b(lines: list[str]) -> Reading:
    text = "\n".join(lines)
    reading = Reading()
    detail_at = _B_DETAIL.search(text)
    front = text[: detail_at.start()] if detail_at else text
    detail = text[detail_at.end() :] if detail_at else ""
    starts = list(_B_SUMMARY_START.finditer(front))
    header = front[: starts[0].start()] if starts else front
    reading.case_number = case_number_in(header) or case_number_in(text)
    reading.dates = {key: parse_date(value) for key, value in header_dates(header).items()}
    labelled = _labelled_blocks(detail, _B_LABELS, stop=_B_ITEM_START)
    reading.credentials = labelled.get("credentials", "")
    reading.summary = join_lines(labelled.get("summary", "").split("\n")) or None
    reading.sections = {
        "determination_method": None,
        "documents_reviewed": join_lines(labelled.get("documents", "").split("\n")) or None,
        "credentials": join_lines(reading.credentials.split("\n")) or None,
    }
    details = _b_item_details(detail, reading.warnings)
    if len(starts) > MAX_ITEMS:
        reading.warnings.append(items_beyond_limit(len(starts)))
    for index, start in enumerate(starts[:MAX_ITEMS]):
        number = int(start.group("number"))
        end = starts[index + 1].start() if index + 1 < len(starts) else len(front)
        verdict = _B_VERDICT.match(front, start.end(), end)
        if verdict is None:
            reading.warnings.append(f"item {number}: no 'is (not) medically necessary' verdict found")
            continue
        request = _strip_article(join_lines(verdict.group("request").split("\n")))
        outcome = "upheld" if verdict.group("negation") else "overturned"
        ca, reviewer, rationale = details.get(number, ([], [], ""))
        if number not in details:
            reading.warnings.append(f"item {number}: no decision and rationale found")
        item_header = join_lines(front[start.start() : verdict.end()].split("\n")).strip()
        reading.items.append(build_item(len(reading.items) + 1, request, item_header, outcome, ca, reviewer, rationale))
    if not detail_at:
        reading.warnings.append("no 'INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE' section found")
    return reading


def _b_item_details(detail: str, warnings: list[str]) -> dict[int, tuple[list[Citation], list[Citation], str]]:
    starts = list(_B_ITEM_START.finditer(detail))
    # Item numbers have two digits: of blocks with the same number the last one counts, and
    # only those (a hundred at most) are read.
    spans = {
        int(start.group("number")): (start.end(), starts[index + 1].start() if index + 1 < len(starts) else len(detail))
        for index, start in enumerate(starts)
    }
    found: dict[int, tuple[list[Citation], list[Citation], str]] = {}
    for number, (begin, end) in spans.items():
        block = detail[begin:end]
        ca_at, er_at, why_at = _B_CA.search(block), _B_ER.search(block), _B_RATIONALE.search(block)
        ca_text = block[ca_at.end() : er_at.start() if er_at else None] if ca_at else ""
        er_text = block[er_at.end() : why_at.start() if why_at else None] if er_at else ""
        rationale = block[why_at.end() :] if why_at else ""
        found[number] = (
            parse_guideline_text(join_lines(ca_text.split("\n")), lenient=True, warnings=warnings),
            parse_guideline_text(join_lines(er_text.split("\n")), lenient=True, warnings=warnings),
            join_lines(rationale.split("\n")),
        )
    return found


# ------------------------------------------------------------------ layout D

_D_HEADINGS = {
    "issues": r"ISSUES?\s+AT\s+DISPUTE\s*:",
    "summary": r"CASE\s+SUMMARY\s*:",
    "documents": r"DOCUMENTS\s+REVIEWED\s+FOR\s+DETERMINATION\s*:",
    "guidelines": r"MEDICAL\s+TREATMENT\s+GUIDELINE\s*\(?S?\)?\s+RELIED\s+UPON\s+BY\s+PROFESSIONAL\s+REVIEWER\s+AND\s+WHY\s*:",
    "rationale": (
        r"RATIONALE\s+FOR\s+WHY\s+THE\s+REQUESTED\s+TREATMENT\s*/\s*SERVICE\s+IS\s*/\s*WAS\s+NOT\s+"
        r"MEDICALLY\s+NECESSARY\s*:"
    ),
    "credentials": r"MEDICAL\s+REVIEWER\s+QUALIFICATIONS\s*:",
}
_NUMBERED = re.compile(r"(?:^|\n)\s*\(?(\d{1,2})[.)]\s+")


def read_d(lines: list[str]) -> Reading:
    text = "\n".join(lines)
    reading = Reading()
    blocks = _labelled_blocks(text, _D_HEADINGS, case_sensitive=True)
    first = min((m.start() for m in (re.search(p, text) for p in _D_HEADINGS.values()) if m), default=len(text))
    header = text[:first]
    reading.case_number = case_number_in(header) or case_number_in(text)
    reading.dates = {key: parse_date(value) for key, value in header_dates(header).items()}
    reading.credentials = blocks.get("credentials", "")
    reading.summary = join_lines(blocks.get("summary", "").split("\n")) or None
    reading.sections = {
        "determination_method": None,
        "documents_reviewed": join_lines(blocks.get("documents", "").split("\n")) or None,
        "guidelines": join_lines(blocks.get("guidelines", "").split("\n")) or None,
        "rationale": join_lines(blocks.get("rationale", "").split("\n")) or None,
        "credentials": join_lines(reading.credentials.split("\n")) or None,
    }
    issues = _numbered_parts(blocks.get("issues", ""))
    rationales = _numbered_parts(blocks.get("rationale", ""))
    if len(rationales) != len(issues):
        if len(issues) > 1:
            reading.warnings.append("rationale is not divided by item; each item carries all of it")
        # Joined once and shared: joined per item, a long rationale would cost items x length.
        rationale_texts = [reading.sections["rationale"] or ""] * min(len(issues), MAX_ITEMS)
    else:
        rationale_texts = [join_lines(rationale.split("\n")) for rationale in rationales[:MAX_ITEMS]]
    if len(issues) > MAX_ITEMS:
        reading.warnings.append(items_beyond_limit(len(issues)))
    reviewer = parse_guideline_text(join_lines(blocks.get("guidelines", "").split("\n")), lenient=True, warnings=reading.warnings)
    if "guidelines" not in blocks:
        reading.warnings.append("no guideline section found")
    outcomes: dict[str, str | None] = {}  # by rationale text: a shared one is read once
    for position, (issue, rationale_text) in enumerate(zip(issues[:MAX_ITEMS], rationale_texts, strict=True), start=1):
        header = join_lines(issue.split("\n"))
        split = split_header(header)
        if split:
            request, outcome = split
        else:
            request = header.strip(" .?")
            request = re.sub(r"^(?:is\s+the\s+)?requests?\s+(?:for\s+)?", "", request, flags=re.I)
            if rationale_text not in outcomes:
                outcomes[rationale_text] = _outcome_in(rationale_text)
            found = outcomes[rationale_text]
            if found is None:
                reading.warnings.append(f"item {position}: outcome word missing")
                continue
            outcome = found
        reading.items.append(build_item(position, request, header, outcome, [], list(reviewer), rationale_text))
    if not issues:
        reading.warnings.append("no issue at dispute found")
    return reading


def _outcome_in(rationale: str) -> str | None:
    """'upheld' or 'overturned' from the rationale's last "is (not) medically necessary"."""
    verdicts = _NECESSITY.findall(rationale)
    if not verdicts:
        return None
    return "upheld" if verdicts[-1].strip() else "overturned"


# ------------------------------------------------------------------ shared


def _labelled_blocks(
    text: str, labels: dict[str, str], *, stop: re.Pattern[str] | None = None, case_sensitive: bool = False
) -> dict[str, str]:
    """Label name -> text up to the next label (or `stop`), for labels found in `text`."""
    flags = 0 if case_sensitive else re.I
    found = sorted((m.start(), m.end(), name) for name, pattern in labels.items() for m in [re.search(pattern, text, flags)] if m)
    blocks = {}
    for index, (_start, end, name) in enumerate(found):
        limit = found[index + 1][0] if index + 1 < len(found) else len(text)
        block = text[end:limit]
        if stop:
            halt = stop.search(block)
            block = block[: halt.start()] if halt else block
        blocks[name] = block.strip()
    return blocks


def _numbered_parts(block: str) -> list[str]:
    """'1. X 2. Y' -> ['X', 'Y']; an unnumbered block is one part."""
    block = block.strip()
    if not block:
        return []
    marks = list(_NUMBERED.finditer(block))
    if len(marks) < 2 and not (marks and marks[0].start() == 0):
        return [block]
    return [block[m.end() : marks[i + 1].start() if i + 1 < len(marks) else None].strip() for i, m in enumerate(marks)]


def _strip_article(request: str) -> str:
    return re.sub(r"^(?:an?|the)\s+", "", request.strip(), flags=re.I)
