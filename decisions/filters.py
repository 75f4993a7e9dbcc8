"""The one definition of what a search query string means (contract.md § Web).

``CaseFilterSet`` validates the parameters; the functions below turn its cleaned data into
conditions. Item-level filters (outcome, treatment, subcategory, guideline, source, read with
cited_by) are combined into ONE ``Exists`` over ``DisputedItem``, so they must all hold for one
and the same disputed item. Every condition builder takes ``exclude``: facet counts ask "what
would this search give with my own filter replaced", which is the same search minus some params.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Collection, Mapping
from datetime import date
from functools import reduce
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from decisions import query
from decisions.models import Case, CitedBy, DisputedItem, Guideline, Outcome, Reviewer, Sex, Source
from decisions.parsing.taxonomy import CATEGORIES, SUBCATEGORIES

SEARCH_CONFIG = "english"

CASE_PARAMS = ("q", "specialty", "state", "sex", "age_min", "age_max", "decided_from", "decided_to", "injured_from", "injured_to")
ITEM_PARAMS = ("outcome", "treatment", "subcategory", "guideline", "source")
CITATION_PARAMS = ("guideline", "source")
# Every parameter a search understands, in the order the page shows them.
SEARCH_PARAMS = (*CASE_PARAMS[:1], *ITEM_PARAMS, "cited_by", *CASE_PARAMS[1:], "sort")

PARAM_LABELS = {
    "q": "Words",
    "outcome": "Outcome",
    "treatment": "Treatment",
    "subcategory": "Subcategory",
    "guideline": "Guideline",
    "source": "Source",
    "specialty": "Specialty",
    "state": "Licensed in",
    "sex": "Sex",
    "age_min": "Age from",
    "age_max": "Age to",
    "decided_from": "Decided from",
    "decided_to": "Decided to",
    "injured_from": "Injured from",
    "injured_to": "Injured to",
}


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "-decided"
    OLDEST = "decided"
    CHOICES = [(RELEVANCE, "Relevance"), (NEWEST, "Newest first"), (OLDEST, "Oldest first")]


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATE_RE = re.compile(r"^[A-Za-z]{2}$")


class SearchForm(forms.Form):
    """The filter form, with the checks that span fields or need the database."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_search_params(self, cleaned)
        return cleaned


class CaseFilterSet(django_filters.FilterSet):
    """Validates a search; ``filter_queryset`` applies all of it to a Case queryset."""

    q = django_filters.CharFilter(label="Search the letters", max_length=500)
    exact = django_filters.BooleanFilter(
        label="Only the words typed",
        help_text="Search the words as typed, without their other names (brand and generic drug names, abbreviations).",
        widget=forms.CheckboxInput,
    )
    outcome = django_filters.ChoiceFilter(label="Outcome", choices=Outcome.choices)
    treatment = django_filters.CharFilter(label="Treatment", max_length=100)
    subcategory = django_filters.CharFilter(label="Treatment subcategory", max_length=60)
    guideline = django_filters.CharFilter(label="Guideline", max_length=200)
    source = django_filters.ChoiceFilter(label="Guideline source", choices=Source.choices)
    cited_by = django_filters.ChoiceFilter(label="Cited by", choices=CitedBy.choices, empty_label="IMR reviewer (default)")
    specialty = django_filters.CharFilter(label="Reviewer specialty", max_length=120)
    state = django_filters.CharFilter(label="Reviewer licensed in", max_length=2)
    sex = django_filters.ChoiceFilter(label="Patient sex", choices=Sex.choices)
    age_min = django_filters.NumberFilter(label="Age from", min_value=0, max_value=130)
    age_max = django_filters.NumberFilter(label="Age to", min_value=0, max_value=130)
    decided_from = django_filters.DateFilter(label="Decided from")
    decided_to = django_filters.DateFilter(label="Decided to")
    injured_from = django_filters.DateFilter(label="Injured from")
    injured_to = django_filters.DateFilter(label="Injured to")
    sort = django_filters.ChoiceFilter(label="Sort", choices=Sort.CHOICES, empty_label=None)

    class Meta:
        model = Case
        fields: list[str] = []
        form = SearchForm

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        return filter_cases(queryset, self.form.cleaned_data)


def clean_search_params(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Cross-field checks and normalisation; errors name their field."""
    for name in ("q", "treatment", "subcategory", "guideline", "specialty", "state"):
        cleaned[name] = (cleaned.get(name) or "").strip()
    # Full-width and other compatibility forms (ｎｏｒｃｏ, ligatures) search as their plain letters.
    cleaned["q"] = " ".join(unicodedata.normalize("NFKC", cleaned["q"]).split())
    check_words(form, cleaned)
    split_treatment(form, cleaned)
    check_treatment(form, cleaned)
    check_guideline(form, cleaned)
    check_slug(form, cleaned, "specialty")
    check_state(form, cleaned)
    check_range(form, cleaned, "age_min", "age_max")
    check_range(form, cleaned, "decided_from", "decided_to")
    check_range(form, cleaned, "injured_from", "injured_to")
    cleaned["cited_by"] = cleaned.get("cited_by") or CitedBy.REVIEWER
    cleaned["sort"] = cleaned.get("sort") or default_sort(cleaned)
    if cleaned["sort"] == Sort.RELEVANCE and not cleaned["q"]:
        cleaned["sort"] = Sort.NEWEST


def default_sort(cleaned: Mapping[str, Any]) -> str:
    return Sort.RELEVANCE if cleaned.get("q") else Sort.NEWEST


def split_treatment(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """``treatment=medication/opioid`` is the same as ``treatment=medication&subcategory=opioid``."""
    if "/" not in cleaned["treatment"]:
        return
    category, _, subcategory = cleaned["treatment"].partition("/")
    if cleaned["subcategory"] and cleaned["subcategory"] != subcategory:
        form.add_error("subcategory", f"contradicts treatment={cleaned['treatment']}")
    cleaned["treatment"], cleaned["subcategory"] = category, subcategory


def check_treatment(form: forms.Form, cleaned: dict[str, Any]) -> None:
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


def check_words(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Read the words (``cleaned["words"]``, expanded unless ``exact``). Words that leave nothing to
    search for (only very common words, or only operators) are refused with the reason, rather
    than answered with "no letters match"."""
    cleaned.update(with_words(cleaned, cleaned["q"]))
    if not cleaned["q"]:
        return
    typed = query.parse_words(cleaned["q"])
    texts = [term.text for clause in typed.clauses for term in clause.terms]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(bool_or(numnode(plainto_tsquery(%s::regconfig, t)) > 0), false) FROM unnest(%s::text[]) t",
            [SEARCH_CONFIG, texts],
        )
        searchable = cursor.fetchone()[0]
    if not searchable:
        form.add_error(
            "q", "has no word to search for: very common words (the, and, of…) and operators alone (OR, -, quotes) match nothing"
        )
    elif query.term_count(cleaned["words"]) > query.MAX_TERMS:
        form.add_error("q", f"has too many words and names to search at once (at most {query.MAX_TERMS}): use fewer words")


def with_words(cleaned: Mapping[str, Any], text: str) -> dict[str, Any]:
    """``cleaned`` searching ``text`` instead: its words read, and expanded unless ``exact``."""
    typed = query.parse_words(text)
    return {**cleaned, "q": text, "words": typed if cleaned.get("exact") else query.expanded(typed)}


def check_guideline(form: forms.Form, cleaned: dict[str, Any]) -> None:
    slug = cleaned["guideline"]
    cleaned["guideline_id"] = None
    if not slug:
        return
    guideline_id = Guideline.objects.filter(slug=slug).values_list("id", flat=True).first() if SLUG_RE.match(slug) else None
    if guideline_id is None:
        form.add_error("guideline", f"no guideline has the slug {slug!r} (see /guidelines/)")
    cleaned["guideline_id"] = guideline_id


def check_slug(form: forms.Form, cleaned: dict[str, Any], name: str) -> None:
    if cleaned[name] and not SLUG_RE.match(cleaned[name]):
        form.add_error(name, "use a slug: lower-case letters, digits and hyphens, e.g. orthopaedic-surgery")


def check_state(form: forms.Form, cleaned: dict[str, Any]) -> None:
    cleaned["state"] = cleaned["state"].upper()
    if cleaned["state"] and not STATE_RE.match(cleaned["state"]):
        form.add_error("state", "use a two-letter postal code, e.g. CA")  # (also drops it from cleaned)


def check_range(form: forms.Form, cleaned: dict[str, Any], low: str, high: str) -> None:
    if cleaned.get(low) is not None and cleaned.get(high) is not None and cleaned[low] > cleaned[high]:
        form.add_error(high, f"must not be before {low} ({cleaned[low]})")


def active_params(cleaned: Mapping[str, Any]) -> list[str]:
    """The filter parameters that narrow the search (sort and cited_by alone do not)."""
    return [name for name in (*CASE_PARAMS, *ITEM_PARAMS) if cleaned.get(name) not in (None, "")]


def search_query(cleaned: Mapping[str, Any]) -> SearchQuery | None:
    """The words of a search as one PostgreSQL text query (each term through the search configuration)."""
    words: query.WordQuery | None = cleaned.get("words")
    if not cleaned.get("q") or not words:
        return None
    combined: Any = None
    for clause in words.clauses:
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


def filter_cases(queryset: QuerySet[Case], cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> QuerySet[Case]:
    """All filters of a search, except those named in ``exclude``."""
    queryset = queryset.filter(case_conditions(cleaned, exclude))
    item_condition = item_conditions(cleaned, exclude)
    if item_condition is not None:
        queryset = queryset.filter(Exists(DisputedItem.objects.filter(item_condition, case=OuterRef("pk"))))
    return queryset


def case_conditions(cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Q:
    """The letter-level filters as one Q on Case."""
    value = {name: cleaned.get(name) for name in CASE_PARAMS if name not in exclude}
    condition = Q()
    words = search_query(cleaned) if "q" not in exclude else None
    if words is not None:
        condition &= Q(search_vector=words)
    if value.get("specialty"):
        condition &= Q(reviewer_id__in=Reviewer.objects.filter(specialty_slugs__contains=[value["specialty"]]).values("id"))
    if value.get("state"):
        condition &= Q(reviewer_id__in=Reviewer.objects.filter(licensed_states__contains=[value["state"]]).values("id"))
    if value.get("sex"):
        condition &= Q(patient_sex=value["sex"])
    condition &= bounds("patient_age", value.get("age_min"), value.get("age_max"))
    condition &= bounds("decision_date", value.get("decided_from"), value.get("decided_to"))
    condition &= bounds("date_of_injury", value.get("injured_from"), value.get("injured_to"))
    return condition


def bounds(field: str, low: float | date | None, high: float | date | None) -> Q:
    condition = Q()
    if low is not None:
        condition &= Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lte": high})
    return condition


def item_conditions(cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Q | None:
    """The item-level filters as one Q on DisputedItem (None when there are none)."""
    value = {name: cleaned.get(name) for name in ITEM_PARAMS if name not in exclude}
    condition = Q()
    if value.get("outcome"):
        condition &= Q(outcome=value["outcome"])
    if value.get("treatment"):
        condition &= Q(treatment_category=value["treatment"])
    if value.get("subcategory"):
        condition &= Q(treatment_subcategory=value["subcategory"])
    citation = citation_conditions(cleaned, exclude)
    if citation is not None:
        condition &= citation
    return condition if condition else None


def citation_conditions(cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Q | None:
    """Guideline and source, read on the citations of ``cited_by`` (the reviewer's by default).

    They test the item's copies of its citations (``DisputedItem.*_guideline_ids`` and ``*_sources``)
    rather than joining Citation: the same answer, one narrow row per item.
    """
    guideline_id = cleaned.get("guideline_id") if "guideline" not in exclude and cleaned.get("guideline") else None
    source = cleaned.get("source") if "source" not in exclude else None
    if guideline_id is None and not source:
        return None
    ids_field, sources_field = citation_array_fields(cleaned)
    condition = Q()
    if guideline_id is not None:
        condition &= Q(**{f"{ids_field}__contains": [guideline_id]})
    if source:
        condition &= Q(**{f"{sources_field}__contains": [source]})
    return condition


def citation_array_fields(cleaned: Mapping[str, Any]) -> tuple[str, str]:
    """The DisputedItem columns holding the guideline ids and sources of ``cited_by``'s citations."""
    if cleaned.get("cited_by") == CitedBy.CLAIMS_ADMINISTRATOR:
        return "claims_guideline_ids", "claims_sources"
    return "reviewer_guideline_ids", "reviewer_sources"


def cleaned_params(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a query string: (cleaned data, errors by field)."""
    filterset = CaseFilterSet(data)
    form = filterset.form
    if form.is_valid():
        return form.cleaned_data, {}
    errors = {field: [str(message) for message in messages] for field, messages in form.errors.items()}
    return form.cleaned_data, errors
