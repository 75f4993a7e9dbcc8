"""The one read path: the HTML list, the API and the CSV export all call ``search_cases``.

Performance notes (100k letters, ~200k items, see benchmarks/search_speed.py):
- item-level filters test narrow copies of each item's citations (``DisputedItem.reviewer_*`` and
  ``claims_*`` arrays) instead of joining Citation;
- the totals and every facet count come from ONE query (``FacetQuery``): letters read index-only
  from ``case_facets_cover``, items index-only from ``item_facets_cover`` and reduced to one row
  per letter of bit masks; a boolean column per variant of the filters (the search without a
  facet's own filter) and GROUPING SETS give each count what clicking it would show;
- a facet whose search without its own filter is the unfiltered search reuses the counts of the
  unfiltered search, the one result cached (per process, keyed on the archive's version);
- reviewer facets count reviewer ids and expand them in Python, since reviewers are few;
- headlines (``<mark>``) are computed only for the 25 letters on the page.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import EmptyPage, InvalidPage, Page, Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast, ExtractYear
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from decisions.filters import (
    PARAM_LABELS,
    SEARCH_CONFIG,
    Sort,
    active_params,
    case_conditions,
    citation_array_fields,
    cleaned_params,
    filter_cases,
    item_conditions,
    search_query,
)
from decisions.models import Case, CitedBy, DisputedItem, Guideline, Outcome, Reviewer, Sex, Source
from decisions.parsing.taxonomy import CATEGORIES, SUBCATEGORIES

PAGE_SIZE = 25
MAX_PAGES = 200
FACET_TOP = 8
MARK_START, MARK_STOP = "\ue000", "\ue001"  # private-use characters: escaped text can never contain them


# --- facets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetSpec:
    """One facet: its name, the parameters clicking one of its values sets, and where it counts."""

    name: str
    label: str
    own_params: tuple[str, ...]
    kind: str  # "case" (a letter's own value) or "item" (values of its disputed items)


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("outcome", "Outcome", ("outcome",), "item"),
    FacetSpec("treatment", "Treatment", ("treatment", "subcategory"), "item"),
    FacetSpec("subcategory", "Treatment subcategory", ("subcategory",), "item"),
    FacetSpec("guideline", "Guideline", ("guideline",), "item"),
    FacetSpec("source", "Guideline source", ("source",), "item"),
    FacetSpec("specialty", "Reviewer specialty", ("specialty",), "case"),
    FacetSpec("state", "Reviewer licensed in", ("state",), "case"),
    FacetSpec("sex", "Patient sex", ("sex",), "case"),
    FacetSpec("year", "Decision year", ("decided_from", "decided_to"), "case"),
)
FACETS_BY_NAME = {spec.name: spec for spec in FACETS}


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
        return self.values[:FACET_TOP]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[FACET_TOP:]

    def as_counts(self) -> dict[str, int]:
        return {value.value: value.count for value in self.values}


@dataclass
class SearchCounts:
    """Exact counts of one search: matching letters, matching items, and every facet's letters per value."""

    letters: int
    items: int
    facets: dict[str, Counter[str]]


LETTER_GROUPS = {"specialty": "reviewer_id", "state": "reviewer_id", "sex": "patient_sex", "year": "year"}
GROUP_COLUMNS = ("reviewer_id", "patient_sex", "year")
WORD_BITS = 63  # value bits per bigint mask word; bit 0 of each word flags a value outside the list


# The one cached result: counts of the unfiltered search per cited_by, with the archive version.
_unfiltered_counts: dict[str, tuple[tuple[Any, ...], SearchCounts]] = {}


def search_counts(cleaned: Mapping[str, Any]) -> SearchCounts:
    """Letters, items and facets of a search, each facet with its own filter left out.

    A facet whose search minus its own filter is the unfiltered search reads the cached counts of
    the unfiltered search (see ``unfiltered_counts``); all the others, and the totals, come from
    one query (``count_facets``).
    """
    if not active_params(cleaned):
        return unfiltered_counts(cleaned)
    variants = {spec.name: own_filters(spec, cleaned) for spec in FACETS}
    reused = [name for name, left_out in variants.items() if left_out and not remaining_filters(cleaned, left_out)]
    cached = {name: counter for name, counter in unfiltered_counts(cleaned).facets.items() if name in reused} if reused else {}
    counts = count_facets(cleaned, {name: left_out for name, left_out in variants.items() if name not in reused})
    counts.facets.update(cached)
    return counts


def own_filters(spec: FacetSpec, cleaned: Mapping[str, Any]) -> frozenset[str]:
    """The facet's own parameters that are set: its counts are those of the search without them."""
    return frozenset(name for name in spec.own_params if cleaned.get(name) not in (None, ""))


def remaining_filters(cleaned: Mapping[str, Any], left_out: frozenset[str]) -> list[str]:
    return [name for name in active_params(cleaned) if name not in left_out]


@contextmanager
def tuned_for_counting() -> Iterator[None]:
    """One transaction whose settings suit aggregate queries over many rows.

    JIT compilation costs 50-200 ms per query, more than the counting it speeds up here; the
    per-letter rows of 100k letters want more than the default 4 MB of work_mem to stay in memory.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def as_flag(condition: Q | None) -> ExpressionWrapper | Value:
    """A filter as a boolean column (an absent filter is true)."""
    if not condition:
        return Value(True)
    return ExpressionWrapper(condition, output_field=BooleanField())


def any_of(conditions: Iterable[Q | None]) -> Q | None:
    """The OR of conditions, None (no restriction) when any of them is absent."""
    combined = Q()
    for condition in conditions:
        if not condition:
            return None
        combined = combined | condition if combined else condition
    return combined


def count_facets(cleaned: Mapping[str, Any], specs: Mapping[str, frozenset[str]]) -> SearchCounts:
    """Totals and the facets of ``specs`` (facet name -> own filters left out) in ONE query.

    Each letter row (``case_facets_cover``, index-only) is joined with one row per letter
    aggregated from its items (``item_facets_cover``, index-only, in letter order); neither
    Citation nor the wide letter and item rows are read. A boolean column per variant of the
    filters (each facet's search without its own filter) says which counts a row belongs to, and
    GROUPING SETS count every facet's values in the same pass: letter-level facets per reviewer,
    sex and year; item-level facets per mask of the letter's values (see ``item_facet_sql``).
    """
    with tuned_for_counting():
        query = FacetQuery(cleaned, specs)
        with connection.cursor() as cursor:
            cursor.execute(*query.sql())
            rows = cursor.fetchall()
        counts = query.read(rows)
        for name in [name for name, counter in counts.facets.items() if counter.pop(UNKNOWN, 0)]:
            counts.facets[name] = pair_counts(cleaned, name, specs[name])
    return counts


class FacetQuery:
    """The SQL of ``count_facets`` and the reading of its rows."""

    def __init__(self, cleaned: Mapping[str, Any], specs: Mapping[str, frozenset[str]]) -> None:
        self.cleaned = cleaned
        self.letter_specs = {name: left_out for name, left_out in specs.items() if name in LETTER_GROUPS}
        self.item_specs = {name: left_out for name, left_out in specs.items() if name not in LETTER_GROUPS}
        # Variant 0 of each kind is the search itself.
        self.case_variants = [frozenset[str](), *sorted(set(self.letter_specs.values()) - {frozenset()}, key=sorted)]
        self.item_variants = [frozenset[str](), *sorted(set(self.item_specs.values()) - {frozenset()}, key=sorted)]
        self.item_filtered = item_conditions(cleaned) is not None
        ids_field, sources_field = citation_array_fields(cleaned)
        self.fields = (ids_field, sources_field)
        self.item_facets = [
            item_facet_sql(name, f"b.i{self.item_variants.index(left_out)}", ids_field, sources_field)
            for name, left_out in self.item_specs.items()
        ]
        self.mask_columns = [f"v{index}" for index in range(sum(len(facet.columns) for facet in self.item_facets))]

    def letters_sql(self) -> tuple[str, tuple[Any, ...]]:
        """Letters in any case variant, with a flag per variant and the letter facets' columns."""
        conditions = [case_conditions(self.cleaned, left_out) for left_out in self.case_variants]
        cases = Case.objects.order_by()
        union = any_of(conditions)
        if union is not None:
            cases = cases.filter(union)
        flags = {f"c{index}": as_flag(condition) for index, condition in enumerate(conditions)}
        rows = cases.annotate(year=ExtractYear("decision_date"), **flags).values("id", *GROUP_COLUMNS, "item_count", *flags)
        return rows.query.sql_with_params()

    def items_sql(self, restriction: str) -> tuple[str, tuple[Any, ...]]:
        """One row per letter from its items: the item facets' masks, whether an item matches, how many."""
        conditions = [item_conditions(self.cleaned, left_out) for left_out in self.item_variants]
        items = DisputedItem.objects.order_by()
        union = any_of(conditions)
        if union is not None:
            items = items.filter(union)
        flags = {f"i{index}": as_flag(condition) for index, condition in enumerate(conditions)}
        columns = ("case_id", "outcome", "treatment_category", "treatment_subcategory", *self.fields)
        inner, inner_params = items.annotate(**flags).values(*columns, *flags).query.sql_with_params()
        positions, position_params = value_positions(self.item_specs)
        aggregates = [column for facet in self.item_facets for column in facet.columns]
        params = [param for facet in self.item_facets for param in facet.params]
        sql = (
            f"SELECT {', '.join(['b.case_id', *aggregates, 'bool_or(b.i0) AS matched', 'count(*) FILTER (WHERE b.i0) AS n'])}"
            f" FROM (SELECT b.*{positions} FROM ({inner}) b {restriction} OFFSET 0) b GROUP BY b.case_id"
        )
        return sql, (*params, *position_params, *inner_params)

    def sql(self) -> tuple[str, tuple[Any, ...]]:
        letters, letter_params = self.letters_sql()
        # When letter filters narrow the letters, read those once (a CTE: full-text matches come
        # from the wide letter rows, GIN gives no index-only scan) and aggregate only their items.
        # Without letter filters every letter counts and no restriction is needed.
        searched = any_of(case_conditions(self.cleaned, left_out) for left_out in self.case_variants) is not None
        items, item_params = self.items_sql("WHERE b.case_id IN (SELECT id FROM c)" if searched else "")
        source = "c" if searched else f"({letters} OFFSET 0) c"
        prefix = f"WITH c AS MATERIALIZED ({letters}) " if searched else ""
        # Without item filters every letter counts, items or not (LEFT JOIN); with them, only letters
        # with an item matching some variant can count anywhere, so an inner join loses nothing.
        matched = "coalesce(p.matched, false)" if self.item_filtered else "true"
        keys = [*GROUP_COLUMNS, *self.mask_columns]
        sets = [f"(c.{column})" for column in GROUP_COLUMNS]
        position = 0
        for facet in self.item_facets:
            sets.append("(" + ", ".join(f"p.{c}" for c in self.mask_columns[position : position + len(facet.columns)]) + ")")
            position += len(facet.columns)
        counted = [f"count(*) FILTER (WHERE c.c{index} AND {matched})" for index in range(len(self.case_variants))]
        item_count = "p.n" if self.item_filtered else "c.item_count"  # matching items, or all of them
        join = "JOIN" if self.item_filtered else "LEFT JOIN"
        sql = (
            f"{prefix}SELECT GROUPING({', '.join(keys)}), {', '.join(keys)}, {', '.join(counted)},"
            f" count(*) FILTER (WHERE c.c0), coalesce(sum({item_count}) FILTER (WHERE c.c0 AND {matched}), 0)"
            f" FROM {source} {join} ({items}) AS p (case_id, {', '.join([*self.mask_columns, 'matched', 'n'])})"
            f" ON p.case_id = c.id GROUP BY GROUPING SETS ({', '.join([*sets, '()'])})"
        )
        return sql, (*letter_params, *item_params)  # the letters come first in the text either way

    def read(self, rows: list[tuple[Any, ...]]) -> SearchCounts:
        width = len(GROUP_COLUMNS) + len(self.mask_columns)
        everything = (1 << width) - 1
        variants = len(self.case_variants)
        facets: dict[str, Counter[str]] = {name: Counter() for name in [*self.letter_specs, *self.item_specs]}
        letters = items = 0
        for row in rows:
            grouping, keys = row[0], row[1 : 1 + width]
            numbers = row[1 + width : 1 + width + variants]
            in_search, item_sum = row[1 + width + variants], row[2 + width + variants]
            if grouping == everything:
                letters, items = numbers[0], int(item_sum)
                continue
            own = [index for index in range(width) if not grouping & (1 << (width - 1 - index))]
            if own[0] < len(GROUP_COLUMNS):
                self.add_letter_group(facets, GROUP_COLUMNS[own[0]], keys[own[0]], numbers)
            else:
                self.add_item_group(facets, own[0] - len(GROUP_COLUMNS), [keys[index] for index in own], in_search)
        return SearchCounts(letters, items, facets)

    def add_letter_group(self, facets: dict[str, Counter[str]], column: str, value: Any, numbers: tuple[Any, ...]) -> None:
        if value in (None, ""):
            return
        for name, left_out in self.letter_specs.items():
            count = numbers[self.case_variants.index(left_out)]
            if LETTER_GROUPS[name] == column and count:
                facets[name][str(value)] = count

    def add_item_group(self, facets: dict[str, Counter[str]], first: int, words: list[Any], letters: int) -> None:
        position = 0
        for facet in self.item_facets:
            if position == first:
                if letters and any(word is not None for word in words):
                    add_group(facets[facet.name], facet, words, letters)
                return
            position += len(facet.columns)


@dataclass(frozen=True)
class ItemFacetSql:
    """How one item facet is gathered per letter: mask words (known values) or an array (guideline ids)."""

    name: str
    columns: tuple[str, ...]  # aggregate expressions, one per output column
    params: tuple[Any, ...]
    domain: tuple[str, ...] = ()  # the values of the mask bits, bit 1 onwards


def known_values(name: str) -> tuple[str, ...]:
    if name == "outcome":
        return tuple(Outcome.values)
    if name == "treatment":
        return tuple(CATEGORIES)
    if name == "subcategory":
        return tuple(subcategory_labels())
    return tuple(Source.values)


def mask_words(position: str, size: int, flag: str) -> tuple[str, ...]:
    """bit_or per letter of one bit per value (``position`` in its list, from 1), WORD_BITS values a word.

    A value outside the list has position 0 and sets bit 0, so the caller can tell.
    """
    if size <= WORD_BITS:  # the usual case, kept to one shift per item
        return (f"bit_or(1::bigint << {position}) FILTER (WHERE {flag})",)
    return tuple(
        f"bit_or(CASE WHEN {position} = 0 THEN 1::bigint"
        f" WHEN {position} - {start} BETWEEN 1 AND {WORD_BITS} THEN 1::bigint << ({position} - {start})"
        f" ELSE 0::bigint END) FILTER (WHERE {flag})"
        for start in range(0, size, WORD_BITS)
    )


def source_mask(sources_field: str, flag: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The letter's sources as bits: each item's source array tested against each known source."""
    domain = known_values("source")
    bits = " | ".join(
        f"CASE WHEN b.{sources_field} @> ARRAY[%s]::varchar[] THEN {1 << position} ELSE 0 END"
        for position, _ in enumerate(domain, start=1)
    )
    unknown = f"CASE WHEN b.{sources_field} <@ %s::varchar[] THEN 0 ELSE 1 END"
    return (f"bit_or(({bits} | {unknown})::bigint) FILTER (WHERE {flag})",), (*domain, list(domain))


# Each masked facet's value in SQL, the condition for an item to have one, and its position column.
MASKED_VALUES = {
    "outcome": ("b.outcome", "", "p_outcome"),
    "treatment": ("b.treatment_category", " AND b.treatment_category <> ''", "p_treatment"),
    "subcategory": (
        "b.treatment_category || '/' || b.treatment_subcategory",
        " AND b.treatment_subcategory <> ''",
        "p_subcategory",
    ),
}


def item_facet_sql(name: str, flag: str, ids_field: str, sources_field: str) -> ItemFacetSql:
    if name == "guideline":
        return ItemFacetSql(name, (f"decisions_array_concat(b.{ids_field}) FILTER (WHERE {flag})",), ())
    if name == "source":
        return ItemFacetSql(name, *source_mask(sources_field, flag), known_values(name))
    _, condition, position = MASKED_VALUES[name]
    domain = known_values(name)
    return ItemFacetSql(name, mask_words(f"b.{position}", len(domain), flag + condition), (), domain)


def value_positions(names: Iterable[str]) -> tuple[str, list[Any]]:
    """Columns giving each masked facet's value's position in its list: one jsonb lookup per item."""
    columns, params = [], []
    for name in names:
        if name in MASKED_VALUES:
            value, _, position = MASKED_VALUES[name]
            columns.append(f"coalesce((%s::jsonb ->> ({value})::text)::int, 0) AS {position}")
            params.append(json.dumps({item: index for index, item in enumerate(known_values(name), start=1)}))
    return "".join(", " + column for column in columns), params


UNKNOWN = "\x00unknown"  # a mask bit 0: some value lies outside the known list


def add_group(counter: Counter[str], facet: ItemFacetSql, words: list[Any], letters: int) -> None:
    if not facet.domain:  # guideline ids, repeated across the letter's items
        for value in set(words[0] or ()):
            counter[str(value)] += letters
        return
    for word_index, word in enumerate(words):
        if not word:
            continue
        if word & 1:
            counter[UNKNOWN] += letters
        for bit in range(1, WORD_BITS + 1):
            if word & (1 << bit):
                counter[facet.domain[word_index * WORD_BITS + bit - 1]] += letters


def pair_counts(cleaned: Mapping[str, Any], name: str, left_out: frozenset[str]) -> Counter[str]:
    """One item facet counted the plain way, for values the masks do not know (never in practice)."""
    items = matching_items(cleaned, left_out)
    column = {
        "outcome": "outcome",
        "treatment": "treatment_category",
        "subcategory": "CASE WHEN treatment_subcategory <> '' THEN treatment_category || '/' || treatment_subcategory END",
        "source": "unnest({sources})",
    }[name].format(sources=citation_array_fields(cleaned)[1])
    inner, params = items.values(
        "case_id", "treatment_category", "treatment_subcategory", "outcome", *citation_array_fields(cleaned)
    ).query.sql_with_params()
    sql = f"SELECT v, count(DISTINCT case_id) FROM (SELECT case_id, {column} AS v FROM ({inner}) i) p GROUP BY v"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Counter({str(value): count for value, count in cursor.fetchall() if value not in (None, "")})


def unfiltered_counts(cleaned: Mapping[str, Any]) -> SearchCounts:
    """The counts of the whole archive (for the citations of ``cited_by``), cached per process.

    Only this one search is cached (filtered searches are always counted). The key is the
    archive's version: letters, the newest id and the latest (re)parse time, read off indexes.
    """
    cited_by = cleaned.get("cited_by") or CitedBy.REVIEWER
    version = archive_version()
    cached = _unfiltered_counts.get(cited_by)
    if cached is not None and cached[0] == version:
        return copied(cached[1])
    counts = count_facets({"cited_by": cited_by}, {spec.name: frozenset() for spec in FACETS})
    _unfiltered_counts[cited_by] = (version, counts)
    return copied(counts)


def copied(counts: SearchCounts) -> SearchCounts:
    """A copy callers may change (a selected value absent from a facet is added with 0)."""
    return SearchCounts(counts.letters, counts.items, {name: Counter(c) for name, c in counts.facets.items()})


def archive_version() -> tuple[Any, ...]:
    """Changes whenever a letter is added, re-parsed (which saves it) or deleted.

    Newest id and latest update come off indexes; deletions are PostgreSQL's running count of
    deleted letter rows, committed and in this transaction. A count(*) would be exact too but
    costs a scan of 100k index entries on every request.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT max(id) FROM decisions_case), (SELECT max(updated_at) FROM decisions_case),"
            " pg_stat_get_tuples_deleted(%s::regclass) + pg_stat_get_xact_tuples_deleted(%s::regclass)",
            ["decisions_case", "decisions_case"],
        )
        return tuple(cursor.fetchone())


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
    """Counts turned into labelled, ordered facet values (reviewer ids expanded)."""
    reviewer_counts = {name: counts.get(name, Counter()) for name in ("specialty", "state")}
    specialty_labels: dict[str, str] = {}
    expanded = expand_reviewer_counts(reviewer_counts, specialty_labels)
    guideline_titles = dict(
        Guideline.objects.filter(id__in=[int(v) for v in counts.get("guideline", {})]).values_list("id", "slug")
    )
    guideline_labels = dict(Guideline.objects.filter(slug__in=guideline_titles.values()).values_list("slug", "title"))
    raw: dict[str, Counter[str]] = {
        **counts,
        **expanded,
        "guideline": Counter({guideline_titles[int(k)]: v for k, v in counts.get("guideline", {}).items()}),
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


def expand_reviewer_counts(counts: Mapping[str, Counter[str]], specialty_labels: dict[str, str]) -> dict[str, Counter[str]]:
    """Letters per reviewer id -> letters per specialty and per state (a letter has one reviewer)."""
    ids = {int(value) for counter in counts.values() for value in counter}
    specialty: Counter[str] = Counter()
    state: Counter[str] = Counter()
    for reviewer in Reviewer.objects.filter(id__in=ids).only("id", "specialties", "specialty_slugs", "licensed_states"):
        specialty_labels.update(zip(reviewer.specialty_slugs, reviewer.specialties, strict=False))
        for slug in set(reviewer.specialty_slugs):
            specialty[slug] += counts["specialty"].get(str(reviewer.id), 0)
        for code in set(reviewer.licensed_states):
            state[code] += counts["state"].get(str(reviewer.id), 0)
    return {"specialty": +specialty, "state": +state}


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
        self.timings: dict[str, float] = {}

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @cached_property
    def queryset(self) -> QuerySet[Case]:
        if self.errors:
            return Case.objects.none()
        cases = filter_cases(Case.objects.select_related("reviewer"), self.cleaned)
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
        paginator = Paginator(self.queryset, PAGE_SIZE)
        paginator.count = self.total  # type: ignore[misc]  # counted once, shared with the page links
        requested = parse_page_number(number)
        capped = requested > MAX_PAGES
        try:
            page = paginator.page(min(requested, MAX_PAGES))
        except EmptyPage:
            page = paginator.page(paginator.num_pages)
        return ResultPage(page, self.rows_for(list(page.object_list)), capped)

    def rows_for(self, cases: list[Case]) -> list[CaseRow]:
        return attach_items(cases, self.cleaned, self.query)

    @cached_property
    def suggestions(self) -> list[Suggestion]:
        """For an empty result: close spellings of the query words, and filters to drop."""
        if self.errors or self.total:
            return []
        return spelling_suggestions(self.cleaned) + drop_filter_suggestions(self.cleaned)


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
            count = filter_cases(Case.objects.all(), {**cleaned, "q": new_q}).count()
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
        .defer("search_vector", "search_requests", "search_rationales", "document__text")
        .get(key=key)
    )


@dataclass
class Neighbours:
    previous: str | None
    next: str | None
    position: int | None = None


def neighbours(result: SearchResult, case: Case) -> Neighbours:
    """The letters before and after ``case`` in the search's own order (keyset, no OFFSET)."""
    if not result.is_valid:
        return Neighbours(None, None)
    ordered = result.queryset
    current = ordered.filter(pk=case.pk).values(*sort_columns(result)).first()
    if current is None:
        return Neighbours(None, None)
    after, before = keyset_conditions(result, current)
    next_key = ordered.filter(after).values_list("key", flat=True).first()
    previous_key = ordered.filter(before).reverse().values_list("key", flat=True).first()
    return Neighbours(previous_key, next_key)


def sort_columns(result: SearchResult) -> tuple[str, ...]:
    return ("rank", "id") if "rank" in result.queryset.query.annotations else ("decision_date", "id")


def keyset_conditions(result: SearchResult, current: dict[str, Any]) -> tuple[Q, Q]:
    """(rows after current, rows before current) in the result's order."""
    if "rank" in current:
        rank, pk = current["rank"], current["id"]
        return Q(rank__lt=rank) | Q(rank=rank, id__lt=pk), Q(rank__gt=rank) | Q(rank=rank, id__gt=pk)
    return date_keyset(current["decision_date"], current["id"], descending=result.cleaned.get("sort") != Sort.OLDEST)


def date_keyset(decided: Any, pk: int, *, descending: bool) -> tuple[Q, Q]:
    """(rows after, rows before) in (decision_date NULLS LAST, id) order, either direction."""
    forward, backward = ("lt", "gt") if descending else ("gt", "lt")
    if decided is None:
        after = Q(decision_date__isnull=True, **{f"id__{forward}": pk})
        before = Q(decision_date__isnull=False) | Q(decision_date__isnull=True, **{f"id__{backward}": pk})
        return after, before
    after = Q(**{f"decision_date__{forward}": decided}) | Q(decision_date=decided, **{f"id__{forward}": pk})
    before = Q(**{f"decision_date__{backward}": decided}) | Q(decision_date=decided, **{f"id__{backward}": pk})
    return after | Q(decision_date__isnull=True), before


# --- guidelines ----------------------------------------------------------------------------------


def guideline_summaries() -> QuerySet[Guideline]:
    """Every guideline with how many items its reviewers' citations decided, and how."""
    reviewer = Q(citations__role=CitedBy.REVIEWER)
    return Guideline.objects.annotate(
        items=Count("citations__item", filter=reviewer, distinct=True),
        upheld=Count("citations__item", filter=reviewer & Q(citations__item__outcome=Outcome.UPHELD), distinct=True),
        overturned=Count("citations__item", filter=reviewer & Q(citations__item__outcome=Outcome.OVERTURNED), distinct=True),
    ).order_by("-items", "title")
