"""The one read path: the HTML list, the API and the CSV export all validate through
``validate_search``; the list and the API receive from ``search_cases`` a complete page
(``SearchPage``: rows, totals, facets, suggestions, chips, the form's fields), computed before any
template or serializer reads it.

Performance notes (100k letters, ~200k items, see benchmarks/search_speed.py):
- item-level filters test narrow copies of each item's citations (``DisputedItem.reviewer_*`` and
  ``claims_*`` arrays) instead of joining Citation;
- the totals and every facet count are counted in memory by ``decisions.facets`` (numpy columns
  of the archive, rebuilt when it changes); only the full-text match is asked of PostgreSQL;
- labels of facet values and chips, and the form's guidelines and specialties, are read with the
  facet index (at its version), not per page;
- the page of 25 letters, its order and its headlines (``<mark>``) come from PostgreSQL.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.paginator import EmptyPage, InvalidPage, Page, Paginator
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, QuerySet, TextField, Value, When
from django.db.models import Case as Choose
from django.db.models.functions import Left, Length
from django.db.models.lookups import LessThanOrEqual
from django.http import QueryDict
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from decisions.facets import FacetIndex, OrderedIds, SearchCounts, current_index, position_of
from decisions.filters import case_conditions, cleaned_params, filter_cases, item_words, searched_items
from decisions.models import SEARCHED_CHARS, Case, CitedBy, DisputedItem, Guideline, Source
from decisions.ordering import in_search_order, is_ranked
from decisions.search_params import (
    FACETS,
    ITEM_PARAMS,
    LOOKUPS,
    PARAMS,
    PARAMS_BY_NAME,
    SEARCH_CONFIG,
    FacetDecl,
    Param,
    Sort,
    active_params,
    chip_label,
    clicks,
    is_set,
    search_query,
    selected,
    with_words,
)

PAGE_SIZE = 25
MAX_PAGES = 200
FACET_TOP = 8
# Private-use characters: the parser removes them from letter text, so only highlights carry them.
MARK_START, MARK_STOP = "\ue000", "\ue001"
# Kept for the search only; no page, API response or export shows them, so letters are read without them.
SEARCH_ONLY_FIELDS = ("search_vector", "search_requests", "search_rationales")
Lookups = Mapping[str, Mapping[str, str]]


# --- links that keep a search ----------------------------------------------------------------------


def as_query_dict(params: Mapping[str, Any]) -> QueryDict:
    if isinstance(params, QueryDict):
        return params
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    return query


def query_string(params: QueryDict, *, drop: Iterable[str] = (), updates: Mapping[str, str] | None = None) -> str:
    """``?...`` with ``page`` and ``drop`` removed and ``updates`` set; empty values left out."""
    updates = updates or {}
    removed = {"page", *drop, *updates}  # read as they are: a copy of the QueryDict is a deep copy (the list has ~100 links)
    pairs = [(name, value) for name, values in params.lists() if name not in removed for value in values if value != ""]
    pairs += [(name, value) for name, value in updates.items() if value]
    return "?" + urlencode(pairs) if pairs else "?"


# --- facets ---------------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    own_params: tuple[str, ...] = ()

    @property
    def top(self) -> list[FacetValue]:
        """The most frequent values, and a selected one however rare (so it can be seen and removed)."""
        return self.values[:FACET_TOP] + [value for value in self.values[FACET_TOP:] if value.selected]

    @property
    def more(self) -> list[FacetValue]:
        return [value for value in self.values[FACET_TOP:] if not value.selected]

    def as_counts(self) -> dict[str, int]:
        return {value.value: value.count for value in self.values}


def lookups(index: FacetIndex | None = None) -> dict[str, Mapping[str, str]]:
    """Every value-to-label lookup: those read from the archive as the facet index holds them (no query)."""
    held = (index or current_index()).lookups
    return {name: held[name] if lookup.archive else lookup.read() for name, lookup in LOOKUPS.items()}


def facet_param(facet: FacetDecl) -> Param:
    return PARAMS_BY_NAME[facet.own_params[0]]


def build_facets(cleaned: Mapping[str, Any], counts: Mapping[str, Counter[str]], labels: Lookups) -> dict[str, Facet]:
    """Counts turned into labelled, ordered facet values (values as a click sends them)."""
    built = {}
    for facet in FACETS:
        counter = counts.get(facet.name, Counter())
        if facet.sends:  # e.g. a guideline's id as its slug
            sends = labels[facet.sends]
            counter = Counter({sends.get(value, value): count for value, count in counter.items()})
        built[facet.name] = make_facet(facet, counter, labels.get(facet_param(facet).labels, {}), cleaned)
    return built


def make_facet(facet: FacetDecl, counter: Counter[str], labels: Mapping[str, str], cleaned: Mapping[str, Any]) -> Facet:
    chosen = selected(facet, cleaned)
    if chosen and chosen not in counter:
        counter[chosen] = 0
    if facet.years:
        ordered = sorted(counter.items(), reverse=True)
    else:
        ordered = sorted(counter.items(), key=lambda pair: (-pair[1], labels.get(pair[0], pair[0])))
    values = [FacetValue(value, labels.get(value, value), count, value == chosen) for value, count in ordered]
    return Facet(facet.name, facet.label, values, facet.own_params)


def facet_params(name: str, value: str) -> dict[str, str]:
    """The query parameters that clicking a facet value sets."""
    return clicks(next(facet for facet in FACETS if facet.name == name), value)


def matching_items(cleaned: Mapping[str, Any], excluded: Iterable[str] = ()) -> QuerySet[DisputedItem]:
    """Items that satisfy the item-level filters (and hold the words, with ``q``), in letters that
    satisfy the letter-level ones."""
    items = DisputedItem.objects.all()
    condition = searched_items(cleaned, tuple(excluded))
    if condition is not None:
        items = items.filter(condition)
    letter_condition = case_conditions(cleaned)
    if letter_condition:
        items = items.filter(case_id__in=Case.objects.filter(letter_condition).values("id"))
    return items.order_by()


# --- a validated search -------------------------------------------------------------------------


@dataclass
class Search:
    """A validated search (nothing counted): what the export, a letter's page and the list share."""

    cleaned: dict[str, Any]
    errors: dict[str, list[str]]
    query: SearchQuery | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def sort(self) -> str:
        return str(self.cleaned.get("sort") or Sort.NEWEST)

    @property
    def ranked(self) -> bool:
        return is_ranked(self.sort, self.query)

    @property
    def active(self) -> list[str]:
        return active_params(self.cleaned)

    @property
    def items_counted(self) -> str:
        """In words, which disputed items the item count (and the item facets, the export) counts."""
        words = bool(self.cleaned.get("q"))
        filtered = any(is_set(self.cleaned.get(name)) for name in ITEM_PARAMS)
        if words and filtered:
            return "disputed items that meet the item filters and have the words in their own request or rationale"
        if words:
            return "disputed items that have the words in their own request or rationale"
        if filtered:
            return "disputed items that meet the item filters"
        return "disputed items of these letters"

    def letters(self, sort: str | None = None) -> QuerySet[Case]:
        """The search's letters in its order, or in ``sort`` (a queryset, not yet read)."""
        if self.errors:
            return Case.objects.none()
        cases = filter_cases(Case.objects.select_related("reviewer").defer(*SEARCH_ONLY_FIELDS), self.cleaned)
        return in_search_order(cases, sort or self.sort, self.query)

    @property
    def queryset(self) -> QuerySet[Case]:
        return self.letters()

    def counts(self, index: FacetIndex | None = None) -> SearchCounts:
        """Totals and facet counts, computed together (the facet index)."""
        if self.errors:
            return SearchCounts(0, 0, {})
        return (index or current_index()).count(self.cleaned)


def first_page_counts(index: FacetIndex) -> SearchCounts:
    """The counts of the list's first page, the search that narrows nothing (kept by the index)."""
    return validate_search({}).counts(index)


def validate_search(params: Mapping[str, Any]) -> Search:
    """Validate a query string (``page`` too, when it is given)."""
    cleaned, errors = cleaned_params(params)
    if "page" in params:
        try:
            parse_page_number(params.get("page"))
        except InvalidPage as error:
            errors["page"] = [str(error)]
    return Search(cleaned, errors, search_query(cleaned) if not errors else None)


# --- the page of a search -----------------------------------------------------------------------


@dataclass
class ItemRow:
    """One disputed item as the result list shows it."""

    item: DisputedItem
    snippet: SafeString
    request_html: SafeString
    matches: bool


@dataclass
class CaseRow:
    case: Case
    items: list[ItemRow] = field(default_factory=list)
    summary_snippet: SafeString | None = None


@dataclass
class ResultPage:
    page: Page[Any]
    rows: list[CaseRow]
    capped: bool  # the requested page lies beyond MAX_PAGES
    requested: int = 1  # the page asked for; ``page`` is the last one when it lies beyond

    @property
    def beyond_last(self) -> bool:
        return self.requested > self.page.number


@dataclass
class Suggestion:
    label: str
    params: dict[str, str]
    count: int
    href: str = ""


@dataclass
class Chip:
    label: str
    href: str


@dataclass
class FormField:
    """One field of the search form, with its options and value as the page shows them."""

    name: str
    label: str
    kind: str  # "select" or "input"
    value: str
    attrs: SafeString
    any_label: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    unknown: bool = False  # the value sent is none of the options: shown as "(unknown)"
    slot: str = ""
    group: str = ""  # the legend of the range it is one end of


@dataclass
class FormRow:
    """A field, or (``legend``) the two ends of a range, or a slot (``slot``) that may be empty."""

    fields: list[FormField]
    legend: str = ""
    slot: str = ""


@dataclass
class SearchPage:
    """Everything the list page and the API show of one search, computed by ``search_cases``."""

    search: Search
    params: QueryDict
    counts: SearchCounts
    facets: dict[str, Facet]
    page: ResultPage | None
    suggestions: list[Suggestion]
    chips: list[Chip]
    form: list[FormRow]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def cleaned(self) -> dict[str, Any]:
        return self.search.cleaned

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.search.errors

    @property
    def is_valid(self) -> bool:
        return self.search.is_valid

    @property
    def query(self) -> SearchQuery | None:
        return self.search.query

    @property
    def also_searching(self) -> list[str]:
        """The other names the words were expanded to (brand and generic drugs, abbreviations)."""
        words = self.cleaned.get("words") if self.cleaned.get("q") and not self.errors else None
        return words.also_searching if words else []

    @property
    def queryset(self) -> QuerySet[Case]:
        return self.search.letters()

    @property
    def total(self) -> int:
        return self.counts.letters

    @property
    def item_total(self) -> int:
        return self.counts.items

    @property
    def items_counted(self) -> str:
        return self.search.items_counted

    @property
    def active(self) -> list[str]:
        return self.search.active

    @property
    def filter_count(self) -> int:
        """How many filters narrow the search beyond its words (a treatment with its subcategory is one)."""
        return len([name for name in self.active if name != "q" and PARAMS_BY_NAME[name].shows_chip])

    @property
    def has_filters(self) -> bool:
        """Filters beyond the words of the query."""
        return any(name != "q" for name in self.active) or self.cleaned.get("cited_by") == CitedBy.CLAIMS_ADMINISTRATOR

    @property
    def page_count(self) -> int:
        return min(MAX_PAGES, max(1, -(-self.total // PAGE_SIZE)))


def search_cases(params: Mapping[str, Any], *, page: bool = True) -> SearchPage:
    """Validate the query string and compute the whole page it asks for (``page=False``: without
    the page of letters, e.g. for a feed that reads its own)."""
    search = validate_search(params)
    query = as_query_dict(params)
    index = current_index()  # one version for the whole page: counts, labels, suggestions
    labels = lookups(index)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    counts = search.counts(index)
    timings["counts"] = time.perf_counter() - started
    if not search.is_valid:
        return SearchPage(search, query, counts, {}, None, [], [], form_rows(search, query, labels), timings)
    facets = build_facets(search.cleaned, counts.facets, labels)
    results = result_page(search, counts, query.get("page")) if page else None
    suggestions = [] if counts.letters else empty_result_suggestions(search.cleaned, query, index, labels)
    chips = filter_chips(search.cleaned, query, labels)
    return SearchPage(search, query, counts, facets, results, suggestions, chips, form_rows(search, query, labels), timings)


def result_page(search: Search, counts: SearchCounts, number: int | str | None) -> ResultPage:
    """One page of letters with their items and snippets; pages beyond MAX_PAGES are refused."""
    letters: Sequence[Case] | QuerySet[Case] = (
        search.letters() if counts.ordered_ids is None else LettersById(search.letters(), counts.ordered_ids)
    )
    paginator = Paginator(letters, PAGE_SIZE)
    paginator.count = counts.letters  # counted once, shared with the page links
    requested = parse_page_number(number)
    capped = requested > MAX_PAGES
    try:
        page = paginator.page(min(requested, MAX_PAGES))
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    return ResultPage(page, attach_items(list(page.object_list), search.cleaned, search.query), capped, requested)


def filter_chips(cleaned: Mapping[str, Any], params: QueryDict, labels: Lookups) -> list[Chip]:
    """One removable chip per active filter."""
    chips = [
        Chip(chip_label(PARAMS_BY_NAME[name], cleaned, labels), query_string(params, drop=PARAMS_BY_NAME[name].removed_with))
        for name in active_params(cleaned)
        if PARAMS_BY_NAME[name].shows_chip
    ]
    if cleaned.get("cited_by") == CitedBy.CLAIMS_ADMINISTRATOR:
        chips.append(Chip("Cited by: claims administrator", query_string(params, drop=("cited_by",))))
    return chips


class LettersById(Sequence[Case]):
    """The letters of a search, in the order the counting pass already put them in (by rank or date).

    Slicing fetches only that page's letters (through the search's own queryset, so the rows are
    exactly what it would return) and keeps that order.
    """

    def __init__(self, queryset: QuerySet[Case], ids: OrderedIds) -> None:
        self.queryset = queryset
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Case: ...
    @overload
    def __getitem__(self, index: slice) -> list[Case]: ...
    def __getitem__(self, index: int | slice) -> Case | list[Case]:
        if isinstance(index, int):
            return self.queryset.get(pk=int(self.ids[index]))
        wanted = [int(pk) for pk in self.ids[index]]
        found = self.queryset.in_bulk(wanted)
        return [found[pk] for pk in wanted if pk in found]


def parse_page_number(number: int | str | None) -> int:
    if number in (None, ""):
        return 1
    try:
        value = int(str(number))
    except ValueError:
        raise InvalidPage("page must be a whole number") from None
    if value < 1:
        raise InvalidPage("page must be 1 or more")
    return value


# --- the form ----------------------------------------------------------------------------------------


GUIDELINE_GROUPS = {
    Source.MTUS.value: "MTUS",
    Source.ODG.value: "ODG",
    Source.OTHER.value: "Other guidelines",
    "reference": "Web pages and other references",
}


def form_rows(search: Search, params: QueryDict, labels: Lookups) -> list[FormRow]:
    """The filter panel's fields, one per declared parameter (the two ends of a range in one row)."""
    rows: list[FormRow] = []
    for param in form_order():
        field_ = form_field(param, search, params, labels)
        if param.widget.group and rows and rows[-1].legend == param.widget.group:
            rows[-1].fields.append(field_)
        elif param.widget.slot:
            rows.append(FormRow([field_] if field_.options else [], slot=param.widget.slot))
        else:
            rows.append(FormRow([field_], legend=param.widget.group))
    return rows


def form_order() -> list[Param]:
    """The parameters the filter panel shows, in the registry's order but for those placed ``before`` another."""
    shown = [param for param in PARAMS if param.widget.kind != "none" and not param.widget.before]
    for param in PARAMS:
        if param.widget.before:
            shown.insert(next(i for i, other in enumerate(shown) if other.name == param.widget.before), param)
    return shown


def form_field(param: Param, search: Search, params: QueryDict, labels: Lookups) -> FormField:
    widget = param.widget
    sent = params.get(param.name, "")
    value = sent if param.name not in ("treatment", "subcategory") else str(search.cleaned.get(param.name) or "")
    field_ = FormField(param.name, widget.label or param.label, widget.kind, value, field_attrs(param, search), widget.any_label)
    field_.slot, field_.group = widget.slot, widget.group
    if widget.kind != "select":
        return field_
    if widget.options == "guidelines":
        field_.groups = guideline_options(labels)
        field_.unknown = bool(value) and value not in labels["guideline_titles"]
    elif widget.options == "specialties":
        names = labels["specialty_names"]
        field_.options = sorted(names.items(), key=lambda pair: pair[1].lower())
        field_.unknown = bool(value) and value not in names
    elif widget.options == "subcategories":
        category = str(search.cleaned.get("treatment") or "")
        prefix = f"{category}/"
        field_.options = [(key.removeprefix(prefix), label) for key, label in labels["subcategories"].items() if key.startswith(prefix)]
        field_.any_label = f"Any {labels['categories'].get(category, category).lower()}"
    elif widget.options == "cited_by":
        field_.options = [(CitedBy.CLAIMS_ADMINISTRATOR.value, CitedBy.CLAIMS_ADMINISTRATOR.label)]
    elif widget.options:
        field_.options = list(labels[widget.options].items())
    else:
        field_.options = [(str(key), str(label)) for key, label in param.make_filter().extra["choices"]]
    return field_


def field_attrs(param: Param, search: Search) -> SafeString:
    """The field's HTML attributes, and `aria-invalid` pointing to its message when the search refused it."""
    attrs = SafeString("".join(format_html(' {}="{}"', name, value) for name, value in param.widget.attrs.items()))
    if param.name in search.errors:
        attrs += format_html(' aria-invalid="true" aria-describedby="error-{}"', param.name)
    return attrs


def guideline_options(labels: Lookups) -> list[tuple[str, list[tuple[str, str]]]]:
    """The guidelines by title, grouped by source (web pages and articles apart)."""
    groups: dict[str, list[tuple[str, str]]] = {label: [] for label in GUIDELINE_GROUPS.values()}
    titles, kinds = labels["guideline_titles"], labels["guideline_groups"]
    for slug, title in sorted(titles.items(), key=lambda pair: pair[1]):
        groups[GUIDELINE_GROUPS.get(kinds.get(slug, ""), GUIDELINE_GROUPS[Source.OTHER.value])].append((slug, title))
    return [(label, options) for label, options in groups.items() if options]


# --- rows, snippets and highlights ------------------------------------------------------------


def highlighted(text: str | None) -> SafeString:
    """ts_headline output with the letter's own text escaped and only our marks kept."""
    html = escape(text or "").replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> tags are added


# Highlights read what the search vector reads of each text (models.SEARCHED_CHARS): a page's cost
# never grows with one letter's size (ts_headline on a megabyte of text takes seconds).
HEADLINED_CHARS = {
    "request": SEARCHED_CHARS["requests"],
    "rationale": SEARCHED_CHARS["rationales"],
    "clinical_summary": SEARCHED_CHARS["clinical_summary"],
}


def headline(field_name: str, query: SearchQuery, *, whole: bool = False) -> SearchHeadline:
    options: dict[str, Any] = {"start_sel": MARK_START, "stop_sel": MARK_STOP}
    if whole:
        options["highlight_all"] = True
    else:
        options.update(max_words=40, min_words=18, max_fragments=2, fragment_delimiter=" … ")
    cap = HEADLINED_CHARS.get(field_name)
    if cap is None:
        return SearchHeadline(field_name, query, config=SEARCH_CONFIG, **options)
    if not whole:  # a snippet: from the searched part of the text
        return SearchHeadline(Left(field_name, cap), query, config=SEARCH_CONFIG, **options)
    # The whole text, marked where it is within the searched part; a longer one is shown unmarked.
    marked = SearchHeadline(field_name, query, config=SEARCH_CONFIG, **options)
    within = LessThanOrEqual(Length(field_name), cap)
    return Choose(When(within, then=marked), default=F(field_name), output_field=TextField())  # type: ignore[return-value]


def attach_items(cases: list[Case], cleaned: Mapping[str, Any], query: SearchQuery | None) -> list[CaseRow]:
    """Each letter with its items; headlines only for these rows."""
    rows = {case.id: CaseRow(case) for case in cases}
    items = DisputedItem.objects.filter(case_id__in=rows).order_by("case_id", "position")
    condition = searched_items(cleaned)
    if condition is not None:
        items = items.annotate(matches=ExpressionWrapper(condition, output_field=BooleanField()))
    if query is not None:
        items = items.annotate(request_hl=headline("request", query, whole=True), rationale_hl=rationale_snippet(cleaned, query))
    for item in items:
        rows[item.case_id].items.append(item_row(item, query is not None, condition is None))
    if query is not None:
        add_summary_snippets(rows, query)
    return list(rows.values())


def rationale_snippet(cleaned: Mapping[str, Any], query: SearchQuery) -> Choose | Value:
    """The rationale's headline where the item's own text holds the words (``filters.item_words``),
    else NULL (its opening words are shown): ts_headline over a long rationale costs ~0.25 ms, and
    most of a page's items do not hold the words."""
    holds_words = item_words(cleaned)
    if holds_words is None:  # only excluded words: no item holds a word to mark
        return Value(None, output_field=TextField())
    return Choose(When(holds_words, then=headline("rationale", query)), default=None, output_field=TextField())


def opening_words(text: str, count: int) -> str:
    """The first ``count`` words of ``text``, and "…" when there are more (Truncator.words, without
    splitting the whole of a long rationale)."""
    words = text.split(maxsplit=count)
    return " ".join(words) if len(words) <= count else " ".join(words[:count]) + "…"


def item_row(item: DisputedItem, searched: bool, all_match: bool) -> ItemRow:
    request_html = highlighted(item.request_hl) if searched else escape(item.request)  # type: ignore[attr-defined]
    marked = item.rationale_hl if searched else None  # type: ignore[attr-defined]
    snippet = highlighted(marked) if marked is not None else escape(opening_words(item.rationale, 40))
    return ItemRow(item, snippet, request_html, all_match or bool(getattr(item, "matches", False)))


def add_summary_snippets(rows: dict[int, CaseRow], query: SearchQuery) -> None:
    """Where no item shows a match, the clinical summary's headline says why the letter matched."""
    unmatched = [case_id for case_id, row in rows.items() if not any("<mark>" in i.snippet + i.request_html for i in row.items)]
    if not unmatched:
        return
    summaries = Case.objects.filter(id__in=unmatched).annotate(hl=headline("clinical_summary", query)).values_list("id", "hl")
    for case_id, text in summaries:
        rows[case_id].summary_snippet = highlighted(text)


# --- a search's feed -----------------------------------------------------------------------------

FEED_SIZE = 50
# What a feed entry reads of its letter and items (not the texts a letter's page shows).
FEED_LETTER_FIELDS = ("key", "case_number", "decision_date", "created_at", "updated_at")
FEED_ITEM_FIELDS = ("case_id", "position", "request", "outcome")


def newest_letters(search: Search, count: int = FEED_SIZE) -> list[Case]:
    """The search's ``count`` newest letters by decision date, whatever order it asks for (a feed
    follows what is new), each with its items in order: two queries however many."""
    items = DisputedItem.objects.order_by("position").only(*FEED_ITEM_FIELDS)
    letters = search.letters(sort=Sort.NEWEST).select_related(None).only(*FEED_LETTER_FIELDS)
    return list(letters.prefetch_related(Prefetch("items", queryset=items))[:count])


def search_in_words(search: Search, params: Mapping[str, Any]) -> str:
    """The search as its filter chips name it (``Words: acupuncture · Outcome: Upheld``)."""
    chips = filter_chips(search.cleaned, as_query_dict(params), lookups()) if search.is_valid else []
    return " · ".join(chip.label for chip in chips) or "All letters"


def feed_query(params: Mapping[str, Any]) -> str:
    """The search as a feed's address keeps it: no page, and no sort (a feed is always newest first)."""
    return query_string(as_query_dict(params), drop=("sort",))


# --- suggestions for an empty result -------------------------------------------------------------


def empty_result_suggestions(cleaned: Mapping[str, Any], params: QueryDict, index: FacetIndex, labels: Lookups) -> list[Suggestion]:
    """For an empty result: close spellings of the query words, and filters to drop."""
    suggestions = spelling_suggestions(cleaned) + drop_filter_suggestions(cleaned, index, labels)
    for suggestion in suggestions:
        suggestion.href = query_string(params, drop=tuple(suggestion.params), updates=suggestion.params)
    return suggestions


VOCABULARY_SAMPLE = 3000
_vocabulary: dict[int | None, list[str]] = {}


def vocabulary() -> list[str]:
    """Words of the most recent letters' requests and diagnoses (reloaded when letters arrive)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM decisions_case")
        newest = cursor.fetchone()[0]
        if newest in _vocabulary:
            return _vocabulary[newest]
        sample = f"SELECT to_tsvector('simple', search_requests) FROM decisions_case ORDER BY id DESC LIMIT {VOCABULARY_SAMPLE}"
        cursor.execute("SELECT word FROM ts_stat(%s) WHERE length(word) >= 3 AND word ~ '^[a-z]+$'", [sample])
        words = [row[0] for row in cursor.fetchall()]
    _vocabulary.clear()
    _vocabulary[newest] = words
    return words


def close_words(word: str, words: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w WHERE similarity(w, %s) >= 0.3 AND w <> %s ORDER BY similarity(w, %s) DESC, w LIMIT 3",
            [words, word, word, word],
        )
        return [row[0] for row in cursor.fetchall()]


def spelling_suggestions(cleaned: Mapping[str, Any]) -> list[Suggestion]:
    text = cleaned.get("q") or ""
    words = vocabulary() if text else []
    suggestions: list[Suggestion] = []
    for word in {w.strip('"-').lower() for w in text.split()}:
        if len(word) < 3 or not word.isalpha() or word in words or word == "or":
            continue
        for close in close_words(word, words):
            new_q = " ".join(close if w.strip('"-').lower() == word else w for w in text.split())
            count = filter_cases(Case.objects.all(), with_words(cleaned, new_q)).count()
            if count:
                suggestions.append(Suggestion(f"Search for “{new_q}”", {"q": new_q}, count))
    return sorted(suggestions, key=lambda s: -s.count)[:3]


def drop_filter_suggestions(cleaned: Mapping[str, Any], index: FacetIndex, labels: Lookups) -> list[Suggestion]:
    """Each active filter that, removed, leaves letters to show: counted in the facet index, which
    counts exactly what the SQL would (one full-text read for them all)."""
    names = active_params(cleaned)
    dropped = [set(PARAMS_BY_NAME[name].removed_with) for name in names]
    counts = index.letters_without(cleaned, dropped)
    suggestions = []
    for name, removed, count in zip(names, dropped, counts, strict=True):
        if count:
            chip = chip_label(PARAMS_BY_NAME[name], cleaned, labels)  # names, not slugs
            label = f"Remove {chip[:1].lower()}{chip[1:]}"
            suggestions.append(Suggestion(label, {param: "" for param in removed}, count))
    return suggestions


# --- one letter and its neighbours ---------------------------------------------------------------


def case_for_detail(key: str) -> Case:
    """A letter with everything its page shows (raises Case.DoesNotExist)."""
    return (
        Case.objects.select_related("reviewer", "document")
        .prefetch_related("items__citations__guideline")
        .defer(*SEARCH_ONLY_FIELDS, "document__text")
        .get(key=key)
    )


def highlight_letter(case: Case, query: SearchQuery | None) -> None:
    """Mark the search's words in the letter's summary, requests and rationales (whole texts), as
    ``summary_html`` on the case and ``request_html`` / ``rationale_html`` on its prefetched items."""
    if query is None:
        return
    letter = Case.objects.filter(pk=case.pk).annotate(hl=headline("clinical_summary", query, whole=True))
    case.summary_html = highlighted(letter.values_list("hl", flat=True).first())  # type: ignore[attr-defined]
    marked = DisputedItem.objects.filter(case_id=case.pk).annotate(
        request_hl=headline("request", query, whole=True), rationale_hl=headline("rationale", query, whole=True)
    )
    texts = {pk: (request, rationale) for pk, request, rationale in marked.values_list("pk", "request_hl", "rationale_hl")}
    for item in case.items.all():
        request, rationale = texts.get(item.pk, (item.request, item.rationale))
        item.request_html, item.rationale_html = highlighted(request), highlighted(rationale)  # type: ignore[attr-defined]


@dataclass
class Neighbours:
    previous: str | None
    next: str | None


def neighbours(search: Search | SearchPage, case: Case) -> Neighbours:
    """The letters before and after ``case`` in the search's own order: the counting pass's ids in
    page order (by rank or by date: the list's very order); none when it is not among them."""
    if isinstance(search, SearchPage):
        search = search.search
    if not search.is_valid:
        return Neighbours(None, None)
    ids = current_index().ordered_ids(search.cleaned)
    position = position_of(ids, case.pk)
    if position is None:
        return Neighbours(None, None)
    previous = int(ids[position - 1]) if position > 0 else None
    following = int(ids[position + 1]) if position + 1 < len(ids) else None
    keys = dict(Case.objects.filter(pk__in=[pk for pk in (previous, following) if pk is not None]).values_list("pk", "key"))
    return Neighbours(keys.get(previous) if previous else None, keys.get(following) if following else None)


# --- guidelines ----------------------------------------------------------------------------------


def guideline_summaries() -> list[Guideline]:
    """Every guideline with how many items its IMR reviewers relied on it for, and how they came out
    (``items``, ``upheld``, ``overturned``), most relied on first. Counted in the in-memory index
    (decisions.facets): an aggregate over every citation took ~0.85 s at 100,000 letters."""
    counts = current_index().guideline_outcomes()
    guidelines = list(Guideline.objects.all())
    for guideline in guidelines:
        guideline.items, guideline.upheld, guideline.overturned = counts.get(guideline.id, (0, 0, 0))  # type: ignore[attr-defined]
    return sorted(guidelines, key=lambda guideline: (-guideline.items, guideline.title))  # type: ignore[attr-defined]


def guideline_summary(slug: str) -> Guideline:
    """One guideline with its counts (raises Guideline.DoesNotExist)."""
    for guideline in guideline_summaries():
        if guideline.slug == slug:
            return guideline
    raise Guideline.DoesNotExist(f"no guideline {slug!r}")
