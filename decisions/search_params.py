"""Every search parameter, declared once (docs/search-params.md: "Adding a filter").

A ``Param`` says what a query-string parameter is: its name, label and help (the form, the chips,
the error messages, the OpenAPI description), its level (a letter's own value, a value of one and
the same disputed item, or of that item's citations), how it is validated and cleaned, its SQL
condition, what the read model (the facet index) must hold to count it (``IndexNeed`` naming a
``Column``), its facet, and how its values read (``labels``). Everything else is made from
``PARAMS``: the FilterSet and the SQL (decisions.filters), the index's columns and masks
(decisions.facets), the facets, the chips, the form's fields and suggestions (decisions.selectors)
and the API's parameters (decisions.api).

The read-model side is abstract: a ``Column`` says what is kept per letter or per item and where it
is read from, an ``IndexNeed`` how a value is matched against it; decisions.facets implements
them with numpy columns today.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from typing import Any, Literal

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from decisions import query
from decisions.models import CitedBy, DisputedItem, Guideline, Outcome, Reviewer, Sex, Source
from decisions.parsing.taxonomy import CATEGORIES, SUBCATEGORIES

SEARCH_CONFIG = "english"
Cleaned = Mapping[str, Any]
Level = Literal["letter", "item", "citation", "option"]


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "-decided"
    OLDEST = "decided"
    CHOICES = [(RELEVANCE, "Relevance"), (NEWEST, "Newest first"), (OLDEST, "Oldest first")]


# --- what the read model keeps -------------------------------------------------------------------

ColumnKind = Literal["fulltext", "text", "texts", "ids", "number", "day", "reviewer_texts"]


@dataclass(frozen=True)
class Column:
    """A value the read model keeps for every letter (``level="letter"``) or disputed item.

    ``sql`` is an expression over ``decisions_case c`` or ``decisions_disputeditem i`` (for
    ``reviewer_texts``: an array column of ``decisions_reviewer``). Kinds: ``text`` one text value
    (kept as a code into ``vocabulary``), ``texts`` a text array, ``ids`` an integer array,
    ``number`` an integer (``null`` standing for NULL), ``day`` a date, ``reviewer_texts`` a text
    array of the letter's reviewer, ``fulltext`` the search vector (asked of PostgreSQL).
    ``vocabulary`` is SQL returning every value a text column can hold, one a row.
    """

    name: str
    level: Literal["letter", "item"]
    kind: ColumnKind
    sql: str = ""
    vocabulary: str = ""
    null: int = -1


def skip_scan(table: str, column: str) -> str:
    """The distinct values of an indexed column, read by skipping through its index."""
    return (
        f"WITH RECURSIVE v AS ((SELECT {column} AS v FROM {table} ORDER BY {column} LIMIT 1) UNION ALL"
        f" SELECT n.v FROM v, LATERAL (SELECT {column} AS v FROM {table} WHERE {column} > v.v ORDER BY {column} LIMIT 1) n)"
        " SELECT v FROM v"
    )


def skip_scan_pairs(table: str, first: str, second: str) -> str:
    return (
        f"WITH RECURSIVE v AS ((SELECT {first} AS a, {second} AS b FROM {table} ORDER BY {first}, {second} LIMIT 1) UNION ALL"
        f" SELECT n.* FROM v, LATERAL (SELECT {first}, {second} FROM {table} WHERE ({first}, {second}) > (v.a, v.b)"
        f" ORDER BY {first}, {second} LIMIT 1) n) SELECT a, b FROM v"
    )


TEXT = Column("text", "letter", "fulltext")
SEX = Column("sex", "letter", "text", "c.patient_sex", skip_scan("decisions_case", "patient_sex"))
AGE = Column("age", "letter", "number", "c.patient_age", null=-1)
DECIDED = Column("decided", "letter", "day", "c.decision_date")
INJURED = Column("injured", "letter", "day", "c.date_of_injury")
SPECIALTIES = Column(
    "specialties", "letter", "reviewer_texts", "specialty_slugs", "SELECT DISTINCT unnest(specialty_slugs) FROM decisions_reviewer"
)
STATES = Column(
    "states", "letter", "reviewer_texts", "licensed_states", "SELECT DISTINCT unnest(licensed_states) FROM decisions_reviewer"
)
OUTCOME = Column("outcome", "item", "text", "i.outcome", skip_scan("decisions_disputeditem", "outcome"))
TREATMENT = Column(
    "treatment", "item", "text", "i.treatment_category", skip_scan("decisions_disputeditem", "treatment_category")
)
SUBCATEGORY = Column(
    "subcategory",
    "item",
    "text",
    "CASE WHEN i.treatment_subcategory <> '' THEN i.treatment_category || '/' || i.treatment_subcategory END",
    f"SELECT a || '/' || b FROM ({skip_scan_pairs('decisions_disputeditem', 'treatment_category', 'treatment_subcategory')}) p"
    " WHERE b <> ''",
)
# What the parser reads of each item (migration 0013): a medication's generic ingredients, the body region.
INGREDIENTS = Column(
    "ingredients", "item", "texts", "i.ingredients", "SELECT DISTINCT unnest(ingredients) FROM decisions_disputeditem"
)
BODY_REGION = Column(
    "body_region", "item", "text", "i.body_region", f"SELECT v FROM ({skip_scan('decisions_disputeditem', 'body_region')}) s WHERE v <> ''"
)
QUANTITY = Column("quantity", "item", "number", "i.quantity", null=-1)
# Each item's own id, so that the items a request's words match (read from PostgreSQL) are found.
ITEM_ID = Column("item_id", "item", "number", "i.id::int4", null=-1)
# What the words of ``request`` are matched against: the item's request as the letters' vector reads
# it (migration 0016 indexes exactly this expression).
REQUEST_VECTOR = "to_tsvector('english'::regconfig, imr_search_text(left(request, 20000)))"
# The items' copies of their citations (migration 0012 keeps them), per role: guideline ids and sources.
ALL_SOURCES = "SELECT DISTINCT source FROM decisions_guideline UNION SELECT unnest(%(sources)s::text[])"
CITED_GUIDELINES = {
    CitedBy.REVIEWER.value: Column("reviewer_guidelines", "item", "ids", "i.reviewer_guideline_ids"),
    CitedBy.CLAIMS_ADMINISTRATOR.value: Column("claims_guidelines", "item", "ids", "i.claims_guideline_ids"),
}
CITED_SOURCES = {
    CitedBy.REVIEWER.value: Column("reviewer_sources", "item", "texts", "i.reviewer_sources", ALL_SOURCES),
    CitedBy.CLAIMS_ADMINISTRATOR.value: Column("claims_sources", "item", "texts", "i.claims_sources", ALL_SOURCES),
}
VOCABULARY_PARAMS: dict[str, Any] = {"sources": list(Source.values)}


def role_of(cleaned: Cleaned) -> str:
    return str(cleaned.get("cited_by") or CitedBy.REVIEWER)


Match = Literal["text", "item_text", "equals", "contains", "at_least", "at_most"]


@dataclass(frozen=True)
class IndexNeed:
    """How the read model tests a parameter: its value ``match``-ed against a column (for citation
    parameters, the column of the role ``cited_by`` names). ``value`` turns the cleaned value into
    the column's (a guideline's id for its slug, ``category/subcategory`` for a subcategory)."""

    match: Match
    column: Column | None = None
    by_role: Mapping[str, Column] | None = None
    value: Callable[[Any, Cleaned], Any] | None = None

    def column_for(self, cleaned: Cleaned) -> Column:
        if self.by_role is not None:
            return self.by_role[role_of(cleaned)]
        assert self.column is not None
        return self.column

    def columns(self) -> list[Column]:
        return list(self.by_role.values()) if self.by_role is not None else [self.column] if self.column else []

    def value_of(self, value: Any, cleaned: Cleaned) -> Any:
        return self.value(value, cleaned) if self.value is not None else value


@dataclass(frozen=True)
class FacetDecl:
    """A facet: counted on the column of ``need`` (``years``: the years of a day column), on the search
    with ``own_params`` left out; ``clicks`` gives the parameters a value sets, ``selected`` the value
    a search has chosen. Values are the column's, read through the parameter's ``labels``."""

    name: str
    label: str
    own_params: tuple[str, ...]
    need: IndexNeed
    years: bool = False
    clicks: Callable[[str], dict[str, str]] | None = None
    selected: Callable[[Cleaned], str] | None = None
    # Where the value a click sends differs from the column's (a guideline's slug for its id): a lookup name.
    sends: str = ""


# --- the form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Widget:
    """How the form shows a parameter: ``select`` (options from the filter's choices or, ``options``,
    a lookup or a list the page reads from the archive), ``input`` with HTML ``attrs``, either of them
    one end of a range fieldset (``group``: its legend); ``none``: not in the filter panel (q has its
    own box)."""

    kind: Literal["select", "input", "none"] = "select"
    any_label: str = ""
    options: str = ""
    attrs: Mapping[str, str] = field(default_factory=dict)
    group: str = ""
    slot: str = ""  # an id for a wrapper the live search refreshes (hx-select-oob)
    label: str = ""  # the form's label, where it differs from the parameter's
    before: str = ""  # shown before this parameter's field rather than in the registry's order


# --- a parameter -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One query-string parameter, everything about it (see the module's docstring)."""

    name: str
    label: str
    help: str
    level: Level
    make_filter: Callable[[], django_filters.Filter]
    widget: Widget = Widget()
    api_type: Literal["string", "integer", "date"] = "string"
    strip: bool = False
    clean: Callable[[forms.Form, dict[str, Any]], None] | None = None
    # The SQL: a Q on Case (letter level) or on DisputedItem (item and citation levels).
    condition: Callable[[Any, Cleaned], Q] | None = None
    index: IndexNeed | None = None
    facet: FacetDecl | None = None
    # A lookup of value -> label (a name in LOOKUPS), for the facet, the chip and the form.
    labels: str = ""
    # Removing this filter (its chip, a suggestion) removes these parameters with it.
    removes: tuple[str, ...] = ()
    chip: Callable[[Cleaned, Mapping[str, Mapping[str, str]]], str] | None = None
    shows_chip: bool = True

    @property
    def removed_with(self) -> tuple[str, ...]:
        return self.removes or (self.name,)


# --- validation ------------------------------------------------------------------------------------

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATE_RE = re.compile(r"^[A-Za-z]{2}$")


def clean_words(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Full-width and other compatibility forms (ｎｏｒｃｏ, ligatures) search as their plain letters;
    the words are read (``cleaned["words"]``: expanded to the other names of what they name unless
    ``exact``); words that leave nothing to search for (very common words, operators alone) are
    refused with the reason, rather than answered with "no letters match"."""
    cleaned["q"] = " ".join(unicodedata.normalize("NFKC", cleaned["q"]).split())
    typed_words = query.parse_words(cleaned["q"])
    cleaned["words"] = words_searched(cleaned, typed_words)
    if not cleaned["q"]:
        return
    typed = [term.text for clause in typed_words.clauses for term in clause.terms]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(bool_or(numnode(plainto_tsquery(%s::regconfig, t)) > 0), false) FROM unnest(%s::text[]) t",
            [SEARCH_CONFIG, typed],
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        form.add_error(
            "q", "has no word to search for: very common words (the, and, of…) and operators alone (OR, -, quotes) match nothing"
        )
    elif query.term_count(cleaned["words"]) > query.MAX_TERMS:
        form.add_error("q", f"has too many words and names to search at once (at most {query.MAX_TERMS}): use fewer words")


YES, NO = ("true", "1", "on", "yes"), ("false", "0", "off", "no")


def words_searched(cleaned: Cleaned, typed: query.WordQuery) -> query.WordQuery:
    """The words typed, expanded to their other names unless ``exact``."""
    return typed if cleaned.get("exact") else query.expanded(typed)


def with_words(cleaned: Cleaned, text: str) -> dict[str, Any]:
    """``cleaned`` searching ``text`` instead: its words read, and expanded unless ``exact``."""
    return {**cleaned, "q": text, "words": words_searched(cleaned, query.parse_words(text))}


def clean_treatment(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """``treatment=medication/opioid`` is ``treatment=medication&subcategory=opioid``; both are checked
    against the taxonomy."""
    if "/" in cleaned["treatment"]:
        category, _, subcategory = cleaned["treatment"].partition("/")
        if cleaned["subcategory"] and cleaned["subcategory"] != subcategory:
            form.add_error("subcategory", f"contradicts treatment={cleaned['treatment']}")
        cleaned["treatment"], cleaned["subcategory"] = category, subcategory
    category, subcategory = cleaned["treatment"], cleaned["subcategory"]
    if category and category not in CATEGORIES:
        form.add_error("treatment", f"unknown treatment category {category!r}; use one of: {', '.join(CATEGORIES)}")
        return
    if not subcategory:
        return
    if not category:
        form.add_error("subcategory", "needs a treatment category (treatment=<category>)")
    elif subcategory not in SUBCATEGORIES.get(category, {}):
        known = ", ".join(SUBCATEGORIES.get(category, {})) or "none"
        form.add_error("subcategory", f"unknown subcategory {subcategory!r} of {category!r}; use one of: {known}")


def clean_guideline(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """The slug is looked up once: the SQL and the index test the guideline's id (``guideline_id``)."""
    slug = cleaned["guideline"]
    cleaned["guideline_id"] = None
    if not slug:
        return
    guideline_id = Guideline.objects.filter(slug=slug).values_list("id", flat=True).first() if SLUG_RE.match(slug) else None
    if guideline_id is None:
        form.add_error("guideline", f"no guideline has the slug {slug!r} (see /guidelines/)")
    cleaned["guideline_id"] = guideline_id


def clean_slug(name: str) -> Callable[[forms.Form, dict[str, Any]], None]:
    def check(form: forms.Form, cleaned: dict[str, Any]) -> None:
        if cleaned[name] and not SLUG_RE.match(cleaned[name]):
            form.add_error(name, "use a slug: lower-case letters, digits and hyphens, e.g. orthopaedic-surgery")

    return check


def clean_state(form: forms.Form, cleaned: dict[str, Any]) -> None:
    cleaned["state"] = cleaned["state"].upper()
    if cleaned["state"] and not STATE_RE.match(cleaned["state"]):
        form.add_error("state", "use a two-letter postal code, e.g. CA")  # (also drops it from cleaned)


def clean_range(low: str, high: str) -> Callable[[forms.Form, dict[str, Any]], None]:
    """For the upper end of a range: not below the lower end."""

    def check(form: forms.Form, cleaned: dict[str, Any]) -> None:
        if cleaned.get(low) is not None and cleaned.get(high) is not None and cleaned[low] > cleaned[high]:
            form.add_error(high, f"must not be before {low} ({cleaned[low]})")

    return check


def clean_request(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """The words that one item's request must hold: read (and expanded unless ``exact``) like ``q``."""
    cleaned["request"] = " ".join(unicodedata.normalize("NFKC", cleaned["request"]).split())
    typed = query.parse_words(cleaned["request"])
    cleaned["request_words"] = words_searched(cleaned, typed)
    if cleaned["request"] and not typed:
        form.add_error("request", "has no word to search for: operators alone (OR, -, quotes) match nothing")
    elif query.term_count(cleaned["request_words"]) > query.MAX_TERMS:
        form.add_error("request", f"has too many words and names to search at once (at most {query.MAX_TERMS}): use fewer words")


def items_whose_request_matches(cleaned: Cleaned) -> Any:
    """The ids of the items whose request holds the words of ``request`` (a queryset, by the GIN index)."""
    return items_whose_request_holds(request_query(cleaned))


def request_query(cleaned: Cleaned) -> SearchQuery | None:
    """The words of the ``request`` filter as a query."""
    return search_query({"q": cleaned.get("request"), "words": cleaned.get("request_words")})


def items_whose_request_holds(words: SearchQuery | None) -> Any:
    vector = RawSQL(REQUEST_VECTOR, [], output_field=SearchVectorField())
    return DisputedItem.objects.annotate(request_vector=vector).filter(request_vector=words).values("id")


def clean_drug(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """A drug as its generic ingredient, lower case: a brand typed (Norco) is read as its generic."""
    drug = " ".join(cleaned["drug"].lower().split())
    generics = query.main_ingredients().get(drug)
    cleaned["drug"] = generics[0] if generics and len(generics) == 1 else drug
    if cleaned["drug"] and not re.fullmatch(r"[a-z][a-z0-9 ,'-]*", cleaned["drug"]):
        form.add_error("drug", "use a generic drug name in letters, e.g. hydrocodone")


def clean_cited_by(form: forms.Form, cleaned: dict[str, Any]) -> None:
    cleaned["cited_by"] = cleaned.get("cited_by") or CitedBy.REVIEWER


def clean_sort(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Relevance with words, newest first without (relevance asked for without words is newest first)."""
    cleaned["sort"] = cleaned.get("sort") or (Sort.RELEVANCE if cleaned.get("q") else Sort.NEWEST)
    if cleaned["sort"] == Sort.RELEVANCE and not cleaned.get("q"):
        cleaned["sort"] = Sort.NEWEST


# --- SQL conditions ----------------------------------------------------------------------------------


def search_query(cleaned: Cleaned, *, excluded_words: bool = True) -> SearchQuery | None:
    """The words of a search as one PostgreSQL text query (each term through the search configuration).

    ``excluded_words=False`` leaves out the ``-excluded`` words: for an item of a letter the whole
    query already matched, which holds none of them (a cheaper query: no check of the item's words).
    """
    words: query.WordQuery | None = cleaned.get("words")
    if not cleaned.get("q") or not words:
        return None
    combined: SearchQuery | None = None
    for clause in words.clauses:
        if clause.negated and not excluded_words:
            continue
        either = reduce(operator.or_, (term_query(term) for term in clause.terms))
        either = ~either if clause.negated else either
        combined = either if combined is None else combined & either
    return combined


def term_query(term: query.Term) -> SearchQuery:
    if term.prefix:
        # Only letters and digits reach to_tsquery's own syntax: the prefix of one word.
        stem = re.sub(r"[^\w]|_", "", term.text)
        return SearchQuery(f"{stem}:*", search_type="raw", config=SEARCH_CONFIG)
    return SearchQuery(term.text, search_type="phrase" if term.phrase else "plain", config=SEARCH_CONFIG)


def field_is(lookup: str) -> Callable[[Any, Cleaned], Q]:
    """The condition ``<lookup>=value`` (e.g. ``patient_age__gte``)."""
    return lambda value, cleaned: Q(**{lookup: value})


def holds(field_name: str) -> Callable[[Any, Cleaned], Q]:
    """The array column ``field_name`` holds the value (``ingredients__contains=[value]``)."""
    return lambda value, cleaned: Q(**{f"{field_name}__contains": [value]})


def array_holds(by_role: Mapping[str, Column]) -> Callable[[Any, Cleaned], Q]:
    """The item's copy of its citations of the role ``cited_by`` names holds the value."""

    def condition(value: Any, cleaned: Cleaned) -> Q:
        column = by_role[role_of(cleaned)].sql.removeprefix("i.")
        return Q(**{f"{column}__contains": [value]})

    return condition


def cited_guideline(value: Any, cleaned: Cleaned) -> Q:
    """The guideline's id (``clean_guideline`` looked it up) among the item's cited ones."""
    guideline_id = cleaned.get("guideline_id")
    return array_holds(CITED_GUIDELINES)(guideline_id, cleaned) if guideline_id is not None else Q()


def reviewer_has(array: str) -> Callable[[Any, Cleaned], Q]:
    """The letter's reviewer lists the value in ``array`` (read on the reviewer's own row)."""
    return lambda value, cleaned: Q(reviewer_id__in=Reviewer.objects.filter(**{f"{array}__contains": [value]}).values("id"))


# --- how values read -------------------------------------------------------------------------------


def subcategory_labels() -> dict[str, str]:
    return {f"{cat}/{sub}": label for cat, subs in SUBCATEGORIES.items() for sub, label in subs.items()}


def specialty_names() -> dict[str, str]:
    """Each specialty slug's name as letters write it."""
    rows = Reviewer.objects.values_list("specialty_slugs", "specialties")
    return {slug: name for slugs, names in rows for slug, name in zip(slugs, names, strict=False)}


def guideline_titles() -> dict[str, str]:
    return dict(Guideline.objects.values_list("slug", "title"))


def guideline_slugs() -> dict[str, str]:
    return {str(pk): slug for pk, slug in Guideline.objects.values_list("id", "slug")}


def guideline_groups() -> dict[str, str]:
    """Each guideline's group in the form's list: its source, or, for web pages and other works, "reference"."""
    from decisions.templatetags.guideline_tags import GUIDELINE, reference_kind  # (the one definition of a "guideline")

    return {
        guideline.slug: guideline.source if reference_kind(guideline) == GUIDELINE else "reference"
        for guideline in Guideline.objects.only("slug", "title", "source")
    }


# Value -> label (or value -> value sent) lookups. ``archive``: read from the archive, so kept by the
# read model at its version (no query per page); the others are fixed.
@dataclass(frozen=True)
class Lookup:
    read: Callable[[], Mapping[str, str]]
    archive: bool = False


BODY_REGIONS = [
    ("cervical-spine", "Cervical spine"),
    ("thoracic-spine", "Thoracic spine"),
    ("lumbar-spine", "Lumbar spine"),
    ("spine", "Spine (unspecified)"),
    ("shoulder", "Shoulder"),
    ("elbow", "Elbow"),
    ("wrist-hand", "Wrist and hand"),
    ("hip", "Hip"),
    ("knee", "Knee"),
    ("ankle-foot", "Ankle and foot"),
    ("head", "Head"),
    ("multiple", "Several regions"),
]


LOOKUPS: dict[str, Lookup] = {
    "body_regions": Lookup(lambda: dict(BODY_REGIONS)),
    "outcomes": Lookup(lambda: dict(Outcome.choices)),
    "categories": Lookup(lambda: CATEGORIES),
    "subcategories": Lookup(subcategory_labels),
    "sources": Lookup(lambda: dict(Source.choices)),
    "sexes": Lookup(lambda: dict(Sex.choices)),
    "guideline_titles": Lookup(guideline_titles, archive=True),
    "guideline_slugs": Lookup(guideline_slugs, archive=True),
    "specialty_names": Lookup(specialty_names, archive=True),
    "guideline_groups": Lookup(guideline_groups, archive=True),
}


def treatment_chip(cleaned: Cleaned, lookups: Mapping[str, Mapping[str, str]]) -> str:
    value, subcategory = cleaned["treatment"], cleaned.get("subcategory")
    label = CATEGORIES.get(value, value)
    if subcategory:
        return f"Treatment: {label} › {SUBCATEGORIES.get(value, {}).get(subcategory, subcategory)}"
    return f"Treatment: {label}"


def selected_subcategory(cleaned: Cleaned) -> str:
    return f"{cleaned['treatment']}/{cleaned['subcategory']}" if cleaned.get("subcategory") else ""


def clicked_subcategory(value: str) -> dict[str, str]:
    treatment, _, subcategory = value.partition("/")
    return {"treatment": treatment, "subcategory": subcategory}


def selected_year(cleaned: Cleaned) -> str:
    start, end = cleaned.get("decided_from"), cleaned.get("decided_to")
    if start is None or end is None:
        return ""
    whole_year = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year
    return str(start.year) if whole_year else ""


def clicked_year(value: str) -> dict[str, str]:
    return {"decided_from": f"{value}-01-01", "decided_to": f"{value}-12-31"}


def dates(label: str) -> Callable[[], django_filters.Filter]:
    return lambda: django_filters.DateFilter(label=label)


def date_range(prefix: str, label: str, legend: str, column: Column, field_name: str, facet: FacetDecl | None = None) -> list[Param]:
    """The two ends of a date range (``<prefix>_from``, ``<prefix>_to``), inclusive."""
    low, high = f"{prefix}_from", f"{prefix}_to"
    return [
        Param(
            low,
            f"{label} from",
            f"{label} on or after this date (ISO, YYYY-MM-DD).",
            "letter",
            dates(f"{label} from"),
            Widget("input", attrs={"type": "date"}, group=legend),
            api_type="date",
            condition=field_is(f"{field_name}__gte"),
            index=IndexNeed("at_least", column),
            facet=facet,
        ),
        Param(
            high,
            f"{label} to",
            f"{label} on or before this date (ISO, YYYY-MM-DD).",
            "letter",
            dates(f"{label} to"),
            Widget("input", attrs={"type": "date"}, group=legend),
            api_type="date",
            clean=clean_range(low, high),
            condition=field_is(f"{field_name}__lte"),
            index=IndexNeed("at_most", column),
        ),
    ]


def number_range(low: str, high: str, labels: tuple[str, str], group: str, describe: Callable[[str], str],
                 level: Level, column: Column, field_name: str, maximum: int) -> list[Param]:
    """The two ends of a whole-number range (``low`` at least, ``high`` at most), inclusive."""

    def end(name: str, label: str, match: Match, lookup: str, placeholder: str, clean: Any = None) -> Param:
        attrs = {"type": "number", "min": "0", "max": str(maximum), "inputmode": "numeric", "placeholder": placeholder}
        return Param(
            name,
            label,
            describe("at least" if match == "at_least" else "at most"),
            level,
            lambda: django_filters.NumberFilter(label=label, min_value=0, max_value=maximum),
            Widget("input", attrs=attrs, group=group),
            api_type="integer",
            clean=clean,
            condition=field_is(lookup),
            index=IndexNeed(match, column),
        )

    return [
        end(low, labels[0], "at_least", f"{field_name}__gte", "from"),
        end(high, labels[1], "at_most", f"{field_name}__lte", "to", clean_range(low, high)),
    ]


# --- the parameters, in the order the page shows them ------------------------------------------------

PARAMS: tuple[Param, ...] = (
    Param(
        "q",
        "Words",
        "Full-text query in web-search syntax: words, \"quoted phrases\", OR, -excluded.",
        "letter",
        lambda: django_filters.CharFilter(label="Search the letters", max_length=500),
        Widget("none"),
        strip=True,
        clean=clean_words,
        condition=lambda value, cleaned: Q(search_vector=search_query(cleaned)),
        index=IndexNeed("text", TEXT),
    ),
    Param(
        "exact",
        "Only the words typed",
        "true: search the words as typed, without the other names of the drugs and treatments they name"
        " (brand and generic names, drug classes, abbreviations).",
        "option",
        lambda: django_filters.TypedChoiceFilter(
            label="Only the words typed", choices=[(value, value) for value in (*YES, *NO)], coerce=lambda value: value in YES
        ),
        Widget("none"),
    ),
    Param(
        "outcome",
        "Outcome",
        "upheld or overturned (of one and the same disputed item as the other item filters).",
        "item",
        lambda: django_filters.ChoiceFilter(label="Outcome", choices=Outcome.choices),
        Widget("select", "Any outcome"),
        condition=field_is("outcome"),
        index=IndexNeed("equals", OUTCOME),
        facet=FacetDecl("outcome", "Outcome", ("outcome",), IndexNeed("equals", OUTCOME)),
        labels="outcomes",
    ),
    Param(
        "treatment",
        "Treatment",
        "A treatment category slug (or category/subcategory).",
        "item",
        lambda: django_filters.CharFilter(label="Treatment", max_length=100),
        Widget("select", "Any treatment", options="categories"),
        strip=True,
        clean=clean_treatment,
        condition=field_is("treatment_category"),
        index=IndexNeed("equals", TREATMENT),
        facet=FacetDecl("treatment", "Treatment", ("treatment", "subcategory"), IndexNeed("equals", TREATMENT)),
        labels="categories",
        removes=("treatment", "subcategory"),
        chip=treatment_chip,
    ),
    Param(
        "subcategory",
        "Subcategory",
        "A subcategory slug of the treatment category.",
        "item",
        lambda: django_filters.CharFilter(label="Treatment subcategory", max_length=60),
        Widget("select", options="subcategories", slot="subcategory-field"),
        strip=True,
        condition=field_is("treatment_subcategory"),
        index=IndexNeed("equals", SUBCATEGORY, value=lambda value, cleaned: f"{cleaned.get('treatment')}/{value}"),
        facet=FacetDecl(
            "subcategory",
            "Treatment subcategory",
            ("subcategory",),
            IndexNeed("equals", SUBCATEGORY),
            clicks=clicked_subcategory,
            selected=selected_subcategory,
        ),
        labels="subcategories",
        shows_chip=False,  # the treatment's chip names it
    ),
    Param(
        "request",
        "Words in the request",
        "Words (same syntax and expansion as q) that must be in the request of one and the same disputed item"
        " as the other item filters: request=Norco&outcome=overturned counts the letters where a Norco item was overturned.",
        "item",
        lambda: django_filters.CharFilter(label="Words in the request", max_length=500),
        Widget("input", attrs={"placeholder": "e.g. Norco", "autocomplete": "off"}, label="Words in one request"),
        strip=True,
        clean=clean_request,
        condition=lambda value, cleaned: Q(id__in=items_whose_request_matches(cleaned)),
        index=IndexNeed("item_text", ITEM_ID),
    ),
    Param(
        "drug",
        "Drug",
        "A generic ingredient, lower case (hydrocodone: also Norco, Vicodin…), of one and the same disputed item.",
        "item",
        lambda: django_filters.CharFilter(label="Drug", max_length=100),
        Widget("input", attrs={"placeholder": "e.g. hydrocodone", "autocomplete": "off"}),
        strip=True,
        clean=clean_drug,
        condition=holds("ingredients"),
        index=IndexNeed("contains", INGREDIENTS),
        facet=FacetDecl("drug", "Drug", ("drug",), IndexNeed("contains", INGREDIENTS)),
    ),
    Param(
        "body_region",
        "Body region",
        "A body region slug of the parse schema (lumbar-spine, knee…), of one and the same disputed item.",
        "item",
        lambda: django_filters.ChoiceFilter(label="Body region", choices=BODY_REGIONS),
        Widget("select", "Any body region"),
        condition=field_is("body_region"),
        index=IndexNeed("equals", BODY_REGION),
        facet=FacetDecl("body_region", "Body region", ("body_region",), IndexNeed("equals", BODY_REGION)),
        labels="body_regions",
    ),
    *number_range(
        "quantity_min", "quantity_max", ("Quantity from", "Quantity to"), "Quantity (sessions, units)",
        lambda bound: f"The item's quantity (sessions, visits or units) {bound} this, of one and the same disputed item"
        " (e.g. acupuncture beyond 6 visits: quantity_min=7).",
        "item", QUANTITY, "quantity", 100_000,
    ),  # fmt: skip
    Param(
        "guideline",
        "Guideline",
        "A guideline slug (see /guidelines/), cited by the IMR reviewer (or cited_by).",
        "citation",
        lambda: django_filters.CharFilter(label="Guideline", max_length=200),
        Widget("select", "Any guideline", options="guidelines"),
        strip=True,
        clean=clean_guideline,
        condition=cited_guideline,
        index=IndexNeed("contains", by_role=CITED_GUIDELINES, value=lambda value, cleaned: cleaned.get("guideline_id")),
        facet=FacetDecl("guideline", "Guideline", ("guideline",), IndexNeed("contains", by_role=CITED_GUIDELINES), sends="guideline_slugs"),
        labels="guideline_titles",
    ),
    Param(
        "source",
        "Source",
        "MTUS, ODG or other: the source of a guideline cited by the IMR reviewer (or cited_by).",
        "citation",
        lambda: django_filters.ChoiceFilter(label="Guideline source", choices=Source.choices),
        Widget("select", "Any source", label="Guideline source", before="guideline"),
        condition=array_holds(CITED_SOURCES),
        index=IndexNeed("contains", by_role=CITED_SOURCES),
        facet=FacetDecl("source", "Guideline source", ("source",), IndexNeed("contains", by_role=CITED_SOURCES)),
        labels="sources",
    ),
    Param(
        "cited_by",
        "Cited by",
        "Whose citations guideline and source read: the IMR reviewer's (default) or the claims administrator's.",
        "option",
        lambda: django_filters.ChoiceFilter(label="Cited by", choices=CitedBy.choices, empty_label="IMR reviewer (default)"),
        Widget("select", "IMR reviewer", options="cited_by", label="Guidelines cited by"),
        clean=clean_cited_by,
    ),
    Param(
        "specialty",
        "Specialty",
        "A reviewer specialty slug, e.g. orthopaedic-surgery.",
        "letter",
        lambda: django_filters.CharFilter(label="Reviewer specialty", max_length=120),
        Widget("select", "Any specialty", options="specialties", label="Reviewer specialty"),
        strip=True,
        clean=clean_slug("specialty"),
        condition=reviewer_has("specialty_slugs"),
        index=IndexNeed("contains", SPECIALTIES),
        facet=FacetDecl("specialty", "Reviewer specialty", ("specialty",), IndexNeed("contains", SPECIALTIES)),
        labels="specialty_names",
    ),
    Param(
        "state",
        "Licensed in",
        "A two-letter state the reviewer is licensed in.",
        "letter",
        lambda: django_filters.CharFilter(label="Reviewer licensed in", max_length=2),
        Widget("input", attrs={"maxlength": "2", "placeholder": "CA", "autocomplete": "off"}, label="Reviewer licensed in"),
        strip=True,
        clean=clean_state,
        condition=reviewer_has("licensed_states"),
        index=IndexNeed("contains", STATES),
        facet=FacetDecl("state", "Reviewer licensed in", ("state",), IndexNeed("contains", STATES)),
    ),
    Param(
        "sex",
        "Sex",
        "The patient's sex: male or female.",
        "letter",
        lambda: django_filters.ChoiceFilter(label="Patient sex", choices=Sex.choices),
        Widget("select", "Any", label="Patient sex"),
        condition=field_is("patient_sex"),
        index=IndexNeed("equals", SEX),
        facet=FacetDecl("sex", "Patient sex", ("sex",), IndexNeed("equals", SEX)),
        labels="sexes",
    ),
    *number_range(
        "age_min", "age_max", ("Age from", "Age to"), "Patient age",
        lambda bound: f"Patient age {bound} this many years.", "letter", AGE, "patient_age", 130,
    ),  # fmt: skip
    *date_range(
        "decided",
        "Decided",
        "Decided",
        DECIDED,
        "decision_date",
        FacetDecl(
            "year",
            "Decision year",
            ("decided_from", "decided_to"),
            IndexNeed("at_least", DECIDED),
            years=True,
            clicks=clicked_year,
            selected=selected_year,
        ),
    ),
    *date_range("injured", "Injured", "Injured", INJURED, "date_of_injury"),
    Param(
        "sort",
        "Sort",
        "relevance (the default with q), -decided (newest first, the default without), decided.",
        "option",
        lambda: django_filters.ChoiceFilter(label="Sort", choices=Sort.CHOICES, empty_label=None),
        Widget("select", "Best match, or newest", label="Sort by"),
        clean=clean_sort,
    ),
)

PARAMS_BY_NAME: dict[str, Param] = {param.name: param for param in PARAMS}
FACETS: tuple[FacetDecl, ...] = tuple(param.facet for param in PARAMS if param.facet is not None)
FACETS_BY_NAME: dict[str, FacetDecl] = {facet.name: facet for facet in FACETS}
# Parameters at each level, as the SQL combines them (item and citation ones on one and the same item).
LETTER_PARAMS = tuple(param.name for param in PARAMS if param.level == "letter")
ITEM_PARAMS = tuple(param.name for param in PARAMS if param.level in ("item", "citation"))
SEARCH_PARAMS = tuple(param.name for param in PARAMS)


def columns() -> list[Column]:
    """Every column the read model keeps, each once."""
    found: dict[str, Column] = {}
    for param in PARAMS:
        needs = [param.index] if param.index else []
        needs += [param.facet.need] if param.facet else []
        for need in needs:
            for column in need.columns():
                found.setdefault(column.name, column)
    return list(found.values())


def is_set(value: Any) -> bool:
    return value not in (None, "")


def active_params(cleaned: Cleaned) -> list[str]:
    """The parameters that narrow the search (sort and cited_by alone do not): the letter-level ones,
    then the item-level ones (the order of chips, suggestions and export file names)."""
    return [name for name in (*LETTER_PARAMS, *ITEM_PARAMS) if is_set(cleaned.get(name))]


def clicks(facet: FacetDecl, value: str) -> dict[str, str]:
    """The query parameters clicking a facet value sets."""
    return facet.clicks(value) if facet.clicks is not None else {facet.name: value}


def selected(facet: FacetDecl, cleaned: Cleaned) -> str:
    return facet.selected(cleaned) if facet.selected is not None else str(cleaned.get(facet.name) or "")


def chip_label(param: Param, cleaned: Cleaned, lookups: Mapping[str, Mapping[str, str]]) -> str:
    """An active filter as people read it: names rather than slugs and codes."""
    if param.chip is not None:
        return param.chip(cleaned, lookups)
    value = cleaned[param.name]
    labels = lookups.get(param.labels, {})
    return f"{param.label}: {labels.get(str(value), value)}"


def days_of(value: date | float) -> float:
    return (value - date(1970, 1, 1)).days if isinstance(value, date) else float(value)
