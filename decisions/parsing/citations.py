"""Guideline lines ("Claims Administrator guideline:", "MAXIMUS guideline:") to Citations.

Every spelling of a guideline maps to one canonical title, so that the same guideline has the
same title and slug across letters, layouts and editions. The ACOEM "Complaints" parts of the
MTUS are ACOEM (2nd edition) chapters and are titled as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

from .models import Citation
from .textutil import InOrder, keyword_view


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
# Where a part name can start: after a separator _PART_RE accepts (matched on the
# keyword_view, so its case is already folded). _PART_RE itself still checks each candidate.
_PART_CANDIDATE_START = re.compile(r"[,;]|(?:and|mtus|acoem)\s")
_LENIENT_PART_RE = re.compile("|".join(f"(?P<p{index}>{part.pattern})" for index, part in enumerate(MTUS_PARTS)), re.I)
# Every word a part name can start with (its optional "ACOEM" or "Chapter N" included): the
# lenient pattern, tried at every character, costs about a second a megabyte; these words,
# looked for in the keyword_view, leave it a few positions to try.
_PART_FIRST_WORDS = (
    "acoem",
    "chapter",
    "chronic",
    "acupuncture",
    "opioid",
    "post",
    "general",
    "stress",
    *(re.match(r"[a-z]+", spelling).group() for _number, _name, spelling in _BODY_CHAPTERS),  # type: ignore[union-attr]
)
_LENIENT_CANDIDATE_START = re.compile("(?=" + "|".join(_PART_FIRST_WORDS) + ")")
_NO_EVIDENCE = re.compile(r"did\s+not\s+cite\s+any\s+(?:medical\s+)?evidence", re.I)
_MTUS_START = re.compile(r"Decision\s+based\s+on\s+(?:the\s+)?(?:CA\s+)?MTUS\b:?", re.I)
_NON_MTUS_START = re.compile(r"Decision\s+based\s+on\s+Non[-\s]*MTUS\s*(?:Citations?)?:?|\bNon[-\s]*MTUS\s+Citations?:?", re.I)
_YEAR = re.compile(r"^\(?((?:19|20)\d{2})\b\)?")
_SECTIONS = re.compile(r"Sections?\s*\(?s?\)?\s*:\s*", re.I)
_PAGES = re.compile(r",?\s*Pages?\s*\(?s?\)?\s*:?\s*(\d[\d\-\u2013]*(?:\s*(?:,|&|and)\s*\d[\d\-\u2013]*)*)", re.I)
_ODG = re.compile(r"Official\s+Disability\s+Guidelines?|\bODG\b", re.I)
# Starts of other works cited inside an ODG citation's text.
_OTHER_START = re.compile(
    r"(?:\band\s+)?(?=Other\s+Medical\s+Treatment\s+Guidelines|Harris\s+J\b|UpToDate)|(?<=,\s)(?=https?://)",
    re.I,
)
# InOrder: a segment with many "acoem practice" and no "3" would make ".*3" quadratic.
_OTHER_TITLES: list[tuple[re.Pattern[str] | InOrder, str]] = [
    (re.compile(r"up\s*to\s*date", re.I), "UpToDate"),
    (
        InOrder(r"\b3rd\s+ed|acoem\s*:|acoem\s+(?:practice|occupational).*3", re.I),
        "ACOEM Occupational Medicine Practice Guidelines, 3rd Edition",
    ),
    (re.compile(r"harris\s+j\b|2nd\s+edition|acoem", re.I), "ACOEM Occupational Medicine Practice Guidelines, 2nd Edition"),
    (re.compile(r"mdguidelines|medical\s+disability\s+advisor", re.I), "MDGuidelines"),
    (re.compile(r"\bPDR\b|physicians'?\s+desk\s+reference", re.I), "Physicians' Desk Reference"),
    (re.compile(r"medscape", re.I), "Medscape"),
    (re.compile(r"drugs\.com", re.I), "Drugs.com"),
    (re.compile(r"\bFDA\b|food\s+and\s+drug", re.I), "FDA"),
]
_URL_HOST = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})", re.I)
_TRIM = " .,;:-\u2013"
# The clean-up patterns below run for every citation: compiled once here.
_TRAILING_AND = re.compile(r",?\s*and$")
_COMMA_RUN = re.compile(r"(?:,\s*)+")
_TRAILING_AND_THE = re.compile(r",?\s*(?:and\s+)?(?:the\s*)?$")
_TRAILING_AND_SPACE = re.compile(r",?\s*(?:and)?\s*$")
_LEADING_GUIDELINE = re.compile(r"^\s*guidelines?\b", re.I)
_SEGMENT_SPLIT = re.compile(r";\s+(?=ODG|Official|http|www|UpToDate|[A-Z])")
_LEADING_ODG_ABBREVIATION = re.compile(r"^\s*\(ODG\)")
_ODG_YEAR = re.compile(r"^[\s,]*\(?((?:19|20)\d{2})\)?")
_ODG_TOPIC_LEAD = re.compile(r"^[\s,:\-\u2013/]*(?:guidelines?\b)?", re.I)
_SPACES = re.compile(r"\s+")
_FIRST_SENTENCE_END = re.compile(r"(?<=[a-z)])\.\s")
_UPTODATE_TOPIC_END = re.compile(r":|,|\baccessed\b")


# A guideline line cites a handful of works. Far more is not a citation list, and layout D
# copies its guideline citations into every item: the output would grow as their product.
MAX_CITATIONS = 50


def parse_guideline_text(text: str, *, lenient: bool = False, warnings: list[str] | None = None) -> list[Citation]:
    """All citations on one guideline line; [] when it cites no medical evidence.

    `lenient` finds MTUS part names anywhere (prose layouts without "Decision based on MTUS").
    At most MAX_CITATIONS are kept; `warnings` is told when there were more.
    """
    citations = _citations_in(text, lenient)
    if len(citations) > MAX_CITATIONS:
        if warnings is not None:
            warnings.append(f"a guideline text cites {len(citations)} works: only the first {MAX_CITATIONS} were read")
        del citations[MAX_CITATIONS:]
    return citations


def _citations_in(text: str, lenient: bool) -> list[Citation]:
    view = keyword_view(text)
    if "cite" in view and _NO_EVIDENCE.search(text):
        return []
    non_mtus = _NON_MTUS_START.search(text) if "mtus" in view else None
    head = text[: non_mtus.start()] if non_mtus else text
    citations: list[Citation] = []
    mtus = _MTUS_START.search(head)
    if mtus:
        citations += parse_mtus(head[mtus.end() :].strip(_TRIM + " "))
    elif lenient:
        citations += parse_mtus(head, lenient=True)
    if non_mtus:
        citations += parse_non_mtus(text[non_mtus.end() :])
    elif lenient and _ODG.search(head):
        citations += parse_non_mtus(head[_ODG.search(head).start() :])  # type: ignore[union-attr]
    return citations


def parse_mtus(text: str, *, lenient: bool = False) -> list[Citation]:
    """'Low Back Complaints 2004, Section(s): X, and Chronic Pain ...' -> one citation a part."""
    matches = _lenient_part_names(text) if lenient else _part_names(text)
    matches = [m for m in matches if m.lastgroup]
    citations = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        part = MTUS_PARTS[int(match.lastgroup[1:])]  # type: ignore[index]
        written = text[match.start() : end].strip(_TRIM + " ")
        if written.endswith(("and", "and\n")):  # the only ends _TRAILING_AND can match
            written = _TRAILING_AND.sub("", written)
        written = written.strip(_TRIM)
        citations.append(_mtus_citation(part, written, text[match.end() : end]))
    return citations


def _part_names(text: str) -> list[re.Match[str]]:
    """Same matches as _PART_RE.finditer(text), about twice as fast.

    _PART_RE's look-behinds are tried at every character; a part name can only start at the
    text's start or right after one of its separators, so try _PART_RE.match there alone.
    """
    view = keyword_view(text)
    if len(view) != len(text):  # positions in the view would not be positions in text
        return list(_PART_RE.finditer(text))
    found: list[re.Match[str]] = []
    resume = 0
    for start in chain([0], (separator.end() for separator in _PART_CANDIDATE_START.finditer(view))):
        if start < resume:
            continue
        match = _PART_RE.match(text, start)
        if match:
            found.append(match)
            resume = match.end()
    return found


def _lenient_part_names(text: str) -> list[re.Match[str]]:
    """Same matches as _LENIENT_PART_RE.finditer(text), tried only where a part name can start."""
    view = keyword_view(text)
    if len(view) != len(text):  # positions in the view would not be positions in text
        return list(_LENIENT_PART_RE.finditer(text))
    found: list[re.Match[str]] = []
    resume = 0
    for candidate in _LENIENT_CANDIDATE_START.finditer(view):
        if candidate.start() < resume:
            continue
        match = _LENIENT_PART_RE.match(text, candidate.start())
        if match:
            found.append(match)
            resume = match.end()
    return found


_PART_OF_MTUS = re.compile(r"\b(?:which\s+is\s+)?(?:a\s+)?part\s+of\s+(?:the\s+)?(?:CA\s+)?MTUS\b", re.I)


def _mtus_citation(part: MtusPart, written: str, tail: str) -> Citation:
    # Prose layouts run on into the next work cited: stop at ODG, drop "part of the MTUS".
    odg = _ODG.search(tail) if _may_cite_odg(tail) else None
    if odg:
        tail = tail[: odg.start()]
        written = written[: written.find(tail) + len(tail)] if tail and tail in written else written
    if "part" in keyword_view(tail):
        tail = _PART_OF_MTUS.sub("", tail)
    if "," in tail:
        tail = _COMMA_RUN.sub(", ", tail)
    tail = _without_trailing_connectives(tail)
    edition = None
    year = _YEAR.match(tail.lstrip(" ,"))
    if year:
        edition = int(year.group(1))
        tail = tail.lstrip(" ,")[year.end() :]
    pages = None
    page_match = _PAGES.search(tail) if "page" in keyword_view(tail) else None
    if page_match:
        pages = "".join(page_match.group(1).split()).strip(",-&") or None
        tail = tail[: page_match.start()]
    if ":" in tail:
        tail = _SECTIONS.sub("", tail)
    if "guideline" in keyword_view(tail):
        tail = _LEADING_GUIDELINE.sub("", tail, count=1)
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


def _may_cite_odg(text: str) -> bool:
    view = keyword_view(text)
    return "odg" in view or "official" in view


def _without_trailing_connectives(tail: str) -> str:
    """Drop a trailing ', and the' / ' and' / ','.

    The end-anchored patterns are still tried at every position of the text, so they run
    only when the text ends in one of the words they remove; otherwise they would remove
    white space at most, which the strip() does anyway.
    """
    tail = tail.strip(" ,.")
    if tail.rstrip().endswith(("and", "the", ",")):
        tail = _TRAILING_AND_THE.sub("", tail)
    tail = tail.strip()
    if tail.endswith(("and", ",")):
        tail = _TRAILING_AND_SPACE.sub("", tail).strip()
    return tail


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
    for chunk in _SEGMENT_SPLIT.split(text.strip()):
        if not _ODG.search(chunk) and not chunk.lower().startswith(("http", "www")):
            pieces.append(chunk)  # one work, whatever it mentions
            continue
        start = 0
        for match in _OTHER_START.finditer(chunk):
            if match.start() > start:
                pieces.append(chunk[start : match.start()])
            start = match.end() if match.end() > match.start() else match.start()
        pieces.append(chunk[start:])
    return [p.strip(_TRIM + " ") for p in pieces if p.strip(_TRIM + " ")]


def _odg_citation(segment: str) -> Citation:
    match = _ODG.search(segment)
    assert match is not None
    rest = segment[match.end() :]
    rest = _LEADING_ODG_ABBREVIATION.sub("", rest, count=1)
    edition = None
    year = _ODG_YEAR.match(rest)
    if year:
        edition = int(year.group(1))
        rest = rest[year.end() :]
    rest = _ODG_TOPIC_LEAD.sub("", rest, count=1)
    topic = (segment[: match.start()] + " " + rest).strip(_TRIM + " ") or None
    if topic:
        topic = _SPACES.sub(" ", topic)
    return Citation(source="ODG", title="Official Disability Guidelines", topic=topic, edition=edition, text=segment)


def _other_citation(segment: str) -> Citation:
    for pattern, title in _OTHER_TITLES:
        if pattern.search(segment):
            return Citation(source="other", title=title, text=segment, topic=_other_topic(segment, title))
    url = _URL_HOST.match(segment.strip())
    if url and ("/" in segment or segment.lower().startswith("www")):
        return Citation(source="other", title=url.group(1).lower(), text=segment)
    # A bibliographic reference: its first sentence names the work.
    title = _FIRST_SENTENCE_END.split(segment, maxsplit=1)[0].strip(_TRIM + " ")
    return Citation(source="other", title=title[:200], text=segment)


def _other_topic(segment: str, title: str) -> str | None:
    if title == "UpToDate":
        topic = _UPTODATE_TOPIC_END.split(segment, maxsplit=1)[0].strip(_TRIM + " ")
        return None if "uptodate" in topic.lower().replace(" ", "") else topic
    return None
