"""Disputed requests: what is asked for, how it is written, its category and its guidelines."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TypeVar

from decisions.samples.guidelines import PARTS, Guide, MtusRef
from decisions.samples.vocab import NUMBER_WORDS, Region


@dataclass(slots=True)
class Req:
    """One request as written, with the values it was written from."""

    text: str
    category: str
    subcategory: str | None
    quantity: int | None
    guide: Guide
    key: str  # which rationale pool explains it
    template: str | None = None  # the request with "{n}" in place of its quantity


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where the request is aimed: the region, the side and the phrase naming them."""

    region: Region
    side: str
    place: str  # "low back", "right shoulder", "bilateral knees"


PLURALS = {"foot": "feet"}


def make_ctx(rng: random.Random, region: Region) -> Ctx:
    """Pick a side (for limbs) and a name for the region."""
    names = region.names
    name = pick(rng, names)
    if not region.sided:
        return Ctx(region, "", name)
    side = ("right", "left", "right", "left", "bilateral")[int(rng.random() * 5)]
    if side == "bilateral":
        return Ctx(region, side, f"bilateral {PLURALS.get(name, name + 's')}")
    return Ctx(region, side, f"{side} {name}")


def cap(text: str) -> str:
    """Upper-case the first letter only."""
    return text[:1].upper() + text[1:]


# (times a week, weeks) pairs seen in therapy requests
FREQUENCIES: tuple[tuple[int, int], ...] = (
    (2, 6),
    (2, 4),
    (3, 4),
    (2, 3),
    (1, 6),
    (3, 2),
    (2, 2),
    (3, 6),
    (1, 4),
    (2, 6),
    (2, 4),
)
SESSION_COUNTS: tuple[int, ...] = (6, 8, 12, 6, 12, 8, 4, 10, 16, 18, 24, 6)


def therapy_text(rng: random.Random, noun: str, place: str) -> tuple[str, int | None, str]:
    """A therapy request in one of the real quantity forms.

    Returns the text, the number of sessions (None when unstated) and a template with "{n}"
    used when the request is modified.
    """
    target = f"{noun} for the {place}" if place else noun
    template = f"{cap(target)} {{n}} sessions"
    form = int(rng.random() * 10)
    if form <= 2:
        f, w = pick(rng, FREQUENCIES)
        if form == 0:
            return f"{cap(target)} {f} times a week for {w} weeks", f * w, template
        if form == 1:
            return f"{cap(target)} {NUMBER_WORDS[f]} times a week for {NUMBER_WORDS[w]} weeks", f * w, template
        return f"{target.upper()} {f} X WEEK FOR {w} WEEKS", f * w, template
    n = pick(rng, SESSION_COUNTS)
    if form == 3:
        return f"{cap(NUMBER_WORDS[n])} ({n}) {noun} sessions" + (f" for the {place}" if place else ""), n, template
    if form == 4:
        return f"{cap(target)} x{n}", n, template
    if form == 5:
        return f"{n} sessions of {target}", n, template
    if form == 6:
        return f"{cap(target)}, {n} sessions", n, template
    if form == 7:
        return f"{cap(target)}, {n} visits", n, template
    return cap(target), None, template


T = TypeVar("T")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """A uniform choice; int(random() * n) costs a third of rng.choice, which adds up here."""
    return seq[int(rng.random() * len(seq))]


# ---------------------------------------------------------------------------------------------
# Medications: (name and strength, subcategory, CP topic, ODG topic, generic name, counts)

Drug = tuple[str, str, str, str, str, tuple[int, ...]]

DRUGS: tuple[tuple[Drug, int], ...] = (
    (("Norco 10/325mg", "opioid", "opioids-ongoing", "Opioids", "Hydrocodone and acetaminophen", (60, 90, 120, 180)), 10),
    (("Hydrocodone/APAP 10/325mg", "opioid", "opioids", "Opioids", "Hydrocodone and acetaminophen", (60, 90, 120)), 4),
    (("Tramadol 50mg", "opioid", "tramadol", "Tramadol (Ultram)", "Tramadol", (60, 90, 120)), 5),
    (("Ultram 50mg", "opioid", "tramadol", "Tramadol (Ultram)", "Tramadol", (30, 60, 90)), 3),
    (("Tramadol ER 150mg", "opioid", "tramadol", "Tramadol (Ultram)", "Tramadol", (30, 60)), 2),
    (("Oxycodone 10mg", "opioid", "opioids", "Opioids", "Oxycodone", (60, 90, 120)), 3),
    (("Percocet 10/325mg", "opioid", "opioids", "Opioids", "Oxycodone and acetaminophen", (60, 90, 120)), 3),
    (("OxyContin 20mg", "opioid", "opioids-ongoing", "Opioids", "Oxycodone", (60, 90)), 1),
    (("Morphine sulfate ER 30mg", "opioid", "opioids-ongoing", "Opioids", "Morphine", (60, 90)), 2),
    (("MS Contin 15mg", "opioid", "opioids-ongoing", "Opioids", "Morphine", (60,)), 1),
    (("Naproxen 550mg", "nsaid", "nsaid", "NSAIDs (non-steroidal anti-inflammatory drugs)", "Naproxen", (60, 90)), 5),
    (("Anaprox DS 550mg", "nsaid", "nsaid", "NSAIDs (non-steroidal anti-inflammatory drugs)", "Naproxen", (60, 90)), 2),
    (("Ibuprofen 800mg", "nsaid", "nsaid", "NSAIDs (non-steroidal anti-inflammatory drugs)", "Ibuprofen", (60, 90, 120)), 3),
    (("Ibuprofen 600mg", "nsaid", "nsaid", "NSAIDs (non-steroidal anti-inflammatory drugs)", "Ibuprofen", (60, 90)), 2),
    (("Celebrex 200mg", "nsaid", "nsaid-gi", "Celecoxib (Celebrex)", "Celecoxib", (30, 60)), 2),
    (("Meloxicam 15mg", "nsaid", "nsaid", "NSAIDs (non-steroidal anti-inflammatory drugs)", "Meloxicam", (30,)), 2),
    (("Diclofenac sodium ER 100mg", "nsaid", "nsaid", "Diclofenac", "Diclofenac", (30, 60)), 1),
    (("Cyclobenzaprine 7.5mg", "muscle-relaxant", "cyclo", "Muscle relaxants (for pain)", "Cyclobenzaprine", (60, 90)), 6),
    (("Flexeril 10mg", "muscle-relaxant", "cyclo", "Muscle relaxants (for pain)", "Cyclobenzaprine", (30, 60, 90)), 3),
    (("Tizanidine 4mg", "muscle-relaxant", "muscle", "Muscle relaxants (for pain)", "Tizanidine", (60, 90)), 3),
    (("Zanaflex 4mg", "muscle-relaxant", "muscle", "Muscle relaxants (for pain)", "Tizanidine", (60,)), 1),
    (("Soma 350mg", "muscle-relaxant", "soma", "Carisoprodol (Soma)", "Carisoprodol", (30, 60, 90)), 2),
    (("Carisoprodol 350mg", "muscle-relaxant", "soma", "Carisoprodol (Soma)", "Carisoprodol", (60,)), 1),
    (("Baclofen 10mg", "muscle-relaxant", "muscle", "Muscle relaxants (for pain)", "Baclofen", (60, 90)), 2),
    (("Lidoderm 5% patches", "topical-compound", "lidoderm", "Lidoderm (lidocaine patch)", "Lidocaine", (30, 60)), 4),
    (("Lidocaine 5% patch", "topical-compound", "lidoderm", "Lidoderm (lidocaine patch)", "Lidocaine", (30,)), 2),
    (
        (
            "Flurbiprofen 20%/Cyclobenzaprine 4%/Lidocaine 5% cream",
            "topical-compound",
            "topical",
            "Compound creams",
            "Flurbiprofen",
            (),
        ),
        3,
    ),
    (
        (
            "Compound cream of flurbiprofen, cyclobenzaprine and lidocaine",
            "topical-compound",
            "topical",
            "Compound creams",
            "Flurbiprofen",
            (),
        ),
        1,
    ),
    (("Terocin patches", "topical-compound", "topical", "Topical analgesics", "Menthol and lidocaine", (10, 20, 30)), 2),
    (("Terocin lotion", "topical-compound", "topical", "Topical analgesics", "Menthol and lidocaine", ()), 1),
    (("Ketoprofen 10% cream", "topical-compound", "topical", "Topical analgesics", "Ketoprofen", ()), 1),
    (("Lidopro ointment 121 grams", "topical-compound", "topical", "Topical analgesics", "Lidocaine", ()), 1),
    (("Menthoderm gel 120ml", "topical-compound", "topical", "Topical analgesics", "Salicylate topicals", ()), 1),
    (("Synapryn 10mg/ml oral suspension 500ml", "opioid", "tramadol", "Tramadol (Ultram)", "Tramadol", ()), 1),
    (
        (
            "Tabradol 1mg/ml oral suspension 250ml",
            "muscle-relaxant",
            "cyclo",
            "Muscle relaxants (for pain)",
            "Cyclobenzaprine",
            (),
        ),
        1,
    ),
    (("Gabapentin 600mg", "anticonvulsant", "gaba", "Anti-epilepsy drugs (AEDs) for pain", "Gabapentin", (60, 90)), 4),
    (("Neurontin 300mg", "anticonvulsant", "gaba", "Anti-epilepsy drugs (AEDs) for pain", "Gabapentin", (90,)), 1),
    (("Lyrica 75mg", "anticonvulsant", "aed", "Pregabalin (Lyrica)", "Pregabalin", (60,)), 2),
    (("Omeprazole 20mg", "proton-pump-inhibitor", "ppi", "Proton pump inhibitors (PPIs)", "Omeprazole", (30, 60)), 5),
    (("Prilosec 20mg", "proton-pump-inhibitor", "ppi", "Proton pump inhibitors (PPIs)", "Omeprazole", (30, 60)), 1),
    (("Pantoprazole 40mg", "proton-pump-inhibitor", "ppi", "Proton pump inhibitors (PPIs)", "Pantoprazole", (30, 60)), 2),
    (("Ambien 10mg", "sleep-aid", "antidep", "Zolpidem (Ambien)", "Zolpidem", (30,)), 2),
    (("Zolpidem 10mg", "sleep-aid", "antidep", "Zolpidem (Ambien)", "Zolpidem", (30,)), 1),
    (("Cymbalta 60mg", "antidepressant", "antidep", "Duloxetine (Cymbalta)", "Duloxetine", (30, 60)), 2),
    (("Duloxetine 30mg", "antidepressant", "antidep", "Duloxetine (Cymbalta)", "Duloxetine", (30,)), 1),
    (("Amitriptyline 25mg", "antidepressant", "antidep", "Antidepressants for chronic pain", "Amitriptyline", (30,)), 1),
)
_DRUG_CUM = tuple(accumulate(w for _, w in DRUGS))
_DRUG_TOTAL = _DRUG_CUM[-1]
SIGS = ("one by mouth twice a day", "one tablet every 8 hours as needed", "one at bedtime", "1 tab PO BID")


def _drug_guide(sub: str, topic_key: str, odg: str, generic: str) -> Guide:
    if sub == "opioid":
        mtus: tuple[MtusRef, ...] = (
            MtusRef("op", "3.3 Opioids for Chronic Pain and Chronic Opioid Treatment: Maintenance of Chronic Opioid Treatment"),
        )
        if topic_key == "tramadol":
            mtus = (MtusRef("cp", "tramadol"),)
    elif sub == "sleep-aid":
        mtus = (MtusRef("cp", ""),)
    else:
        mtus = (MtusRef("cp", topic_key),)
    return Guide(mtus, "Pain (Chronic)", odg, generic, "drug")


def build_medication(rng: random.Random, ctx: Ctx) -> Req:
    """A prescription: "Norco 10/325mg #60", "Omeprazole 20mg", "Soma 350mg, one at bedtime #30"."""
    x = rng.random() * _DRUG_TOTAL
    i = 0
    while _DRUG_CUM[i] < x:
        i += 1
    name, sub, topic_key, odg, generic, counts = DRUGS[i][0]
    guide = _drug_guide(sub, topic_key, odg, generic)
    key = sub
    if not counts or rng.random() < 0.25:
        return Req(name, "medication", sub, None, guide, key)
    n = pick(rng, counts)
    # A few prescriptions spell out the directions before the count.
    text = f"{name}, {pick(rng, SIGS)} #{n}" if rng.random() < 0.08 else f"{name} #{n}"
    return Req(text, "medication", sub, n, guide, key, f"{name} #{{n}}")


# ---------------------------------------------------------------------------------------------
# Therapies


def _acoem_ref(ctx: Ctx, section: str) -> MtusRef:
    return MtusRef(ctx.region.acoem_part, section)


def build_physical_therapy(rng: random.Random, ctx: Ctx) -> Req:
    """Physical therapy, additional or post-operative, in the real quantity forms."""
    noun = pick(
        rng,
        (
            "physical therapy",
            "physical therapy",
            "additional physical therapy",
            "post-operative physical therapy",
            "aquatic therapy",
        ),
    )
    text, n, template = therapy_text(rng, noun, ctx.place)
    if noun == "aquatic therapy":
        guide = Guide((MtusRef("cp", "aquatic"),), "Low Back", "Aquatic therapy")
        return Req(text, "physical-therapy", "aquatic", n, guide, "pt", template)
    if noun.startswith("post"):
        guide = Guide((MtusRef("ps", cap(ctx.region.key)),), ctx.region.odg_chapter, "Physical therapy")
        return Req(text, "physical-therapy", "post-operative", n, guide, "pt-post", template)
    refs = (MtusRef("cp", "pm"),) if rng.random() < 0.7 else (_acoem_ref(ctx, "Physical Methods"), MtusRef("cp", "pm"))
    return Req(text, "physical-therapy", "therapy", n, Guide(refs, ctx.region.odg_chapter, "Physical therapy"), "pt", template)


def build_occupational_therapy(rng: random.Random, ctx: Ctx) -> Req:
    """Occupational or hand therapy."""
    place = ctx.place if ctx.region.limbs == "upper" and ctx.region.sided else "right hand"
    text, n, template = therapy_text(rng, "occupational therapy", place)
    guide = Guide((MtusRef("cp", "pm"),), "Forearm, Wrist & Hand", "Physical/Occupational therapy")
    return Req(text, "occupational-therapy", "therapy", n, guide, "pt", template)


def build_chiropractic(rng: random.Random, ctx: Ctx) -> Req:
    """Chiropractic care or manipulation."""
    noun = pick(rng, ("chiropractic treatment", "chiropractic care", "chiropractic manipulation", "chiropractic therapy"))
    text, n, template = therapy_text(rng, noun, ctx.place)
    guide = Guide((MtusRef("cp", "manual"),), ctx.region.odg_chapter, "Manipulation")
    return Req(text, "chiropractic", "manipulation", n, guide, "chiro", template)


def build_acupuncture(rng: random.Random, ctx: Ctx) -> Req:
    """Acupuncture or electro-acupuncture."""
    noun = pick(rng, ("acupuncture", "acupuncture", "acupuncture", "electro-acupuncture", "additional acupuncture"))
    text, n, template = therapy_text(rng, noun, ctx.place)
    refs = (MtusRef("acu", ""),)
    sub = "electro-acupuncture" if noun.startswith("electro") else "acupuncture"
    guide = Guide(refs, "Pain (Chronic)", "Acupuncture", combined=_combined_with_spine(ctx, refs[0]))
    return Req(text, "acupuncture", sub, n, guide, "acupuncture", template)


def _combined_with_spine(ctx: Ctx, last: MtusRef) -> tuple[MtusRef, ...]:
    """The region's ACOEM chapter, the other spine chapter, then `last`: three parts on one line."""
    first = ctx.region.acoem_part
    second = "lb" if first != "lb" else "neck"
    chapters = sorted((first, second), key=lambda part: PARTS[part].chapter or 0)
    return (MtusRef(chapters[0], ""), MtusRef(chapters[1], ""), last)


# ---------------------------------------------------------------------------------------------
# Diagnostics

IMAGING: tuple[tuple[str, str, str], ...] = (
    # (form with {p}=place, subcategory, ODG topic)
    ("MRI of the {p}", "mri", "MRIs (magnetic resonance imaging)"),
    ("MRI of the {p} without contrast", "mri", "MRIs (magnetic resonance imaging)"),
    ("MRI of the {p} with and without contrast", "mri", "MRIs (magnetic resonance imaging)"),
    ("{P} MRI without contrast", "mri", "MRIs (magnetic resonance imaging)"),
    ("Open MRI of the {p}", "mri", "MRIs (magnetic resonance imaging)"),
    ("MRI (magnetic resonance imaging) of the {p}", "mri", "MRIs (magnetic resonance imaging)"),
    ("X-rays of the {p}", "x-ray", "Radiography (x-rays)"),
    ("X-ray of the {p}", "x-ray", "Radiography (x-rays)"),
    ("{P} x-rays", "x-ray", "Radiography (x-rays)"),
    ("CT scan of the {p}", "ct", "Computed tomography (CT)"),
    ("CT of the {p} without contrast", "ct", "Computed tomography (CT)"),
)


def build_imaging(rng: random.Random, ctx: Ctx) -> Req:
    """MRI, X-ray or CT of the region."""
    form, sub, odg = pick(rng, IMAGING)
    text = form.format(p=ctx.place, P=cap(ctx.place))
    topic = f"{sub.upper()} of the {ctx.region.names[0]}"
    guide = Guide((_acoem_ref(ctx, "Special Studies"),), ctx.region.odg_chapter, odg, topic)
    return Req(text, "imaging", sub, None, guide, "imaging")


def build_electrodiagnostic(rng: random.Random, ctx: Ctx) -> Req:
    """EMG and/or nerve conduction studies of the limbs that go with the region."""
    limbs = ctx.region.limbs
    side = ctx.side if ctx.side in ("right", "left") else pick(rng, ("right", "left"))
    form = int(rng.random() * 6)
    if form <= 1:
        text = f"EMG/NCV of the bilateral {limbs} extremities"
    elif form == 2:
        text = f"EMG of the {side} {limbs} extremity"
    elif form == 3:
        text = f"NCV of the bilateral {limbs} extremities"
    elif form == 4:
        text = f"Nerve conduction study of the {side} {limbs} extremity"
    else:
        text = f"Electromyography (EMG) of the bilateral {limbs} extremities"
    refs = (_acoem_ref(ctx, "Special Studies"),)
    return Req(
        text, "electrodiagnostic", "emg-ncs", None, Guide(refs, ctx.region.odg_chapter, "Electrodiagnostic studies (EDS)"), "emg"
    )


LABS: tuple[tuple[str, str], ...] = (
    ("Urine drug screen", "drug-screen"),
    ("Urine toxicology screen", "drug-screen"),
    ("Random urine drug testing", "drug-screen"),
    ("Complete blood count (CBC)", "blood-urine"),
    ("Comprehensive metabolic panel", "blood-urine"),
    ("Liver and kidney function blood tests", "blood-urine"),
)


def build_lab(rng: random.Random, ctx: Ctx) -> Req:
    """A laboratory test, most often a urine drug screen."""
    text, sub = pick(rng, LABS)
    guide = Guide((MtusRef("cp", "uds"),), "Pain (Chronic)", "Urine drug testing (UDT)", "Laboratory monitoring")
    return Req(text, "lab-test", sub, None, guide, "lab")


# ---------------------------------------------------------------------------------------------
# Injections, by region: (form with {s}=side/{p}=place, subcategory, CP topic or "", ODG topic)

INJECTIONS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "lumbar": (
        ("Lumbar epidural steroid injection at L4-L5", "epidural-steroid", "esi", "Epidural steroid injections (ESIs)"),
        (
            "Right L5-S1 transforaminal epidural steroid injection",
            "epidural-steroid",
            "esi",
            "Epidural steroid injections (ESIs)",
        ),
        (
            "Bilateral L4-5 transforaminal epidural steroid injection under fluoroscopy",
            "epidural-steroid",
            "esi",
            "Epidural steroid injections (ESIs)",
        ),
        ("Caudal epidural steroid injection", "epidural-steroid", "esi", "Epidural steroid injections (ESIs)"),
        ("Bilateral L4-L5 and L5-S1 medial branch blocks", "facet", "", "Facet joint diagnostic blocks (injections)"),
        ("Lumbar facet joint injections at L3-4 and L4-5", "facet", "", "Facet joint intra-articular injections"),
        ("Trigger point injections to the lumbar paraspinal muscles", "trigger-point", "tpi", "Trigger point injections"),
    ),
    "cervical": (
        ("Cervical epidural steroid injection at C5-C6", "epidural-steroid", "esi", "Epidural steroid injection (ESIs)"),
        ("C6-7 interlaminar epidural steroid injection", "epidural-steroid", "esi", "Epidural steroid injection (ESIs)"),
        ("Right C4-5 and C5-6 medial branch blocks", "facet", "", "Facet joint diagnostic blocks"),
        ("Trigger point injections to the upper trapezius", "trigger-point", "tpi", "Trigger point injections"),
    ),
    "shoulder": (
        ("Subacromial corticosteroid injection to the {s} shoulder", "joint", "", "Steroid injections"),
        ("Cortisone injection to the {s} shoulder", "joint", "", "Steroid injections"),
        ("Platelet-rich plasma injection to the {p}", "prp", "", "Platelet-rich plasma (PRP)"),
    ),
    "knee": (
        ("Corticosteroid injection to the {s} knee", "joint", "", "Corticosteroid injections"),
        ("Synvisc-One injection to the {s} knee", "joint", "", "Hyaluronic acid injections"),
        ("Platelet-rich plasma injection to the {p}", "prp", "", "Platelet-rich plasma (PRP)"),
        ("PRP injection to the {p}", "prp", "", "Platelet-rich plasma (PRP)"),
    ),
    "wrist": (
        ("Corticosteroid injection to the {s} carpal tunnel", "other-injection", "", "Injections"),
        ("Steroid injection to the {s} first dorsal compartment", "joint", "", "Injections"),
    ),
    "elbow": (
        ("Corticosteroid injection to the {s} lateral epicondyle", "other-injection", "", "Injections (corticosteroid)"),
        ("Platelet-rich plasma injection to the {p}", "prp", "", "Platelet-rich plasma (PRP)"),
    ),
    "ankle": (
        ("Corticosteroid injection to the {s} plantar fascia", "other-injection", "", "Injections (corticosteroid)"),
        ("Platelet-rich plasma injection to the {p}", "prp", "", "Platelet-rich plasma (PRP)"),
    ),
}


def build_injection(rng: random.Random, ctx: Ctx) -> Req:
    """An injection suited to the region."""
    options = INJECTIONS[ctx.region.key]
    form, sub, cp_topic, odg = pick(rng, options)
    text = cap(form.format(s=ctx.side or "right", p=ctx.place))
    ref = MtusRef("cp", cp_topic) if cp_topic else _acoem_ref(ctx, "Initial Care" if sub != "facet" else "Physical Methods")
    return Req(text, "injection", sub, None, Guide((ref,), ctx.region.odg_chapter, odg), "injection")


# ---------------------------------------------------------------------------------------------
# Durable medical equipment: (form, subcategory, ODG topic, CP topic or "")

DME_ANY: tuple[tuple[str, str, str, str], ...] = (
    ("TENS unit", "tens", "TENS (transcutaneous electrical nerve stimulation)", "tens"),
    ("TENS unit, 30 day rental", "tens", "TENS (transcutaneous electrical nerve stimulation)", "tens"),
    ("Purchase of a TENS unit with supplies", "tens", "TENS (transcutaneous electrical nerve stimulation)", "tens"),
    ("Interferential stimulator unit", "tens", "Interferential current stimulation (ICS)", "tens"),
    ("Cold therapy unit", "cold-therapy", "Continuous-flow cryotherapy", ""),
    ("Hot/cold therapy unit rental", "cold-therapy", "Cold/heat packs", ""),
    ("Home exercise kit", "other-dme", "Exercise equipment", ""),
    ("Home exercise kit for the {p}", "other-dme", "Exercise equipment", ""),
)
BRACES: dict[str, tuple[str, ...]] = {
    "lumbar": ("Lumbar support brace", "LSO back brace", "Lumbar brace"),
    "cervical": ("Soft cervical collar", "Cervical collar"),
    "shoulder": ("Shoulder sling with abduction pillow",),
    "knee": ("Hinged knee brace for the {p}", "Knee brace"),
    "wrist": ("Wrist splint for the {p}", "Night wrist brace"),
    "elbow": ("Elbow brace", "Counterforce elbow brace"),
    "ankle": ("Ankle brace", "Ankle stirrup splint"),
}


def build_dme(rng: random.Random, ctx: Ctx) -> Req:
    """A TENS unit, brace, cold therapy unit or exercise kit."""
    if rng.random() < 0.3:
        options = BRACES[ctx.region.key]
        text = cap(pick(rng, options).format(p=ctx.place))
        guide = Guide((_acoem_ref(ctx, "Physical Methods"),), ctx.region.odg_chapter, "Braces")
        return Req(text, "dme", "brace", None, guide, "dme")
    form, sub, odg, cp_topic = pick(rng, DME_ANY)
    text = form.format(p=ctx.place)
    ref = MtusRef("cp", cp_topic) if cp_topic else _acoem_ref(ctx, "Physical Methods")
    key = "tens" if sub == "tens" else "dme"
    return Req(text, "dme", sub, None, Guide((ref,), ctx.region.odg_chapter, odg), key)


# ---------------------------------------------------------------------------------------------
# Surgery: (form, subcategory, ODG topic)

SURGERIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "lumbar": (
        ("L4-L5 posterior lumbar interbody fusion", "spine", "Fusion (spinal)"),
        ("Lumbar fusion at L4-S1", "spine", "Fusion (spinal)"),
        ("L5-S1 microdiscectomy", "spine", "Discectomy/laminectomy"),
        ("Lumbar laminectomy at L4-5", "spine", "Discectomy/laminectomy"),
    ),
    "cervical": (
        ("Anterior cervical discectomy and fusion at C5-C6", "spine", "Fusion, anterior cervical"),
        ("C5-6 and C6-7 anterior cervical discectomy and fusion", "spine", "Fusion, anterior cervical"),
    ),
    "shoulder": (
        ("{S} shoulder arthroscopy with subacromial decompression", "shoulder", "Surgery for impingement syndrome"),
        ("{S} shoulder rotator cuff repair", "shoulder", "Surgery for rotator cuff repair"),
        ("Arthroscopic rotator cuff repair of the {p}", "shoulder", "Surgery for rotator cuff repair"),
    ),
    "knee": (
        ("{S} knee arthroscopy with partial medial meniscectomy", "knee", "Meniscectomy"),
        ("{S} total knee arthroplasty", "knee", "Knee joint replacement"),
        ("{S} knee arthroscopy with chondroplasty", "knee", "Chondroplasty"),
    ),
    "wrist": (
        ("{S} carpal tunnel release", "hand", "Carpal tunnel release surgery (CTR)"),
        ("{S} endoscopic carpal tunnel release", "hand", "Carpal tunnel release surgery (CTR)"),
        ("{S} trigger finger release", "hand", "Percutaneous release (of the trigger finger)"),
    ),
    "elbow": (("{S} elbow lateral epicondylar release", "elbow", "Surgery for epicondylitis"),),
    "ankle": (("{S} ankle arthroscopy with debridement", "foot-ankle", "Arthroscopy"),),
}


def build_surgery(rng: random.Random, ctx: Ctx) -> Req:
    """An operation suited to the region."""
    options = SURGERIES[ctx.region.key]
    form, sub, odg = pick(rng, options)
    side = ctx.side if ctx.side else "right"
    text = form.format(P=cap(ctx.place), p=ctx.place, S=cap(side))
    guide = Guide((_acoem_ref(ctx, "Surgical Considerations"),), ctx.region.odg_chapter, odg)
    return Req(text, "surgery", sub, None, guide, "surgery")


# ---------------------------------------------------------------------------------------------
# Programs and services


def build_psychological(rng: random.Random, ctx: Ctx) -> Req:
    """Cognitive behavioral therapy, psychotherapy, biofeedback or a psychological evaluation."""
    r = rng.random()
    odg_chapter = "Mental Illness & Stress"
    if r < 0.3:
        text = pick(rng, ("Psychological evaluation", "Psychological consultation and testing", "Psychiatric evaluation"))
        guide = Guide((MtusRef("cp", "psych-eval"),), odg_chapter, "Psychological evaluations")
        return Req(text, "psychological", "evaluation", None, guide, "psych")
    noun = pick(rng, ("cognitive behavioral therapy", "psychotherapy", "biofeedback", "cognitive behavioral therapy"))
    text, n, template = therapy_text(rng, noun, "")
    topic = "cbt" if noun != "psychotherapy" else "psych"
    guide = Guide((MtusRef("cp", topic),), odg_chapter, "Cognitive therapy for depression")
    return Req(text, "psychological", "therapy", n, guide, "psych", template)


def build_functional_restoration(rng: random.Random, ctx: Ctx) -> Req:
    """A functional restoration program or its evaluation."""
    text = pick(
        rng,
        (
            "Functional restoration program",
            "Functional restoration program evaluation",
            "Initial evaluation for a functional restoration program",
            "Multidisciplinary functional restoration program",
        ),
    )
    guide = Guide((MtusRef("cp", "frp"),), "Pain (Chronic)", "Functional restoration programs (FRPs)")
    return Req(text, "functional-restoration", "program", None, guide, "frp")


def build_home_health(rng: random.Random, ctx: Ctx) -> Req:
    """Home health services."""
    if rng.random() < 0.3:
        n = pick(rng, (4, 6, 8))
        text = f"Home health nursing visits x{n}"
        return Req(text, "home-health", "home-care", n, _home_guide(), "home-health", "Home health nursing visits x{n}")
    text = pick(rng, ("Home health care assistance", "Home health aide services", "Home health services"))
    return Req(text, "home-health", "home-care", None, _home_guide(), "home-health")


def _home_guide() -> Guide:
    return Guide((MtusRef("cp", "home-health"),), "Low Back", "Home health services")


def build_evaluation(rng: random.Random, ctx: Ctx) -> Req:
    """Office visits, consultations and referrals."""
    text = pick(
        rng,
        (
            "Follow-up visit with the treating physician",
            "Consultation with an orthopedic surgeon",
            "Referral to a pain management specialist",
            "Consultation with a spine surgeon",
            "Neurology consultation",
            "Internal medicine consultation",
            "Follow-up office visit",
            "Functional capacity evaluation",
            "Pain management consultation",
        ),
    )
    if text == "Functional capacity evaluation":
        guide = Guide(
            (MtusRef("ga", "Cornerstones of Disability Prevention and Management"),),
            "Fitness for Duty",
            "Functional capacity evaluation (FCE)",
        )
        return Req(text, "evaluation", "functional-capacity", None, guide, "evaluation")
    guide = Guide((MtusRef("ga", "General Approach to Initial Assessment and Documentation"),), "Pain (Chronic)", "Office visits")
    sub = "office-visit" if text.startswith(("Follow", "Office")) else "consultation"
    return Req(text, "evaluation", sub, None, guide, "evaluation")


def build_transportation(rng: random.Random, ctx: Ctx) -> Req:
    """Rides to medical appointments."""
    text = pick(rng, ("Transportation to and from medical appointments", "Round-trip transportation to medical appointments"))
    guide = Guide((MtusRef("ga", "Initial Approaches to Treatment"),), "Knee & Leg", "Transportation (to & from appointments)")
    return Req(text, "transportation", "transportation", None, guide, "transportation")


def build_other(rng: random.Random, ctx: Ctx) -> Req:
    """Requests outside the usual categories."""
    text = pick(
        rng,
        (
            "Gym membership",
            f"Extracorporeal shockwave therapy to the {ctx.place}",
            "Weight loss program",
            "Six month gym membership with pool access",
        ),
    )
    guide = Guide((MtusRef("cp", "pm"),), ctx.region.odg_chapter, OTHER_ODG[text.split(" ", 1)[0]])
    category, sub = OTHER_CATEGORY[text.split(" ", 1)[0]]
    return Req(text, category, sub, None, guide, "other")


OTHER_ODG = {
    "Gym": "Gym memberships",
    "Six": "Gym memberships",
    "Extracorporeal": "Extracorporeal shock wave therapy (ESWT)",
    "Weight": "Weight reduction programs",
}
OTHER_CATEGORY = {
    "Gym": ("functional-restoration", "gym"),
    "Six": ("functional-restoration", "gym"),
    "Extracorporeal": ("physical-therapy", "modality"),
    "Weight": ("other", "other"),
}


Builder = Callable[[random.Random, Ctx], Req]

# Share of items by category, after the state's published figures (formats.md).
BUILDERS: tuple[tuple[Builder, float], ...] = (
    (build_medication, 40.0),
    (build_physical_therapy, 10.0),
    (build_imaging, 9.0),
    (build_injection, 7.0),
    (build_acupuncture, 6.0),
    (build_dme, 6.0),
    (build_chiropractic, 4.0),
    (build_electrodiagnostic, 4.0),
    (build_surgery, 4.0),
    (build_evaluation, 4.0),
    (build_psychological, 2.5),
    (build_occupational_therapy, 2.0),
    (build_lab, 2.0),
    (build_functional_restoration, 1.5),
    (build_home_health, 1.0),
    (build_other, 1.0),
    (build_transportation, 0.6),
)
BUILDER_FUNCS: tuple[Builder, ...] = tuple(b for b, _ in BUILDERS)
BUILDER_CUM: tuple[float, ...] = tuple(accumulate(w for _, w in BUILDERS))

# Chance that a request in the category is overturned (about 10% overall).
OVERTURN_RATE: dict[str, float] = {
    "medication": 0.09,
    "acupuncture": 0.07,
    "imaging": 0.14,
    "surgery": 0.13,
    "evaluation": 0.15,
    "physical-therapy": 0.1,
}
