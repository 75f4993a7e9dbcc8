"""Outcome statistics of a search's disputed items (issue 13): totals with a 95% Wilson interval,
breakdowns by a dimension, trends, timing, a treatment × specialty matrix.

The unit is the disputed item: the items ``FacetIndex.matching`` selects for the search (those
satisfying the item-level filters, on one and the same item, in letters satisfying the letter-level
ones), so every figure is the item count the same search shows on ``/decisions/``. Counting is
``np.bincount`` over the selected items (or their citation entries), split by outcome: its cost
grows with the items, never with values × letters. A multi-valued dimension (an item citing two
guidelines, a reviewer with two specialties, a drug of two ingredients) counts an item in each of
its groups.

Each group carries the query parameters of the letters behind it, made from the registry's facet
clicks (``search_params.clicks``); where no one search shows a group's items (a second guideline
of items already filtered by one) it has none, and the page shows the number unlinked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Count, Q
from django.http import QueryDict
from django.urls import reverse

from decisions.facets import NULL_DAY, FacetIndex, Mask, PerIndex, current_index, fetch_columns
from decisions.kind_rates import kind_rates
from decisions.models import Citation, CitedBy, DisputedItem, Guideline, Outcome
from decisions.search_params import (
    AGE,
    DECIDED,
    FACETS_BY_NAME,
    OUTCOME,
    PARAMS_BY_NAME,
    TREATMENT,
    FacetDecl,
    Sort,
    active_params,
    clicks,
    is_set,
    selected,
)
from decisions.selectors import Chip, Lookups, Search, as_query_dict, filter_chips, lookups, query_string, validate_search

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
TOO_FEW = 10  # groups with fewer items are marked too few to judge
TABLE_ROWS = 30  # the page's tables show the largest groups; the API and the CSV give them all


# --- rates ---------------------------------------------------------------------------------------


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None for no trials): unlike p ± z·se it stays
    within [0, 1] and is honest for small counts and rates near 0 or 1."""
    if trials <= 0:
        return None
    p = successes / trials
    spread = z * z / trials
    centre = p + spread / 2
    margin = z * math.sqrt(p * (1 - p) / trials + spread / (4 * trials))
    return max(0.0, (centre - margin) / (1 + spread)), min(1.0, (centre + margin) / (1 + spread))


@dataclass(frozen=True)
class Rate:
    """Items, how many were upheld and overturned, the overturn rate and its 95% interval."""

    items: int
    upheld: int
    overturned: int

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.items if self.items else None

    @property
    def ci95(self) -> tuple[float, float] | None:
        return wilson_interval(self.overturned, self.items)

    @property
    def too_few(self) -> bool:
        return self.items < TOO_FEW

    def as_json(self) -> dict[str, Any]:
        interval = self.ci95
        return {
            "items": self.items,
            "upheld": self.upheld,
            "overturned": self.overturned,
            "overturn_rate": round(self.overturn_rate, 6) if self.overturn_rate is not None else None,
            "ci95": [round(interval[0], 6), round(interval[1], 6)] if interval else None,
        }


# --- the search's items --------------------------------------------------------------------------


@dataclass
class Selection:
    """A search's letters and items in the index, and each selected item's outcome."""

    index: FacetIndex
    cleaned: Mapping[str, Any]
    letters: Mask
    items: Mask
    positions: npt.NDArray[np.intp]  # the selected items' positions
    overturned: Mask  # per selected item
    upheld: Mask

    @property
    def item_letters(self) -> npt.NDArray[np.int32]:
        return self.index.item_letter[self.positions]

    def rate(self) -> Rate:
        return Rate(len(self.positions), int(self.upheld.sum()), int(self.overturned.sum()))


def select(index: FacetIndex, cleaned: Mapping[str, Any]) -> Selection:
    """The items (and letters) of a validated search, as the search page counts them."""
    unranked = {**cleaned, "sort": Sort.NEWEST}  # ranks are not needed here
    matches, words = index.word_matches(unranked)
    letters, items = index.matching(unranked, matches[0] if matches is not None else None, words=words)
    positions = np.flatnonzero(items)
    outcome = index.item[OUTCOME.name][positions]
    overturned = outcome == index.code_of(OUTCOME, Outcome.OVERTURNED)
    upheld = outcome == index.code_of(OUTCOME, Outcome.UPHELD)
    return Selection(index, cleaned, letters, items, positions, overturned, upheld)


# --- counting by a dimension ----------------------------------------------------------------------


@dataclass
class Counted:
    """Items, upheld and overturned per value code of a dimension (code 0: not stated)."""

    names: list[str]
    items: npt.NDArray[np.int64]
    upheld: npt.NDArray[np.int64]
    overturned: npt.NDArray[np.int64]


def split_count(codes: npt.NDArray[Any], overturned: Mask, upheld: Mask, size: int) -> tuple[Any, Any, Any]:
    codes = codes.astype(np.int64)
    return (
        np.bincount(codes, minlength=size),
        np.bincount(codes[upheld], minlength=size),
        np.bincount(codes[overturned], minlength=size),
    )


def counted_codes(
    selection: Selection, codes: npt.NDArray[Any], names: list[str], item_rows: npt.NDArray[Any] | None = None
) -> Counted:
    """Counts of ``codes`` (one per selected item, or per entry of ``item_rows``, positions into the selection)."""
    over, up = (
        (selection.overturned, selection.upheld)
        if item_rows is None
        else (selection.overturned[item_rows], selection.upheld[item_rows])
    )
    size = max(len(names), int(codes.max()) + 1 if len(codes) else 0)
    return Counted(names, *split_count(codes, over, up, size))


def distinct(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct keys, sorted (a sort and a comparison: np.unique's hashing is slower on large arrays)."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def by_facet(selection: Selection, facet: FacetDecl) -> Counted:
    """Counts on a registry facet's column, at the level the column is kept."""
    index = selection.index
    column = facet.need.column_for(selection.cleaned)
    if facet.years:
        years = index.year_of(column)[selection.item_letters]
        size = int(years.max()) + 1 if len(years) else 1
        return counted_codes(selection, years, [str(year) if year else "" for year in range(size)])
    names = index.value_names(column)
    if column.kind == "reviewer_texts":  # per reviewer, then through the reviewer × value matrix
        rows = index.reviewer[selection.item_letters]
        per_reviewer = split_count(rows, selection.overturned, selection.upheld, len(index.reviewer_ids) + 1)
        matrix = index.reviewer_matrix[column.name]
        items, upheld, overturned = (counts @ matrix for counts in per_reviewer)
        return Counted(names, np.append(0, items), np.append(0, upheld), np.append(0, overturned))
    if column.level == "letter":
        return counted_codes(selection, index.letter[column.name][selection.item_letters], names)
    if column.kind in ("ids", "texts"):
        item, value = index.entries[column.name].restricted_to(selection.items)
        pairs = distinct(item.astype(np.int64) * (len(names) + 1) + value)  # an item counts once per value
        items_of_pairs, values = pairs // (len(names) + 1), pairs % (len(names) + 1)
        return counted_codes(selection, values, names, np.searchsorted(selection.positions, items_of_pairs))
    return counted_codes(selection, index.item[column.name][selection.positions], names)


AGE_BANDS = ((0, 29), (30, 39), (40, 49), (50, 59), (60, 130))


def age_band_name(band: tuple[int, int]) -> str:
    return f"{band[0]}-{band[1]}" if band[1] < 130 else f"{band[0]}+"


def by_age_band(selection: Selection) -> Counted:
    ages = selection.index.letter[AGE.name][selection.item_letters]
    codes = np.digitize(ages, [band[0] for band in AGE_BANDS]).astype(np.int64)  # 1..5; an age of -1 (none) 0
    return counted_codes(selection, codes, ["", *(age_band_name(band) for band in AGE_BANDS)])


def months_since_1970(selection: Selection) -> npt.NDArray[np.int64]:
    """Each selected item's month of decision, counted from January 1970 plus one (0: undated)."""
    days = selection.index.letter[DECIDED.name][selection.item_letters].astype(np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1
    return np.where(days != NULL_DAY, months, 0)


def month_name(code: int) -> str:
    return f"{1970 + (code - 1) // 12}-{(code - 1) % 12 + 1:02d}" if code else ""


def quarter_name(code: int) -> str:
    return f"{1970 + (code - 1) // 4}-Q{(code - 1) % 4 + 1}" if code else ""


def by_period(selection: Selection, months_per_period: int) -> Counted:
    """Counts per decision month (1) or quarter (3), from the first period with items to the last."""
    months = months_since_1970(selection)
    codes = np.where(months > 0, (months - 1) // months_per_period + 1, 0)
    name = month_name if months_per_period == 1 else quarter_name
    size = int(codes.max()) + 1 if len(codes) else 1
    return counted_codes(selection, codes, [name(code) for code in range(size)])


# --- dimensions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    """A way to split a search's items: a registry facet's column, or (``count``) another one."""

    name: str
    label: str
    facet: str = ""
    count: Callable[[Selection], Counted] | None = None
    ordered_by_value: bool = False  # years, months, ages read in their own order

    def counted(self, selection: Selection) -> Counted:
        if self.count is not None:
            return self.count(selection)
        return by_facet(selection, FACETS_BY_NAME[self.facet])


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("treatment", "Treatment", "treatment"),
    Dimension("subcategory", "Treatment subcategory", "subcategory"),
    Dimension("drug", "Drug ingredient", "drug"),
    Dimension("body_region", "Body region", "body_region"),
    Dimension("guideline", "Guideline (IMR reviewer's)", "guideline"),
    Dimension("source", "Guideline source", "source"),
    Dimension("specialty", "Reviewer specialty", "specialty"),
    Dimension("state", "Reviewer licensed in", "state"),
    Dimension("sex", "Patient sex", "sex"),
    Dimension("age_band", "Patient age", count=by_age_band, ordered_by_value=True),
    Dimension("year", "Decision year", "year", ordered_by_value=True),
    Dimension("month", "Decision month", count=lambda selection: by_period(selection, 1), ordered_by_value=True),
)
DIMENSIONS_BY_NAME = {dimension.name: dimension for dimension in DIMENSIONS}
QUARTER = Dimension("quarter", "Decision quarter", count=lambda selection: by_period(selection, 3), ordered_by_value=True)
TABLES = tuple(dimension for dimension in DIMENSIONS if dimension.name != "month")  # months are the trend chart


# --- the letters behind a number ------------------------------------------------------------------


def within(cleaned: Mapping[str, Any], low: str, high: str, start: Any, end: Any) -> dict[str, str] | None:
    """A range's parameters narrowed to [start, end] and the search's own bounds (None: empty)."""
    if is_set(cleaned.get(low)):
        start = max(start, cleaned[low])
    if is_set(cleaned.get(high)):
        end = min(end, cleaned[high])
    return {low: str(start), high: str(end)} if start <= end else None


def period_bounds(code: int, months_per_period: int) -> tuple[date, date]:
    first_month = (code - 1) * months_per_period
    start = date(1970 + first_month // 12, first_month % 12 + 1, 1)
    after = first_month + months_per_period
    return start, date(1970 + after // 12, after % 12 + 1, 1) - timedelta(days=1)


def group_params(dimension: Dimension, value: str, cleaned: Mapping[str, Any]) -> dict[str, str] | None:
    """The parameters that, added to the search, show a group's letters (None: no one search does)."""
    if dimension.name == "age_band":
        band = AGE_BANDS[[age_band_name(band) for band in AGE_BANDS].index(value)]
        return within(cleaned, "age_min", "age_max", band[0], band[1])
    if dimension.name in ("month", "quarter"):
        year, _, part = value.partition("-")
        per = 1 if dimension.name == "month" else 3
        code = (int(year) - 1970) * (12 // per) + int(part.lstrip("Q")) if per == 3 else (int(year) - 1970) * 12 + int(part)
        return within(cleaned, "decided_from", "decided_to", *period_bounds(code, per))
    facet = FACETS_BY_NAME[dimension.facet]
    if facet.years:
        return within(cleaned, "decided_from", "decided_to", date(int(value), 1, 1), date(int(value), 12, 31))
    chosen = selected(facet, cleaned)
    if chosen and chosen != value:  # the search already asks for another value of it on the same item or reviewer
        return None
    return clicks(facet, value)


def combined(*parts: dict[str, str] | None) -> dict[str, str] | None:
    merged: dict[str, str] = {}
    for part in parts:
        if part is None:
            return None
        merged.update(part)
    return merged


def overturned_params(cleaned: Mapping[str, Any]) -> dict[str, str] | None:
    chosen = cleaned.get("outcome")
    return None if chosen and chosen != Outcome.OVERTURNED else {"outcome": Outcome.OVERTURNED.value}


def search_link(params: QueryDict, updates: dict[str, str] | None) -> str:
    """The /decisions/ address of the search with ``updates`` (empty when there is none)."""
    if updates is None:
        return ""
    return list_path() + query_string(params, drop=("by",), updates=updates).rstrip("?")


@lru_cache(maxsize=1)
def list_path() -> str:
    return reverse("decisions:list")


# --- groups -------------------------------------------------------------------------------------


@dataclass
class Group:
    value: str
    label: str
    rate: Rate
    params: dict[str, str] | None  # added to the search, they show the group's letters
    href: str = ""  # the /decisions/ search of its items ("" where no one search shows them)
    overturned_href: str = ""

    def linked(self, search: QueryDict, cleaned: Mapping[str, Any]) -> Group:
        self.href = search_link(search, self.params)
        self.overturned_href = search_link(search, combined(self.params, overturned_params(cleaned)))
        return self

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, **self.rate.as_json()}


def dimension_labels(dimension: Dimension, labels: Lookups) -> tuple[Mapping[str, str], Mapping[str, str]]:
    """(value sent for a column value, label of a value sent) of a dimension."""
    if not dimension.facet:
        return {}, {}
    facet = FACETS_BY_NAME[dimension.facet]
    sends = labels[facet.sends] if facet.sends else {}
    return sends, labels.get(PARAMS_BY_NAME[facet.own_params[0]].labels, {})


def groups(
    selection: Selection, dimension: Dimension, labels: Lookups, search: QueryDict | None = None, limit: int | None = None
) -> list[Group]:
    """The dimension's groups with items, largest first (years, months and ages in their order), the
    ``limit`` largest if given; with the ``search``'s parameters, each links to its letters."""
    counted = dimension.counted(selection)
    sends, names = dimension_labels(dimension, labels)
    found = []
    for code in np.flatnonzero(counted.items):
        column_value = counted.names[code] if code < len(counted.names) else ""
        if not column_value:
            continue  # not stated: no search shows these alone
        value = sends.get(column_value, column_value)
        rate = Rate(int(counted.items[code]), int(counted.upheld[code]), int(counted.overturned[code]))
        found.append(Group(value, names.get(value, value), rate, None))
    if not dimension.ordered_by_value:
        found = sorted(found, key=lambda group: (-group.rate.items, group.label.lower()))[:limit]
    for group in found:
        group.params = group_params(dimension, group.value, selection.cleaned)
        if search is not None:
            group.linked(search, selection.cleaned)
    return found


# --- timing -------------------------------------------------------------------------------------

# Days from each date to the decision, per letter of an index (read once per index version).
TIMING_COLUMNS = {
    "ur_denial": "Days from the UR denial to the decision",
    "application": "Days from the IMR application received to the decision",
}


def read_timing_days(index: FacetIndex) -> dict[str, npt.NDArray[np.int32]]:
    """Per letter of the index (its order), days from the UR denial and from the application to the
    decision (NULL_DAY where a date is missing). Not search parameters, so not in the facet index:
    read here in one packed query and kept with the index it belongs to (``timing_days``)."""
    ids, denial, application = fetch_columns(
        f"SELECT id::int4, coalesce(decision_date - ur_denial_date, {NULL_DAY})::int4,"
        f" coalesce(decision_date - application_received, {NULL_DAY})::int4 FROM decisions_case",
        [],
        [">i4", ">i4", ">i4"],
    )
    days = {name: np.full(index.n, NULL_DAY, dtype=np.int32) for name in TIMING_COLUMNS}
    positions, known = index.letter_ids.positions(ids)
    days["ur_denial"][positions] = denial[known]
    days["application"][positions] = application[known]
    return days


timing_days: PerIndex[dict[str, npt.NDArray[np.int32]]] = PerIndex(lambda index: read_timing_days(index))


@dataclass
class Spread:
    letters: int
    median: float
    q1: float
    q3: float
    p90: float


@dataclass
class TimingRow:
    year: str
    href: str
    spreads: dict[str, Spread | None]


def spread(values: npt.NDArray[np.int32]) -> Spread | None:
    if not len(values):
        return None
    q1, median, q3, p90 = np.percentile(values, [25, 50, 75, 90])
    return Spread(len(values), float(median), float(q1), float(q3), float(p90))


def timing(selection: Selection, search: QueryDict) -> list[TimingRow]:
    """Per decision year (and all years), the spread of days to the decision over the search's letters."""
    index = selection.index
    letters = np.flatnonzero(selection.letters)
    years = index.year_of(DECIDED)[letters]
    days = {name: values[letters] for name, values in timing_days(index).items()}
    rows = []
    year_dimension = DIMENSIONS_BY_NAME["year"]
    for year in [*(int(y) for y in np.flatnonzero(np.bincount(years)) if y), 0]:
        chosen = years == year if year else np.ones(len(letters), dtype=bool)
        spreads = {name: spread(values[chosen & (values != NULL_DAY) & (values >= 0)]) for name, values in days.items()}
        if not any(spreads.values()):
            continue
        params = group_params(year_dimension, str(year), selection.cleaned) if year else {}
        rows.append(TimingRow(str(year) if year else "All years", search_link(search, params), spreads))
    return rows


# --- treatment × reviewer specialty ---------------------------------------------------------------


@dataclass
class Cell:
    rate: Rate
    href: str


@dataclass
class MatrixRow:
    value: str
    label: str
    cells: list[Cell]


@dataclass
class Matrix:
    columns: list[tuple[str, str]]  # (value, label)
    rows: list[MatrixRow]


MATRIX_COLUMNS = 8


def treatment_by_specialty(selection: Selection, labels: Lookups, search: QueryDict) -> Matrix:
    """Items and overturn rates per treatment × reviewer specialty (the specialties with most items)."""
    index = selection.index
    specialty = FACETS_BY_NAME["specialty"].need.column_for(selection.cleaned)
    treatments = index.value_names(TREATMENT)
    reviewers = len(index.reviewer_ids) + 1
    keys = index.item[TREATMENT.name][selection.positions].astype(np.int64) * reviewers + index.reviewer[selection.item_letters]
    matrix = index.reviewer_matrix[specialty.name]
    counts = split_count(keys, selection.overturned, selection.upheld, len(treatments) * reviewers)
    items, upheld, overturned = (per_reviewer.reshape(len(treatments), reviewers) @ matrix for per_reviewer in counts)
    specialties = index.value_names(specialty)[1:]
    top_columns = [code for code in np.argsort(-items.sum(axis=0), kind="stable")[:MATRIX_COLUMNS] if items[:, code].sum()]
    top_rows = [code for code in np.argsort(-items.sum(axis=1), kind="stable") if code and items[code].sum()]
    treatment_labels, specialty_labels = labels["categories"], labels["specialty_names"]

    def cell(row: int, column: int) -> Cell:
        rate = Rate(int(items[row, column]), int(upheld[row, column]), int(overturned[row, column]))
        params = combined(
            group_params(DIMENSIONS_BY_NAME["treatment"], treatments[row], selection.cleaned),
            group_params(DIMENSIONS_BY_NAME["specialty"], specialties[column], selection.cleaned),
        )
        return Cell(rate, search_link(search, params))

    rows = [
        MatrixRow(
            treatments[row], treatment_labels.get(treatments[row], treatments[row]), [cell(row, column) for column in top_columns]
        )
        for row in top_rows
    ]
    rows = [row for row in rows if any(not cell.rate.too_few for cell in row.cells)]  # a row of blanks says nothing
    columns = [(specialties[column], specialty_labels.get(specialties[column], specialties[column])) for column in top_columns]
    return Matrix(columns, rows)


# --- what the page, the API and the CSV receive --------------------------------------------------


@dataclass
class Breakdown:
    dimension: Dimension
    groups: list[Group]
    label: str = ""

    def __post_init__(self) -> None:
        self.label = self.label or self.dimension.label

    @property
    def shared(self) -> bool:
        """Whether an item can be in several of its groups (the page says so)."""
        return self.dimension.name in ("drug", "guideline", "source", "specialty", "state")


@dataclass
class Statistics:
    search: Search
    params: QueryDict
    total: Rate = Rate(0, 0, 0)
    letters: int = 0
    archive: Rate = Rate(0, 0, 0)
    archive_letters: int = 0
    breakdowns: list[Breakdown] = field(default_factory=list)
    months: list[Group] = field(default_factory=list)
    quarters: list[Group] = field(default_factory=list)
    timing: list[TimingRow] = field(default_factory=list)
    matrix: Matrix | None = None
    chips: list[Chip] = field(default_factory=list)
    href: str = ""  # the search's letters
    overturned_href: str = ""
    archive_href: str = ""
    archive_overturned_href: str = ""

    @property
    def is_valid(self) -> bool:
        return self.search.is_valid


def table_label(dimension: Dimension, cleaned: Mapping[str, Any]) -> str:
    """The dimension's name; guidelines and sources are the claims administrator's with ``cited_by`` so."""
    if dimension.name in ("guideline", "source") and cleaned.get("cited_by") == CitedBy.CLAIMS_ADMINISTRATOR:
        return dimension.label.replace(" (IMR reviewer's)", "") + " (claims administrator's)"
    return dimension.label


def statistics_of(params: QueryDict) -> Statistics:
    """Everything the statistics page shows of the search ``params`` asks for."""
    search = validate_search(params)
    page = Statistics(search, params)
    if not search.is_valid:
        return page
    index = current_index()
    labels = lookups(index)
    selection = select(index, search.cleaned)
    page.chips = filter_chips(search.cleaned, params, labels)
    page.total, page.letters = selection.rate(), int(selection.letters.sum())
    page.href, page.overturned_href = search_link(params, {}), search_link(params, overturned_params(search.cleaned))
    page.archive_href, page.archive_overturned_href = (
        search_link(QueryDict(), {}),
        search_link(QueryDict(), overturned_params({})),
    )
    whole = select(index, validate_search({}).cleaned) if search.active else selection
    page.archive, page.archive_letters = whole.rate(), int(whole.letters.sum())
    page.breakdowns = [
        Breakdown(dimension, groups(selection, dimension, labels, params, TABLE_ROWS), table_label(dimension, search.cleaned))
        for dimension in TABLES
    ]
    page.months = groups(selection, DIMENSIONS_BY_NAME["month"], labels, params)
    page.quarters = groups(selection, QUARTER, labels, params)
    page.timing = timing(selection, params)
    page.matrix = treatment_by_specialty(selection, labels, params)
    return page


@dataclass
class ByDimension:
    search: Search
    by: str
    total: Rate = Rate(0, 0, 0)
    letters: int = 0
    groups: list[Group] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": "items",
            "by": self.by,
            "total": {**self.total.as_json(), "letters": self.letters},
            "groups": [group.as_json() for group in self.groups],
        }


def statistics_by(params: Mapping[str, Any], by: str) -> ByDimension:
    """The search's totals and its groups by one dimension (the API and the CSV)."""
    search = validate_search(params)
    errors = dict(search.errors)
    if by not in DIMENSIONS_BY_NAME:
        errors["by"] = [f"unknown dimension {by!r}; use one of: {', '.join(DIMENSIONS_BY_NAME)}"]
    result = ByDimension(search, by, errors=errors)
    if errors:
        return result
    index = current_index()
    selection = select(index, search.cleaned)
    result.total, result.letters = selection.rate(), int(selection.letters.sum())
    result.groups = groups(selection, DIMENSIONS_BY_NAME[by], lookups(index))
    return result


# The parameters of a kind of request (``like_params``), and the part of a counted kind each names.
KIND_PARTS = {"treatment": "treatment", "subcategory": "subcategory", "drug": "drug", "body_region": "region", "guideline": "guideline"}


def rate_of(index: FacetIndex, cleaned: Mapping[str, Any]) -> Rate:
    """The items of one validated search and their outcomes (a letter's "requests like this"): for a
    kind of request, from the index's counted kinds (``decisions.kind_rates``), else counted here."""
    reviewers_guidelines = cleaned.get("cited_by") in (None, "", CitedBy.REVIEWER)  # the guidelines the kinds are counted by
    if set(active_params(cleaned)) <= set(KIND_PARTS) and is_set(cleaned.get("treatment")) and reviewers_guidelines:
        return kind_rate(index, cleaned)
    return select(index, cleaned).rate()


def kind_rate(index: FacetIndex, cleaned: Mapping[str, Any]) -> Rate:
    codes: dict[str, int | None] = {}
    for name, part in KIND_PARTS.items():
        if not is_set(cleaned.get(name)):
            codes[part] = None
            continue
        need = PARAMS_BY_NAME[name].index
        assert need is not None  # every part of a kind is counted by the index
        code = index.code_of(need.column_for(cleaned), need.value_of(cleaned[name], cleaned))
        if code < 1:  # a value no item has
            return Rate(0, 0, 0)
        codes[part] = code
    treatment = codes.pop("treatment")
    assert treatment is not None
    return Rate(*kind_rates(index).rate(treatment, **codes))


def dimension_names() -> Sequence[str]:
    return tuple(DIMENSIONS_BY_NAME)


# --- a letter's page: how requests like each of its items were decided ---------------------------


@dataclass
class LikeThis:
    """How the items of one kind were decided: ``what`` they share, their rate, links to their letters."""

    what: str
    rate: Rate
    href: str
    overturned_href: str


def like_params(item: DisputedItem) -> dict[str, str]:
    """The search for items of the same kind: subcategory (or treatment), drug ingredient, body region."""
    params = {"treatment": item.treatment_category}
    if item.treatment_subcategory:
        params["subcategory"] = item.treatment_subcategory
    if item.ingredients and item.treatment_category == "medication":
        params["drug"] = item.ingredients[0]
    if item.body_region:
        params["body_region"] = item.body_region
    return params


def reviewer_guideline(item: DisputedItem) -> Guideline | None:
    """The first guideline the IMR reviewer relied on for the item (from its prefetched citations)."""
    cited = [citation for citation in item.citations.all() if citation.role == CitedBy.REVIEWER]
    return min(cited, key=lambda citation: citation.position).guideline if cited else None


def kind_label(item: DisputedItem, labels: Lookups) -> str:
    """An item's kind as people read it: its subcategory's name, else its category's."""
    subcategory = labels["subcategories"].get(f"{item.treatment_category}/{item.treatment_subcategory}")
    return subcategory or labels["categories"].get(item.treatment_category, item.treatment_category)


@lru_cache(maxsize=4096)
def like_search(params: tuple[tuple[str, str], ...]) -> Search:
    """``validate_search`` of a kind's parameters (treatment, subcategory, drug, region), kept: they are
    checked against fixed tables only, and a letter's page asks for several (the FilterSet costs ~2 ms)."""
    return validate_search(dict(params))


def like_this(index: FacetIndex, params: dict[str, str], cleaned: Mapping[str, Any], what: str) -> LikeThis:
    rate = rate_of(index, cleaned)
    search = QueryDict(mutable=True)
    return LikeThis(what, rate, search_link(search, params), search_link(search, combined(params, overturned_params({}))))


def requests_like(item: DisputedItem, index: FacetIndex, labels: Lookups) -> list[LikeThis]:
    """For one item: items of its kind (subcategory, drug, region), then those also decided on its
    reviewer's guideline. Empty for an item without a treatment category."""
    if not item.treatment_category:
        return []
    params = like_params(item)
    search = like_search(tuple(sorted(params.items())))
    if not search.is_valid:
        return []
    parts = [
        kind_label(item, labels),
        *([params["drug"]] if "drug" in params else []),
        *([labels["body_regions"][item.body_region]] if item.body_region in labels["body_regions"] else []),
    ]
    lines = [like_this(index, params, search.cleaned, " · ".join(parts))]
    guideline = reviewer_guideline(item)
    if guideline is not None:
        # clean_guideline's reading of the slug (its id), known here from the citation itself.
        cleaned = {**search.cleaned, "guideline": guideline.slug, "guideline_id": guideline.id}
        lines.append(like_this(index, {**params, "guideline": guideline.slug}, cleaned, f"and decided on {guideline.title}"))
    return lines


# --- a guideline's page -----------------------------------------------------------------------------


@dataclass
class Section:
    topic: str
    rate: Rate


SECTIONS_SHOWN = 15


def cited_sections(guideline: Guideline, limit: int = SECTIONS_SHOWN) -> list[Section]:
    """The sections (topics) of a guideline its IMR reviewers cite most, by items, with their outcomes."""
    rows = (
        Citation.objects.filter(guideline=guideline, role=CitedBy.REVIEWER)
        .exclude(topic="")
        .values("topic")
        .annotate(
            items=Count("item", distinct=True),
            upheld=Count("item", distinct=True, filter=Q(item__outcome=Outcome.UPHELD)),
            overturned=Count("item", distinct=True, filter=Q(item__outcome=Outcome.OVERTURNED)),
        )
        .order_by("-items", "topic")[:limit]
    )
    return [Section(row["topic"], Rate(row["items"], row["upheld"], row["overturned"])) for row in rows]


def guideline_years(guideline: Guideline) -> ByDimension:
    """The outcome of the items decided on a guideline (the IMR reviewer's), per decision year."""
    result = statistics_by({"guideline": guideline.slug}, "year")
    for group in result.groups:
        group.linked(as_query_dict({"guideline": guideline.slug}), result.search.cleaned)
    return result
