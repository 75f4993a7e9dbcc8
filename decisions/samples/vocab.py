"""Word pools for sample letters: body regions, reviewers, states, summary phrases.

Every phrase here was written for this project; none is taken from a real letter.
"""

from __future__ import annotations

from dataclasses import dataclass

STATE_NAMES: dict[str, str] = {
    "CA": "California",
    "AZ": "Arizona",
    "NV": "Nevada",
    "TX": "Texas",
    "NY": "New York",
    "FL": "Florida",
    "NC": "North Carolina",
    "SC": "South Carolina",
    "OR": "Oregon",
    "WA": "Washington",
    "IL": "Illinois",
    "PA": "Pennsylvania",
    "MA": "Massachusetts",
    "NJ": "New Jersey",
    "MD": "Maryland",
    "VA": "Virginia",
    "OH": "Ohio",
    "CO": "Colorado",
    "GA": "Georgia",
    "MI": "Michigan",
    "IA": "Iowa",
    "MT": "Montana",
    "UT": "Utah",
}

# States other than California, most frequent first (repeats weight the draw).
OTHER_STATES: tuple[str, ...] = (
    "AZ",
    "AZ",
    "NV",
    "TX",
    "TX",
    "NY",
    "NY",
    "FL",
    "FL",
    "NC",
    "NC",
    "SC",
    "OR",
    "WA",
    "IL",
    "PA",
    "PA",
    "MA",
    "NJ",
    "MD",
    "VA",
    "OH",
    "CO",
    "GA",
    "MI",
    "IA",
    "MT",
    "UT",
)


@dataclass(frozen=True, slots=True)
class Reviewer:
    """A reviewer profile: how the block names the specialties and how prose does."""

    specialties: tuple[str, ...]
    prose: str | None  # "Board Certified in <prose>" sentence object; None = block only
    acupuncturist: bool = False


# How the archive names a specialty when a letter spells it another way.
CANONICAL_SPECIALTY: dict[str, str] = {
    "Orthopaedic Surgery": "Orthopedic Surgery",
    "Chiropractic": "Chiropractor",
    "Psychology": "Clinical Psychology",
}


def canonical_specialty(name: str) -> str:
    """'Physical Medicine & Rehabilitation' -> 'Physical Medicine and Rehabilitation'."""
    name = name.replace("&", "and")
    return CANONICAL_SPECIALTY.get(name, name)


# Spellings follow the real credential blocks ("&" in the block, "and" in prose).
REVIEWERS: tuple[tuple[Reviewer, int], ...] = (
    (Reviewer(("Physical Medicine & Rehabilitation",), "Physical Medicine and Rehabilitation"), 14),
    (Reviewer(("Physical Medicine & Rehabilitation", "Pain Medicine"), None), 6),
    (Reviewer(("Physical Medicine & Rehabilitation", "Neuromuscular Medicine"), None), 2),
    (Reviewer(("Orthopaedic Surgery",), "Orthopaedic Surgery"), 6),
    (Reviewer(("Orthopedic Surgery", "Sports Medicine"), None), 2),
    (Reviewer(("Occupational Medicine",), "Occupational Medicine"), 8),
    (Reviewer(("Preventive Medicine", "Occupational Medicine"), None), 12),
    (Reviewer(("Preventive Medicine", "Occupational Medicine", "Family Practice"), None), 2),
    (Reviewer(("Family Practice",), "Family Practice"), 14),
    (Reviewer(("Internal Medicine",), "Internal Medicine"), 5),
    (Reviewer(("Anesthesiology",), "Anesthesiology"), 4),
    (Reviewer(("Anesthesiology", "Pain Medicine"), None), 4),
    (Reviewer(("Pain Medicine",), "Pain Medicine"), 3),
    (Reviewer(("Neurology",), "Neurology"), 2),
    (Reviewer(("Psychiatry",), "Psychiatry"), 2),
    (Reviewer(("Psychology",), None), 2),
    (Reviewer(("Chiropractic",), None), 3),
    (Reviewer(("Acupuncture",), None, acupuncturist=True), 4),
    (Reviewer(("Neurological Surgery",), "Neurological Surgery"), 1),
    (Reviewer(("Emergency Medicine",), "Emergency Medicine"), 2),
    (Reviewer(("Rheumatology",), "Rheumatology"), 1),
    (Reviewer(("Hospice & Palliative Medicine", "Anesthesiology"), None), 1),
)


@dataclass(frozen=True, slots=True)
class Region:
    """A body region: its names, its ACOEM chapter and the items that go with it."""

    key: str
    names: tuple[str, ...]  # "low back", "lumbar spine"
    sided: bool
    acoem_part: str  # key into guidelines.PARTS
    odg_chapter: str
    limbs: str  # "lower" / "upper" extremities for electrodiagnostics
    diagnoses: tuple[str, ...]
    findings: tuple[str, ...]


REGIONS: tuple[tuple[Region, int], ...] = (
    (
        Region(
            "lumbar",
            ("low back", "lumbar spine", "lumbosacral spine"),
            False,
            "lb",
            "Low Back",
            "lower",
            (
                "lumbar strain",
                "lumbar disc protrusion",
                "lumbar radiculopathy",
                "lumbar facet arthropathy",
                "degenerative disc disease of the lumbar spine",
                "sciatica",
                "chronic low back pain",
                "lumbar spinal stenosis",
                "failed back surgery syndrome",
                "sacroiliac joint dysfunction",
            ),
            (
                "tenderness over the lower lumbar paraspinal muscles with guarding",
                "reduced lumbar flexion with pain at the end of the range",
                "straight leg raising that reproduces leg pain on the affected side",
                "diminished sensation along the L5 dermatome",
                "normal strength in both legs and symmetric reflexes",
            ),
        ),
        35,
    ),
    (
        Region(
            "cervical",
            ("neck", "cervical spine"),
            False,
            "neck",
            "Neck and Upper Back",
            "upper",
            (
                "cervical strain",
                "cervical disc herniation",
                "cervical radiculopathy",
                "cervicalgia",
                "cervical spondylosis",
                "myofascial pain of the trapezius",
            ),
            (
                "tightness and tenderness of the cervical paraspinal and trapezius muscles",
                "limited cervical rotation toward both sides",
                "a positive Spurling test on the right",
                "decreased grip strength without a clear dermatomal pattern",
            ),
        ),
        20,
    ),
    (
        Region(
            "shoulder",
            ("shoulder",),
            True,
            "shoulder",
            "Shoulder",
            "upper",
            (
                "shoulder impingement syndrome",
                "rotator cuff tendinitis",
                "partial thickness rotator cuff tear",
                "adhesive capsulitis of the shoulder",
                "acromioclavicular joint arthritis",
                "shoulder sprain",
            ),
            (
                "painful arc of motion between 70 and 120 degrees of abduction",
                "positive Neer and Hawkins signs",
                "forward flexion limited to about 120 degrees",
                "weakness of resisted external rotation",
            ),
        ),
        15,
    ),
    (
        Region(
            "knee",
            ("knee",),
            True,
            "knee",
            "Knee & Leg",
            "lower",
            (
                "medial meniscus tear",
                "knee sprain",
                "patellofemoral syndrome",
                "osteoarthritis of the knee",
                "chondromalacia patella",
                "knee internal derangement",
            ),
            (
                "medial joint line tenderness with a small effusion",
                "a positive McMurray test",
                "crepitus with active knee extension",
                "flexion limited to about 100 degrees",
            ),
        ),
        12,
    ),
    (
        Region(
            "wrist",
            ("wrist", "hand"),
            True,
            "wrist",
            "Forearm, Wrist & Hand",
            "upper",
            (
                "carpal tunnel syndrome",
                "de Quervain tenosynovitis",
                "wrist sprain",
                "trigger finger",
                "repetitive strain injury of the wrist",
            ),
            (
                "a positive Phalen test and Tinel sign at the wrist",
                "reduced grip strength measured with a dynamometer",
                "tenderness over the first dorsal compartment",
            ),
        ),
        8,
    ),
    (
        Region(
            "elbow",
            ("elbow",),
            True,
            "elbow",
            "Elbow",
            "upper",
            ("lateral epicondylitis", "medial epicondylitis", "cubital tunnel syndrome", "elbow sprain"),
            (
                "point tenderness over the lateral epicondyle",
                "pain with resisted wrist extension",
                "a positive Tinel sign at the cubital tunnel",
            ),
        ),
        4,
    ),
    (
        Region(
            "ankle",
            ("ankle", "foot"),
            True,
            "ankle",
            "Ankle & Foot",
            "lower",
            (
                "ankle sprain",
                "plantar fasciitis",
                "Achilles tendinitis",
                "ankle instability",
                "metatarsalgia",
            ),
            (
                "swelling over the lateral ankle ligaments",
                "tenderness at the plantar fascia insertion",
                "an antalgic gait favoring the injured side",
            ),
        ),
        6,
    ),
)

SIDES: tuple[str, ...] = ("right", "left", "right", "left", "bilateral")

MECHANISMS: tuple[str, ...] = (
    "lifting a heavy box onto a shelf",
    "slipping on a wet floor in the warehouse",
    "repetitive keyboard and mouse work over several years",
    "falling from a ladder while stocking inventory",
    "pulling a loaded pallet jack",
    "transferring a patient from a bed to a wheelchair",
    "being struck by a falling object",
    "driving a company truck when another vehicle struck it",
    "tripping over a hose at a construction site",
    "repeated overhead reaching on an assembly line",
    "catching a heavy tool that slipped from a coworker",
    "restraining a combative individual",
)

OCCUPATIONS: tuple[str, ...] = (
    "warehouse worker",
    "registered nurse",
    "truck driver",
    "cashier",
    "custodian",
    "correctional officer",
    "construction laborer",
    "office assistant",
    "home health aide",
    "machine operator",
    "teacher",
    "landscaper",
    "bus driver",
    "food service worker",
)

PRIOR_TREATMENTS: tuple[str, ...] = (
    "oral medications",
    "physical therapy",
    "chiropractic care",
    "acupuncture",
    "a home exercise program",
    "activity modification",
    "modified duty",
    "diagnostic imaging",
    "topical creams",
    "a course of injections",
    "bracing",
    "heat and ice",
    "a TENS unit trial",
    "psychological support",
)

PAIN_WORDS: tuple[str, ...] = ("aching", "sharp", "burning", "throbbing", "constant", "intermittent")

NUMBER_WORDS: tuple[str, ...] = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "twenty-one",
    "twenty-two",
    "twenty-three",
    "twenty-four",
)

MONTH_NAMES: tuple[str, ...] = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
