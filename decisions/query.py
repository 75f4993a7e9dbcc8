"""What the words of a search mean: web-search syntax, prefixes, and the names a request goes by.

``parse_words`` reads the syntax the search box documents — words, "quoted phrases", ``OR``,
``-excluded``, and a trailing ``*`` for a prefix (``hydrocod*``) — into a tree: an AND of
clauses, each an OR of terms. ``expanded`` adds, to each term a user typed (not an excluded
one), the other names of the same thing from one vocabulary: a brand and its generic drug
(Norco → hydrocodone, hydrocodone → Norco, Vicodin, Hysingla…), a drug class and its members
(muscle relaxant → cyclobenzaprine, Flexeril, Soma…), a treatment and its abbreviations (MRI ↔
magnetic resonance imaging, ESI ↔ epidural steroid injection). Words typed one after another
that together name a vocabulary entry ("muscle relaxant") are read as that entry.

Pure Python, no Django: the SQL side (``decisions.filters``) renders the tree for PostgreSQL,
each term through the search configuration's own parser, so stemming stays PostgreSQL's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache

from decisions.parsing.drugs import CLASS_ORDER, DRUG_CLASSES, GENERIC_SPELLINGS, PRODUCTS


@dataclass(frozen=True)
class Term:
    """One searchable unit: a word, a phrase (several words in order), several words (all of
    them, in any order: words typed in a row that name a vocabulary entry) or a prefix."""

    text: str
    phrase: bool = False
    prefix: bool = False

    def __str__(self) -> str:
        return f'"{self.text}"' if self.phrase else f"{self.text}*" if self.prefix else self.text


@dataclass(frozen=True)
class Clause:
    """Terms of which one must match (an OR), or, when ``negated``, of which none may."""

    terms: tuple[Term, ...]
    negated: bool = False
    # The names added by expansion (shown as "also searching"); the first term is what was typed.
    added: tuple[Term, ...] = field(default=())


@dataclass(frozen=True)
class WordQuery:
    """An AND of clauses."""

    clauses: tuple[Clause, ...]

    @property
    def also_searching(self) -> list[str]:
        return [str(term) for clause in self.clauses for term in clause.added]

    def __bool__(self) -> bool:
        return bool(self.clauses)


# --- reading the syntax -----------------------------------------------------------------------

# A quoted phrase (the closing quote may be missing), or a run of anything but spaces and quotes.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+?)(?=\s|"|$)')
# Characters that separate words for PostgreSQL's parser too; a token is split on them.
_WORD_CHARACTERS = re.compile(r"[^\W_]+(?:[-'/.][^\W_]+)*", re.UNICODE)
MAX_TERMS = 400  # a query is refused beyond this many terms, expansion included (see search_params)


def parse_words(text: str) -> WordQuery:
    """The tree of what was typed, as PostgreSQL's websearch_to_tsquery reads it, plus prefixes."""
    clauses: list[Clause] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        minus, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR" and clauses and not clauses[-1].negated:
            join_next = True
            continue
        clause = _clause(quoted, bool(minus)) if quoted is not None else _bare_clause(bare)
        if clause is None:
            continue
        if join_next and not clause.negated:
            clauses[-1] = replace(clauses[-1], terms=clauses[-1].terms + clause.terms)
        else:
            clauses.append(clause)
        join_next = False
    return WordQuery(tuple(clauses))


def _clause(quoted: str, negated: bool) -> Clause | None:
    words = _WORD_CHARACTERS.findall(quoted)
    if not words:
        return None
    return Clause((Term(" ".join(words), phrase=len(words) > 1),), negated)


def _bare_clause(token: str) -> Clause | None:
    negated = token.startswith("-") and len(token) > 1
    token = token[1:] if negated else token
    prefix = token.endswith("*")
    words = _WORD_CHARACTERS.findall(token)
    if not words:
        return None
    text = " ".join(words)
    if prefix and len(words) == 1:
        return Clause((Term(text, prefix=True),), negated)
    return Clause((Term(text, phrase=len(words) > 1),), negated)


# --- the vocabulary ----------------------------------------------------------------------------

# Treatments by their other names. Each group: names that mean the same thing, searched for each
# other. A name pointing at a group of its own (TFESI) is more specific: it adds only its own.
TREATMENT_NAMES: tuple[tuple[str, ...], ...] = (
    ("mri", "magnetic resonance imaging", "mr imaging"),
    ("ct", "ct scan", "computed tomography", "cat scan"),
    ("emg", "ncv", "ncs", "electromyography", "electromyogram", "nerve conduction", "electrodiagnostic"),
    ("esi", "epidural steroid injection", "epidural injection", "lesi", "tfesi", "cesi"),
    ("tens", "tens unit", "transcutaneous electrical nerve stimulation", "transcutaneous electrical nerve stimulator"),
    ("pt", "physical therapy", "physiotherapy"),
    ("ot", "occupational therapy"),
    ("fce", "functional capacity evaluation"),
    ("frp", "functional restoration program", "functional restoration"),
    ("prp", "platelet rich plasma", "platelet-rich plasma"),
    ("h-wave", "h wave"),
    ("dme", "durable medical equipment"),
    ("uds", "urine drug screen", "urine drug test", "urine toxicology", "urine drug screening"),
    ("cbt", "cognitive behavioral therapy", "cognitive behavioural therapy"),
    ("rfa", "radiofrequency ablation", "radiofrequency neurotomy", "rhizotomy"),
    ("scs", "spinal cord stimulator", "spinal cord stimulation"),
    ("ecsw", "eswt", "extracorporeal shockwave therapy", "shockwave therapy", "extracorporeal shock wave therapy"),
    ("acupuncture", "electroacupuncture"),
    ("chiropractic", "chiropractor", "chiropractic manipulation", "manipulative therapy"),
)
NARROWER_TREATMENTS = {
    "lesi": ("lumbar epidural steroid injection", "lumbar epidural"),
    "tfesi": ("transforaminal epidural steroid injection", "transforaminal epidural", "transforaminal"),
    "cesi": ("cervical epidural steroid injection", "cervical epidural"),
}
# The words each medication item's class adds to its letter's searched text (migration 0015): a
# search for a class is then one term, whatever the drug's name, instead of every member's name.
CLASS_WORDS: dict[str, str] = {
    "opioid": "opioid",
    "nsaid": "NSAID",
    "muscle-relaxant": "muscle relaxant",
    "anticonvulsant": "anticonvulsant",
    "antidepressant": "antidepressant",
    "sleep-aid": "sleep aid",
    "proton-pump-inhibitor": "proton pump inhibitor",
}


def class_words(category: str, subcategory: str) -> str | None:
    """The words a disputed item's class adds to the searched text (None: not a medication class)."""
    return CLASS_WORDS.get(subcategory) if category == "medication" else None


DRUG_CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "opioid": ("opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics"),
    "nsaid": ("nsaid", "nsaids", "anti-inflammatory", "anti-inflammatories", "non-steroidal anti-inflammatory"),
    "muscle-relaxant": ("muscle relaxant", "muscle relaxants", "muscle relaxer", "muscle relaxers"),
    "anticonvulsant": ("anticonvulsant", "anticonvulsants", "antiepileptic", "antiepileptics", "anti-epilepsy drug"),
    "antidepressant": ("antidepressant", "antidepressants"),
    "sleep-aid": ("sleep aid", "sleep aids", "hypnotic", "hypnotics", "sleep medication"),
    "proton-pump-inhibitor": ("proton pump inhibitor", "proton pump inhibitors", "ppi", "ppis"),
}
# A class's members are many names: expansion lists them, up to this many per class.
MAX_CLASS_MEMBERS = 120
# Some class names are narrower than the project's class of the same slug (which also holds the
# other stomach protectants, H2 blockers among them): they expand to the drugs that are that.
NARROWER_CLASS_NAMES: dict[str, Callable[[str], bool]] = {
    name: (lambda generic: generic.endswith("prazole"))
    for name in ("proton pump inhibitor", "proton pump inhibitors", "ppi", "ppis")
}
# Abbreviations that are also words once stemmed ("TENS" is indexed as "ten"): searched when typed,
# never added by expansion, where they would find "ten visits".
NEVER_ADDED = frozenset({"tens"})


def normalised(name: str) -> str:
    return " ".join(_WORD_CHARACTERS.findall(name.lower()))


@cache
def vocabulary() -> dict[str, tuple[str, ...]]:
    """Each name (normalised) and the other names it also searches, in the order shown."""
    names: dict[str, list[str]] = {}

    def add(name: str, others: Iterable[str]) -> None:
        key = normalised(name)
        entry = names.setdefault(key, [])
        entry.extend(other for other in (normalised(o) for o in others) if other != key and other not in entry)

    for group in TREATMENT_NAMES:
        for name in group:
            add(name, group)  # the broader names find the narrower ones too (ESI finds a TFESI)
    for name, narrower in NARROWER_TREATMENTS.items():
        names[normalised(name)] = [normalised(other) for other in narrower]
    brands = main_ingredients()
    for brand, generics in brands.items():
        # Norco: hydrocodone, and the other brands of the same drug (Vicodin, Hysingla...).
        add(brand, [*generics, *(other for other, same in brands.items() if same == generics)])
        for generic in generics:
            add(generic, [brand])
    for spelling, generic in GENERIC_SPELLINGS.items():
        add(spelling, [generic])
    for drug_class, class_names in DRUG_CLASS_NAMES.items():
        for name in class_names:
            # The class's words are in every letter with an item of the class (CLASS_WORDS); a name
            # narrower than the class (PPI) names its own members instead.
            only = NARROWER_CLASS_NAMES.get(name)
            add(name, class_members(drug_class, only) if only else [CLASS_WORDS[drug_class]])
    return {key: tuple(other for other in others if other not in NEVER_ADDED) for key, others in names.items() if others}


def main_ingredients() -> dict[str, tuple[str, ...]]:
    """Each brand's ingredients that give it its class (Norco: hydrocodone, not acetaminophen)."""
    found: dict[str, tuple[str, ...]] = {}
    for brand, product in PRODUCTS.items():
        classed = tuple(name for name in product.ingredients if DRUG_CLASSES.get(name, "other-drug") != "other-drug")
        found[brand] = classed or product.ingredients
    return found


def class_members(drug_class: str, only: Callable[[str], bool] | None = None) -> list[str]:
    """A class's generic drugs (those ``only`` accepts), then the brands made of them."""
    generics = [name for name, cls in DRUG_CLASSES.items() if cls == drug_class and (only is None or only(name))]
    brands = [brand for brand, ingredients in main_ingredients().items() if set(ingredients) & set(generics)]
    return (generics + brands)[:MAX_CLASS_MEMBERS] if drug_class in CLASS_ORDER else []


LONGEST_NAME = 5  # words


# --- expansion ---------------------------------------------------------------------------------


def expanded(query: WordQuery) -> WordQuery:
    """``query`` with each term the user typed also searching its other names."""
    return WordQuery(tuple(_expanded_clause(clause) for clause in _names_joined(query.clauses)))


def _names_joined(clauses: tuple[Clause, ...]) -> Iterator[Clause]:
    """Plain words in a row that together are a vocabulary name, as one phrase ("muscle relaxant")."""
    known = vocabulary()
    position = 0
    while position < len(clauses):
        for length in range(min(LONGEST_NAME, len(clauses) - position), 1, -1):
            run = clauses[position : position + length]
            if all(_is_plain_word(clause) for clause in run):
                name = " ".join(clause.terms[0].text for clause in run)
                if normalised(name) in known:
                    # Still all of its words, not the phrase: "therapy, physical" stays found.
                    yield Clause((Term(name),))
                    position += length
                    break
        else:
            yield clauses[position]
            position += 1


def _is_plain_word(clause: Clause) -> bool:
    return not clause.negated and len(clause.terms) == 1 and not clause.terms[0].prefix and not clause.terms[0].phrase


def _expanded_clause(clause: Clause) -> Clause:
    if clause.negated:
        return clause
    known = vocabulary()
    typed = {normalised(term.text) for term in clause.terms}
    added: list[Term] = []
    for term in clause.terms:
        if term.prefix:
            continue
        for other in known.get(normalised(term.text), ()):
            if other not in typed and all(other != normalised(a.text) for a in added):
                added.append(Term(other, phrase=" " in other))
    added = [term for term in added if not _found_anyway(term, [*clause.terms, *added])]
    return replace(clause, terms=clause.terms + tuple(added), added=tuple(added))


def _found_anyway(name: Term, alternatives: list[Term]) -> bool:
    """A name of several words that one of its own words, searched alone beside it, already finds
    ("ct scan" beside "ct"): searching it too would only cost a phrase check."""
    words = normalised(name.text).split()
    return len(words) > 1 and any(
        not other.prefix and " " not in (word := normalised(other.text)) and word in words for other in alternatives
    )


def term_count(query: WordQuery) -> int:
    return sum(len(clause.terms) for clause in query.clauses)
