"""CSV export of a search: one row per disputed item, streamed.

Rows are read with ``values()`` and ``iterator(chunk_size=2000)`` (a server-side cursor), the
guidelines of each item come from two correlated array subqueries on the indexed
(item, role) citation columns, so memory stays flat however large the export.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.urls import reverse
from django.utils.text import slugify

from decisions.models import Citation, CitedBy
from decisions.ordering import in_search_order
from decisions.selectors import Search, matching_items
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


def export_items(result: Search) -> QuerySet[Any, Any]:
    """The items a search exports: those matching the item filters, in the search's letters."""
    items = matching_items(result.cleaned)
    # The letters in the page's order, each letter's items in their own.
    ordered: QuerySet[Any, Any] = in_search_order(items, result.sort, result.query, letter="case__", then=("position",))
    return ordered.annotate(
        reviewer_guidelines=guideline_titles(CitedBy.REVIEWER),
        claims_administrator_guidelines=guideline_titles(CitedBy.CLAIMS_ADMINISTRATOR),
    ).values(
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


class Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


def export_filename(result: Search) -> str:
    """imr-decisions[-<what was searched>].csv, e.g. imr-decisions-gabapentin-overturned.csv."""
    described = slugify(" ".join(str(result.cleaned[name]) for name in result.active))[:80].strip("-")
    return f"imr-decisions-{described}.csv" if described else "imr-decisions.csv"


def csv_lines(result: Search, base_url: str) -> Iterator[str]:
    url_prefix = base_url + reverse("decisions:detail", args=["KEY"]).removesuffix("KEY/")
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS)
    if not result.is_valid:
        return
    for item in export_items(result).iterator(chunk_size=2000):
        yield writer.writerow(row_for(item, url_prefix))


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
