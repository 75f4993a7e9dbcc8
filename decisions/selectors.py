"""The one read path: the HTML list, the API and the CSV export all call ``search_cases``.

Performance notes (100k letters, ~200k items, see benchmarks/search_speed.py):
- item-level filters test narrow copies of each item's citations (``DisputedItem.reviewer_*`` and
  ``claims_*`` arrays) instead of joining Citation;
- the totals and every facet count are counted in memory by ``decisions.facets`` (numpy columns
  of the archive, rebuilt when it changes); only the full-text match is asked of PostgreSQL;
- the page of 25 letters, its order and its headlines (``<mark>``) come from PostgreSQL.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload

import numpy as np
import numpy.typing as npt
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import EmptyPage, InvalidPage, Page, Paginator
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from decisions.facets import FACETS, FACETS_BY_NAME, FacetSpec, SearchCounts, current_index, search_counts  # noqa: F401 - FACETS_BY_NAME for the templates
from decisions.filters import (
    PARAM_LABELS,
    SEARCH_CONFIG,
    Sort,
    active_params,
    case_conditions,
    cleaned_params,
    filter_cases,
    item_conditions,
    search_query,
    with_words,
)
from decisions.models import Case, CitedBy, DisputedItem, Guideline, Outcome, Sex, Source
from decisions.parsing.taxonomy import CATEGORIES, SUBCATEGORIES

PAGE_SIZE = 25
MAX_PAGES = 200
FACET_TOP = 8
# Private-use characters: the parser removes them from letter text, so only highlights carry them.
MARK_START, MARK_STOP = "\ue000", "\ue001"
# Kept for the search only; no page, API response or export shows them, so letters are read without them.
SEARCH_ONLY_FIELDS = ("search_vector", "search_requests", "search_rationales")


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

    @property
    def top(self) -> list[FacetValue]:
        """The most frequent values, and a selected one however rare (so it can be seen and removed)."""
        return self.values[:FACET_TOP] + [value for value in self.values[FACET_TOP:] if value.selected]

    @property
    def more(self) -> list[FacetValue]:
        return [value for value in self.values[FACET_TOP:] if not value.selected]

    def as_counts(self) -> dict[str, int]:
        return {value.value: value.count for value in self.values}


def matching_items(cleaned: Mapping[str, Any], excluded: Iterable[str] = ()) -> QuerySet[DisputedItem]:
    """Items that satisfy the item-level filters, in letters that satisfy the letter-level ones."""
    items = DisputedItem.objects.all()
    condition = item_conditions(cleaned, tuple(excluded))
    if condition is not None:
        items = items.filter(condition)
    letter_condition = case_conditions(cleaned)
    if letter_condition:
        items = items.filter(case_id__in=Case.objects.filter(letter_condition).values("id"))
    return items.order_by()


def build_facets(cleaned: Mapping[str, Any], counts: Mapping[str, Counter[str]]) -> dict[str, Facet]:
    """Counts turned into labelled, ordered facet values."""
    specialty_names = current_index().specialty_names
    specialty_labels = {slug: specialty_names.get(slug, slug) for slug in counts.get("specialty", {})}
    guidelines = Guideline.objects.filter(id__in=[int(v) for v in counts.get("guideline", {})]).values_list("id", "slug", "title")
    guideline_slugs = {pk: slug for pk, slug, _ in guidelines}
    guideline_labels = {slug: title for _, slug, title in guidelines}
    raw: dict[str, Counter[str]] = {
        **counts,
        "guideline": Counter({guideline_slugs[int(k)]: v for k, v in counts.get("guideline", {}).items()}),
    }
    labels: dict[str, Mapping[str, str]] = {
        "outcome": dict(Outcome.choices),
        "treatment": CATEGORIES,
        "subcategory": subcategory_labels(),
        "guideline": guideline_labels,
        "source": dict(Source.choices),
        "specialty": specialty_labels,
        "sex": dict(Sex.choices),
    }
    return {spec.name: make_facet(spec, raw.get(spec.name, Counter()), labels.get(spec.name, {}), cleaned) for spec in FACETS}


def subcategory_labels() -> dict[str, str]:
    return {f"{cat}/{sub}": label for cat, subs in SUBCATEGORIES.items() for sub, label in subs.items()}


def make_facet(spec: FacetSpec, counter: Counter[str], labels: Mapping[str, str], cleaned: Mapping[str, Any]) -> Facet:
    selected = selected_value(spec.name, cleaned)
    if selected and selected not in counter:
        counter[selected] = 0
    ordered = sorted(counter.items(), key=lambda pair: (-pair[1], labels.get(pair[0], pair[0])))
    if spec.name == "year":
        ordered = sorted(counter.items(), reverse=True)
    values = [FacetValue(value, labels.get(value, value), count, value == selected) for value, count in ordered]
    return Facet(spec.name, spec.label, values)


def selected_value(name: str, cleaned: Mapping[str, Any]) -> str:
    if name == "subcategory":
        return f"{cleaned['treatment']}/{cleaned['subcategory']}" if cleaned.get("subcategory") else ""
    if name == "year":
        start, end = cleaned.get("decided_from"), cleaned.get("decided_to")
        if start is None or end is None:
            return ""
        whole_year = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year
        return str(start.year) if whole_year else ""
    return str(cleaned.get(name) or "")


def facet_params(name: str, value: str) -> dict[str, str]:
    """The query parameters that clicking a facet value sets."""
    if name == "subcategory":
        treatment, _, subcategory = value.partition("/")
        return {"treatment": treatment, "subcategory": subcategory}
    if name == "year":
        return {"decided_from": f"{value}-01-01", "decided_to": f"{value}-12-31"}
    return {name: value}


# --- the search -----------------------------------------------------------------------------


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


class SearchResult:
    """A validated search: its queryset, counts and facets (each computed on first use)."""

    def __init__(self, cleaned: dict[str, Any], errors: dict[str, list[str]]) -> None:
        self.cleaned = cleaned
        self.errors = errors
        self.query: SearchQuery | None = search_query(cleaned) if not errors else None
        words = cleaned.get("words") if cleaned.get("q") and not errors else None
        # The other names the words were expanded to (brand and generic drugs, abbreviations).
        self.also_searching: list[str] = words.also_searching if words else []
        self.timings: dict[str, float] = {}

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @cached_property
    def queryset(self) -> QuerySet[Case]:
        if self.errors:
            return Case.objects.none()
        cases = filter_cases(Case.objects.select_related("reviewer").defer(*SEARCH_ONLY_FIELDS), self.cleaned)
        return order_cases(cases, self.cleaned.get("sort") or Sort.NEWEST, self.query)

    @cached_property
    def counts(self) -> SearchCounts:
        """Totals and facet counts, computed together: the list page shows them all."""
        if self.errors:
            return SearchCounts(0, 0, {})
        started = time.perf_counter()
        counts = search_counts(self.cleaned)
        self.timings["counts"] = time.perf_counter() - started
        return counts

    @cached_property
    def total(self) -> int:
        return self.counts.letters

    @cached_property
    def item_total(self) -> int:
        return self.counts.items

    @cached_property
    def facets(self) -> dict[str, Facet]:
        return build_facets(self.cleaned, self.counts.facets) if not self.errors else {}

    @property
    def active(self) -> list[str]:
        return active_params(self.cleaned)

    @property
    def has_filters(self) -> bool:
        """Filters beyond the words of the query."""
        return any(name != "q" for name in self.active) or self.cleaned.get("cited_by") == CitedBy.CLAIMS_ADMINISTRATOR

    @cached_property
    def page_count(self) -> int:
        return min(MAX_PAGES, max(1, -(-self.total // PAGE_SIZE)))

    def page(self, number: int | str | None) -> ResultPage:
        """One page of letters with their items and snippets; pages beyond MAX_PAGES are refused."""
        ranked_ids = self.counts.ranked_ids if not self.errors else None
        letters: Sequence[Case] | QuerySet[Case] = (
            self.queryset if ranked_ids is None else RankedLetters(self.queryset, ranked_ids)
        )
        paginator = Paginator(letters, PAGE_SIZE)
        paginator.count = self.total  # type: ignore[misc]  # counted once, shared with the page links
        requested = parse_page_number(number)
        capped = requested > MAX_PAGES
        try:
            page = paginator.page(min(requested, MAX_PAGES))
        except EmptyPage:
            page = paginator.page(paginator.num_pages)
        return ResultPage(page, self.rows_for(list(page.object_list)), capped, requested)

    def rows_for(self, cases: list[Case]) -> list[CaseRow]:
        return attach_items(cases, self.cleaned, self.query)

    @cached_property
    def suggestions(self) -> list[Suggestion]:
        """For an empty result: close spellings of the query words, and filters to drop."""
        if self.errors or self.total:
            return []
        return spelling_suggestions(self.cleaned) + drop_filter_suggestions(self.cleaned)


class RankedLetters(Sequence[Case]):
    """The letters of a relevance-sorted search, in the order the counting pass already ranked them.

    Slicing fetches only that page's letters (through the search's own queryset, so the rows are
    exactly what it would return) and keeps the ranked order.
    """

    def __init__(self, queryset: QuerySet[Case], ids: npt.NDArray[np.int64]) -> None:
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


def search_cases(params: Mapping[str, Any]) -> SearchResult:
    """Validate the query string and return the search it describes."""
    cleaned, errors = cleaned_params(params)
    if "page" in params:
        try:
            parse_page_number(params.get("page"))
        except InvalidPage as error:
            errors["page"] = [str(error)]
    return SearchResult(cleaned, errors)


def order_cases(cases: QuerySet[Case], sort: str, query: SearchQuery | None) -> QuerySet[Case]:
    if sort == Sort.RELEVANCE and query is not None:
        # As double precision: ts_rank's real would not round-trip through Python for the keyset in neighbours().
        rank = Cast(SearchRank(F("search_vector"), query), output_field=FloatField())
        return cases.annotate(rank=rank).order_by("-rank", "-id")
    if sort == Sort.OLDEST:
        return cases.order_by(F("decision_date").asc(nulls_last=True), "id")
    return cases.order_by(F("decision_date").desc(nulls_last=True), "-id")


# --- rows, snippets and highlights ------------------------------------------------------------


def highlighted(text: str | None) -> SafeString:
    """ts_headline output with the letter's own text escaped and only our marks kept."""
    html = escape(text or "").replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> tags are added


def headline(field_name: str, query: SearchQuery, *, whole: bool = False) -> SearchHeadline:
    options: dict[str, Any] = {"start_sel": MARK_START, "stop_sel": MARK_STOP}
    if whole:
        options["highlight_all"] = True
    else:
        options.update(max_words=40, min_words=18, max_fragments=2, fragment_delimiter=" … ")
    return SearchHeadline(field_name, query, config=SEARCH_CONFIG, **options)


def attach_items(cases: list[Case], cleaned: Mapping[str, Any], query: SearchQuery | None) -> list[CaseRow]:
    """Each letter with its items; headlines only for these rows."""
    rows = {case.id: CaseRow(case) for case in cases}
    items = DisputedItem.objects.filter(case_id__in=rows).order_by("case_id", "position")
    condition = item_conditions(cleaned)
    if condition is not None:
        items = items.annotate(matches=ExpressionWrapper(condition, output_field=BooleanField()))
    if query is not None:
        items = items.annotate(request_hl=headline("request", query, whole=True), rationale_hl=headline("rationale", query))
    for item in items:
        rows[item.case_id].items.append(item_row(item, query is not None, condition is None))
    if query is not None:
        add_summary_snippets(rows, query)
    return list(rows.values())


def item_row(item: DisputedItem, searched: bool, all_match: bool) -> ItemRow:
    if searched:
        snippet, request_html = highlighted(item.rationale_hl), highlighted(item.request_hl)  # type: ignore[attr-defined]
    else:
        snippet, request_html = escape(Truncator(item.rationale).words(40)), escape(item.request)
    return ItemRow(item, snippet, request_html, all_match or bool(getattr(item, "matches", False)))


def add_summary_snippets(rows: dict[int, CaseRow], query: SearchQuery) -> None:
    """Where no item shows a match, the clinical summary's headline says why the letter matched."""
    unmatched = [case_id for case_id, row in rows.items() if not any("<mark>" in i.snippet + i.request_html for i in row.items)]
    if not unmatched:
        return
    summaries = Case.objects.filter(id__in=unmatched).annotate(hl=headline("clinical_summary", query)).values_list("id", "hl")
    for case_id, text in summaries:
        rows[case_id].summary_snippet = highlighted(text)


# --- suggestions for an empty result -------------------------------------------------------------

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


def drop_filter_suggestions(cleaned: Mapping[str, Any]) -> list[Suggestion]:
    suggestions = []
    for name in active_params(cleaned):
        dropped = {name, "subcategory"} if name == "treatment" else {name}
        count = filter_cases(Case.objects.all(), cleaned, dropped).count()
        if count:
            label = f"Remove {PARAM_LABELS.get(name, name).lower()}: {cleaned[name]}"
            suggestions.append(Suggestion(label, {param: "" for param in dropped}, count))
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


def neighbours(result: SearchResult, case: Case) -> Neighbours:
    """The letters before and after ``case`` in the search's own order.

    Relevance: the counting pass's ranked ids (the list's very order). Dates: one keyset query per
    step, each a row comparison that the date-order indexes answer directly, however deep in the
    archive the letter lies (an OR of conditions made PostgreSQL filter every letter before it).
    """
    if not result.is_valid:
        return Neighbours(None, None)
    if result.cleaned.get("sort") == Sort.RELEVANCE and result.query is not None:
        return ranked_neighbours(result.counts.ranked_ids, case.pk)  # (None, None) when it is not among them
    if not result.queryset.filter(pk=case.pk).exists():
        return Neighbours(None, None)
    steps = DateSteps(result.queryset, case.decision_date, case.pk, newest_first=result.cleaned.get("sort") != Sort.OLDEST)
    return Neighbours(steps.previous(), steps.next())


def ranked_neighbours(ranked_ids: npt.NDArray[np.int64] | None, pk: int) -> Neighbours:
    ids = ranked_ids if ranked_ids is not None else np.zeros(0, dtype=np.int64)
    found = np.flatnonzero(ids == pk)
    if not len(found):
        return Neighbours(None, None)
    position = int(found[0])
    previous = int(ids[position - 1]) if position > 0 else None
    following = int(ids[position + 1]) if position + 1 < len(ids) else None
    keys = dict(Case.objects.filter(pk__in=[pk for pk in (previous, following) if pk is not None]).values_list("pk", "key"))
    return Neighbours(keys.get(previous) if previous else None, keys.get(following) if following else None)


class DateSteps:
    """The letters next to one letter in a date order: dated letters by (decision date, id), newest or
    oldest first, then the undated ones by id in the same direction (the list's order)."""

    def __init__(self, letters: QuerySet[Case], decided: Any, pk: int, *, newest_first: bool) -> None:
        self.dated = letters.filter(decision_date__isnull=False)
        self.undated = letters.filter(decision_date__isnull=True)
        self.decided, self.pk, self.newest_first = decided, pk, newest_first

    def next(self) -> str | None:
        return self.step(forward=True)

    def previous(self) -> str | None:
        return self.step(forward=False)

    def step(self, *, forward: bool) -> str | None:
        descending = self.newest_first == forward  # walking toward older letters
        if self.decided is not None:
            dated = self.first_key(self.beyond("<" if descending else ">"), *self.date_order(descending))
            if dated is not None or not forward:
                return dated
            return self.first_key(self.undated, "-id" if descending else "id")  # after the last dated one
        undated = self.undated.filter(id__lt=self.pk) if descending else self.undated.filter(id__gt=self.pk)
        found = self.first_key(undated, "-id" if descending else "id")
        if found is not None or forward:
            return found
        return self.first_key(self.dated, *self.date_order(descending))  # the last dated one

    def beyond(self, comparison: str) -> QuerySet[Case]:
        """Dated letters whose (decision date, id) compares to this letter's as ``comparison`` says:
        a row comparison, which the date-order indexes answer by seeking straight to it."""
        condition = RawSQL(
            f'("decisions_case"."decision_date", "decisions_case"."id") {comparison} (%s, %s)',
            [self.decided, self.pk],
            output_field=BooleanField(),
        )
        return self.dated.filter(condition)

    @staticmethod
    def date_order(descending: bool) -> tuple[Any, str]:
        # NULLS LAST in both directions: the order of the case_search_newest / _oldest indexes.
        if descending:
            return F("decision_date").desc(nulls_last=True), "-id"
        return F("decision_date").asc(nulls_last=True), "id"

    @staticmethod
    def first_key(letters: QuerySet[Case], *order: Any) -> str | None:
        return letters.order_by(*order).values_list("key", flat=True).first()


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
