"""Fields read from prose: patient age and sex, diagnoses, reviewer credentials."""

from __future__ import annotations

import difflib
import re

from .models import ReviewerInfo
from .textutil import keyword_view

# ------------------------------------------------------------------ patient

_SEX_WORDS = {
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "boy": "male",
    "female": "female",
    "woman": "female",
    "lady": "female",
    "girl": "female",
}
_AGE_SEX = re.compile(
    r"\b(?:a|an|a\(n\)|the|this|is)\s+(?:now\s+)?(\d{1,3})[\s-]*(?:years?|yrs?|y/o)[\s-]*old"
    r"(?:\s+(male|female|man|woman|gentleman|lady|boy|girl)\b)?",
    re.I,
)
_SEX_ONLY = re.compile(r"\b(?:is|was)\s+(?:a|an|a\(n\))\s+(male|female|man|woman|gentleman|lady)\b", re.I)


def patient_age_sex(summary: str) -> tuple[int | None, str | None]:
    """From the first 'a 48 year old male' style phrase; None for what is not said."""
    match = _AGE_SEX.search(summary)
    age = int(match.group(1)) if match else None
    sex_word = match.group(2) if match else None
    if age is not None and not 0 <= age <= 120:
        age = None
    if sex_word is None:
        only = _SEX_ONLY.search(summary)
        sex_word = only.group(1) if only else None
    return age, (_SEX_WORDS[keyword_view(sex_word)] if sex_word else None)


# ------------------------------------------------------------------ diagnoses

_DIAGNOSIS_LEAD = re.compile(
    r"(?:diagnos[ie]s\s+(?:include[sd]?|included|are|is|was|were|of|consist(?:s|ed)?\s+of)|"
    r"diagnosed\s+(?:as\s+having|with)|"
    r"(?:being\s+)?treated\s+for\s+(?:the\s+diagnos[ie]s\s+of\s+)?|treatment\s+for\s+(?:the\s+diagnos[ie]s\s+of\s+)?|diagnosis:)\s*:?\s*",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\bvs)(?<!\bDr)\.(?:\s|$)")
_ITEM_SPLIT = re.compile(r"\s*(?:;|,\s*(?:and\s+)?|\s+and\s+(?=\w)|\s*\d\)\s*)\s*")


def diagnoses_from(summary: str) -> list[str]:
    """Diagnoses named in the summary's first diagnosis sentence, as a list."""
    match = _DIAGNOSIS_LEAD.search(summary)
    if not match:
        return []
    rest = summary[match.end() :]
    end = _SENTENCE_END.search(rest)
    sentence = rest[: end.start()] if end else rest[:300]
    items = [part.strip(" .,:;") for part in _ITEM_SPLIT.split(sentence)]
    return [item for item in items if item and len(item) > 2][:20]


# ------------------------------------------------------------------ reviewer

STATES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
    "puerto rico": "PR",
}
_CODES = set(STATES.values())
_STATE_NAME = re.compile(r"\b(" + "|".join(sorted(STATES, key=len, reverse=True)).replace(" ", r"\s+") + r")\b", re.I)
_STATE_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{2})(?![A-Za-z])")


# A reviewer holds a few licences and specialties; a list far longer than any letter's is not
# a list of them (and would cost a warning per name), so reading stops there.
MAX_STATES = 60
MAX_SPECIALTIES = 20


def states_from(value: str, warnings: list[str] | None = None) -> tuple[list[str], list[str]]:
    """('California,North Carolina' | 'CA, NC' | 'California and Texas') -> (codes, unknown).

    At most MAX_STATES names are read; `warnings` is told when there were more.
    """
    codes: list[str] = []
    unknown: list[str] = []
    pieces = _first_pieces(r"\s*(?:,|;|/|\band\b)\s*", value, MAX_STATES, "licensure state", warnings)
    for piece in pieces:
        piece = piece.strip(" .")
        if not piece:
            continue
        found = [STATES[" ".join(keyword_view(m.group(1)).split())] for m in _STATE_NAME.finditer(piece)]
        found += [m.group(1) for m in _STATE_CODE.finditer(piece) if m.group(1) in _CODES]
        if not found:
            unknown.append(piece)
        codes += [code for code in found if code not in codes]
    return sorted(codes), unknown


# Specialties as the state's search form and the letters name them; typos are matched to
# these by similarity, and a specialty not listed here is kept as written.
KNOWN_SPECIALTIES = [
    "Acupuncture",
    "Addiction Medicine",
    "Allergy and Immunology",
    "Anesthesiology",
    "Cardiology",
    "Chiropractor",
    "Clinical Psychology",
    "Dermatology",
    "Emergency Medicine",
    "Endocrinology",
    "Family Practice",
    "Gastroenterology",
    "General Surgery",
    "Hand Surgery",
    "Hospice and Palliative Medicine",
    "Infectious Disease",
    "Internal Medicine",
    "Nephrology",
    "Neurological Surgery",
    "Neurology",
    "Neuromuscular Medicine",
    "Obstetrics and Gynecology",
    "Occupational Medicine",
    "Ophthalmology",
    "Orthopedic Surgery",
    "Otolaryngology",
    "Pain Management",
    "Pain Medicine",
    "Pharmacology",
    "Physical Medicine and Rehabilitation",
    "Plastic Surgery",
    "Podiatric Surgery",
    "Podiatrist",
    "Preventive Medicine",
    "Psychiatry",
    "Psychologist",
    "Public Health and General Preventive Medicine",
    "Pulmonary Diseases",
    "Rheumatology",
    "Sleep Medicine",
    "Spine Surgery",
    "Sports Medicine",
    "Surgery",
    "Toxicology",
    "Urology",
    "Vascular Surgery",
    "Dentistry",
    "Oral and Maxillofacial Surgery",
    "Geriatric Medicine",
    "Physical Therapy",
    "Cardiovascular Disease",
    "Hematology",
    "Oncology",
]
_KNOWN_BY_KEY = {name.lower(): name for name in KNOWN_SPECIALTIES}
# difflib's ratio is 2 * matches / total length, at most 2 * shorter / total: names whose
# lengths differ too much cannot reach the cut-off, so only near lengths are compared.
_SIMILARITY_CUTOFF = 0.88
_KNOWN_BY_LENGTH: dict[int, list[str]] = {}
for _key in _KNOWN_BY_KEY:
    _KNOWN_BY_LENGTH.setdefault(len(_key), []).append(_key)
_SPECIALTY_ALIASES = {
    "acupuncturist": "Acupuncture",
    "licensed acupuncturist": "Acupuncture",
    "chiropractic": "Chiropractor",
    "doctor of chiropractic": "Chiropractor",
    "orthopaedic surgery": "Orthopedic Surgery",
    "pmr": "Physical Medicine and Rehabilitation",
    "pm&r": "Physical Medicine and Rehabilitation",
    "psychology": "Clinical Psychology",
}


def normalise_specialty(value: str) -> tuple[str, bool]:
    """('Physical Medicine & Rehabilitation') -> ('Physical Medicine and Rehabilitation', known)."""
    text = " ".join(value.replace("&", " and ").split()).strip(" .;:")
    key = text.lower()
    if key in _SPECIALTY_ALIASES:
        return _SPECIALTY_ALIASES[key], True
    if key in _KNOWN_BY_KEY:
        return _KNOWN_BY_KEY[key], True
    close = difflib.get_close_matches(key, _known_of_near_length(len(key)), n=1, cutoff=_SIMILARITY_CUTOFF)
    if close:
        return _KNOWN_BY_KEY[close[0]], True
    return text, False


def _known_of_near_length(length: int) -> list[str]:
    """Known names long enough and short enough to be within the cut-off of a `length` name."""
    return [
        key
        for known_length, keys in _KNOWN_BY_LENGTH.items()
        if 2 * min(known_length, length) >= _SIMILARITY_CUTOFF * (known_length + length)
        for key in keys
    ]


def specialties_from(value: str, warnings: list[str] | None = None) -> tuple[list[str], list[str]]:
    """A comma list of specialties -> (normalised names, names not recognised).

    At most MAX_SPECIALTIES names are read; `warnings` is told when there were more.
    """
    names: list[str] = []
    unknown: list[str] = []
    pieces = _first_pieces(r"\s*[,;]\s*|\s+and\s+(?=board\b)", value, MAX_SPECIALTIES, "reviewer specialty", warnings)
    for piece in pieces:
        if not piece.strip(" ."):
            continue
        name, known = normalise_specialty(piece)
        if not known:
            unknown.append(name)
        if name not in names:
            names.append(name)
    return names, unknown


def _first_pieces(separator: str, value: str, limit: int, what: str, warnings: list[str] | None) -> list[str]:
    """The first `limit` pieces of `value` cut at `separator`; the rest is left unsplit and unread."""
    pieces = re.split(separator, value, maxsplit=limit)
    if len(pieces) > limit:
        del pieces[limit:]
        if warnings is not None:
            warnings.append(f"{what} list has more than {limit} names: only the first {limit} were read")
    return pieces


_LICENSURE_LABEL = re.compile(r"State\s*\(?s?\)?\s*of\s*Licensure\s*:", re.I)
_SPECIALTY_LABEL = re.compile(r"Certifications?\s*\(?s?\)?\s*/\s*Specialt(?:y|ies)\s*:", re.I)
_BOARD_PROSE = re.compile(
    r"\bBoard[\s-]+Certified\s+(?:in\s+)?(?P<specialty>.+?)(?=\s+and\s+(?:is\s+)?(?:licensed|"
    r"holds|has|is)\b|[.;]|\s+with\b|$)",
    re.I,
)
_LICENSED_AS = re.compile(
    r"\b(?:is\s+)?an?\s+(?:Licensed|Certified)\s+(?P<specialty>Acupuncturist|Chiropractor|"
    r"Psychologist|Physical\s+Therapist|Podiatrist|Doctor\s+of\s+Chiropractic)\b",
    re.I,
)
# Bounded: from each "licensed in" an unbounded run would be read on to the first character
# outside the class, which many "licensed in" before it make quadratic.
_LICENSED_IN = re.compile(
    r"\blicensed\s+(?:to\s+practice\s+)?in\s+(?:the\s+states?\s+of\s+)?(?P<states>[A-Za-z ,]{1,200}?)"
    r"(?=\.|;|\s+(?:He|She|and\s+is|and\s+has|who)\b|$)",
    re.I,
)


_BOARD_WORDS = re.compile(r"\bboard[-\s]+certified\b", re.I)


def reviewer_from(text: str) -> tuple[ReviewerInfo, list[str]]:
    """Credentials from the labelled block or the prose sentence; (info, warnings)."""
    warnings: list[str] = []
    specialties: list[str] = []
    states: list[str] = []
    board: bool | None = None
    state_label = _LICENSURE_LABEL.search(text)
    specialty_label = _SPECIALTY_LABEL.search(text)
    if state_label:
        end = specialty_label.start() if specialty_label and specialty_label.start() > state_label.end() else None
        value = text[state_label.end() : end].split("\n")[0] if end is None else text[state_label.end() : end]
        states, unknown = states_from(" ".join(value.split()), warnings)
        warnings += [f"licensure state not recognised: {u!r}" for u in unknown]
    if specialty_label:
        value = " ".join(text[specialty_label.end() :].split())
        specialties, unknown = specialties_from(value, warnings)
        warnings += [f"reviewer specialty not recognised: {u!r}" for u in unknown]
        # The "Certification(s)/Specialty:" label does not say *board* certified: leave it unknown.
        board = True if _BOARD_WORDS.search(value) else None
    flat = " ".join(text.split())
    if not specialties:
        prose = _BOARD_PROSE.search(flat)
        if prose:
            board = True
            specialties, unknown = specialties_from(prose.group("specialty"), warnings)
            warnings += [f"reviewer specialty not recognised: {u!r}" for u in unknown]
        else:
            licensed_as = _LICENSED_AS.search(flat)
            if licensed_as:
                specialties = [normalise_specialty(licensed_as.group("specialty"))[0]]
    if not states:
        licensed_in = _LICENSED_IN.search(flat)
        if licensed_in:
            states, unknown = states_from(licensed_in.group("states"), warnings)
    if not specialties:
        warnings.append("no reviewer specialty found")
    if not states:
        warnings.append("no reviewer licensure state found")
    return ReviewerInfo(specialties, states, board), warnings
