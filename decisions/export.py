"""CSV export of a search: one row per disputed item, streamed.

The letters are taken in the search's order a chunk at a time (``IMR_EXPORT_CHUNK_LETTERS``):
for a relevance order from the ids the counting pass already ranked, for a date order from a
server-side cursor over the letters' ids, which an index (``case_search_newest`` / ``_oldest``)
serves in that order, so the first rows leave before the rest are read. Each chunk's items come
from one query on the items' letter index, their guidelines from two correlated array subqueries
on the indexed (item, role) citation columns. Everything is read in one read-only REPEATABLE READ
transaction (one snapshot; a cursor declared outside a transaction would be materialised whole
before its first row), and memory stays flat however large the export.

A live export holds at most ``IMR_EXPORT_MAX_ROWS`` rows (the whole archive is a bulk download,
``/downloads/``). How many rows it holds is known before the first is sent: the response's
``X-Total-Rows`` header and the file's name say it, so a file cut short can be told from a
complete one; an error while streaming ends the connection without the closing chunk.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet
from django.urls import reverse
from django.utils.text import slugify

from decisions.facets import OrderedIds
from decisions.filters import searched_items
from decisions.models import Citation, CitedBy, DisputedItem
from decisions.selectors import Search
from decisions.statistics import ByDimension

COLUMNS = (
    "case",
    "decision_date",
    "injury_date",
    "reviewer_specialties",
    "reviewer_states",
    "position",
    "request",
    "treatment_category",
    "treatment_subcategory",
    "ingredients",
    "body_region",
    "laterality",
    "quantity",
    "outcome",
    "reviewer_guidelines",
    "claims_administrator_guidelines",
    "rationale",
    "url",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
T = TypeVar("T")


# --- the rows -------------------------------------------------------------------------------------


def item_rows(items: QuerySet[DisputedItem]) -> QuerySet[Any, Any]:
    """``items`` as the dictionaries ``row_for`` reads (with their letter's id as ``case_id``)."""
    return items.annotate(
        reviewer_guidelines=guideline_titles(CitedBy.REVIEWER),
        claims_administrator_guidelines=guideline_titles(CitedBy.CLAIMS_ADMINISTRATOR),
    ).values(
        "case_id",
        "position",
        "request",
        "treatment_category",
        "treatment_subcategory",
        "ingredients",
        "body_region",
        "laterality",
        "quantity",
        "outcome",
        "rationale",
        "reviewer_guidelines",
        "claims_administrator_guidelines",
        "case__key",
        "case__decision_date",
        "case__date_of_injury",
        "case__reviewer__specialties",
        "case__reviewer__licensed_states",
    )


def guideline_titles(role: str) -> ArraySubquery:
    citations = Citation.objects.filter(item=OuterRef("pk"), role=role).order_by("position").values("guideline__title")
    return ArraySubquery(citations)


def safe_cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: prefix those with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def row_for(item: dict[str, Any], url_prefix: str) -> list[Any]:
    key = item["case__key"]
    row = [
        key,
        item["case__decision_date"] or "",
        item["case__date_of_injury"] or "",
        LIST_SEPARATOR.join(item["case__reviewer__specialties"] or []),
        LIST_SEPARATOR.join(item["case__reviewer__licensed_states"] or []),
        item["position"],
        item["request"],
        item["treatment_category"],
        item["treatment_subcategory"],
        LIST_SEPARATOR.join(item["ingredients"] or []),
        item["body_region"],
        item["laterality"],
        "" if item["quantity"] is None else item["quantity"],
        item["outcome"],
        LIST_SEPARATOR.join(item["reviewer_guidelines"] or []),
        LIST_SEPARATOR.join(item["claims_administrator_guidelines"] or []),
        item["rationale"],
        f"{url_prefix}{quote(key)}/",
    ]
    return [safe_cell(cell) for cell in row]


def letter_url_prefix(base_url: str) -> str:
    """``base_url`` + the letters' path, before the case key (``https://host/decisions/``)."""
    return base_url + reverse("decisions:detail", args=["KEY"]).removesuffix("KEY/")


class Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


# --- one search's export ----------------------------------------------------------------------------


@dataclass
class Export:
    """What a search's export will hold, known before its first row is read."""

    search: Search
    total: int  # the search's items (its item count on the list page)
    rows: int  # rows in the file: ``total``, or the cap when the search has more
    ordered_ids: OrderedIds | None = None  # the letters in the search's order, from the counting pass

    @property
    def capped(self) -> bool:
        return self.rows < self.total

    @property
    def filename(self) -> str:
        """imr-decisions[-<what was searched>]-<N>-rows.csv (capped: -first-<N>-of-<total>-rows.csv)."""
        described = slugify(" ".join(str(self.search.cleaned[name]) for name in self.search.active))[:80].strip("-")
        stem = f"imr-decisions-{described}" if described else "imr-decisions"
        counted = f"first-{self.rows}-of-{self.total}-rows" if self.capped else f"{self.rows}-rows"
        return f"{stem}-{counted}.csv"


def prepare_export(search: Search) -> Export:
    """The export of a valid search: its item count from the read path, capped at IMR_EXPORT_MAX_ROWS."""
    counts = search.counts()
    return Export(search, counts.items, min(counts.items, settings.IMR_EXPORT_MAX_ROWS), counts.ordered_ids)


def csv_lines(export: Export, base_url: str) -> Iterator[str]:
    """The header line at once, then the rows a chunk of letters at a time (one string per chunk)."""
    url_prefix = letter_url_prefix(base_url)
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    left = export.rows
    if left <= 0:
        return
    with one_snapshot():
        for letters in letter_chunks(export):
            lines = [writer.writerow(row_for(item, url_prefix)) for item in rows_of(export.search, letters)[:left]]
            left -= len(lines)
            if lines:  # never an empty string: some servers would end a chunked response with it
                yield "".join(lines)
            if left <= 0:
                return


def letter_chunks(export: Export) -> Iterator[list[int]]:
    """The search's letter ids in its order, ``IMR_EXPORT_CHUNK_LETTERS`` at a time."""
    size = settings.IMR_EXPORT_CHUNK_LETTERS
    if export.ordered_ids is not None:
        for start in range(0, len(export.ordered_ids), size):
            yield export.ordered_ids[start : start + size].tolist()
        return
    yield from batched(export.search.letters().values_list("id", flat=True).iterator(chunk_size=size), size)


def rows_of(search: Search, letters: list[int]) -> list[dict[str, Any]]:
    """The exported items of ``letters`` (those meeting the item filters), in the letters' order, then their own."""
    items = DisputedItem.objects.filter(case_id__in=letters)
    condition = searched_items(search.cleaned)
    if condition is not None:
        items = items.filter(condition)
    by_letter: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in item_rows(items.order_by("case_id", "position")):
        by_letter[item["case_id"]].append(item)
    return [item for letter in letters for item in by_letter.get(letter, ())]


def batched(values: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def one_snapshot() -> Iterator[None]:
    """A read-only REPEATABLE READ transaction: every query inside sees the archive as the first one did.

    Inside an enclosing transaction (a test's) the isolation it has is kept.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


STATISTICS_COLUMNS = ("by", "value", "label", "items", "upheld", "overturned", "overturn_rate", "ci95_low", "ci95_high", "letters")


def statistics_rows(result: ByDimension) -> Iterator[list[Any]]:
    """The API's numbers as rows: the search's total (``by`` = total), then each group."""
    total = result.total.as_json()
    yield ["total", "", "All items of the search", *rate_cells(total), result.letters]
    for group in result.groups:
        yield [result.by, group.value, group.label, *rate_cells(group.rate.as_json()), ""]


def rate_cells(rate: dict[str, Any]) -> list[Any]:
    interval = rate["ci95"] or ["", ""]
    rate_value = "" if rate["overturn_rate"] is None else rate["overturn_rate"]
    return [rate["items"], rate["upheld"], rate["overturned"], rate_value, *interval]


def statistics_csv_lines(result: ByDimension) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(STATISTICS_COLUMNS)
    for row in statistics_rows(result):
        yield writer.writerow([safe_cell(cell) for cell in row])


def statistics_filename(result: ByDimension) -> str:
    """imr-statistics-by-<dimension>[-<what was searched>].csv."""
    described = slugify(" ".join(str(result.search.cleaned[name]) for name in result.search.active))[:80].strip("-")
    return f"imr-statistics-by-{result.by}" + (f"-{described}" if described else "") + ".csv"
