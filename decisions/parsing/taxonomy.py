"""Treatment taxonomy: two levels, modelled on the DWC's own treatment categories.

`classify_request` reads what a request *is*: its procedure words, the drug it names (by the
drug tables of drugs.py, so a brand, a generic or a kit is classed by its pharmacology), the
equipment, the visit. RULES are applied in order and the first pattern found wins; named drugs
are looked up at DRUG_STEP; "other" only when nothing fits. The table is meant to be read and
audited: put specific rules ("post-op physical therapy") before general ones ("therapy").
Conventions: ../shared/imr-letters/README.md.
"""

from __future__ import annotations

import importlib
import re

from .body import body_region_of
from .drugs import read_drugs
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

# A rule whose subcategory is BY_REGION takes it from the body region the request names
# (surgery: "Arthroscopy of the left knee" is knee surgery, whatever the procedure's name).
BY_REGION = "by-region"
SURGERY_BY_REGION: dict[str | None, str] = {
    "cervical-spine": "spine",
    "thoracic-spine": "spine",
    "lumbar-spine": "spine",
    "spine": "spine",
    "shoulder": "shoulder",
    "knee": "knee",
    "wrist-hand": "hand",
    "hip": "hip",
    "ankle-foot": "foot-ankle",
    "elbow": "elbow",
}

# Words that make a request an operation (or name one by its procedure).
_OPERATION = (
    r"\bsurgery\b|\bsurgical\s+(?:procedure|intervention|treatment|repair)|\barthroscop\w*|\barthroplast\w*"
    r"|\b(?:joint|knee|hip|shoulder|disc)\s+replacement|\brepair\b|\breconstruction\b|\brelease\b|\bexcision\b"
    r"|\bdebridement\b|\bdecompression\b|\bfusion\b|\w{3,}ectomy\b|\w{3,}otomy\b|\w{3,}plasty\b|\w{3,}desis\b"
    r"|\bmenisc\w*\s+(?:repair|transplant)|\bslap\s+(?:repair|lesion)|\btransposition\b|\borif\b|\bfixation\b"
    r"|\b(?:removal|hardware)\s+(?:of\s+)?(?:the\s+)?(?:\w+\s+)?hardware|hardware\s+removal|\bimplant(?:ation)?\b"
    r"|manipulation\s+under\s+anesthesia|\bmua\b|\bbypass\b|\bamputation\b|\bgraft\b|\bbunionectomy\b"
)
_SESSIONS = r"(?:sessions?|visits?|treatments?|times|x\s*\d|\d\s*x\s*\d|week)"

# (pattern, category, subcategory) -- checked in order, first match wins. Named drugs are
# looked up between the rules before and after DRUG_STEP (see classify_request).
RULES: list[tuple[str, str, str]] = [
    # A consultation about a treatment is an evaluation, not the treatment.
    (
        r"^\s*(?:consult(?:ation)?|referral|re-?exam(?:ination)?|second\s+opinion)\b|medication\s+management",
        "evaluation",
        "consultation",
    ),
    (
        r"\b(?:psych\w*|neuropsych\w*)(?:\s*/\s*psych\w*)?\s+(?:evaluation|assessment|testing|tests?|consult\w*)"
        r"|\bneuropsych\w*\s+(?:evaluation|testing)",
        "psychological",
        "evaluation",
    ),
    (
        r"\b(?:surg\w*|ortho\w*|neuro\w*|spine|pain\s+management|specialist)\s+(?:consult\w*|referral|evaluation)\b",
        "evaluation",
        "consultation",
    ),
    # Rides are transportation whatever the appointment is for.
    (r"\btransport\w*|\btaxi\b|\bambulance\b|\bmileage\b|\bparatransit", "transportation", "transportation"),
    # What is ordered for an operation: clearance, its tests, an assistant.
    (
        r"medical\s+clearance|pre[-\s]?op(?:erative)?\b.*\b(?:clearance|evaluation|labs?|ekg|ecg|electrocardiogram"
        r"|x-?\s*rays?|cbc|bmp|cmp|panel|blood|urinalysis|h\s*&\s*p|history\s+and\s+physical|testing|tests?)"
        r"|(?:associated\s+)?surgical\s+services?\b.*\b(?:labs?|ekg|ecg|x-?\s*rays?|cbc|bmp|cmp|panel|blood|urinalysis"
        r"|clearance|coagulation)\b"
        r"|\blabs?\b.*\b(?:ekg|ecg|chest\s+x-?\s*ray)"
        r"|\b(?:pa|surgical|physician\s+assistant)\s+assist|assistant\s+surgeon|\bco-?surgeon",
        "surgery",
        "pre-operative",
    ),
    # Tests.
    (r"\b(?:ekg|ecg|electrocardiogram|echocardiogram|holter|cardiac\s+stress|stress\s+test)", "lab-test", "cardiac"),
    (r"\bchest\s+x-?\s*ray", "imaging", "x-ray"),
    (
        r"\b(?:urine\s+drug|drug\s+(?:screen|test)\w*|toxicology|uds|udt|urine\s+tox\w*|drug\s+panel)",
        "lab-test",
        "drug-screen",
    ),
    (
        r"\blabs?\b|\blab\s+work|\bblood\s+(?:work|tests?|draw)|\bcbc\b|\bcomplete\s+blood|\bpanel\b|\burinalysis\b"
        r"|\burine\s+(?:test|culture)|\b(?:hemoglobin|hba1c|a1c)\b|\b(?:liver|renal|kidney|hepatic|thyroid)\s+function"
        r"|\blipid|\bserum\b|\bvitamin\s+\w+\s+levels?|\b(?:blood|plasma|testosterone|drug)\s+levels?",
        "lab-test",
        "blood-urine",
    ),
    (
        r"\bsleep\s+study|polysomnogra|\bgenetic\s+test|\bdna\s+test|\bcytokine|pharmacogen\w*|\bgenotyp"
        r"|pulmonary\s+function|spirometr|\baudiogra|\baudiometr|\bhearing\s+(?:test|evaluation)"
        r"|quantitative\s+sensory|\bgrip\s+(?:strength\s+)?test|range\s+of\s+motion\s+(?:of\s+)?test|\bcomputeri[sz]ed\s+(?:rom|range)",
        "lab-test",
        "other-test",
    ),
    (
        r"\b(?:emg|ncv|ncs|nerve\s+conduction|electromyograph|electrodiagnostic|ssep|somatosensory|evoked\s+potential)",
        "electrodiagnostic",
        "emg-ncs",
    ),
    # Equipment; a stimulation unit before stimulation given as therapy.
    (r"\bspinal\s+cord\s+stimulat|\bdorsal\s+column\s+stimulat", "surgery", "spine"),
    (r"\bbone\s+(?:growth\s+)?stimulator|\bhearing\s+aids?", "dme", "other-dme"),
    (
        r"\b(?:hot|cold|heat\w*|ice|thermal|cryo\w*)\b.*\b(?:units?|pads?|wraps?|machines?|devices?|packs?\s+for\s+home"
        r"|system|rental|purchase)\b|\bcold\s+compression|\bgame\s*ready|\bpolar\s+care|\bvascutherm|\bcryotherapy\s+unit",
        "dme",
        "cold-therapy",
    ),
    (
        r"\btens\b|\bh-?wave\b|\b(?:interferential|stimulat\w*|nmes|ems|e-?stim|muscle\s+stim\w*)\b.*\b(?:units?|devices?"
        r"|machines?|purchase|rental|supplies)\b|\bstimulators?\b",
        "dme",
        "tens",
    ),
    (
        r"\bsling\b|\bbraces?\b|\bboot\b|\bcam\s+walker|\bsplints?\b|\bsupports?\b|\borthos[ie]s|\borthotics?\b|\binsoles?"
        r"|\bcollar\b|\bsleeves?\b|\bwraps?\b|\blso\b|\btlso\b|\bimmobili[sz]er|\bcompression\s+(?:stocking|sleeve|garment|hose)",
        "dme",
        "brace",
    ),
    (r"\bpillows?\b|\bmattress|\bbed\b|\bcushion", "dme", "mattress"),
    (
        r"\bwalker\b|\bcane\b|\bcrutch|\bscooter|\bwheelchair|\brollator|\bpower\s+chair|\bcommode|shower\s+chair",
        "dme",
        "mobility",
    ),
    (
        r"\bgloves?\b|\bwipes\b|\bworkstation|\bdme\b|durable\s+medical|\bkit\b|\bsupplies\b|continuous\s+passive\s+motion"
        r"|\bcpm\b|pneumatic\s+compression|compression\s+(?:device|pump)|\btoilet|\bgrab\s+bars?|\breacher|\bequipment"
        r"|\bergonomic\s+chair|\belectrodes\b|\bhot\s+tub|\bjacuzzi|\bspa\b",
        "dme",
        "other-dme",
    ),
    # Therapies given in sessions; acupuncture first, as it may use stimulation or heat.
    (
        r"\belectro[-\s]?acupuncture|\belect\s+acupuncture|acupuncture\b.*\belectric|electric\w*\b.*\bacupuncture",
        "acupuncture",
        "electro-acupuncture",
    ),
    (r"\bacupuncture\b", "acupuncture", "acupuncture"),
    (
        r"electrical\s+(?:muscle\s+)?stimulation|neurostimulation\s+therapy|\be-?stim\b|\bems\b|\bnmes\b|\binterferential"
        r"|\bhigh\s+voltage\s+galvanic",
        "physical-therapy",
        "modality",
    ),
    # Injections (before imaging: "ultrasound-guided injection" is an injection).
    (r"\bepidural|\besi\b|\blesi\b|\btfesi\b|transforaminal|\bcaudal\b", "injection", "epidural-steroid"),
    (r"\bfacet|medial\s+branch|radiofrequency|rhizotomy|neurotomy|\brfa\b", "injection", "facet"),
    (r"trigger\s+points?\s+injections?|\btpi\b|\btpis\b", "injection", "trigger-point"),
    (r"platelet[-\s]rich|\bprp\b", "injection", "prp"),
    (r"\bbotox|botulinum", "injection", "botox"),
    (r"nerve\s+blocks?|\bblocks?\b|\bstellate\b", "injection", "nerve-block"),
    (
        r"\b(?:joints?|knees?|shoulders?|hips?|sacroiliac|si|cortisone|steroid|hyaluronic|synvisc\w*"
        r"|orthovisc|euflexxa|subacromial|intra-?articular|bursa\w*)\b.*\binjections?|viscosupplement|\bsynvisc",
        "injection",
        "joint",
    ),
    (r"\binjections?\b.*\b(?:knees?|shoulders?|hips?|joints?|bursa)\b", "injection", "joint"),
    (r"\binjections?\b|\bprolotherapy|\binjectable", "injection", "other-injection"),
    # Imaging.
    (r"\bbone\s+scan\b", "imaging", "bone-scan"),
    (r"\bmri\b|\bmr\s+arthrogra|magnetic\s+resonance|\bmra\b", "imaging", "mri"),
    (r"\bct\b|\bcat\s+scan|computed\s+tomograph", "imaging", "ct"),
    (r"\bx-?\s*rays?\b|\bradiograph|\bfilms\b", "imaging", "x-ray"),
    # Ultrasound given in sessions is a physical therapy modality; otherwise it is imaging.
    (rf"\bultrasound\b.*\b{_SESSIONS}|\b(?:pulsed|therapeutic)\s+ultrasound|ultrasound\s+therap", "physical-therapy", "modality"),
    (r"\bultrasound|\bsonogra|\bdoppler", "imaging", "ultrasound"),
    (
        r"impedance\s+imaging|\bimaging\b|\bscan\b|\bmyelogra|\bdiscogra|\bdexa\b|\bbone\s+density|\bpet\b|\barthrogra"
        r"|\bfluoroscop\w*\s+(?:study|exam)|\bvideofluoroscop",
        "imaging",
        "other-imaging",
    ),
    (
        r"\bpost[-\s]?(?:op(?:erative)?|surgical)\b.*\b(?:physical|therapy|pt|rehab\w*)\b"
        r"|\b(?:physical\s+therapy|pt|rehab\w*)\b.*\b(?:after|following|post)[-\s]?(?:surgery|op\w*)",
        "physical-therapy",
        "post-operative",
    ),
    # Facility stays first, as they name the therapies given there.
    (
        r"skilled\s+nursing|\bsnf\b|inpatient\s+rehab|nursing\s+(?:facility|home)|\bhospital\s+stay|\binpatient"
        r"|assisted\s+living|\bresidential\s+(?:care|treatment)",
        "home-health",
        "facility",
    ),
    (r"\bchiro|\bmanipulation|\bspinal\s+manipulat|\bcmt\b|\bosteopathic\s+manipulat|\bomt\b", "chiropractic", "manipulation"),
    (
        r"functional\s+restoration|\bfrp\b|\bhelp\s+program|multidisciplinary|interdisciplinary|chronic\s+pain\s+program",
        "functional-restoration",
        "program",
    ),
    (r"work\s+(?:conditioning|hardening)", "functional-restoration", "work-conditioning"),
    (
        r"\bgym\b|\bfitness\b|\bymca\b|\bpool\s+(?:membership|access)|(?<!home\s)exercise\s+program|health\s+club",
        "functional-restoration",
        "gym",
    ),
    (r"functional\s+capacity|\bfce\b|\bimpairment\s+rating", "evaluation", "functional-capacity"),
    (
        r"partial\s+hospitali[sz]ation|\bday\s+treatment|\bpsych|\bcognitive\s+behavio|\bcbt\b|\bbio[-\s]?behavio"
        r"|\bbiofeedback|\bcounsel|\bhypno",
        "psychological",
        "therapy",
    ),
    (r"\baqua(?:tic)?\s+therap|\bpool\s+therap|\bhydrotherap|\bwater\s+therap", "physical-therapy", "aquatic"),
    (r"\bpt\s*/\s*ot\b", "physical-therapy", "therapy"),
    (r"\boccupational\s+therap|\bot\b|\bhand\s+therap", "occupational-therapy", "therapy"),
    # Therapy by what is done: exercise and hands-on work, or a modality applied.
    (
        r"therapeutic\s+(?:exercise|activit)|\bmanual\s+therap|\bmyofascial|\bmassage|neuromuscular\s+re-?education"
        r"|\bgait\s+training|\bkinesio|\bsoft\s+tissue\s+mobili[sz]ation|\bjoint\s+mobili[sz]ation|\bstretching",
        "physical-therapy",
        "therapy",
    ),
    (
        r"\binfrared\b|\bshock\s*wave|\beswt\b|\bheat\b|\b(?:hot|cold|ice)\s+(?:packs?|therap\w*)|\bcryotherapy|\blaser\b"
        r"|\btraction\b|\biontophoresis|\bphonophoresis|\bparaffin|\bdiathermy|\bwhirlpool|\bmodalit",
        "physical-therapy",
        "modality",
    ),
    (r"physical\s+therap|\bphysiotherap|\bpt\b|\brehabilitat|\bhome\s+exercise", "physical-therapy", "therapy"),
    # Care at home.
    (
        r"home\s+health|\bhome\s+care|\bhousekeeping|\bcaregiver|\bhome\s+assist|\battendant|\baide\b|\bnurs(?:e|es|ing)\b"
        r"|\bin-?home\b|\bwound\s+care",
        "home-health",
        "home-care",
    ),
]

# Named drugs are looked up here, after the rules above (an injection, a screen for a drug,
# a therapy with a patch are not medication requests) and before those below.
DRUG_STEP = len(RULES)

RULES += [
    (r"\boral\s+suspension|\bmedical\s+food", "medication", "medical-food"),
    (
        r"\bmedications?\b|\brefills?\b|\btablets?\b|\bcapsules?\b|\bprescription|\d\s*mg\b|\d\s*mcg\b|#\s?\d",
        "medication",
        "other-drug",
    ),
    # An operation, by the region it is on.
    (_OPERATION, "surgery", BY_REGION),
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
    for index, (regex, words, category, subcategory) in enumerate(_COMPILED_RULES):
        if index == DRUG_STEP and (drug_class := read_drugs(view).drug_class):
            return "medication", drug_class
        if words is not None and not _has_any(view, words):
            continue
        if regex.search(text):
            return category, (
                SURGERY_BY_REGION.get(body_region_of(text), "other-surgery") if subcategory == BY_REGION else subcategory
            )
    # A drug only the general dictionary knows, named without a dose ("Atorvastatin").
    if drug_class := read_drugs(view, general=True).drug_class:
        return "medication", drug_class
    return "other", "other"


def _has_any(text: str, words: frozenset[str]) -> bool:
    # A plain loop: any() over a generator costs more than the `in` tests themselves.
    for word in words:  # noqa: SIM110
        if word in text:
            return True
    return False
