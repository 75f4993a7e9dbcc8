"""Guideline citations: the MTUS parts, ODG and other sources, written in the letters' forms.

A citation is rendered twice: as the text of a `Claims Administrator guideline:` or
`MAXIMUS guideline:` line, and as the structured values (`SampleCitation`) it was written from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Source = Literal["MTUS", "ODG", "other"]


@dataclass(slots=True)
class SampleCitation:
    """One guideline a line cites, with the canonical values a parser should read back."""

    source: Source
    title: str
    chapter: int | None = None
    edition: int | None = None
    topic: str | None = None
    pages: str | None = None


@dataclass(frozen=True, slots=True)
class Part:
    """An MTUS part: its name in layout A ("Low Back Complaints"), in layout S, canonical title."""

    a_name: str
    s_name: str
    title: str
    chapter: int | None
    edition: int


ACOEM_NAMES: dict[int, str] = {
    8: "Neck and Upper Back Complaints",
    9: "Shoulder Complaints",
    10: "Elbow Complaints",
    11: "Forearm, Wrist, and Hand Complaints",
    12: "Low Back Complaints",
    13: "Knee Complaints",
    14: "Ankle and Foot Complaints",
    15: "Stress-Related Conditions",
}


def _acoem(chapter: int, edition: int = 2004) -> Part:
    name = ACOEM_NAMES[chapter]
    return Part(name, f"ACOEM Chapter {chapter} {name}", f"ACOEM Chapter {chapter}: {name}", chapter, edition)


PARTS: dict[str, Part] = {
    "cp": Part(
        "Chronic Pain Medical Treatment",
        "Chronic Pain Treatment Guidelines",
        "Chronic Pain Medical Treatment Guidelines",
        None,
        2009,
    ),
    "op": Part("Opioid Treatment", "Opioid Treatment Guidelines", "Opioid Treatment Guidelines", None, 2016),
    "acu": Part(
        "Acupuncture Treatment",
        "Acupuncture Treatment Guidelines",
        "Acupuncture Treatment Guidelines",
        None,
        2007,
    ),
    "ps": Part(
        "Postsurgical Treatment",
        "Postsurgical Treatment Guidelines",
        "Postsurgical Treatment Guidelines",
        None,
        2009,
    ),
    "ga": Part("General Approaches", "ACOEM General Approaches", "ACOEM General Approaches", None, 2004),
    "neck": _acoem(8),
    "shoulder": _acoem(9),
    "elbow": _acoem(10, 2007),
    "wrist": _acoem(11),
    "lb": _acoem(12),
    "knee": _acoem(13),
    "ankle": _acoem(14),
    "stress": _acoem(15),
}

# ACOEM chapter page ranges by section, as chapters of the 2nd edition are paginated.
ACOEM_PAGES: dict[str, dict[str, str]] = {
    "neck": {
        "Special Studies": "177-179",
        "Physical Methods": "173-174",
        "Surgical Considerations": "179-181",
        "Initial Care": "172-173",
    },
    "shoulder": {
        "Special Studies": "207-209",
        "Physical Methods": "203-204",
        "Surgical Considerations": "209-211",
        "Initial Care": "204",
    },
    "elbow": {
        "Special Studies": "33-35",
        "Physical Methods": "27-29",
        "Surgical Considerations": "36-38",
        "Initial Care": "25-26",
    },
    "wrist": {
        "Special Studies": "268-269",
        "Physical Methods": "264-265",
        "Surgical Considerations": "270-271",
        "Initial Care": "263-264",
    },
    "lb": {
        "Special Studies": "303-305",
        "Physical Methods": "298-300",
        "Surgical Considerations": "305-307",
        "Initial Care": "299",
    },
    "knee": {
        "Special Studies": "341-343",
        "Physical Methods": "337-339",
        "Surgical Considerations": "344-345",
        "Initial Care": "337",
    },
    "ankle": {
        "Special Studies": "372-374",
        "Physical Methods": "369-371",
        "Surgical Considerations": "374-375",
        "Initial Care": "370",
    },
}

# Chronic Pain Medical Treatment Guidelines topics: (layout-A section name, layout-S topic, pages).
CP_TOPICS: dict[str, tuple[str, str, str]] = {
    "opioids": ("Opioids, criteria for use", "Opioids, criteria for use", "76-80"),
    "opioids-ongoing": ("Opioids, on-going management", "Opioids, On-Going Management", "78"),
    "tramadol": ("Tramadol (Ultram)", "Tramadol", "93-94"),
    "nsaid": ("NSAIDs (non-steroidal anti-inflammatory drugs)", "NSAIDs", "67-73"),
    "nsaid-gi": ("NSAIDs, GI symptoms & cardiovascular risk", "NSAIDs, GI symptoms & cardiovascular risk", "68-69"),
    "ppi": ("Proton Pump Inhibitors (PPIs)", "NSAIDs, GI symptoms & cardiovascular risk", "68-69"),
    "muscle": ("Muscle relaxants (for pain)", "Muscle relaxants (for pain)", "63-66"),
    "cyclo": ("Cyclobenzaprine (Flexeril)", "Cyclobenzaprine (Flexeril)", "41-42"),
    "soma": ("Carisoprodol (Soma)", "Carisoprodol (Soma)", "29"),
    "topical": ("Topical analgesics", "Topical Analgesics", "111-113"),
    "lidoderm": ("Lidoderm (lidocaine patch)", "Lidoderm (lidocaine patch)", "56-57"),
    "aed": ("Antiepilepsy drugs (AEDs)", "Antiepilepsy drugs (AEDs)", "16-22"),
    "gaba": ("Gabapentin (Neurontin)", "Gabapentin", "18-19"),
    "antidep": ("Antidepressants for chronic pain", "Antidepressants for chronic pain", "13-16"),
    "pm": ("Physical medicine treatment", "Physical Medicine", "98-99"),
    "aquatic": ("Aquatic therapy", "Aquatic therapy", "22"),
    "manual": ("Manual therapy & manipulation", "Manual therapy & manipulation", "58-60"),
    "esi": ("Epidural steroid injections (ESIs)", "Epidural Steroid Injections (ESIs)", "46"),
    "tpi": ("Trigger point injections", "Trigger point injections", "122"),
    "tens": ("TENS, chronic pain (transcutaneous electrical nerve stimulation)", "TENS, chronic pain", "114-116"),
    "frp": ("Functional restoration programs (FRPs)", "Functional Restoration Programs (FRPs)", "49"),
    "psych": ("Psychological treatment", "Psychological treatment", "101-102"),
    "psych-eval": ("Psychological evaluations", "Psychological evaluations", "100-101"),
    "cbt": ("Behavioral interventions", "Behavioral interventions", "23"),
    "home-health": ("Home health services", "Home health services", "51"),
    "uds": ("Drug testing", "Drug testing", "43"),
    "office": ("Office visits", "Office visits", "8"),
    "emg": ("Electrodiagnostic testing (EMG/NCS)", "Electrodiagnostic testing", "8"),
}

# Non-MTUS, non-ODG sources by the kind of request: (text with a {topic} slot, canonical title)
OTHER_SOURCES: dict[str, tuple[str, str]] = {
    "drug": ("{topic}: Drug information, accessed from UpToDate.com", "UpToDate"),
    "general": (
        "ACOEM Occupational Medicine Practice Guidelines, 3rd ed., {topic}",
        "ACOEM Occupational Medicine Practice Guidelines, 3rd Edition",
    ),
}


@dataclass(frozen=True, slots=True)
class MtusRef:
    """One MTUS part a request would be judged by, and the section (or CP topic key) in it."""

    part: str
    section: str  # ACOEM section name, or a CP_TOPICS key for "cp"; "" for none


@dataclass(frozen=True, slots=True)
class Guide:
    """Everything needed to cite guidelines for one kind of request."""

    mtus: tuple[MtusRef, ...]
    odg_chapter: str
    odg_topic: str
    other_topic: str = ""
    other_kind: str = "general"  # key into OTHER_SOURCES
    # Several parts cited on one layout-S line ("ACOEM Chapter 8 ..., Chapter 12 ...,Acupuncture
    # Treatment Guidelines."), as claims administrators sometimes did.
    combined: tuple[MtusRef, ...] = ()


Rendered = tuple[str, list[SampleCitation]]


def cp_edition(year: int) -> int:
    """The Chronic Pain guidelines were revised in 2016; letters cite the edition in force."""
    return 2016 if year >= 2017 else 2009


def _mtus_part_a(ref: MtusRef, year: int) -> tuple[str, SampleCitation]:
    part = PARTS[ref.part]
    edition = cp_edition(year) if ref.part == "cp" else part.edition
    section = CP_TOPICS[ref.section][0] if ref.part == "cp" and ref.section else ref.section
    text = f"{part.a_name} {edition}"
    if section:
        text = f"{text}, Section(s): {section}"
    cite = SampleCitation("MTUS", part.title, part.chapter, edition, section or None, None)
    return text, cite


def mtus_a(refs: tuple[MtusRef, ...], year: int) -> Rendered:
    """`Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies.`"""
    texts: list[str] = []
    cites: list[SampleCitation] = []
    for ref in refs:
        text, cite = _mtus_part_a(ref, year)
        texts.append(text)
        cites.append(cite)
    return f"Decision based on MTUS {', and '.join(texts)}.", cites


def _mtus_part_s(ref: MtusRef) -> tuple[str, SampleCitation]:
    part = PARTS[ref.part]
    if ref.part == "cp" and ref.section:
        _, topic, pages = CP_TOPICS[ref.section]
        text = f"{part.s_name} {topic} Page(s): {pages}"
        return text, SampleCitation("MTUS", part.title, None, None, topic, pages)
    acoem_pages = ACOEM_PAGES.get(ref.part, {}).get(ref.section)
    if acoem_pages:
        cite = SampleCitation("MTUS", part.title, part.chapter, None, None, acoem_pages)
        return f"{part.s_name} Page(s): {acoem_pages}", cite
    return part.s_name, SampleCitation("MTUS", part.title, part.chapter, None, None, None)


def mtus_s(refs: tuple[MtusRef, ...]) -> Rendered:
    """`Decision based on MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 303-305.`

    Several parts go on one line as the seeds write them: pages only on a single part, parts
    after the first lose their "ACOEM", and the separator before a non-ACOEM part has no space.
    """
    if len(refs) == 1:
        text, cite = _mtus_part_s(refs[0])
        return f"Decision based on MTUS {text}.", [cite]
    pieces: list[str] = []
    cites: list[SampleCitation] = []
    for i, ref in enumerate(refs):
        part = PARTS[ref.part]
        name = part.s_name if i == 0 or part.chapter is None else part.s_name.removeprefix("ACOEM ")
        sep = "" if i == 0 else ("," if part.chapter is None else ", ")
        pieces.append(f"{sep}{name}")
        cites.append(SampleCitation("MTUS", part.title, part.chapter, None, None, None))
    return f"Decision based on MTUS {''.join(pieces)}.", cites


def odg_a(rng: random.Random, guide: Guide, year: int) -> Rendered:
    """One of the several ways layout A spells an ODG citation."""
    chapter, topic = guide.odg_chapter, guide.odg_topic
    form = int(rng.random() * 6)
    title = "Official Disability Guidelines"
    if form == 0:
        return "Official Disability Guidelines (ODG)", [SampleCitation("ODG", title)]
    if form == 1:
        text = f"Official Disability Guidelines (ODG), {chapter} Chapter, {topic}"
    elif form == 2:
        text = f"Official Disability Guidelines (ODG) {chapter}, {topic}"
    elif form == 3:
        edition = min(max(year - 1, 2013), 2019)
        text = f"Official Disability Guidelines, {edition}, Web Version, Criteria for {topic}"
        return text, [SampleCitation("ODG", title, None, edition, topic)]
    elif form == 4:
        text = f"ODG {chapter} Chapter, {topic}"
    elif "(" in chapter:
        text = f"Official Disability Guidelines (ODG) {chapter}, {topic}"
    else:
        text = f"Official Disability Guidelines (ODG) {chapter} (Acute & Chronic), {topic}"
    return text, [SampleCitation("ODG", title, None, None, topic)]


def other_a(rng: random.Random, guide: Guide) -> Rendered:
    """A non-MTUS, non-ODG source such as UpToDate."""
    form, title = OTHER_SOURCES[guide.other_kind]
    topic = guide.other_topic or guide.odg_topic
    return form.format(topic=topic), [SampleCitation("other", title, None, None, topic)]


NO_EVIDENCE = {
    "ca": "The Claims Administrator did not cite any medical evidence for its decision.",
    "rv": "The Expert Reviewer did not cite any medical evidence for its decision.",
}
OUTSIDE_MTUS = {
    "ca": "The Claims Administrator based their decision on recommendation(s) outside of the MTUS Guidelines.",
    "rv": "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines.",
}
NOT_MTUS_S = {
    "ca": "The Claims Administrator did not base their decision on the MTUS.",
    "rv": "The Expert Reviewer did not base their decision on the MTUS.",
}


def line_a(rng: random.Random, guide: Guide, year: int, who: str) -> Rendered:
    """A whole guideline line in layout A; who is "ca" (claims administrator) or "rv"."""
    r = rng.random()
    none_share = 0.28 if who == "ca" else 0.07
    if r < none_share:
        return NO_EVIDENCE[who], []
    if r < none_share + 0.12:
        if rng.random() < 0.8:
            cited, cites = odg_a(rng, guide, year)
        else:
            cited, cites = other_a(rng, guide)
        return f"{OUTSIDE_MTUS[who]} Decision based on Non-MTUS Citation {cited}.", cites
    refs = _refs_for_year(guide.mtus, year)
    text, cites = mtus_a(refs, year)
    if rng.random() < 0.22:
        cited, more = odg_a(rng, guide, year)
        return f"{text} Decision based on Non-MTUS Citation {cited}.", cites + more
    return text, cites


def _refs_for_year(refs: tuple[MtusRef, ...], year: int) -> tuple[MtusRef, ...]:
    """The Opioid Treatment Guidelines only exist from 2017 on; before, cite Chronic Pain."""
    if year >= 2017 or all(ref.part != "op" for ref in refs):
        return refs
    return tuple(MtusRef("cp", "opioids") if ref.part == "op" else ref for ref in refs)


def line_s(rng: random.Random, guide: Guide, who: str) -> Rendered:
    """A whole guideline line in layout S (the 2014-2015 forms)."""
    r = rng.random()
    if r < (0.15 if who == "ca" else 0.08):
        text = f"{NOT_MTUS_S[who]} Decision based on Non-MTUS Citation Official Disability Guidelines (ODG)."
        return text, [SampleCitation("ODG", "Official Disability Guidelines")]
    if guide.combined and who == "ca" and r > 0.75:
        return mtus_s(guide.combined)
    refs = _refs_for_year(guide.mtus, 2014)
    if len(refs) > 1 and PARTS[refs[0].part].chapter is None:
        refs = refs[:1]
    return mtus_s(refs)
