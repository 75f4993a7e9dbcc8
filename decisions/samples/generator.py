"""Realistic sample IMR final determination letters, with the values each was written from.

`generate_letters(n, seed=s)` yields `SampleLetter`s in layout A (the "Case Number:" header
letters of 2016-2017, spread here over 2015-2025) and layout S (the 2014-2015 seed letters with
no header). The text follows the real layouts' headings, labels and line forms; the prose is
the project's own. Pure Python, no Django: the benchmarks generate a million letters.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from typing import Literal

from decisions.samples import prose
from decisions.samples.guidelines import Rendered, SampleCitation, line_a, line_s
from decisions.samples.layout import layout_a, layout_s_clean, layout_s_extracted
from decisions.samples.requests import (
    BUILDER_CUM,
    BUILDER_FUNCS,
    OVERTURN_RATE,
    Req,
    make_ctx,
    pick,
)
from decisions.samples.vocab import (
    MECHANISMS,
    MONTH_NAMES,
    NUMBER_WORDS,
    OCCUPATIONS,
    OTHER_STATES,
    PAIN_WORDS,
    PRIOR_TREATMENTS,
    REGIONS,
    REVIEWERS,
    STATE_NAMES,
    Region,
    Reviewer,
    canonical_specialty,
)

__all__ = ["SampleCitation", "SampleItem", "SampleLetter", "generate_letters"]

Outcome = Literal["upheld", "overturned"]
Layout = Literal["A", "S"]
Sex = Literal["male", "female"]


@dataclass(slots=True)
class SampleItem:
    """One disputed item as the letter decides it."""

    request: str
    outcome: Outcome
    treatment_category: str
    treatment_subcategory: str | None
    quantity: int | None
    reviewer_guidelines: list[SampleCitation]
    claims_administrator_guidelines: list[SampleCitation]
    modified: bool
    rationale: str


@dataclass(slots=True)
class SampleLetter:
    """A generated letter: the values it was written from, and its full text.

    `dates` holds what the text states: all five dates for layout A (from its header), only the
    injury date for layout S, whose letters have no header. `specialties` are the archive's
    canonical names ("Physical Medicine and Rehabilitation", "Orthopedic Surgery"), whatever
    spelling the letter uses; `licensed_states` are postal codes.
    """

    layout: Layout
    case_number: str | None
    dates: dict[str, date | None]
    age: int | None
    sex: Sex | None
    diagnoses: list[str]
    specialties: list[str]
    licensed_states: list[str]
    board_certified: bool | None
    items: list[SampleItem] = field(default_factory=list)
    text: str = ""


# ---------------------------------------------------------------------------------------------
# Tables derived once

_REGION_LIST: tuple[Region, ...] = tuple(r for r, _ in REGIONS)
_REGION_CUM: tuple[int, ...] = tuple(accumulate(w for _, w in REGIONS))
_REVIEWER_LIST: tuple[Reviewer, ...] = tuple(r for r, _ in REVIEWERS)
_REVIEWER_CUM: tuple[int, ...] = tuple(accumulate(w for _, w in REVIEWERS))
# Letters decided per year (thousands), after the program's published volumes.
_A_YEARS: tuple[int, ...] = tuple(range(2015, 2026))
_A_YEAR_CUM: tuple[int, ...] = tuple(accumulate((150, 160, 170, 185, 180, 160, 165, 170, 165, 160, 150)))
# Items per letter: most letters decide one item, about 40% more than one.
_ITEM_COUNTS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)
_ITEM_COUNT_CUM: tuple[int, ...] = tuple(accumulate((600, 180, 80, 50, 30, 25, 15, 20)))
_S_FIRST = date(2014, 1, 1).toordinal()
_S_SPAN = date(2015, 12, 31).toordinal() - _S_FIRST + 1
_SHARE_OF_A = 0.7  # when both layouts are asked for

_N_TREATMENTS = len(PRIOR_TREATMENTS)


def _weighted(rng: random.Random, cum: tuple[int, ...] | tuple[float, ...]) -> int:
    """Index drawn with the weights whose running sums are `cum` (short tables: linear scan)."""
    x = rng.random() * cum[-1]
    i = 0
    while cum[i] <= x:
        i += 1
    return i


# ---------------------------------------------------------------------------------------------
# Dates


def _mdy(d: date) -> str:
    """11/09/2016, the header form."""
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def _prose_date(rng: random.Random, d: date) -> str:
    """A date as the summaries write it: 10-13-16, 10-13-2016, 10/13/2016, 7/8/2002, October 13, 2016."""
    form = int(rng.random() * 5)
    if form == 0:
        return f"{d.month}-{d.day}-{d.year % 100:02d}"
    if form == 1:
        return f"{d.month:02d}-{d.day:02d}-{d.year}"
    if form == 2:
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if form == 3:
        return f"{d.month}/{d.day}/{d.year}"
    return f"{MONTH_NAMES[d.month]} {d.day}, {d.year}"


def _a_decision_date(rng: random.Random) -> date:
    year = _A_YEARS[_weighted(rng, _A_YEAR_CUM)]
    first = date(year, 1, 1).toordinal()
    return date.fromordinal(first + int(rng.random() * 365))


@dataclass(slots=True)
class _Dates:
    decision: date
    assigned: date
    received: date
    ur_denial: date
    injury: date


def _timeline(rng: random.Random, decision: date) -> _Dates:
    """Work back from the decision: assignment, application, UR denial and the injury."""
    d = decision.toordinal()
    assigned = d - 10 - int(rng.random() * 35)
    received = assigned - int(rng.random() * 15)
    ur_denial = received - 1 - int(rng.random() * 25)
    years_back = rng.random()
    injury = ur_denial - 20 - int(years_back * years_back * 365 * 18)
    fo = date.fromordinal
    return _Dates(decision, fo(assigned), fo(received), fo(ur_denial), fo(injury))


# ---------------------------------------------------------------------------------------------
# The reviewer


def _states(rng: random.Random) -> list[str]:
    """1-3 postal codes, California in most letters."""
    n = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.7 else 3)
    states: list[str] = ["CA"] if rng.random() < 0.75 else []
    while len(states) < n:
        code = pick(rng, OTHER_STATES)
        if code not in states:
            states.append(code)
    if rng.random() < 0.5:
        states.reverse()
    return states


def _credentials_block(rng: random.Random, reviewer: Reviewer, states: list[str]) -> list[str]:
    sep = "," if rng.random() < 0.5 else ", "
    names = sep.join(STATE_NAMES[s] for s in states)
    return [
        prose.CREDENTIALS_LABEL,
        f"State(s) of Licensure: {names}",
        f"Certification(s)/Specialty: {', '.join(reviewer.specialties)}",
    ]


# ---------------------------------------------------------------------------------------------
# Items


def _request_phrase(text: str, category: str) -> str:
    """The request as it reads inside a sentence: lower-case unless it starts with a name.

    Drug names, acronyms ("MRI", "TENS") and words like "Synvisc-One" keep their capitals.
    """
    first = text.split(" ", 1)[0]
    if category == "medication" or not first[1:].islower():
        return text
    return text[:1].lower() + text[1:]


def _rationale(rng: random.Random, req: Req, request: str, outcome: Outcome) -> str:
    """What the guidelines ask, what the records show, and a verdict matching the outcome."""
    rules = prose.RULES[req.key]
    r = _request_phrase(request, req.category)
    if outcome == "upheld":
        finding = pick(rng, prose.UPHELD_FINDINGS[req.key])
        closing = pick(rng, prose.CLOSING_UPHELD)
        opening = prose.OPENING_UPHELD
    else:
        findings = prose.OVERTURNED_FINDINGS.get(req.key) or prose.OVERTURNED_FINDINGS["default"]
        finding = pick(rng, findings)
        closing = pick(rng, prose.CLOSING_OVERTURNED)
        opening = prose.OPENING_OVERTURNED
    parts = [pick(rng, rules), finding, closing.format(r=r)]
    if rng.random() < 0.25:
        parts.insert(0, opening.format(r=r))
    return " ".join(parts)


def _modify(rng: random.Random, req: Req) -> tuple[str, str, str, int] | None:
    """Original, authorized and remaining request texts for a partly authorized request."""
    if req.template is None or req.quantity is None or req.quantity < 2:
        return None
    original = req.quantity
    authorized = max(1, original // 2 - int(rng.random() * 2) * (original // 4))
    remaining = original - authorized
    if "{n} sessions" in req.template and rng.random() < 0.4:
        tmpl = req.template.replace("{n}", "{w}")
        auth_text = tmpl.format(w=NUMBER_WORDS[authorized])
        rem_text = tmpl.format(w=NUMBER_WORDS[remaining])
    else:
        auth_text = req.template.format(n=authorized)
        rem_text = req.template.format(n=remaining)
    return req.text, auth_text, rem_text, remaining


@dataclass(slots=True)
class _Drawn:
    """An item plus the paragraphs that write it."""

    item: SampleItem
    paragraphs: list[str]
    summary_name: str


def _draw_request(rng: random.Random, regions: tuple[Region, Region], seen: set[str]) -> Req:
    """A request new to the letter, if possible: no drug twice, no request text twice."""
    for _ in range(4):
        region = regions[0] if rng.random() < 0.75 else regions[1]
        req = BUILDER_FUNCS[_weighted(rng, BUILDER_CUM)](rng, make_ctx(rng, region))
        key = req.text.split(" ", 1)[0].lower() if req.category == "medication" else req.text
        if key not in seen:
            break
    seen.add(key)
    return req


def _header(request: str, modified: tuple[str, str, str, int] | None, outcome: Outcome, sep: str) -> str:
    """The item's header paragraph, ending in its outcome word."""
    word = "Upheld" if outcome == "upheld" else "Overturned"
    if modified is None:
        return f"{request}:{sep}{word}"
    original, authorized, remaining, _ = modified
    return (
        f"{original} was the original request. {authorized} was authorized by the Claims "
        f"Administrator. The remaining IMR eligible portion of the original request, {remaining} is:{sep}{word}"
    )


def _guideline_lines(rng: random.Random, layout: Layout, req: Req, year: int) -> tuple[Rendered, Rendered]:
    """The claims administrator's and the reviewer's guideline lines, in the layout's forms."""
    if layout == "A":
        return line_a(rng, req.guide, year, "ca"), line_a(rng, req.guide, year, "rv")
    return line_s(rng, req.guide, "ca"), line_s(rng, req.guide, "rv")


def _draw_item(rng: random.Random, layout: Layout, regions: tuple[Region, Region], year: int, seen: set[str]) -> _Drawn:
    """One disputed item and its four paragraphs: header, two guideline lines, rationale."""
    req = _draw_request(rng, regions, seen)
    outcome: Outcome = "overturned" if rng.random() < OVERTURN_RATE.get(req.category, 0.1) else "upheld"
    sep = " " if rng.random() < 0.6 else "  "
    modified = _modify(rng, req) if layout == "A" and rng.random() < 0.16 else None
    request, quantity = (modified[2], modified[3]) if modified else (req.text, req.quantity)
    (ca_text, ca_cites), (rv_text, rv_cites) = _guideline_lines(rng, layout, req, year)
    rationale = _rationale(rng, req, request, outcome)
    item = SampleItem(
        request, outcome, req.category, req.subcategory, quantity, rv_cites, ca_cites, modified is not None, rationale
    )
    paragraphs = [
        _header(request, modified, outcome, sep),
        f"Claims Administrator guideline: {ca_text}",
        f"MAXIMUS guideline: {rv_text}",
        f"Decision rationale: {rationale}",
    ]
    return _Drawn(item, paragraphs, _request_phrase(req.text, req.category))


# ---------------------------------------------------------------------------------------------
# The clinical summary


@dataclass(slots=True)
class _Patient:
    age: int | None
    sex: Sex | None
    sex_word: str  # how the opener names the sex
    pronoun: str  # He / She / The injured worker
    possessive: str  # his / her / the injured worker's


def _patient(rng: random.Random) -> tuple[_Patient, tuple[str, ...]]:
    """Age, sex and the opener sentences that can state them."""
    age = 22 + int(rng.random() * rng.random() * 30 + rng.random() * 25)
    sex: Sex = "male" if rng.random() < 0.55 else "female"
    r = rng.random()
    if r < 0.04:
        return _Patient(None, sex, sex, _he(sex), _his(sex)), prose.OPENERS_NO_AGE
    if r < 0.1:
        return _Patient(age, None, "patient", "The injured worker", "the injured worker's"), prose.OPENERS_NO_SEX
    if r < 0.22:
        word = "man" if sex == "male" else "woman"
        return _Patient(age, sex, word, _he(sex), _his(sex)), prose.OPENERS_MAN_WOMAN
    return _Patient(age, sex, sex, _he(sex), _his(sex)), prose.OPENERS_FULL


def _he(sex: Sex) -> str:
    return "He" if sex == "male" else "She"


def _his(sex: Sex) -> str:
    return "his" if sex == "male" else "her"


def _diagnoses(rng: random.Random, region: Region) -> list[str]:
    pool = region.diagnoses
    n = 1 + int(rng.random() * 3)
    start = int(rng.random() * len(pool))
    return [pool[(start + i) % len(pool)] for i in range(min(n, len(pool)))]


def _join_and(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _history(rng: random.Random, patient: _Patient, openers: tuple[str, ...], region: Region, injury: date) -> list[str]:
    """Who the injured worker is, when and how the injury happened."""
    fmt = {
        "a": patient.age,
        "s": patient.sex_word,
        "d": _prose_date(rng, injury),
        "p": region.names[0],
        "o": pick(rng, OCCUPATIONS),
        "m": pick(rng, MECHANISMS),
        "P": patient.pronoun,
        "p2": patient.possessive,
    }
    sentences = [pick(rng, openers).format(**fmt)]
    if rng.random() < 0.6:
        sentences.append(pick(rng, prose.MECHANISM).format(**fmt))
    if rng.random() < 0.3:
        sentences.append(pick(rng, prose.OCCUPATION).format(**fmt))
    return sentences


def _findings(rng: random.Random, patient: _Patient, region: Region, diagnoses: list[str], visit: date) -> list[str]:
    """The latest complaints, the examination, the diagnoses and the treatment so far."""
    subject = patient.pronoun.lower() if patient.sex is not None else "the injured worker"
    complaint = pick(rng, prose.COMPLAINT).format(
        v=_prose_date(rng, visit), w=pick(rng, PAIN_WORDS), n=3 + int(rng.random() * 7), p=region.names[0], p1=subject
    )
    findings = region.findings
    i = int(rng.random() * len(findings))
    exam = pick(rng, prose.EXAM).format(f1=findings[i], f2=findings[(i + 1) % len(findings)])
    diagnosis = pick(rng, prose.DIAGNOSES).format(dx=_join_and(diagnoses), P=patient.pronoun)
    k = int(rng.random() * _N_TREATMENTS)
    treatments = [PRIOR_TREATMENTS[(k + j * 3) % _N_TREATMENTS] for j in range(2 + int(rng.random() * 3))]
    treatment = pick(rng, prose.TREATMENT).format(t=_join_and(treatments), P=patient.pronoun)
    return [complaint, exam, diagnosis, treatment]


def _plan(rng: random.Random, requests: list[str], ur_denial: date) -> str:
    """What was asked for and, mostly, when utilization review turned it down."""
    asked = _join_and(requests[:3])
    if rng.random() < 0.85:
        return pick(rng, prose.PLAN_UR).format(r=asked, u=_prose_date(rng, ur_denial))
    return pick(rng, prose.PLAN_NO_DATE).format(r=asked)


def _summary(
    rng: random.Random,
    patient: _Patient,
    openers: tuple[str, ...],
    region: Region,
    diagnoses: list[str],
    dates: _Dates,
    requests: list[str],
) -> str:
    """The clinical case summary paragraph."""
    visit = date.fromordinal(dates.ur_denial.toordinal() - 3 - int(rng.random() * 20))
    sentences = _history(rng, patient, openers, region, dates.injury)
    sentences += _findings(rng, patient, region, diagnoses, visit)
    sentences.append(_plan(rng, requests, dates.ur_denial))
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------------
# Whole letters


def _a_header(rng: random.Random, case_number: str, dates: _Dates) -> list[str]:
    """The two-column header table as extractors give it."""
    sp = " " if rng.random() < 0.5 else "  "
    return [
        f"Case Number: {case_number}",
        f"Date Assigned: {_mdy(dates.assigned)} Date of Injury:{sp}{_mdy(dates.injury)}",
        f"Decision Date: {_mdy(dates.decision)} UR Denial Date:{sp}{_mdy(dates.ur_denial)}",
        f"Priority:{sp}Standard Application ",
        "Received: ",
        _mdy(dates.received),
    ]


def _method_paragraphs(
    rng: random.Random, layout: Layout, reviewer: Reviewer, states: list[str]
) -> tuple[list[str], bool | None]:
    """The "how the determination was made" section and whether it says Board Certified."""
    prose_form = layout == "S" and (reviewer.prose is not None or reviewer.acupuncturist) and rng.random() < 0.75
    who = "a physician reviewer" if prose_form and reviewer.prose and rng.random() < 0.5 else "an expert reviewer"
    intro = pick(rng, prose.METHOD_INTRO).format(who=who)
    body = pick(rng, prose.METHOD_BODY)
    if not prose_form:
        # The "Certification(s)/Specialty:" block does not say "Board Certified": unknown.
        paragraphs = [f"{intro} {body}", *_credentials_block(rng, reviewer, states)]
        return paragraphs, None
    state = STATE_NAMES[states[0]]
    title = "The physician reviewer" if who.startswith("a physician") else "The expert reviewer"
    if reviewer.acupuncturist:
        credential = f"{title} is a Licensed Acupuncturist and is licensed to practice in {state}."
        board: bool | None = None
    else:
        credential = f"{title} is Board Certified in {reviewer.prose} and is licensed to practice in {state}."
        board = True
    return [f"{intro} {credential} {body}"], board


def _one_letter(rng: random.Random, layout: Layout, counters: dict[int, int], start_number: int) -> SampleLetter:
    decision = _a_decision_date(rng) if layout == "A" else date.fromordinal(_S_FIRST + int(rng.random() * _S_SPAN))
    dates = _timeline(rng, decision)
    year = decision.year
    primary = _REGION_LIST[_weighted(rng, _REGION_CUM)]
    secondary = _REGION_LIST[_weighted(rng, _REGION_CUM)]
    reviewer = _REVIEWER_LIST[_weighted(rng, _REVIEWER_CUM)]
    states = _states(rng)
    n_items = _ITEM_COUNTS[_weighted(rng, _ITEM_COUNT_CUM)]
    seen: set[str] = set()
    drawn = [_draw_item(rng, layout, (primary, secondary), year, seen) for _ in range(n_items)]
    patient, openers = _patient(rng)
    diagnoses = _diagnoses(rng, primary)
    summary = _summary(rng, patient, openers, primary, diagnoses, dates, [d.summary_name for d in drawn])
    method, board = _method_paragraphs(rng, layout, reviewer, states)
    if len(method) == 1:  # the prose credential names one state
        states = states[:1]
    paragraphs = [
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        *method,
        "CLINICAL CASE SUMMARY",
        prose.SUMMARY_INTRO,
        summary,
        "IMR ISSUES, DECISIONS AND RATIONALES",
        prose.ISSUES_INTRO,
    ]
    for d in drawn:
        paragraphs.extend(d.paragraphs)
    width = 88 + int(rng.random() * 9)
    if layout == "A":
        number = counters.get(year, start_number - 1) + 1 + (int(rng.random() * 3) if rng.random() < 0.3 else 0)
        counters[year] = number
        case_number = f"CM{year % 100:02d}-{number:07d}"
        text = layout_a(_a_header(rng, case_number, dates), paragraphs, width)
        date_values: dict[str, date | None] = {
            "injury": dates.injury,
            "assigned": dates.assigned,
            "ur_denial": dates.ur_denial,
            "decision": dates.decision,
            "application_received": dates.received,
        }
    else:
        case_number = None
        text = layout_s_extracted(paragraphs, width) if rng.random() < 0.6 else layout_s_clean(paragraphs)
        # Layout S has no header: only the injury date, in the summary, is in the text.
        date_values = {
            "injury": dates.injury,
            "assigned": None,
            "ur_denial": None,
            "decision": None,
            "application_received": None,
        }
    return SampleLetter(
        layout,
        case_number,
        date_values,
        patient.age,
        patient.sex,
        diagnoses,
        [canonical_specialty(name) for name in reviewer.specialties],
        states,
        board,
        [d.item for d in drawn],
        text,
    )


def generate_letters(
    count: int,
    *,
    seed: int = 0,
    layouts: Sequence[str] = ("A", "S"),
    start_number: int = 1,
) -> Iterator[SampleLetter]:
    """Yield `count` letters, the same ones for the same arguments.

    With both layouts, about 70% are layout A. Layout-A case numbers are `CM<yy>-<7 digits>`
    with the decision year's digits, numbered upward from `start_number` within each year, so
    they are unique within one call; layout S letters have no case number.
    """
    chosen: list[Layout] = []
    for name in layouts:
        if name not in ("A", "S"):
            raise ValueError(f"unknown layout {name!r}; expected 'A' or 'S'")
        chosen.append("A" if name == "A" else "S")
    if not chosen:
        raise ValueError("layouts is empty")
    rng = random.Random(seed)
    counters: dict[int, int] = {}
    both = len(set(chosen)) == 2
    only: Layout = chosen[0]
    for _ in range(count):
        layout: Layout = ("A" if rng.random() < _SHARE_OF_A else "S") if both else only
        yield _one_letter(rng, layout, counters, start_number)
