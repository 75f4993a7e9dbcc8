"""Guideline lines ("Claims Administrator guideline:", "MAXIMUS guideline:") to Citations.

Every spelling of a guideline maps to one canonical title, so that the same guideline has the
same title and slug across letters, layouts and editions. The ACOEM "Complaints" parts of the
MTUS are ACOEM (2nd edition) chapters and are titled as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Citation


@dataclass(frozen=True)
class MtusPart:
    title: str
    chapter: int | None
    pattern: str  # how letters spell it; matched case-insensitively


# Titles contain the MTUS part name as letters print it, so a reader (and the accuracy
# check) can match "Low Back Complaints" in "ACOEM Chapter 12: Low Back Complaints".
_BODY_CHAPTERS = [
    (8, "Neck and Upper Back Complaints", r"neck\s*(?:and|&)\s*upper\s*back"),
    (9, "Shoulder Complaints", r"shoulder"),
    (10, "Elbow Complaints", r"elbow"),
    (11, "Forearm, Wrist, and Hand Complaints", r"forearm,?\s*wrist,?\s*(?:and|&)?\s*hand"),
    (12, "Low Back Complaints", r"low(?:er)?\s*back"),
    (13, "Knee Complaints", r"knee"),
    (14, "Ankle and Foot Complaints", r"ankle\s*(?:and|&)\s*foot"),
]
MTUS_PARTS: list[MtusPart] = [
    MtusPart(
        "Chronic Pain Medical Treatment Guidelines",
        None,
        r"chronic\s*pain\s*(?:medical\s*)?treatment(?:\s*guidelines?)?",
    ),
    MtusPart(
        "Acupuncture Treatment Guidelines",
        None,
        r"acupuncture\s*(?:medical\s*)?treatment(?:\s*guidelines?)?",
    ),
    MtusPart("Opioid Treatment Guidelines", None, r"opioids?\s*treatment(?:\s*guidelines?)?"),
    MtusPart(
        "Postsurgical Treatment Guidelines",
        None,
        r"post-?\s*surgical\s*treatment(?:\s*guidelines?)?",
    ),
    MtusPart(
        "ACOEM General Approaches",
        None,
        r"(?:acoem\s*)?(?:chapters?\s*[1-7](?:\s*-\s*7)?:?\s*)?general\s*approach(?:es)?",
    ),
    MtusPart(
        "ACOEM Chapter 15: Stress-Related Conditions",
        15,
        r"(?:acoem\s*)?(?:chapter\s*15:?\s*)?stress[\s-]*related\s*conditions",
    ),
    *(
        MtusPart(
            f"ACOEM Chapter {number}: {name}",
            number,
            rf"(?:acoem\s*)?(?:chapter\s*{number}:?\s*)?{spelling}\s*complaints",
        )
        for number, name, spelling in _BODY_CHAPTERS
    ),
    # "Chapter 12" with no part name after it.
    *(
        MtusPart(f"ACOEM Chapter {number}: {name}", number, rf"(?:acoem\s*)?chapter\s*{number}\b")
        for number, name, _ in _BODY_CHAPTERS
    ),
]

# A part name starts the MTUS text or follows a separator, so that a topic such as
# "Opioids for Chronic Pain and Chronic Opioid Treatment" is not read as another part.
_PART_RE = re.compile(
    r"(?:^|(?<=[,;])|(?<=\band\s)|(?<=\bMTUS\s)|(?<=\bACOEM\s)|(?<=^ACOEM\s))\s*(?:"
    + "|".join(f"(?P<p{index}>{part.pattern})" for index, part in enumerate(MTUS_PARTS))
    + r")",
    re.I,
)
_LENIENT_PART_RE = re.compile(
    "|".join(f"(?P<p{index}>{part.pattern})" for index, part in enumerate(MTUS_PARTS)), re.I
)
_NO_EVIDENCE = re.compile(r"did\s+not\s+cite\s+any\s+(?:medical\s+)?evidence", re.I)
_MTUS_START = re.compile(r"Decision\s+based\s+on\s+(?:the\s+)?(?:CA\s+)?MTUS\b:?", re.I)
_NON_MTUS_START = re.compile(
    r"Decision\s+based\s+on\s+Non[-\s]*MTUS\s*(?:Citations?)?:?|\bNon[-\s]*MTUS\s+Citations?:?", re.I
)
_YEAR = re.compile(r"^\(?((?:19|20)\d{2})\b\)?")
_SECTIONS = re.compile(r"Sections?\s*\(?s?\)?\s*:\s*", re.I)
_PAGES = re.compile(
    r",?\s*Pages?\s*\(?s?\)?\s*:?\s*(\d[\d\-\u2013]*(?:\s*(?:,|&|and)\s*\d[\d\-\u2013]*)*)", re.I
)
_ODG = re.compile(r"Official\s+Disability\s+Guidelines?|\bODG\b", re.I)
# Starts of other works cited inside an ODG citation's text.
_OTHER_START = re.compile(
    r"(?:\band\s+)?(?=Other\s+Medical\s+Treatment\s+Guidelines|Harris\s+J\b|UpToDate)|(?<=,\s)(?=https?://)",
    re.I,
)
_OTHER_TITLES = [
    (re.compile(r"up\s*to\s*date", re.I), "UpToDate"),
    (re.compile(r"\b3rd\s+ed|acoem\s*:|acoem\s+(?:practice|occupational).*3", re.I),
     "ACOEM Occupational Medicine Practice Guidelines, 3rd Edition"),
    (re.compile(r"harris\s+j\b|2nd\s+edition|acoem", re.I),
     "ACOEM Occupational Medicine Practice Guidelines, 2nd Edition"),
    (re.compile(r"mdguidelines|medical\s+disability\s+advisor", re.I), "MDGuidelines"),
    (re.compile(r"\bPDR\b|physicians'?\s+desk\s+reference", re.I), "Physicians' Desk Reference"),
    (re.compile(r"medscape", re.I), "Medscape"),
    (re.compile(r"drugs\.com", re.I), "Drugs.com"),
    (re.compile(r"\bFDA\b|food\s+and\s+drug", re.I), "FDA"),
]
_URL_HOST = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})", re.I)
_TRIM = " .,;:-\u2013"


def parse_guideline_text(text: str, *, lenient: bool = False) -> list[Citation]:
    """All citations on one guideline line; [] when it cites no medical evidence.

    `lenient` finds MTUS part names anywhere (prose layouts without "Decision based on MTUS").
    """
    if _NO_EVIDENCE.search(text):
        return []
    non_mtus = _NON_MTUS_START.search(text)
    head = text[: non_mtus.start()] if non_mtus else text
    citations: list[Citation] = []
    mtus = _MTUS_START.search(head)
    if mtus:
        citations += parse_mtus(head[mtus.end():].strip(_TRIM + " "))
    elif lenient:
        citations += parse_mtus(head, lenient=True)
    if non_mtus:
        citations += parse_non_mtus(text[non_mtus.end():])
    elif lenient and _ODG.search(head):
        citations += parse_non_mtus(head[_ODG.search(head).start():])  # type: ignore[union-attr]
    return citations


def parse_mtus(text: str, *, lenient: bool = False) -> list[Citation]:
    """'Low Back Complaints 2004, Section(s): X, and Chronic Pain ...' -> one citation a part."""
    pattern = _LENIENT_PART_RE if lenient else _PART_RE
    matches = [m for m in pattern.finditer(text) if m.lastgroup]
    citations = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        part = MTUS_PARTS[int(match.lastgroup[1:])]  # type: ignore[index]
        written = text[match.start():end].strip(_TRIM + " ")
        written = re.sub(r",?\s*and$", "", written).strip(_TRIM)
        citations.append(_mtus_citation(part, written, text[match.end():end]))
    return citations


_PART_OF_MTUS = re.compile(r"\b(?:which\s+is\s+)?(?:a\s+)?part\s+of\s+(?:the\s+)?(?:CA\s+)?MTUS\b", re.I)


def _mtus_citation(part: MtusPart, written: str, tail: str) -> Citation:
    # Prose layouts run on into the next work cited: stop at ODG, drop "part of the MTUS".
    odg = _ODG.search(tail)
    if odg:
        tail = tail[: odg.start()]
        written = written[: written.find(tail) + len(tail)] if tail and tail in written else written
    tail = _PART_OF_MTUS.sub("", tail)
    tail = re.sub(r"(?:,\s*)+", ", ", tail)
    tail = re.sub(r",?\s*(?:and\s+)?(?:the\s*)?$", "", tail.strip(" ,.")).strip()
    tail = re.sub(r",?\s*(?:and)?\s*$", "", tail.strip()).strip()
    edition = None
    year = _YEAR.match(tail.lstrip(" ,"))
    if year:
        edition = int(year.group(1))
        tail = tail.lstrip(" ,")[year.end():]
    pages = None
    page_match = _PAGES.search(tail)
    if page_match:
        pages = re.sub(r"\s+", "", page_match.group(1)).strip(",-&") or None
        tail = tail[: page_match.start()]
    tail = _SECTIONS.sub("", tail)
    tail = re.sub(r"^\s*guidelines?\b", "", tail, flags=re.I)
    topic = tail.strip(_TRIM + " ") or None
    return Citation(
        source="MTUS",
        title=part.title,
        chapter=part.chapter,
        topic=topic,
        pages=pages,
        edition=edition,
        text=written,
    )


def parse_non_mtus(text: str) -> list[Citation]:
    """The text after 'Non-MTUS Citation': ODG and other works, one citation each."""
    citations = []
    for segment in _segments(text):
        if _ODG.search(segment):
            citations.append(_odg_citation(segment))
        else:
            citations.append(_other_citation(segment))
    return citations


def _segments(text: str) -> list[str]:
    pieces = []
    for chunk in re.split(r";\s+(?=ODG|Official|http|www|UpToDate|[A-Z])", text.strip()):
        if not _ODG.search(chunk) and not chunk.lower().startswith(("http", "www")):
            pieces.append(chunk)  # one work, whatever it mentions
            continue
        start = 0
        for match in _OTHER_START.finditer(chunk):
            if match.start() > start:
                pieces.append(chunk[start: match.start()])
            start = match.end() if match.end() > match.start() else match.start()
        pieces.append(chunk[start:])
    return [p.strip(_TRIM + " ") for p in pieces if p.strip(_TRIM + " ")]


def _odg_citation(segment: str) -> Citation:
    match = _ODG.search(segment)
    assert match is not None
    rest = segment[match.end():]
    rest = re.sub(r"^\s*\(ODG\)", "", rest)
    edition = None
    year = re.match(r"^[\s,]*\(?((?:19|20)\d{2})\)?", rest)
    if year:
        edition = int(year.group(1))
        rest = rest[year.end():]
    rest = re.sub(r"^[\s,:\-\u2013/]*(?:guidelines?\b)?", "", rest, flags=re.I)
    topic = (segment[: match.start()] + " " + rest).strip(_TRIM + " ") or None
    if topic:
        topic = re.sub(r"\s+", " ", topic)
    return Citation(source="ODG", title="Official Disability Guidelines", topic=topic,
                    edition=edition, text=segment)


def _other_citation(segment: str) -> Citation:
    for pattern, title in _OTHER_TITLES:
        if pattern.search(segment):
            return Citation(source="other", title=title, text=segment, topic=_other_topic(segment, title))
    url = _URL_HOST.match(segment.strip())
    if url and ("/" in segment or segment.lower().startswith("www")):
        return Citation(source="other", title=url.group(1).lower(), text=segment)
    # A bibliographic reference: its first sentence names the work.
    title = re.split(r"(?<=[a-z)])\.\s", segment, maxsplit=1)[0].strip(_TRIM + " ")
    return Citation(source="other", title=title[:200], text=segment)


def _other_topic(segment: str, title: str) -> str | None:
    if title == "UpToDate":
        topic = re.split(r":|,|\baccessed\b", segment, maxsplit=1)[0].strip(_TRIM + " ")
        return None if "uptodate" in topic.lower().replace(" ", "") else topic
    return None
