"""Treatment taxonomy: two levels, modelled on the DWC's own treatment categories.

`classify_request` applies RULES in order; the first pattern found in the request wins.
The table is meant to be read and audited: put specific rules (a drug name, "post-op
physical therapy") before general ones ("therapy").
"""

from __future__ import annotations

import importlib
import re

from .textutil import InOrder, keyword_view

# The regex parser, only to read RULES' patterns once at import (no public API does that).
_sre_parser = importlib.import_module("re._parser")
_BRANCH, _LITERAL, _SUBPATTERN = _sre_parser.BRANCH, _sre_parser.LITERAL, _sre_parser.SUBPATTERN
_MAX_REPEAT, _MIN_REPEAT = _sre_parser.MAX_REPEAT, _sre_parser.MIN_REPEAT

CATEGORIES: dict[str, str] = {
    "medication": "Medication",
    "physical-therapy": "Physical therapy",
    "occupational-therapy": "Occupational therapy",
    "chiropractic": "Chiropractic",
    "acupuncture": "Acupuncture",
    "imaging": "Imaging",
    "electrodiagnostic": "Electrodiagnostic testing",
    "lab-test": "Laboratory and other tests",
    "injection": "Injection",
    "dme": "Durable medical equipment",
    "surgery": "Surgery",
    "psychological": "Psychological services",
    "functional-restoration": "Functional restoration and work programs",
    "home-health": "Home health and facility care",
    "evaluation": "Evaluation and management",
    "transportation": "Transportation",
    "other": "Other",
}

SUBCATEGORIES: dict[str, dict[str, str]] = {
    "medication": {
        "opioid": "Opioids",
        "nsaid": "NSAIDs",
        "muscle-relaxant": "Muscle relaxants",
        "topical-compound": "Topical and compounded medications",
        "anticonvulsant": "Anticonvulsants",
        "antidepressant": "Antidepressants",
        "sleep-aid": "Sleep aids",
        "proton-pump-inhibitor": "Proton pump inhibitors and GI",
        "medical-food": "Medical foods and oral suspensions",
        "other-drug": "Other drugs",
    },
    "physical-therapy": {
        "post-operative": "Post-operative therapy",
        "aquatic": "Aquatic therapy",
        "modality": "Modalities (heat, ultrasound, stimulation)",
        "therapy": "Physical therapy",
    },
    "occupational-therapy": {"therapy": "Occupational therapy"},
    "chiropractic": {"manipulation": "Chiropractic manipulation and care"},
    "acupuncture": {"acupuncture": "Acupuncture", "electro-acupuncture": "Electro-acupuncture"},
    "imaging": {
        "mri": "MRI",
        "ct": "CT",
        "x-ray": "X-ray",
        "ultrasound": "Ultrasound",
        "bone-scan": "Bone scan",
        "other-imaging": "Other imaging",
    },
    "electrodiagnostic": {"emg-ncs": "EMG / nerve conduction studies"},
    "lab-test": {
        "blood-urine": "Blood and urine tests",
        "drug-screen": "Drug screening",
        "cardiac": "EKG and cardiac tests",
        "other-test": "Other tests",
    },
    "injection": {
        "epidural-steroid": "Epidural steroid injections",
        "facet": "Facet injections",
        "trigger-point": "Trigger point injections",
        "joint": "Joint injections",
        "nerve-block": "Nerve blocks",
        "prp": "Platelet-rich plasma",
        "botox": "Botulinum toxin",
        "other-injection": "Other injections",
    },
    "dme": {
        "brace": "Braces, supports and splints",
        "tens": "TENS and electrical stimulation units",
        "cold-therapy": "Hot and cold therapy units",
        "mattress": "Mattresses, pillows and beds",
        "mobility": "Mobility aids",
        "other-dme": "Other equipment and supplies",
    },
    "surgery": {
        "spine": "Spine",
        "shoulder": "Shoulder",
        "knee": "Knee",
        "hand": "Hand and wrist",
        "hip": "Hip",
        "foot-ankle": "Foot and ankle",
        "elbow": "Elbow",
        "pre-operative": "Pre-operative clearance",
        "other-surgery": "Other surgery",
    },
    "psychological": {"evaluation": "Psychological evaluation", "therapy": "Psychotherapy"},
    "functional-restoration": {
        "program": "Functional restoration programs",
        "work-conditioning": "Work conditioning",
        "gym": "Gym and exercise programs",
    },
    "home-health": {"home-care": "Home health care", "facility": "Skilled nursing and rehabilitation facilities"},
    "evaluation": {
        "consultation": "Consultations and referrals",
        "office-visit": "Office visits and follow-up",
        "functional-capacity": "Functional capacity evaluations",
    },
    "transportation": {"transportation": "Transportation"},
    "other": {"other": "Other"},
}

OPIOIDS = [
    "norco",
    "hydrocodone",
    "vicodin",
    "tramadol",
    "ultram",
    "ultracet",
    "percocet",
    "oxycodone",
    "oxycontin",
    "oxycodone",
    "morphine",
    "ms contin",
    "hydromorphone",
    "dilaudid",
    "fentanyl",
    "duragesic",
    "methadone",
    "tapentadol",
    "nucynta",
    "buprenorphine",
    "butrans",
    "suboxone",
    "codeine",
    "tylenol #3",
    "tylenol with codeine",
    "oxymorphone",
    "opana",
    "hysingla",
    "zohydro",
    "synapryn",
]
NSAIDS = [
    "naproxen",
    "anaprox",
    "naprosyn",
    "ibuprofen",
    "motrin",
    "celebrex",
    "celecoxib",
    "diclofenac",
    "voltaren",
    "arthrotec",
    "meloxicam",
    "mobic",
    "etodolac",
    "lodine",
    "nabumetone",
    "relafen",
    "ketorolac",
    "toradol",
    "indomethacin",
    "piroxicam",
    "duexis",
    "vimovo",
    "nalfon",
    "fenoprofen",
    "ketoprofen",
    "aspirin",
    "daypro",
    "oxaprozin",
]
MUSCLE_RELAXANTS = [
    "cyclobenzaprine",
    "flexeril",
    "fexmid",
    "amrix",
    "baclofen",
    "tizanidine",
    "zanaflex",
    "methocarbamol",
    "robaxin",
    "carisoprodol",
    "soma",
    "orphenadrine",
    "norflex",
    "lorzone",
    "chlorzoxazone",
    "metaxalone",
    "skelaxin",
    "dantrolene",
    "tabradol",
]
TOPICALS = [
    "lidoderm",
    "lidocaine",
    "flector",
    "capsaicin",
    "compound",
    "cream",
    "gel",
    "ointment",
    "topical",
    "transdermal",
    "terocin",
    "menthoderm",
    "cyclophene",
    "ketophene",
    "patch",
]
ANTICONVULSANTS = [
    "gabapentin",
    "neurontin",
    "pregabalin",
    "lyrica",
    "topiramate",
    "topamax",
    "fanatrex",
    "carbamazepine",
    "lamotrigine",
    "gralise",
]
ANTIDEPRESSANTS = [
    "duloxetine",
    "cymbalta",
    "amitriptyline",
    "elavil",
    "nortriptyline",
    "trazodone",
    "sertraline",
    "zoloft",
    "fluoxetine",
    "prozac",
    "venlafaxine",
    "effexor",
    "bupropion",
    "wellbutrin",
    "citalopram",
    "escitalopram",
    "lexapro",
    "paroxetine",
]
SLEEP_AIDS = [
    "zolpidem",
    "ambien",
    "eszopiclone",
    "lunesta",
    "temazepam",
    "restoril",
    "dicopanol",
    "melatonin",
    "sonata",
    "belsomra",
    "sleep aid",
]
GI_DRUGS = [
    "omeprazole",
    "prilosec",
    "pantoprazole",
    "protonix",
    "esomeprazole",
    "nexium",
    "lansoprazole",
    "prevacid",
    "rabeprazole",
    "ranitidine",
    "zantac",
    "deprizine",
    "famotidine",
    "ondansetron",
    "zofran",
    "docusate",
    "colace",
    "senna",
    "misoprostol",
]
OTHER_DRUGS = [
    "fioricet",
    "butalbital",
    "viagra",
    "sildenafil",
    "cialis",
    "xanax",
    "alprazolam",
    "valium",
    "diazepam",
    "klonopin",
    "clonazepam",
    "ativan",
    "lorazepam",
    "prednisone",
    "medrol",
    "methylprednisolone",
    "tylenol",
    "acetaminophen",
    "keflex",
    "antibiotic",
    "vitamin",
    "testosterone",
    "medication",
    "medications",
    "mg",
    "refill",
    "tablet",
    "capsule",
    "oral suspension",
]


def _words(names: list[str]) -> str:
    return r"\b(?:" + "|".join(re.escape(name) for name in names) + r")"


# (pattern, category, subcategory) -- checked in order, first match wins.
RULES: list[tuple[str, str, str]] = [
    # A consultation about a treatment is an evaluation, not the treatment.
    (
        r"^\s*(?:consult(?:ation)?|referral|re-?exam(?:ination)?|second\s+opinion)\b|medication\s+management",
        "evaluation",
        "consultation",
    ),
    # A psychological evaluation is a psych service; a surgeon's consultation is an evaluation, not surgery.
    (r"\bpsych\w*(?:\s*/\s*psych\w*)?\s+(?:evaluation|assessment|testing|consult\w*)", "psychological", "evaluation"),
    (
        r"\b(?:surg\w*|ortho\w*|neuro\w*|spine|pain\s+management|specialist)\s+(?:consult\w*|referral|evaluation)\b",
        "evaluation",
        "consultation",
    ),
    # Rides to appointments are transportation whatever the appointment is for.
    (r"\btransport\w*\s+(?:to|from|for)\b", "transportation", "transportation"),
    # Services named around a surgery first: they are not the surgery itself.
    (r"\b(?:pa|surgical)\s+assist|assistant\s+surgeon|\bco-?surgeon", "surgery", "other-surgery"),
    (r"\bpost[-\s]?op(?:erative)?\b.*\b(?:physical|therapy|pt)\b", "physical-therapy", "post-operative"),
    (r"medical\s+clearance|pre[-\s]?op(?:erative)?\s+(?:clearance|evaluation|labs?)", "surgery", "pre-operative"),
    (r"\b(?:ekg|ecg|electrocardiogram|echocardiogram)\b", "lab-test", "cardiac"),
    (r"\bchest\s+x-?\s*ray", "imaging", "x-ray"),
    (r"\b(?:urine\s+drug|drug\s+screen|toxicology|uds)\b", "lab-test", "drug-screen"),
    (r"\blabs?\b|\bblood\s+(?:work|test)|\bcbc\b|\bpanel\b|\burinalysis\b", "lab-test", "blood-urine"),
    (
        r"\bcold\s+(?:compression|therapy)|hot\s*/\s*cold|\bcryo|ice\s+(?:unit|machine)|heat\s+(?:therapy\s+)?(?:pad|wrap|unit)|game\s*ready|polar\s+care|vascutherm",
        "dme",
        "cold-therapy",
    ),
    (
        r"\bsling\b|\bbraces?\b|\bboot\b|\bcam\s+walker|\bsplints?\b|\bsupport\b|\borthos[ie]s|\bwrap\b|\bcollar\b|\borthotic|\binsoles?",
        "dme",
        "brace",
    ),
    (r"neurostimulation\s+therapy|e-?stim\b|electrical\s+muscle\s+stimulation", "physical-therapy", "modality"),
    (r"\btens\b|\binterferential\b|\bh-?wave\b|\bneurostimulat|muscle\s+stimulat|e-?stim\b|\bems\b", "dme", "tens"),
    (r"\bpillows?\b|\bmattress|\bbed\b|\bcushion", "dme", "mattress"),
    (r"\bwalker\b|\bcane\b|\bcrutch|\bscooter|\bwheelchair|\bcommode|shower\s+chair", "dme", "mobility"),
    (r"\bgloves?\b|\bwipes\b|\bworkstation|\bdme\b|durable\s+medical|\bkit\b|\bsupplies\b", "dme", "other-dme"),
    # Tests and imaging.
    (r"\b(?:emg|ncv|ncs|nerve\s+conduction|electromyograph|electrodiagnostic)", "electrodiagnostic", "emg-ncs"),
    (r"\bbone\s+scan\b", "imaging", "bone-scan"),
    (r"\bmri\b|\bmr\s+arthrogra|magnetic\s+resonance", "imaging", "mri"),
    (r"\bct\b|\bcat\s+scan|computed\s+tomograph", "imaging", "ct"),
    (r"\bx-?\s*rays?\b|\bradiograph", "imaging", "x-ray"),
    (r"\bultrasound\b.*\b(?:diagnostic|imaging|guided)|diagnostic\s+ultrasound|\bsonogra", "imaging", "ultrasound"),
    (r"impedance\s+imaging|\bimaging\b|\bscan\b", "imaging", "other-imaging"),
    # Injections.
    (r"\bepidural|\besi\b|transforaminal", "injection", "epidural-steroid"),
    (r"\bfacet|medial\s+branch|radiofrequency|rhizotomy", "injection", "facet"),
    (r"trigger\s+points?\s+injection|\btpi\b", "injection", "trigger-point"),
    (r"platelet[-\s]rich|\bprp\b", "injection", "prp"),
    (r"\bbotox|botulinum", "injection", "botox"),
    (r"nerve\s+block|\bblock\b|stellate|ganglion", "injection", "nerve-block"),
    (
        r"\b(?:joints?|knees?|shoulders?|hips?|sacroiliac|si|cortisone|steroid|hyaluronic|synvisc|orthovisc)\b.*\binjection|viscosupplement",
        "injection",
        "joint",
    ),
    (r"\binjections?\b.*\b(?:knees?|shoulders?|hips?|joints?|bursa)\b", "injection", "joint"),
    (r"\binjections?\b", "injection", "other-injection"),
    # Surgery by body region.
    (
        r"\b(?:fusion|laminectomy|discectomy|microdiscectomy|laminotomy|foraminotomy|kyphoplasty|spinal\s+cord\s+stimulator)\b",
        "surgery",
        "spine",
    ),
    (r"\barthroplasty\b.*\bhips?\b|hips?\s+(?:replacement|arthroscopy)", "surgery", "hip"),
    (
        r"\b(?:shoulders?)\b.*\b(?:arthroscop|repair|decompression|surgery|arthroplasty)|rotator\s+cuff\s+repair",
        "surgery",
        "shoulder",
    ),
    (
        r"\bknees?\b.*\b(?:arthroscop|meniscectomy|replacement|arthroplasty|surgery|reconstruction)|\bmeniscectomy|\bacl\s+reconstruction",
        "surgery",
        "knee",
    ),
    (r"carpal\s+tunnel\s+release|trigger\s+finger\s+release|\b(?:hands?|wrists?|fingers?)\b.*\bsurgery", "surgery", "hand"),
    (r"\belbows?\b.*\b(?:surgery|release|repair)", "surgery", "elbow"),
    (r"\b(?:ankles?|foot|feet)\b.*\b(?:surgery|arthroscop|repair)", "surgery", "foot-ankle"),
    # Therapies; a facility stay first, as it names the therapies given there.
    (r"skilled\s+nursing|\bsnf\b|inpatient\s+rehab|nursing\s+facility|\bhospital\s+stay|\binpatient", "home-health", "facility"),
    (r"\belectro[-\s]?acupuncture|\belect\s+acupuncture", "acupuncture", "electro-acupuncture"),
    (r"\bacupuncture\b", "acupuncture", "acupuncture"),
    (r"\bchiro|\bmanipulation|\bspinal\s+manipulat|\bcmt\b|\bosteopathic\s+manipulat", "chiropractic", "manipulation"),
    (
        r"functional\s+restoration|\bfrp\b|\bhelp\s+program|multidisciplinary|interdisciplinary",
        "functional-restoration",
        "program",
    ),
    (r"work\s+(?:conditioning|hardening)", "functional-restoration", "work-conditioning"),
    (r"\bgym\b|\bfitness\b|\bymca\b|\bpool\s+membership|exercise\s+program", "functional-restoration", "gym"),
    (
        r"functional\s+capacity|\bfce\b|range\s+of\s+motion\s+(?:of\s+)?test|grip\s+(?:strength\s+)?test|\bimpairment\s+rating",
        "evaluation",
        "functional-capacity",
    ),
    (
        r"partial\s+hospitali[sz]ation|\bday\s+treatment|\bpsych|\bcognitive\s+behavio|\bcbt\b|\bbio[-\s]?behavio|\bbiofeedback|\bcounsel|\bhypno",
        "psychological",
        "therapy",
    ),
    (r"\baqua(?:tic)?\s+therap|\bpool\s+therap|\bhydrotherap", "physical-therapy", "aquatic"),
    (r"\boccupational\s+therap|\bot\b|\bhand\s+therap", "occupational-therapy", "therapy"),
    (
        r"\binfrared\b|\bultrasound\b|\bshock\s*wave|\beswt\b|\bmyofascial\b|\bmassage\b|\bheat\b|\blaser\b|\btraction\b|\biontophoresis|\bparaffin",
        "physical-therapy",
        "modality",
    ),
    (r"physical\s+therap|\bphysiotherap|\bpt\b|\brehabilitat|\bhome\s+exercise", "physical-therapy", "therapy"),
    # Care settings and services.
    (
        r"home\s+health|\bhome\s+care|\bhousekeeping|\bcaregiver|\bhome\s+assist|\bpa\s+assist|\battendant|\baide\b",
        "home-health",
        "home-care",
    ),
    (r"\btransport|\btaxi\b|\bambulance|\bmileage", "transportation", "transportation"),
    # Medication by drug name, then by form.
    (_words(TOPICALS), "medication", "topical-compound"),
    (_words(OPIOIDS), "medication", "opioid"),
    (_words(MUSCLE_RELAXANTS), "medication", "muscle-relaxant"),
    (_words(ANTICONVULSANTS), "medication", "anticonvulsant"),
    (_words(ANTIDEPRESSANTS), "medication", "antidepressant"),
    (_words(SLEEP_AIDS), "medication", "sleep-aid"),
    (_words(GI_DRUGS), "medication", "proton-pump-inhibitor"),
    (_words(NSAIDS), "medication", "nsaid"),
    (r"\boral\s+suspension|\bmedical\s+food|\btheramine|\bsentra|\bgabadone", "medication", "medical-food"),
    (_words(OTHER_DRUGS) + r"|\d\s*mg\b|#\d", "medication", "other-drug"),
    # Any other surgery, once therapies ("myofascial release") have had their turn.
    (
        r"\bsurgery\b|\bsurgical\b|arthroscop|\barthroplasty|\bexcision|\brelease\b|\brepair\b|\bdecompression\b",
        "surgery",
        "other-surgery",
    ),
    # Evaluation and management last: many requests above mention a consult in passing.
    (
        r"\bconsult|\breferral|\bspecialist|\bevaluation|\bre-?exam|\bexamination|\bassessment|\bsecond\s+opinion",
        "evaluation",
        "consultation",
    ),
    (r"\boffice\s+visit|\bfollow[-\s]?up|\bvisits?\b|\bmanagement\b", "evaluation", "office-visit"),
]


def _required_words(pattern: str) -> frozenset[str] | None:
    """Lower-case words one of which every match of `pattern` must contain; None if unknown.

    Read from the compiled pattern's own parse tree, so the words can never disagree with
    RULES: a rule whose pattern has no such word (it starts with \\d, say) is always tried.
    """
    try:
        return _words_in(_sre_parser.parse(pattern, re.I).data)
    except Exception:  # a parse tree from another Python version: do without the filter
        return None


def _words_in(sequence: list[tuple[object, object]]) -> frozenset[str] | None:
    """Best word set over the items of one sequence (any single item must match)."""
    options: list[frozenset[str]] = []
    run = ""
    for op, arg in [*sequence, (None, None)]:
        if op is _LITERAL:
            run += chr(arg).lower()  # type: ignore[arg-type]
            continue
        if run:
            options.append(frozenset([run]))
            run = ""
        words = _words_of_item(op, arg)
        if words is not None:
            options.append(words)
    # The set whose shortest word is longest rules out the most requests.
    return max(options, key=lambda words: (min(map(len, words)), -len(words)), default=None)


def _words_of_item(op: object, arg: object) -> frozenset[str] | None:
    if op is _SUBPATTERN:
        return _words_in(arg[-1].data)  # type: ignore[index]
    if op is _BRANCH:
        branches = [_words_in(branch.data) for branch in arg[1]]  # type: ignore[index]
        if any(words is None for words in branches):
            return None
        return frozenset().union(*branches)  # type: ignore[arg-type]
    if op in (_MAX_REPEAT, _MIN_REPEAT) and arg[0] >= 1:  # type: ignore[index]
        return _words_in(arg[2].data)  # type: ignore[index]
    return None


# Each rule compiled alone, with the words that must be in a request it matches. Checking
# `word in request` for every rule is far cheaper than running its regex; only the few rules
# whose words are present are searched, in table order, so the first rule that matches
# anywhere still wins. InOrder keeps the "X.*Y" rules linear on long requests.
_COMPILED_RULES: list[tuple[InOrder, frozenset[str] | None, str, str]] = [
    (InOrder(pattern, re.I | re.S), _required_words(pattern), category, subcategory) for pattern, category, subcategory in RULES
]


# Requests run to a line or two (the real letters' longest is under 200 characters). Reading
# a longer one no further keeps each item's cost bounded: some 60 rules each scan the text.
CLASSIFIED_LENGTH = 2000


def classify_request(request: str) -> tuple[str | None, str | None]:
    """(category slug, subcategory slug) for a request; (None, None) for an empty request.

    Only the request's first CLASSIFIED_LENGTH characters are read.
    """
    text = " ".join(request[:CLASSIFIED_LENGTH].split())
    if not text:
        return None, None
    view = keyword_view(text)
    for regex, words, category, subcategory in _COMPILED_RULES:
        if words is not None and not _has_any(view, words):
            continue
        if regex.search(text):
            return category, subcategory
    return "other", "other"


def _has_any(text: str, words: frozenset[str]) -> bool:
    # A plain loop: any() over a generator costs more than the `in` tests themselves.
    for word in words:  # noqa: SIM110
        if word in text:
            return True
    return False
