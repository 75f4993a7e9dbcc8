"""The order of a search's letters, written once: the list, the ranked page (the facet index ranks
with the same expression), previous/next on a letter's page and the CSV export all use it.

- Relevance: ``ts_rank`` of the search vector, as double precision (``real`` would not round-trip
  through Python for a keyset), highest first, then the newest id.
- Dates: decision date newest (or oldest) first, NULLS LAST in both directions (the order of the
  ``case_search_newest`` / ``_oldest`` indexes), then id in the same direction. The facet index puts
  a search's letters in the same order (``FacetIndex.date_order``) for the page, previous/next and
  the export; the SQL order serves what reads letters without it.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, FloatField, Model, OrderBy, QuerySet
from django.db.models.functions import Cast

from decisions.search_params import Sort

M = TypeVar("M", bound=Model)


def rank_expression(query: SearchQuery, letter: str = "") -> Cast:
    """A letter's rank for ``query``; ``letter`` is the path to the letter (``case__`` from an item)."""
    return Cast(SearchRank(F(f"{letter}search_vector"), query), output_field=FloatField())


def date_order(descending: bool, letter: str = "") -> tuple[OrderBy, OrderBy]:
    """(decision date, id), NULLS LAST, in one direction; ``letter`` as in ``rank_expression``."""
    decided, pk = F(f"{letter}decision_date"), F(f"{letter}id")
    if descending:
        return decided.desc(nulls_last=True), pk.desc()
    return decided.asc(nulls_last=True), pk.asc()


def is_ranked(sort: str | None, query: SearchQuery | None) -> bool:
    return sort == Sort.RELEVANCE and query is not None


def rank_name(letter: str = "") -> str:
    return f"{letter.replace('__', '_')}rank"


def in_search_order(rows: QuerySet[M], sort: str | None, query: SearchQuery | None, letter: str = "", then: tuple[str, ...] = ()) -> QuerySet[M]:
    """``rows`` (letters, or rows reaching them through ``letter``, e.g. ``case__`` from items) in the
    search's order, ``then`` after; a relevance order annotates the rank as ``rank`` (``case_rank``)."""
    if is_ranked(sort, query):
        assert query is not None
        rows = rows.annotate(**{rank_name(letter): rank_expression(query, letter)})
        return rows.order_by(F(rank_name(letter)).desc(), F(f"{letter}id").desc(), *then)
    return rows.order_by(*date_order(sort != Sort.OLDEST, letter), *then)
