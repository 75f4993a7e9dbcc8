"""Drugs named in a request: their generic ingredients and their class.

Two dictionaries, read in this order:

1. The project's own reviewed tables below: the generic names of the drugs workers' comp
   requests name, with their class, and the brands, combination products, compounded
   topicals and oral suspension kits, each with where its ingredients come from. They cover
   the products the general dictionary misses (Norco, Percocet, Soma, Terocin, the kits...)
   and are all a typical request needs, so a typical parse never loads (2).
2. The general dictionary of the `drug-named-entity-recognition` package (DrugBank and MeSH
   names with brand flags), read only for a medication request in which (1) finds no drug.
   Its names are read once per process, on first use, from a cache built from its data file
   (see general_dictionary). The package is never imported: its import builds a fuzzy-match
   index and imports `requests`, some 6 s.

A medication is classed by its pharmacology (../shared/imr-letters/README.md): the class of
its strongest ingredient (an opioid over the acetaminophen in Norco), a topical form of any
drug is a topical compound (except a transdermal opioid, which acts on the whole body), and an
oral suspension kit takes its active drug's class.
"""

from __future__ import annotations

import bz2
import importlib.metadata
import importlib.resources
import json
import os
import pickle
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# ------------------------------------------------------------------ generic names and classes

_CLASS_MEMBERS: dict[str, tuple[str, ...]] = {
    "opioid": (
        "hydrocodone", "oxycodone", "tramadol", "tapentadol", "morphine", "hydromorphone", "oxymorphone",
        "fentanyl", "methadone", "buprenorphine", "codeine", "dihydrocodeine", "meperidine", "levorphanol",
        "pentazocine", "butorphanol",
    ),
    "nsaid": (
        "naproxen", "ibuprofen", "celecoxib", "diclofenac", "meloxicam", "etodolac", "nabumetone", "ketorolac",
        "indomethacin", "piroxicam", "fenoprofen", "ketoprofen", "flurbiprofen", "oxaprozin", "sulindac",
        "diflunisal", "salsalate", "aspirin", "mefenamic acid", "tolmetin",
    ),
    "muscle-relaxant": (
        "cyclobenzaprine", "baclofen", "tizanidine", "methocarbamol", "carisoprodol", "orphenadrine",
        "chlorzoxazone", "metaxalone", "dantrolene",
    ),
    "anticonvulsant": (
        "gabapentin", "pregabalin", "topiramate", "carbamazepine", "oxcarbazepine", "lamotrigine",
        "levetiracetam", "divalproex", "valproate", "zonisamide", "phenytoin", "lacosamide",
    ),
    "antidepressant": (
        "duloxetine", "amitriptyline", "nortriptyline", "trazodone", "sertraline", "fluoxetine", "venlafaxine",
        "desvenlafaxine", "bupropion", "citalopram", "escitalopram", "paroxetine", "milnacipran", "mirtazapine",
        "doxepin", "imipramine", "desipramine", "vilazodone", "vortioxetine",
    ),
    "sleep-aid": (
        "zolpidem", "eszopiclone", "zaleplon", "temazepam", "suvorexant", "ramelteon", "melatonin",
        "diphenhydramine", "doxylamine", "triazolam", "flurazepam",
    ),
    "proton-pump-inhibitor": (
        "omeprazole", "esomeprazole", "pantoprazole", "lansoprazole", "dexlansoprazole", "rabeprazole",
        "ranitidine", "famotidine", "cimetidine", "nizatidine", "sucralfate", "misoprostol",
    ),
    # Known drugs of no class above: named here so that no dictionary load is needed for them.
    "other-drug": (
        "acetaminophen", "caffeine", "butalbital", "sildenafil", "tadalafil", "alprazolam", "diazepam",
        "clonazepam", "lorazepam", "prednisone", "methylprednisolone", "dexamethasone", "ondansetron",
        "promethazine", "docusate", "sennosides", "cephalexin", "sumatriptan", "rizatriptan", "lisinopril",
        "metformin", "testosterone", "naloxone", "naltrexone", "lubiprostone", "methylnaltrexone",
        "naloxegol", "modafinil", "armodafinil", "hydroxyzine", "clonidine", "ketamine", "glucosamine",
        "chondroitin", "methylsulfonylmethane", "lidocaine", "prilocaine", "bupivacaine", "capsaicin",
        "menthol", "methyl salicylate", "camphor", "hyaluronic acid",
    ),
}  # fmt: skip
DRUG_CLASSES: dict[str, str] = {name: cls for cls, names in _CLASS_MEMBERS.items() for name in names}

# When a product combines several classes, the first here names it (Norco is an opioid).
CLASS_ORDER = (
    "opioid", "muscle-relaxant", "anticonvulsant", "antidepressant", "sleep-aid", "nsaid",
    "proton-pump-inhibitor", "other-drug",
)  # fmt: skip
BENZODIAZEPINES = frozenset({"alprazolam", "diazepam", "clonazepam", "lorazepam"})
# Applied to the skin, these act only where applied whatever the form words say.
TOPICAL_ONLY = frozenset({"lidocaine", "prilocaine", "capsaicin", "menthol", "methyl salicylate", "camphor"})
# Patches of these act on the whole body: classed by the drug, not as a topical.
SYSTEMIC_TRANSDERMAL = frozenset({"buprenorphine", "fentanyl", "testosterone", "clonidine"})

# Other spellings of a generic name as requests write them.
GENERIC_SPELLINGS: dict[str, str] = {
    "apap": "acetaminophen",
    "paracetamol": "acetaminophen",
    "hydrocodone bitartrate": "hydrocodone",
    "valproic acid": "valproate",
    "msm": "methylsulfonylmethane",
    "methyl salicylates": "methyl salicylate",
    "cyclobenzaprine hydrochloride": "cyclobenzaprine",
    "gabapentin enacarbil": "gabapentin",
    "senna": "sennosides",
}

# ------------------------------------------------------------------ the project's product table

DAILYMED = "DailyMed label"
NDC = "FDA NDC Directory"


@dataclass(frozen=True)
class Product:
    """A brand or named product: its generic ingredients and where they were read."""

    ingredients: tuple[str, ...]
    source: str
    form: str = ""  # "topical" or "oral-suspension" where the product's name implies the form
    drug_class: str | None = None  # only where the class is not the ingredients' (medical foods, Silenor)


def _p(ingredients: str, source: str = DAILYMED, form: str = "", drug_class: str | None = None) -> Product:
    return Product(tuple(name.strip() for name in ingredients.split(",") if name.strip()), source, form, drug_class)


MEDICAL_FOOD = "medical-food"
TOPICAL = "topical"
KIT = "oral-suspension"
KIT_SOURCE = "FDA NDC Directory (compounding kit listing)"
FOOD_SOURCE = "manufacturer's product label (medical food: no drug ingredients)"

PRODUCTS: dict[str, Product] = {
    # Opioids
    "norco": _p("hydrocodone, acetaminophen"),
    "vicodin": _p("hydrocodone, acetaminophen"),
    "lortab": _p("hydrocodone, acetaminophen"),
    "lorcet": _p("hydrocodone, acetaminophen"),
    "xodol": _p("hydrocodone, acetaminophen"),
    "hysingla": _p("hydrocodone"),
    "zohydro": _p("hydrocodone"),
    "percocet": _p("oxycodone, acetaminophen"),
    "endocet": _p("oxycodone, acetaminophen"),
    "roxicet": _p("oxycodone, acetaminophen"),
    "oxycontin": _p("oxycodone"),
    "roxicodone": _p("oxycodone"),
    "xtampza": _p("oxycodone"),
    "ultram": _p("tramadol"),
    "conzip": _p("tramadol"),
    "ultracet": _p("tramadol, acetaminophen"),
    "nucynta": _p("tapentadol"),
    "ms contin": _p("morphine"),
    "kadian": _p("morphine"),
    "avinza": _p("morphine"),
    "dilaudid": _p("hydromorphone"),
    "exalgo": _p("hydromorphone"),
    "opana": _p("oxymorphone"),
    "duragesic": _p("fentanyl"),
    "butrans": _p("buprenorphine"),
    "belbuca": _p("buprenorphine"),
    "subutex": _p("buprenorphine"),
    "suboxone": _p("buprenorphine, naloxone"),
    "zubsolv": _p("buprenorphine, naloxone"),
    "tylenol #3": _p("acetaminophen, codeine"),
    "tylenol #4": _p("acetaminophen, codeine"),
    "tylenol with codeine": _p("acetaminophen, codeine"),
    "trezix": _p("acetaminophen, caffeine, dihydrocodeine"),
    "demerol": _p("meperidine"),
    # NSAIDs (a gel or patch form makes any of them a topical)
    "anaprox": _p("naproxen"),
    "naprosyn": _p("naproxen"),
    "naprelan": _p("naproxen"),
    "motrin": _p("ibuprofen"),
    "advil": _p("ibuprofen"),
    "celebrex": _p("celecoxib"),
    "voltaren": _p("diclofenac"),
    "zorvolex": _p("diclofenac"),
    "arthrotec": _p("diclofenac, misoprostol"),
    "mobic": _p("meloxicam"),
    "lodine": _p("etodolac"),
    "relafen": _p("nabumetone"),
    "toradol": _p("ketorolac"),
    "indocin": _p("indomethacin"),
    "feldene": _p("piroxicam"),
    "nalfon": _p("fenoprofen"),
    "daypro": _p("oxaprozin"),
    "duexis": _p("ibuprofen, famotidine"),
    "vimovo": _p("naproxen, esomeprazole"),
    # Muscle relaxants
    "flexeril": _p("cyclobenzaprine"),
    "fexmid": _p("cyclobenzaprine"),
    "amrix": _p("cyclobenzaprine"),
    "zanaflex": _p("tizanidine"),
    "robaxin": _p("methocarbamol"),
    "soma": _p("carisoprodol"),
    "norflex": _p("orphenadrine"),
    "lorzone": _p("chlorzoxazone"),
    "parafon forte": _p("chlorzoxazone"),
    "skelaxin": _p("metaxalone"),
    "lioresal": _p("baclofen"),
    # Topicals, branded and compounded
    "lidoderm": _p("lidocaine", form=TOPICAL),
    "flector": _p("diclofenac", form=TOPICAL),
    "pennsaid": _p("diclofenac", form=TOPICAL),
    "terocin": _p("methyl salicylate, capsaicin, menthol, lidocaine", form=TOPICAL),  # the lotion
    "terocin patch": _p("lidocaine, menthol", form=TOPICAL),
    "terocin patches": _p("lidocaine, menthol", form=TOPICAL),
    "lidopro": _p("capsaicin, lidocaine, menthol, methyl salicylate", form=TOPICAL),
    "menthoderm": _p("methyl salicylate, menthol", form=TOPICAL),
    "medrox": _p("methyl salicylate, menthol, capsaicin", form=TOPICAL),  # the ointment
    "medrox patch": _p("menthol, capsaicin", form=TOPICAL),
    "dendracin": _p("methyl salicylate, menthol, capsaicin", form=TOPICAL),
    "cyclophene": _p("cyclobenzaprine", NDC, form=TOPICAL),
    "ketophene": _p("ketoprofen", NDC, form=TOPICAL),
    "biofreeze": _p("menthol", form=TOPICAL),
    "bengay": _p("methyl salicylate, menthol", form=TOPICAL),
    "icy hot": _p("methyl salicylate, menthol", form=TOPICAL),
    "salonpas": _p("methyl salicylate, menthol, camphor", form=TOPICAL),
    "zostrix": _p("capsaicin", form=TOPICAL),
    "qutenza": _p("capsaicin", form=TOPICAL),
    # Anticonvulsants
    "neurontin": _p("gabapentin"),
    "gralise": _p("gabapentin"),
    "horizant": _p("gabapentin"),
    "lyrica": _p("pregabalin"),
    "topamax": _p("topiramate"),
    "tegretol": _p("carbamazepine"),
    "trileptal": _p("oxcarbazepine"),
    "lamictal": _p("lamotrigine"),
    "keppra": _p("levetiracetam"),
    "depakote": _p("divalproex"),
    # Antidepressants
    "cymbalta": _p("duloxetine"),
    "elavil": _p("amitriptyline"),
    "pamelor": _p("nortriptyline"),
    "desyrel": _p("trazodone"),
    "zoloft": _p("sertraline"),
    "prozac": _p("fluoxetine"),
    "effexor": _p("venlafaxine"),
    "pristiq": _p("desvenlafaxine"),
    "wellbutrin": _p("bupropion"),
    "celexa": _p("citalopram"),
    "lexapro": _p("escitalopram"),
    "paxil": _p("paroxetine"),
    "savella": _p("milnacipran"),
    "remeron": _p("mirtazapine"),
    # Sleep aids
    "ambien": _p("zolpidem"),
    "lunesta": _p("eszopiclone"),
    "sonata": _p("zaleplon"),
    "restoril": _p("temazepam"),
    "belsomra": _p("suvorexant"),
    "rozerem": _p("ramelteon"),
    "halcion": _p("triazolam"),
    "silenor": _p("doxepin", drug_class="sleep-aid"),  # low-dose doxepin, labelled for insomnia
    # GI drugs
    "prilosec": _p("omeprazole"),
    "nexium": _p("esomeprazole"),
    "protonix": _p("pantoprazole"),
    "prevacid": _p("lansoprazole"),
    "dexilant": _p("dexlansoprazole"),
    "aciphex": _p("rabeprazole"),
    "zantac": _p("ranitidine"),
    "pepcid": _p("famotidine"),
    "tagamet": _p("cimetidine"),
    "carafate": _p("sucralfate"),
    "cytotec": _p("misoprostol"),
    # Oral suspension kits: a drug with a supplement in a compounding kit, classed by the drug.
    "synapryn": _p("tramadol, glucosamine", KIT_SOURCE, form=KIT),
    "tabradol": _p("cyclobenzaprine, methylsulfonylmethane", KIT_SOURCE, form=KIT),
    "fanatrex": _p("gabapentin", KIT_SOURCE, form=KIT),
    "deprizine": _p("ranitidine", KIT_SOURCE, form=KIT),
    "dicopanol": _p("diphenhydramine", KIT_SOURCE, form=KIT),
    # Others
    "viagra": _p("sildenafil"),
    "cialis": _p("tadalafil"),
    "xanax": _p("alprazolam"),
    "valium": _p("diazepam"),
    "klonopin": _p("clonazepam"),
    "ativan": _p("lorazepam"),
    "fioricet": _p("butalbital, acetaminophen, caffeine"),
    "esgic": _p("butalbital, acetaminophen, caffeine"),
    "medrol": _p("methylprednisolone"),
    "decadron": _p("dexamethasone"),
    "zofran": _p("ondansetron"),
    "phenergan": _p("promethazine"),
    "colace": _p("docusate"),
    "senokot": _p("sennosides"),
    "keflex": _p("cephalexin"),
    "imitrex": _p("sumatriptan"),
    "maxalt": _p("rizatriptan"),
    "tylenol": _p("acetaminophen"),
    "provigil": _p("modafinil"),
    "nuvigil": _p("armodafinil"),
    "relistor": _p("methylnaltrexone"),
    "amitiza": _p("lubiprostone"),
    "movantik": _p("naloxegol"),
    "narcan": _p("naloxone"),
    "vistaril": _p("hydroxyzine"),
    # Medical foods: amino-acid formulas, no drug ingredient.
    "theramine": _p("", FOOD_SOURCE, drug_class=MEDICAL_FOOD),
    "sentra": _p("", FOOD_SOURCE, drug_class=MEDICAL_FOOD),
    "gabadone": _p("", FOOD_SOURCE, drug_class=MEDICAL_FOOD),
    "trepadone": _p("", FOOD_SOURCE, drug_class=MEDICAL_FOOD),
    "percura": _p("", FOOD_SOURCE, drug_class=MEDICAL_FOOD),
    "apptrim": _p("", FOOD_SOURCE, drug_class=MEDICAL_FOOD),
    "hypertensa": _p("", FOOD_SOURCE, drug_class=MEDICAL_FOOD),
}

# ------------------------------------------------------------------ reading a request

_TOKEN = re.compile(r"#\s?\d+|[a-z]+")
_LONGEST_NAME = 3  # words in the longest name of the tables above
_TOPICAL_FORM = re.compile(
    r"\b(?:cream|gel|ointment|lotion|patch(?:es)?|topical|transdermal|compound(?:ed)?|liniment|balm|roll-?on)\b|\d\s*%",
)
_FOR_SLEEP = re.compile(r"\b(?:sleep|insomnia)\b")
# Words the general dictionary is never asked about: units, forms, directions and other
# request words, some of which it lists (a form word, an abbreviation).
_NOT_DRUG_NAMES = frozenset(
    [
        "mg",
        "mcg",
        "ml",
        "gm",
        "grams",
        "gram",
        "tablet",
        "tablets",
        "tab",
        "tabs",
        "capsule",
        "capsules",
        "cap",
        "caps",
        "oral",
        "suspension",
        "patch",
        "patches",
        "cream",
        "gel",
        "ointment",
        "lotion",
        "topical",
        "transdermal",
        "compound",
        "compounded",
        "solution",
        "spray",
        "kit",
        "refill",
        "refills",
        "retrospective",
        "prospective",
        "request",
        "dispensed",
        "dos",
        "times",
        "daily",
        "twice",
        "once",
        "every",
        "hours",
        "hour",
        "bedtime",
        "needed",
        "month",
        "months",
        "week",
        "weeks",
        "coverage",
        "supply",
        "bottle",
        "with",
        "without",
        "and",
        "for",
        "the",
        "of",
        "to",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "by",
        "mouth",
        "plus",
        "purchase",
        "rental",
        "medication",
        "medications",
        "prescription",
        "generic",
        "brand",
        "dose",
        "dosage",
        "release",
        "extended",
        "sodium",
        "potassium",
        "hydrochloride",
        "hcl",
        "sulfate",
        "bitartrate",
        "tartrate",
        "citrate",
        "maleate",
        "succinate",
    ]
)
_SALTS = frozenset(
    ["hydrochloride", "hcl", "sodium", "potassium", "sulfate", "bitartrate", "tartrate", "citrate", "maleate", "succinate"]
)
# Form words the general dictionary puts in some of its names ("lidocaine patch").
_FORM_WORDS = frozenset(
    ["patch", "cream", "gel", "tablet", "tablets", "injection", "oral", "solution", "topical", "extended", "release"]
)


@dataclass(frozen=True)
class DrugReading:
    """What a request names as a drug: generic ingredients in order, and the class."""

    ingredients: tuple[str, ...]
    drug_class: str | None  # None: no drug named


NO_DRUG = DrugReading((), None)


def read_drugs(text: str, general: bool = False) -> DrugReading:
    """Ingredients and class of the drugs `text` names (lower-cased ASCII text expected).

    With `general`, a text in which the project's tables find no drug is also looked up in the
    general dictionary (loaded on first use).
    """
    tokens = _TOKEN.findall(text)
    products, generics = _known_names(tokens)
    if not products and not generics and general:
        generics = _general_names(tokens)
    if not products and not generics:
        return NO_DRUG
    ingredients = _unique([name for product in products for name in product.ingredients] + generics)
    return DrugReading(ingredients, _class_of(text, products, ingredients))


def _known_names(tokens: list[str]) -> tuple[list[Product], list[str]]:
    """Products and generic names from the project's tables, longest name first at each word."""
    products: list[Product] = []
    generics: list[str] = []
    index = 0
    while index < len(tokens):
        for length in range(min(_LONGEST_NAME, len(tokens) - index), 0, -1):
            name = " ".join(tokens[index : index + length]).replace("# ", "#")
            if name in PRODUCTS:
                products.append(PRODUCTS[name])
            elif (generic := GENERIC_SPELLINGS.get(name, name)) in DRUG_CLASSES:
                generics.append(generic)
            else:
                continue
            index += length
            break
        else:
            index += 1
    return products, generics


def _class_of(text: str, products: list[Product], ingredients: tuple[str, ...]) -> str:
    for product in products:
        if product.drug_class:
            return product.drug_class
    topical = any(product.form == TOPICAL for product in products) or bool(_TOPICAL_FORM.search(text))
    is_kit = any(product.form == KIT for product in products)
    applied_to_skin = topical or set(ingredients) <= TOPICAL_ONLY
    if not is_kit and ingredients and applied_to_skin and not set(ingredients) <= SYSTEMIC_TRANSDERMAL:
        return "topical-compound"
    if set(ingredients) & BENZODIAZEPINES and _FOR_SLEEP.search(text):
        return "sleep-aid"
    classes = {DRUG_CLASSES.get(name, "other-drug") for name in ingredients}
    return next((cls for cls in CLASS_ORDER if cls in classes), "other-drug")


def _unique(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


# ------------------------------------------------------------------ the general dictionary


def _general_names(tokens: list[str]) -> list[str]:
    """Generic names the general dictionary gives for the request's words (two-word names first)."""
    dictionary = general_dictionary()
    if not dictionary:
        return []
    words = [token for token in tokens if not token.startswith("#")]
    found: list[str] = []
    index = 0
    while index < len(words):
        pair = " ".join(words[index : index + 2])
        if index + 1 < len(words) and pair in dictionary:
            found += dictionary[pair]
            index += 2
            continue
        word = words[index]
        if len(word) >= 4 and word not in _NOT_DRUG_NAMES and word in dictionary:
            found += dictionary[word]
        index += 1
    return [name for name in (_generic_name(raw) for raw in split_combination(found)) if name]


@cache
def general_dictionary() -> dict[str, tuple[str, ...]]:
    """Name (lower case) -> generic names, from the package's data; {} when it is not installed.

    The package's data file holds much more than names (structures, links): reading it costs
    some 3 s of CPU and 400 MB at its peak. The names alone are kept in a JSON cache file per
    package version (CACHE_DIR), read in a tenth of a second by every later process.
    """
    try:
        version = importlib.metadata.version("drug-named-entity-recognition")
    except importlib.metadata.PackageNotFoundError:
        return {}
    cached = _cache_path(version)
    try:
        return {name: tuple(generics) for name, generics in json.loads(cached.read_text("utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        pass  # no cache yet, or an unreadable one: rebuilt below
    names = _names_from_package()
    _write_cache(cached, names)
    return names


def _cache_path(version: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imr-archive" / f"drug-names-{version}.json"


def _names_from_package() -> dict[str, tuple[str, ...]]:
    try:
        resource = importlib.resources.files("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2"
        with resource.open("rb") as compressed, bz2.open(compressed) as stream:
            # The package's own data file, as installed from the pinned wheel (requirements.txt).
            data = pickle.load(stream)  # noqa: S301
    except (ModuleNotFoundError, FileNotFoundError, OSError, pickle.UnpicklingError, EOFError):
        return {}
    variants: dict[str, list[str]] = data.get("drug_variant_to_canonical", {})
    return {variant: tuple(names) for variant, names in variants.items()}


def _write_cache(path: Path, names: dict[str, tuple[str, ...]]) -> None:
    """Write atomically (processes may race to build it); a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as tmp:
            json.dump(names, tmp, separators=(",", ":"))
        os.replace(tmp.name, path)
    except OSError:
        pass


def _generic_name(raw: str) -> str:
    """'Lidocaine Patch' -> 'lidocaine': salts and form words dropped."""
    words = [word for word in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", raw.lower()) if word not in _SALTS | _FORM_WORDS]
    return " ".join(words)


def split_combination(names: list[str]) -> list[str]:
    """'ibuprofen/famotidine' -> ['ibuprofen', 'famotidine']."""
    return [part.strip() for name in names for part in re.split(r"\s*/\s*|\s+and\s+", name) if part.strip()]
