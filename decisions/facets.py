"""Totals and facet counts of a search, counted in memory (like a search engine's field cache).

``FacetIndex`` is today's read model of the search parameters declared in
``decisions.search_params``: every ``Column`` they need, held as compact numpy arrays read from
PostgreSQL in a few queries that each return one packed binary value (index-only scans of
``case_facets_cover`` and ``item_facets_cover``): per letter (dense index 0..n-1, in case id
order) its reviewer, item count and each letter-level column (a text as a code into the column's
vocabulary, a number, a date as days); per disputed item its letter and each item-level text
column's code; per entry of an item-level array column (the items' copies of their citations:
guideline ids and sources, for each role) its item and value. Columns of the letter's reviewer
(specialties, licensure states) are a small membership matrix per reviewer.

A search's counts are masks over these columns, each parameter's mask made as its ``IndexNeed``
says: the letter mask from the letter-level parameters (and the full-text matches, the one query
still sent to PostgreSQL), the item mask from the item-level ones, which must hold for one and the
same item. Each facet is counted on the variant of the search with its own parameters left out,
as distinct letters per value, so a count is exactly the number of letters clicking the value
shows (the SQL of ``decisions.filters``).

Memory at 100k letters (198k items, 785k citation entries): ~10-13 MB, so ~200 MB at 1.8M letters
(plus, while building, the packed value of about the same size). One index per machine and
database (``decisions.shared_index``): the first process that finds the archive at a new version
builds it and writes it to disk; every process memory-maps those files. It is brought up to date
when ``archive_version`` changes: when letters were only added (an ingest), by reading just them
and their items (~40 ms after 200 new letters at 100k); otherwise read whole (~0.5-1 s at 100k on
2 cores, most of it PostgreSQL producing the rows).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar, overload

import numpy as np
import numpy.typing as npt
import psycopg
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.utils.module_loading import import_string

from decisions import kernels, shared_index, word_index
from decisions.models import Case, CitedBy, DisputedItem, Outcome
from decisions.ordering import rank_expression
from decisions.search_params import (
    CITED_GUIDELINES,
    DECIDED,
    FACETS,
    FACETS_BY_NAME,
    ITEM_ID,
    ITEM_PARAMS,
    LETTER_PARAMS,
    LOOKUPS,
    OUTCOME,
    PARAMS_BY_NAME,
    VOCABULARY_PARAMS,
    Column,
    FacetDecl,
    IndexNeed,
    Sort,
    active_params,
    columns,
    days_of,
    is_set,
    items_whose_request_matches,
    request_query,
    search_query,
)

__all__ = ["FACETS", "FACETS_BY_NAME"]

Mask = npt.NDArray[np.bool_]
T = TypeVar("T")
ParamMasks = dict[str, "Mask | None"]  # each search parameter's mask, by name
Ints = npt.NDArray[np.int32]
# Each letter's rank, or what finds the best first; None: the search is not sorted by rank.
Ranks = npt.NDArray[np.float64] | word_index.Ranker | None
Codes = npt.NDArray[np.integer[Any]]

NULL_DAY = int(np.iinfo(np.int32).min)  # a missing date: fails every bound
EPOCH = date(1970, 1, 1)


# --- what the selectors receive --------------------------------------------------------------


@dataclass
class SearchCounts:
    """Exact counts of one search: matching letters, matching items, and every facet's letters per value.

    Facet values are the values of the facet's column (for ``guideline``: guideline ids; the
    ``guideline_slugs`` lookup gives the slug a click sends).
    """

    letters: int
    items: int
    facets: dict[str, Counter[str]]
    # The matching letters' ids in the page's order (``decisions.ordering``: by rank, or by decision
    # date), so the page, previous/next and the export read their letters by id instead of sorting
    # the matches again in PostgreSQL.
    ordered_ids: OrderedIds | None = None  # None only for an invalid search


# --- reading the columns ---------------------------------------------------------------------

SEND_FUNCTIONS = {">i2": "int2send", ">i4": "int4send", ">f8": "float8send"}


def fetch_columns(sql: str, params: Sequence[Any] | Mapping[str, Any], dtypes: Sequence[str]) -> list[npt.NDArray[Any]]:
    """The rows of ``sql`` as one numpy array per column, read as a single binary value.

    PostgreSQL packs every row into one ``bytea`` (each column through its binary send function,
    big-endian, fixed width: ``dtypes`` names them, ">i2", ">i4" or ">f8"), so the client receives
    one value instead of a message per row; with COPY, psycopg's per-row reads cost more than the
    query for large results (~2 µs a row). A NULL column would drop its row from the aggregate, so
    the row count is checked against the bytes. One value is limited to 1 GB: at 1.8M letters the
    widest read (the items, ~50 bytes a row with citation slots) is ~180 MB.
    """
    names = [f"c{index}" for index in range(len(dtypes))]
    packed = " || ".join(f"{SEND_FUNCTIONS[dtype]}(t.{name})" for name, dtype in zip(names, dtypes, strict=True))
    connection.ensure_connection()
    raw = connection.connection
    statement = psycopg.ClientCursor(raw).mogrify(
        f"SELECT count(*), coalesce(string_agg({packed}, ''::bytea), ''::bytea) FROM ({sql}) AS t ({', '.join(names)})",
        params,
    )
    with psycopg.Cursor(raw) as cursor:  # Django's default cursors bind on the client, in text only
        cursor.execute(statement, binary=True)
        row = cursor.fetchone()
    assert row is not None  # an aggregate always returns its one row
    rows, data = row
    layout = np.dtype([(name, dtype) for name, dtype in zip(names, dtypes, strict=True)])
    if len(data) != rows * layout.itemsize:
        raise ValueError("a column read for the facet index was NULL or of unexpected width")
    array = np.frombuffer(data, dtype=layout, count=rows)
    return [array[name].astype(dtype.replace(">", "=")) for name, dtype in zip(names, dtypes, strict=True)]


def read_vocabularies(declared: Iterable[Column]) -> dict[str, list[str]]:
    """Every value each text column can hold, from the SQL its declaration gives (small reads:
    skips through an index, or small tables)."""
    vocabularies: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for column in declared:
            if column.kind in ("text", "texts", "reviewer_texts"):
                cursor.execute(column.vocabulary, VOCABULARY_PARAMS)
                vocabularies[column.name] = sorted({str(row[0]) for row in cursor.fetchall() if row[0] is not None})
    return vocabularies


def read_lookups() -> dict[str, Mapping[str, str]]:
    """The value-to-label lookups read from the archive, kept with the index at its version."""
    return {name: lookup.read() for name, lookup in LOOKUPS.items() if lookup.archive}


# Restricts a read to the letters (or their items) whose ids are in the parameter %(only)s.
ONLY_LETTERS, ONLY_ITEMS_OF = " WHERE c.id = ANY(%(only)s::int8[])", " WHERE i.case_id = ANY(%(only)s::int8[])"


def coded(column: Column, params: dict[str, Any]) -> tuple[str, str]:
    """(select expression, join) of a text column: its value's position in the column's vocabulary,
    0 for NULL or a value not in it. A hash join on the vocabulary rather than array_position(),
    which compares with every value in turn."""
    params[f"v_{column.name}"] = params["vocabularies"][column.name]
    alias = f"k_{column.name}"
    join = (
        f" LEFT JOIN unnest(%(v_{column.name})s::text[]) WITH ORDINALITY AS {alias} (v, code)"
        f" ON {alias}.v = ({column.sql})::text"
    )
    return f"coalesce({alias}.code, 0)::int4", join


def scalar(column: Column) -> str:
    if column.kind == "day":
        return f"coalesce(({column.sql}) - DATE '1970-01-01', {NULL_DAY})::int4"
    return f"coalesce({column.sql}, {column.null})::int4"


def letters_sql(letter_columns: Sequence[Column], params: dict[str, Any]) -> str:
    selected, joins = scalar_selects(letter_columns, params)
    selected = ["c.id::int4", "coalesce(c.reviewer_id, 0)::int4", "c.item_count::int2", *selected]
    return f"SELECT {', '.join(selected)} FROM decisions_case c{''.join(joins)}"


def scalar_selects(columns: Sequence[Column], params: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The select expressions of one-value columns (text ones as codes, through a join) and the joins."""
    selected, joins = [], []
    for column in columns:
        if column.kind == "text":
            expression, join = coded(column, params)
            selected.append(expression)
            joins.append(join)
        else:
            selected.append(scalar(column))
    return selected, joins


# Items are read in windows of this many ids, so one packed value stays far below PostgreSQL's
# 1 GB limit for a value however many items the archive holds (~50-250 bytes an item).
ITEM_WINDOW = 1_000_000

def fetch_item_columns(sql: str, params: dict[str, Any], dtypes: Sequence[str]) -> list[npt.NDArray[Any]]:
    """``fetch_columns`` of every item, one id window at a time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM decisions_disputeditem")
        lowest, highest = cursor.fetchone()
    windows = [
        fetch_columns(
            sql + " WHERE i.id >= %(low)s AND i.id < %(high)s", {**params, "low": low, "high": low + ITEM_WINDOW}, dtypes
        )
        for low in range(lowest, highest + 1, ITEM_WINDOW)
    ]
    if not windows:
        return fetch_columns(sql + " WHERE false", params, dtypes)
    return [np.concatenate(parts) for parts in zip(*windows, strict=True)]


def longest_arrays(array_columns: Sequence[Column], only: Ints | None = None) -> list[int]:
    """The longest array of any item (of the letters ``only``), per array column: the slots each needs."""
    if not array_columns:
        return []
    lengths = ", ".join(f"coalesce(max(cardinality({column.sql})), 0)" for column in array_columns)
    with connection.cursor() as cursor:
        if only is None:
            cursor.execute(f"SELECT {lengths} FROM decisions_disputeditem i")
        else:
            cursor.execute(f"SELECT {lengths} FROM decisions_disputeditem i{ONLY_ITEMS_OF}", {"only": only.tolist()})
        row = cursor.fetchone()
    return [int(value) for value in row] if row else [0] * len(array_columns)


def items_sql(scalar_columns: Sequence[Column], array_columns: Sequence[Column], slots: Sequence[int], params: dict[str, Any]) -> str:
    """One row per item from an index-only scan of item_facets_cover: its letter, its text columns'
    codes and numbers, and its array columns spread over fixed slots (0 where shorter), so every row has the
    same width. Subscripts cost a fraction of unnest(), whose set-returning rows double the time of
    the scan. Integer arrays (ids) are read as they are, text arrays as positions in their vocabulary."""
    selected, joins = scalar_selects(scalar_columns, params)
    selected.insert(0, "i.case_id::int4")
    for column, count in zip(array_columns, slots, strict=True):
        for slot in range(1, count + 1):
            if column.kind == "ids":
                selected.append(f"coalesce(({column.sql})[{slot}], 0)::int4")
            else:
                params[f"v_{column.name}"] = params["vocabularies"][column.name]
                selected.append(f"coalesce(array_position(%(v_{column.name})s::text[], ({column.sql})[{slot}]::text), 0)::int4")
    return f"SELECT {', '.join(selected)} FROM decisions_disputeditem i{''.join(joins)}"


# --- the index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entries:
    """Entries of one array column (citations of one role, ingredients): which item, which value (a
    code into the index's vocabulary), and the entry before it of the same letter and value
    (``earlier_of_same``), so distinct letters per value are counted without a pass per letter."""

    item: Ints
    value: Ints
    earlier: Ints

    def restricted_to(self, items: Mask) -> tuple[Ints, Ints]:
        keep = np.flatnonzero(np.take(items, self.item))
        return np.take(self.item, keep), np.take(self.value, keep)

    @cached_property
    def by_value(self) -> tuple[Ints, npt.NDArray[np.int64]]:
        """The entries' items grouped by value, and where each value's group starts (worked out once
        per index): a filter reads its value's items instead of comparing every entry."""
        order = np.argsort(self.value, kind="stable")
        starts = np.zeros(int(self.value.max(initial=0)) + 2, dtype=np.int64)
        np.cumsum(np.bincount(self.value, minlength=len(starts) - 1), out=starts[1:])
        return np.take(self.item, order), starts

    def items_of(self, code: int) -> Ints:
        """The items (with repeats) of the entries holding value ``code``."""
        items, starts = self.by_value
        if not 0 <= code < len(starts) - 1:
            return items[:0]
        return items[starts[code] : starts[code + 1]]

    @classmethod
    def of(cls, item: Ints, value: Ints, item_letter: Ints) -> Entries:
        return cls(item, value, earlier_of_same(item_letter[item], value))


def days(value: date) -> int:
    return (value - EPOCH).days


def in_range(column: npt.NDArray[Any], null: int, low: Any, high: Any) -> Mask | None:
    """Rows whose value lies within the bounds that are set (a missing value never does)."""
    if low is None and high is None:
        return None
    mask: Mask = column != null
    if low is not None:
        mask &= column >= low
    if high is not None:
        mask &= column <= high
    return mask


def both(first: Mask | None, second: Mask | None) -> Mask | None:
    """The AND of two masks, None standing for "no restriction"."""
    if first is None:
        return second
    if second is None:
        return first
    return first & second



class FacetIndex:
    """The declared columns as numpy arrays, and the counting of a search over them."""

    version: Version | None = None  # the archive version it was read at (set by ``read_index``)

    def __init__(self, only: Ints | None = None) -> None:
        """The whole archive, or (``only``) just those letters and their items, for ``extended``.

        Read whole inside a transaction (one snapshot), it knows its archive version, which the
        word index must match to answer for it."""
        if only is None and connection.in_atomic_block:
            self.version = archive_version()
        self.columns = self.declared_columns()
        self.vocabularies = read_vocabularies(self.columns.values())
        self.lookups = read_lookups()
        self.years: dict[str, npt.NDArray[np.int16]] = {}
        self.load_reviewers()
        self.load_letters(only)
        self.load_items(only)

    @staticmethod
    def declared_columns() -> dict[str, Column]:
        return {column.name: column for column in columns()}

    def of_kind(self, level: str, *kinds: str) -> list[Column]:
        return [column for column in self.columns.values() if column.level == level and column.kind in kinds]

    # Loading -----------------------------------------------------------------------------------

    def load_reviewers(self) -> None:
        """One row per reviewer and a last one for "no reviewer": which values of each reviewer
        column it has."""
        reviewer_columns = self.of_kind("letter", "reviewer_texts")
        fields = [column.sql for column in reviewer_columns]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(['id', *fields])} FROM decisions_reviewer ORDER BY id")
            rows = cursor.fetchall()
        self.reviewer_ids = np.array([row[0] for row in rows], dtype=np.int32)
        self.reviewer_matrix: dict[str, npt.NDArray[np.int32]] = {}
        for position, column in enumerate(reviewer_columns, start=1):
            values = self.vocabularies[column.name]
            self.reviewer_matrix[column.name] = membership([set(row[position] or ()) for row in rows], values)

    def reviewer_codes(self, reviewer_ids: Ints) -> Ints:
        """Each letter's row in the reviewer matrices, from its reviewer's id (the last row: none)."""
        code = np.searchsorted(self.reviewer_ids, reviewer_ids).astype(np.int32)
        known = code < len(self.reviewer_ids)
        known[known] = self.reviewer_ids[code[known]] == reviewer_ids[known]
        return np.where(known, code, len(self.reviewer_ids)).astype(np.int32)

    def load_letters(self, only: Ints | None = None) -> None:
        letter_columns = self.of_kind("letter", "text", "number", "day")
        params: dict[str, Any] = {"vocabularies": self.vocabularies}
        sql = letters_sql(letter_columns, params)
        if only is not None:
            sql, params["only"] = sql + ONLY_LETTERS, only.tolist()
        del params["vocabularies"]
        ids, reviewer, item_count, *values = fetch_columns(sql, params, [">i4", ">i4", ">i2"] + [">i4"] * len(letter_columns))
        order = np.argsort(ids, kind="stable")
        self.case_ids: Ints = ids[order]
        self.n = len(ids)
        self.reviewer: Ints = self.reviewer_codes(reviewer[order])
        self.item_count = item_count[order]
        self.letter: dict[str, Codes] = {
            column.name: compact(column, self.vocabularies, value[order])
            for column, value in zip(letter_columns, values, strict=True)
        }

    def load_items(self, only: Ints | None = None) -> None:
        scalar_columns = self.of_kind("item", "text", "number", "day")
        array_columns = self.of_kind("item", "ids", "texts")
        slots = longest_arrays(array_columns, only)
        params: dict[str, Any] = {"vocabularies": self.vocabularies}
        sql = items_sql(scalar_columns, array_columns, slots, params)
        del params["vocabularies"]
        dtypes = [">i4"] * (1 + len(scalar_columns) + sum(slots))
        if only is not None:
            params["only"] = only.tolist()
            read = fetch_columns(sql + ONLY_ITEMS_OF, params, dtypes)
        else:
            read = fetch_item_columns(sql, params, dtypes)
        case_id, *rest = read
        self.m = len(case_id)
        letter = np.minimum(np.searchsorted(self.case_ids, case_id), max(self.n - 1, 0)).astype(np.int32)
        # An item of a letter newer than the letters read is left out (no letter passes for it): the
        # version has moved, so the next search rebuilds anyway.
        self.item_known: Mask = self.case_ids[letter] == case_id if self.n else np.zeros(self.m, dtype=bool)
        self.item_letter: Ints = letter
        self.item: dict[str, Codes] = {
            column.name: compact(column, self.vocabularies, value)
            for column, value in zip(scalar_columns, rest[: len(scalar_columns)], strict=True)
        }
        spread = rest[len(scalar_columns) :]
        self.entries: dict[str, Entries] = {}
        self.id_values: dict[str, Ints] = {}
        for column, count in zip(array_columns, slots, strict=True):
            item, value = self.filled(spread[:count])
            spread = spread[count:]
            if column.kind == "ids":  # coded here: 1 + the id's position among the ids held
                self.id_values[column.name] = np.unique(value).astype(np.int32)
                value = (np.searchsorted(self.id_values[column.name], value) + 1).astype(np.int32)
            self.entries[column.name] = Entries.of(item, value, self.item_letter)
        self.earlier = {name: earlier_of_same(self.item_letter, values) for name, values in self.item.items() if self.columns[name].kind == "text"}

    def filled(self, slots: list[npt.NDArray[Any]]) -> tuple[Ints, Ints]:
        """(item, value) of every filled slot of one array column (empty slots hold 0)."""
        if not slots:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        values = np.concatenate(slots).astype(np.int32)
        items = np.tile(np.arange(self.m, dtype=np.int32), len(slots))
        filled = values > 0  # ids and vocabulary positions both start at 1
        return items[filled], values[filled]

    # Growing -----------------------------------------------------------------------------------

    def extended(self, new_ids: Ints) -> FacetIndex | None:
        """A new index: this one plus the letters ``new_ids`` and their items, read alone.

        None when the archive now holds a value this index has no code for (a new outcome,
        treatment, source, sex, specialty or cited guideline): the caller reads the whole archive
        instead. Reviewers and lookups are read again whole (small tables).
        """
        added = FacetIndex(only=new_ids)
        if added.vocabularies != self.vocabularies:
            return None
        if not all(np.isin(added.id_values[name], self.id_values[name]).all() for name in self.id_values):
            return None
        return self.merged_with(added)

    def merged_with(self, added: FacetIndex) -> FacetIndex:
        """This index and ``added`` (same value codes, other letters) as one, letters in id order."""
        merged = FacetIndex.__new__(FacetIndex)
        merged.columns, merged.vocabularies, merged.id_values = self.columns, self.vocabularies, self.id_values
        merged.years = {}
        # Read after this index's: every reviewer, every label.
        merged.reviewer_ids, merged.reviewer_matrix, merged.lookups = added.reviewer_ids, added.reviewer_matrix, added.lookups
        case_ids = np.concatenate([self.case_ids, added.case_ids])
        order = np.argsort(case_ids, kind="stable")
        new_position = np.empty(len(order), dtype=np.int32)
        new_position[order] = np.arange(len(order), dtype=np.int32)
        merged.n, merged.case_ids = len(case_ids), case_ids[order]
        reviewer_ids = np.concatenate([np.append(index.reviewer_ids, 0)[index.reviewer] for index in (self, added)])
        merged.reviewer = merged.reviewer_codes(reviewer_ids[order])
        merged.item_count = np.concatenate([self.item_count, added.item_count])[order]
        merged.letter = {name: np.concatenate([values, added.letter[name]])[order] for name, values in self.letter.items()}
        merged.m = self.m + added.m
        merged.item_letter = new_position[np.concatenate([self.item_letter, added.item_letter + self.n])]
        merged.item_known = np.concatenate([self.item_known, added.item_known])
        merged.item = {name: np.concatenate([values, added.item[name]]) for name, values in self.item.items()}
        # The added letters' items follow this index's: their chains stay among themselves.
        merged.earlier = {name: chained(earlier, added.earlier[name], self.m) for name, earlier in self.earlier.items()}
        merged.entries = {}
        for name, entries in self.entries.items():
            value = added.entries[name].value
            if name in self.id_values:  # the added letters' id codes, as codes of this index's ids
                ids = added.id_values[name][value - 1]
                value = (np.searchsorted(self.id_values[name], ids) + 1).astype(np.int32)
            merged.entries[name] = Entries(
                np.concatenate([entries.item, added.entries[name].item + self.m]),
                np.concatenate([entries.value, value]),
                chained(entries.earlier, added.entries[name].earlier, len(entries.item)),
            )
        return merged

    @property
    def nbytes(self) -> int:
        arrays = [value for value in vars(self).values() if isinstance(value, np.ndarray)]
        for group in (self.letter, self.item, self.earlier, self.reviewer_matrix, self.id_values):
            arrays += list(group.values())
        arrays += [array for entries in self.entries.values() for array in (entries.item, entries.value, entries.earlier)]
        return sum(array.nbytes for array in arrays)

    # Masks -------------------------------------------------------------------------------------

    def letter_mask(
        self, cleaned: Mapping[str, Any], text: Mask | None, exclude: Collection[str] = (), masks: ParamMasks | None = None
    ) -> Mask | None:
        """Letters passing the letter-level parameters not in ``exclude`` (None: every letter)."""
        mask: Mask | None = None
        for name in LETTER_PARAMS:
            need = PARAMS_BY_NAME[name].index
            if name in exclude or need is None or not is_set(cleaned.get(name)):
                continue
            mask = both(mask, text if need.match == "text" else self.param_mask(name, need, cleaned, masks))
        return mask

    def item_mask(self, cleaned: Mapping[str, Any], exclude: Collection[str] = (), masks: ParamMasks | None = None) -> Mask | None:
        """Items passing the item-level parameters not in ``exclude``, all on the same item (None: no filter)."""
        mask: Mask | None = None
        for name in ITEM_PARAMS:
            need = PARAMS_BY_NAME[name].index
            if name in exclude or need is None or not is_set(cleaned.get(name)):
                continue
            mask = both(mask, self.param_mask(name, need, cleaned, masks))
        return mask

    def param_mask(self, name: str, need: IndexNeed, cleaned: Mapping[str, Any], masks: ParamMasks | None) -> Mask | None:
        """``need_mask`` of one parameter, made once for all the variants of a search (``masks``)."""
        if masks is None:
            return self.need_mask(need, cleaned[name], cleaned)
        if name not in masks:
            masks[name] = self.need_mask(need, cleaned[name], cleaned)
        return masks[name]

    def need_mask(self, need: IndexNeed, value: Any, cleaned: Mapping[str, Any]) -> Mask | None:
        """The rows (letters or items, as the column's level) whose column ``need.match``-es the value."""
        column = need.column_for(cleaned)
        if need.match == "item_text":  # the items whose request holds the words: the word index, else PostgreSQL
            words = request_query(cleaned)
            found = word_index.request_matches(words, self.version, self.item[ITEM_ID.name]) if words is not None else None
            if found is not None:
                return found.holds(self.item[ITEM_ID.name])
            sql, params = items_whose_request_matches(cleaned).query.sql_with_params()
            matched = fetch_columns(f"SELECT id::int4 FROM ({sql}) m", params, [">i4"])[0]
            return self.items_with_ids(matched)
        wanted = need.value_of(value, cleaned)
        if wanted is None:
            return None
        if need.match in ("at_least", "at_most"):
            bound = days_of(wanted) if column.kind == "day" else float(wanted)
            null = NULL_DAY if column.kind == "day" else column.null
            low, high = (bound, None) if need.match == "at_least" else (None, bound)
            return in_range((self.letter if column.level == "letter" else self.item)[column.name], null, low, high)
        code = self.code_of(column, wanted)
        if column.kind == "reviewer_texts":
            if code < 1:
                return np.zeros(self.n, dtype=bool)
            return self.reviewer_matrix[column.name][:, code - 1].astype(bool)[self.reviewer]
        if column.kind in ("ids", "texts"):
            return self.items_holding(self.entries[column.name], code)
        values = self.letter[column.name] if column.level == "letter" else self.item[column.name]
        equal: Mask = values == code
        return equal

    def code_of(self, column: Column, value: Any) -> int:
        """The column's code of a value (from 1; -1 when the index holds no such value)."""
        if column.kind == "ids":
            ids = self.id_values[column.name]
            found = int(np.searchsorted(ids, int(value)))
            return found + 1 if found < len(ids) and ids[found] == int(value) else -1
        vocabulary = self.vocabularies[column.name]
        return vocabulary.index(str(value)) + 1 if str(value) in vocabulary else -1

    def items_holding(self, entries: Entries, code: int) -> Mask:
        mask = np.zeros(self.m, dtype=bool)
        mask[entries.items_of(code)] = True
        return mask

    def value_names(self, column: Column) -> list[str]:
        """Each code's value as a facet shows it (code 0: none)."""
        if column.kind == "ids":
            return ["", *(str(value) for value in self.id_values[column.name])]
        return ["", *self.vocabularies[column.name]]

    def year_of(self, column: Column) -> npt.NDArray[np.int16]:
        """Each letter's year of a day column (0: none), worked out once per index."""
        if column.name not in self.years:
            values = self.letter[column.name]
            years = values.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int32) + 1970
            self.years[column.name] = np.where(values != NULL_DAY, years, 0).astype(np.int16)
        return self.years[column.name]

    def text_matches(self, cleaned: Mapping[str, Any], planned: bool = False) -> tuple[Mask, Ranks] | None:
        """Letters the full-text query matches, and each one's rank when the search is sorted by it.

        From the word index (``decisions.word_index``, BM25 ranks) when it can answer for this
        index's version, else one GIN query in PostgreSQL (``ts_rank``); mapped to dense indexes;
        ranking here, in the same pass over the matches, spares the page query a second pass.
        """
        query = search_query(cleaned)
        if query is None:
            return None
        ranked = cleaned.get("sort") == Sort.RELEVANCE
        found = word_index.letter_matches(query, ranked, self.version, self.case_ids)
        if found is not None:
            return self.indexed_letters(*found)
        return self.letters_with_ids(*self.postgresql_matches(query, ranked, planned), ranked)

    def indexed_letters(self, matches: word_index.Matches, ranker: word_index.Ranker | None) -> tuple[Mask, Ranks]:
        """The word index's matching letters (a mask over the index), ranked by ``ranker`` when given."""
        return matches.holds(self.case_ids), ranker

    def letters_with_ids(self, ids: npt.NDArray[Any], found_ranks: npt.NDArray[np.float64], ranked: bool) -> tuple[Mask, Ranks]:
        """The letters (a mask over the index) of these ids, and their ranks when ``ranked``; letters
        the index does not hold (newer than it) are left out."""
        mask = np.zeros(self.n, dtype=bool)
        positions, known = self.letter_ids.positions(ids)
        mask[positions] = True
        if not ranked:
            return mask, None
        ranks = np.zeros(self.n, dtype=np.float64)
        ranks[positions] = found_ranks[known]
        return mask, ranks

    @cached_property
    def letter_ids(self) -> IdPositions:
        return IdPositions(self.case_ids)

    def postgresql_matches(self, query: SearchQuery, ranked: bool, planned: bool) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
        """Ids and ranks of the letters PostgreSQL finds ``query`` in: one GIN query (two at once on a
        large archive, see ``id_halves``)."""
        halves = self.id_halves()
        if halves is None or connection.in_atomic_block:
            # In a transaction (a test's, or a caller's) only this connection sees its writes.
            parts = [read_matches(query, ranked, planned=planned)]
        else:
            (low, middle), (_, high) = halves
            other_half = _helpers.submit(read_matches_on_own_connection, query, ranked, low, middle)
            parts = [read_matches(query, ranked, middle, high), other_half.result()]
        return np.concatenate([part[0] for part in parts]), np.concatenate([part[1] for part in parts])

    def id_halves(self) -> tuple[tuple[int | None, int], tuple[int, int | None]] | None:
        """Two id ranges with half the letters each, for archives large enough to search in two.

        PostgreSQL plans no parallel scan over a GIN bitmap, so on a large archive the matches are
        read as two queries at once, one per half, on two connections: on 2 cores a broad word's
        pass takes ~0.6 of the time. The first range is open below, the second above, so letters
        older or newer than the index are searched too.
        """
        if self.n < SPLIT_MIN_LETTERS:
            return None
        middle = int(self.case_ids[self.n // 2])
        return (None, middle), (middle, None)

    def guideline_outcomes(self) -> dict[int, tuple[int, int, int]]:
        """Per guideline id: items whose IMR reviewer relied on it, and how many were upheld and overturned."""
        name = CITED_GUIDELINES[CitedBy.REVIEWER.value].name
        entries, ids = self.entries[name], self.id_values[name]
        known = self.item_known[entries.item]
        codes, outcomes = entries.value[known], self.item[OUTCOME.name][entries.item[known]]
        size = len(ids) + 1

        def items_with(outcome: str | None) -> npt.NDArray[np.int64]:
            if outcome is None:
                return np.bincount(codes, minlength=size)
            return np.bincount(codes[outcomes == self.code_of(OUTCOME, outcome)], minlength=size)

        totals, upheld, overturned = items_with(None), items_with(Outcome.UPHELD), items_with(Outcome.OVERTURNED)
        return {
            int(guideline): (int(totals[code]), int(upheld[code]), int(overturned[code]))
            for code, guideline in enumerate(ids, start=1)
        }

    def relevance_order(self, letters: Mask, ranks: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Ids of the matching letters by rank, then id, both descending (the page order)."""
        positions = np.flatnonzero(letters)
        ids = self.case_ids[positions].astype(np.int64)
        order = np.lexsort((-ids, -ranks[positions]))
        return ids[order]

    def in_date_order(self, letters: Mask, newest: bool) -> npt.NDArray[np.int64]:
        """Ids of the matching letters by decision date (newest or oldest first, undated last), then
        id in the same direction: the order of ``decisions.ordering.date_order``."""
        order = self.date_order(newest)
        return self.case_ids[np.take(order, np.flatnonzero(np.take(letters, order)))].astype(np.int64)

    def date_order(self, newest: bool) -> Ints:
        """Every letter's position, in one of the date orders (worked out once per index and direction)."""
        held: dict[bool, Ints] = self.__dict__.setdefault("date_orders", {})
        if newest not in held:
            day = self.letter[DECIDED.name].astype(np.int64)
            position = np.arange(self.n, dtype=np.int64)
            undated_last = np.where(day == NULL_DAY, np.iinfo(np.int64).max, -day if newest else day)
            held[newest] = np.lexsort((-position if newest else position, undated_last)).astype(np.int32)
        return held[newest]

    # Counting ----------------------------------------------------------------------------------

    def count(self, cleaned: Mapping[str, Any]) -> SearchCounts:
        """Totals of the search and every facet on the search without its own filters; those of the
        search that narrows nothing (the list's first page) once per index."""
        if active_params(cleaned):
            return self.counted(cleaned)
        # Which role's citations the guideline facet counts, and the letters' order.
        key = (str(cleaned.get("cited_by") or ""), cleaned.get("sort") == Sort.OLDEST)
        unfiltered = self.__dict__.setdefault("unfiltered_counts", {})
        if key not in unfiltered:
            unfiltered[key] = self.counted(cleaned)
        counts: SearchCounts = unfiltered[key]
        return replace(counts, facets={name: Counter(values) for name, values in counts.facets.items()})  # the caller's own

    def counted(self, cleaned: Mapping[str, Any]) -> SearchCounts:
        matches, words = self.word_matches(cleaned)
        text = matches[0] if matches is not None else None
        masks: ParamMasks = {}
        letters, items = self.matching(cleaned, text, words=words, masks=masks)
        # Without item filters or words a letter's items are all its items, as the letter counts them.
        item_filtered = words is not None or any(is_set(cleaned.get(name)) for name in ITEM_PARAMS)
        total_items = int(items.sum()) if item_filtered else int(self.item_count[letters].sum(dtype=np.int64))
        facets: dict[str, Counter[str]] = {}
        counting: dict[str, Future[Counter[str]]] = {}
        variants: dict[frozenset[str], Matched] = {frozenset(): Matched(letters, items)}
        active = set(active_params(cleaned))
        for spec in FACETS:
            left_out = frozenset(name for name in spec.own_params if cleaned.get(name) not in (None, ""))
            if active and active <= left_out:  # the facet's own filters are all the search has: it counts as the first page
                facets[spec.name] = self.count({**cleaned, **dict.fromkeys(active)}).facets[spec.name]
                continue
            if left_out not in variants:
                variants[left_out] = Matched(*self.matching(cleaned, text, left_out, words, masks))
            counting[spec.name] = _counters.submit(self.facet, spec, cleaned, variants[left_out])
        order = self.in_page_order(cleaned, letters, matches)
        facets.update((name, future.result()) for name, future in counting.items())
        return SearchCounts(int(letters.sum()), total_items, {spec.name: facets[spec.name] for spec in FACETS}, order)

    def ordered_ids(self, cleaned: Mapping[str, Any]) -> OrderedIds:
        """The search's letters' ids in page order alone, without its facets (a letter's previous/next)."""
        if not active_params(cleaned):
            return self.count(cleaned).ordered_ids  # type: ignore[return-value]  # kept per index, always set
        matches, words = self.word_matches(cleaned)
        letters, _ = self.matching(cleaned, matches[0] if matches is not None else None, words=words)
        return self.in_page_order(cleaned, letters, matches)

    def in_page_order(
        self, cleaned: Mapping[str, Any], letters: Mask, matches: tuple[Mask, Ranks] | None
    ) -> OrderedIds:
        """Ids of the matching letters in page order: by rank, else by date (as a relevance sort without words)."""
        if matches is not None:
            word_letters, ranks = matches
            if isinstance(ranks, word_index.Ranker):
                return RankedIds(ranks, letters, self.letter_ids, int(word_letters.sum()))
            if ranks is not None:
                return self.relevance_order(letters, ranks)
        return self.in_date_order(letters, newest=cleaned.get("sort") != Sort.OLDEST)

    def letters_without(self, cleaned: Mapping[str, Any], dropped: Sequence[Collection[str]]) -> list[int]:
        """How many letters the search finds with each set of parameters in ``dropped`` left out."""
        if any("q" not in names for names in dropped):
            matches, words = self.word_matches(cleaned)
        else:
            matches, words = None, None
        text = matches[0] if matches is not None else None
        masks: ParamMasks = {}
        return [int(self.matching(cleaned, text, names, words, masks)[0].sum()) for names in dropped]

    def word_matches(self, cleaned: Mapping[str, Any]) -> tuple[tuple[Mask, Ranks] | None, Mask | None]:
        """The letters the words match (with their ranks) and the items holding the words: found once
        per index and words, then remembered (``RecentWords``), since a user who typed words goes on
        to click facets and pages of the same words. The index is of one archive version, so what it
        remembers cannot go stale."""
        key = (cleaned.get("words"), cleaned.get("sort") == Sort.RELEVANCE)
        if key[0] is None:
            return self.matched_words(cleaned)
        recent: RecentWords = self.__dict__.setdefault("recent_words", RecentWords(settings.IMR_WORD_MEMORY_MB * 1_000_000))
        found = recent.get(key)
        if found is None:
            found = Remembered.of(self.matched_words(cleaned))
            recent.put(key, found)
        return found.masks(self.n, self.m)

    def matched_words(self, cleaned: Mapping[str, Any]) -> tuple[tuple[Mask, Ranks] | None, Mask | None]:
        """``word_matches``, found in the word index or PostgreSQL."""
        # The excluded words hold for the letter, so for its items too (see filters.item_words).
        query = search_query(cleaned, excluded_words=False)
        if query is None:
            return self.text_matches(cleaned), None
        indexed = self.indexed_word_matches(cleaned, query)
        if indexed is not None:
            return indexed
        if self.id_halves() is None or connection.in_atomic_block:  # one after the other, under one plan setting
            with transaction.atomic(), planner_settings(PLAN_BY_GIN_BITMAP):
                return self.text_matches(cleaned, planned=True), self.item_word_matches(query, planned=True)
        items = _helpers.submit(self.item_word_matches_on_own_connection, query)
        letters = self.text_matches(cleaned)
        return letters, items.result()

    def indexed_word_matches(self, cleaned: Mapping[str, Any], for_items: SearchQuery) -> tuple[tuple[Mask, Ranks], Mask] | None:
        """``word_matches`` from the word index alone (None: PostgreSQL must answer)."""
        query = search_query(cleaned)
        assert query is not None  # the words without their exclusions are not None
        ranked = cleaned.get("sort") == Sort.RELEVANCE
        found = word_index.word_matches(query, for_items, ranked, self.version, self.case_ids, self.item[ITEM_ID.name])
        if found is None:
            return None
        letters, items = found
        return self.indexed_letters(*letters), items.holds(self.item[ITEM_ID.name])

    def item_word_matches(self, query: SearchQuery, planned: bool = False) -> Mask:
        """The items whose own text (request, class words, rationale) holds the words: from the word
        index when it can answer for this index's version, else from PostgreSQL."""
        found = word_index.item_matches(query, self.version, self.item[ITEM_ID.name])
        if found is not None:
            return found.holds(self.item[ITEM_ID.name])
        sql, params = DisputedItem.objects.filter(search_vector=query).values("id").query.sql_with_params()
        with gin_plan(planned):
            matched = fetch_columns(f"SELECT id::int4 FROM ({sql}) m", params, [">i4"])[0]
        return self.items_with_ids(matched)

    def item_word_matches_on_own_connection(self, query: SearchQuery) -> Mask:
        connection.close_if_unusable_or_obsolete()
        return self.item_word_matches(query)

    def items_with_ids(self, ids: npt.NDArray[np.integer[Any]]) -> Mask:
        """The items (positions in the index) of these item ids; ids the index does not hold are left out."""
        item_ids = self.item[ITEM_ID.name]
        if not self.items_in_id_order:
            return np.isin(item_ids, ids)
        mask = np.zeros(self.m, dtype=bool)
        mask[self.item_ids.positions(ids)[0]] = True
        return mask

    @cached_property
    def items_in_id_order(self) -> bool:
        """Whether the items are held in id order (read in id windows, new letters' items after the
        others: always, but for items added later to letters held before), so their positions can be
        looked up (``IdPositions``) rather than found by ``np.isin``'s sorts."""
        item_ids = self.item[ITEM_ID.name]
        return bool(np.all(item_ids[1:] > item_ids[:-1]))

    @cached_property
    def item_ids(self) -> IdPositions:
        return IdPositions(self.item[ITEM_ID.name])

    def matching(
        self,
        cleaned: Mapping[str, Any],
        text: Mask | None,
        exclude: Collection[str] = (),
        words: Mask | None = None,
        masks: ParamMasks | None = None,
    ) -> tuple[Mask, Mask]:
        """(letters, items) of the search without ``exclude``: with item filters, letters with a matching item.

        ``words``: the items whose own text holds the words of ``q`` (``item_word_matches``). With
        words, only those items count, and an item that meets the item filters must hold them too.
        ``masks``: each parameter's mask, shared by the variants of one search (never changed here).
        """
        letters = self.letter_mask(cleaned, text, exclude, masks)
        items = self.item_mask(cleaned, exclude, masks)
        words = words if "q" not in exclude else None
        if items is None:  # no item filters: every letter in the mask counts, with its (word-matched) items
            letters = letters if letters is not None else np.ones(self.n, dtype=bool)
            searched = self.of_items(letters) & self.item_known
            return letters, searched & words if words is not None else searched
        items = items & (self.item_known if letters is None else self.of_items(letters) & self.item_known)
        if words is not None:
            items &= words
        return self.letters_of(items), items

    def of_items(self, letters: Mask) -> Mask:
        """Per item, its letter's value in ``letters`` (a take: a third of the time of ``letters[item_letter]``)."""
        return np.take(letters, self.item_letter)

    def letters_of(self, items: Mask) -> Mask:
        """The letters with at least one of ``items`` (through positions: boolean indexing of a large
        mask costs several times more)."""
        with_item = np.zeros(self.n, dtype=bool)
        with_item[np.take(self.item_letter, np.flatnonzero(items))] = True
        return with_item

    def facet(self, facet: FacetDecl, cleaned: Mapping[str, Any], matched: Matched) -> Counter[str]:
        """Letters per value of the facet's column, among the matched letters (letter columns) or items."""
        items = matched.items
        column = facet.need.column_for(cleaned)
        if facet.years:
            years = np.bincount(np.take(self.year_of(column), matched.letter_rows))
            return Counter({str(year): int(count) for year, count in enumerate(years) if year and count})
        names = self.value_names(column)
        if column.kind == "reviewer_texts":
            per_reviewer = np.bincount(np.take(self.reviewer, matched.letter_rows), minlength=len(self.reviewer_ids) + 1)
            return named_counts(names[1:], per_reviewer @ self.reviewer_matrix[column.name])
        if column.level == "letter":
            return named_counts(names, np.bincount(np.take(self.letter[column.name], matched.letter_rows), minlength=len(names)))
        if column.kind in ("ids", "texts"):
            entries = self.entries[column.name]
            return named_counts(names, distinct_letters_of_entries(entries, items, len(names)))
        return named_counts(names, distinct_letters(self.item[column.name], self.earlier[column.name], items, len(names), matched.item_rows))


@dataclass
class Matched:
    """The letters and items of one variant of a search (the search, or it without a facet's own
    filters), and the matched items' positions, found once for every facet counted on it."""

    letters: Mask
    items: Mask

    @cached_property
    def item_rows(self) -> npt.NDArray[np.intp]:
        return np.flatnonzero(self.items)

    @cached_property
    def letter_rows(self) -> npt.NDArray[np.intp]:
        return np.flatnonzero(self.letters)


WordMatches = tuple[tuple[Mask, Ranks] | None, Mask | None]


class RankedIds:
    """The ids of a search's letters by rank, then id, both descending (``relevance_order``), found
    best first through the word index's ranker only as far as they are read: a page needs the top
    few hundred hits, not a score for each of a third of a million letters."""

    FIRST = 256  # the fewest hits asked for; four times as many each time more are needed
    MARGIN = 16  # hits asked for beyond those expected to hold the letters wanted

    def __init__(self, ranker: word_index.Ranker, letters: Mask, held: IdPositions, word_letters: int) -> None:
        self.ranker = ranker
        self.letters = letters  # the search's letters: the words' matches narrowed by its filters
        self.held = held
        self.word_letters = word_letters  # the letters the words match (the hits there are)
        self.total = int(letters.sum())
        self.known = np.zeros(0, dtype=np.int64)  # the first ids of the order
        self.asked = 0

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> npt.NDArray[np.int64]: ...
    def __getitem__(self, index: int | slice) -> int | npt.NDArray[np.int64]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.total)
            self.find(stop if step > 0 else start + 1)
            return self.known[index]
        position = index + self.total if index < 0 else index
        if not 0 <= position < self.total:
            raise IndexError(index)
        self.find(position + 1)
        return int(self.known[position])

    def tolist(self) -> list[int]:
        """Every id, in order (the whole order read)."""
        ids: list[int] = np.asarray(self).tolist()
        return ids

    def __array__(self, dtype: Any = None, copy: Any = None) -> npt.NDArray[np.int64]:
        self.find(self.total)
        return self.known if dtype is None else self.known.astype(dtype)

    def find(self, count: int) -> None:
        """Know at least the first ``count`` ids: ask for more hits until every matching letter
        scoring above the lowest score read is among them (a tie at that score may have more)."""
        # Hits holding ``count`` of the search's letters, as its filters thin them, with a margin.
        expected = int(count * 1.5 * self.word_letters / max(self.total, 1)) + self.MARGIN
        limit = max(self.FIRST, self.asked * 4, expected)
        while len(self.known) < count:
            if limit * 2 > self.word_letters:
                limit = max(limit, self.word_letters + 1)  # most of them: read them all at once
            ids, scores, complete = self.ranker.top(limit)
            self.asked = limit
            positions, inside = self.held.positions(ids)
            inside[inside] = self.letters[positions]
            order = np.lexsort((-ids[inside], -scores[inside]))
            ranked, ranked_scores = ids[inside][order], scores[inside][order]
            self.known = ranked if complete else ranked[ranked_scores > scores[-1]]
            if complete:
                return
            limit *= 4


OrderedIds = npt.NDArray[np.int64] | RankedIds


def position_of(ids: OrderedIds, pk: int) -> int | None:
    """Where ``pk`` is in a search's order (None: not there), reading a ranked order only as far as it."""
    if isinstance(ids, RankedIds):
        count = RankedIds.FIRST
        while True:
            found = np.flatnonzero(ids[:count] == pk)
            if len(found) or count >= len(ids):
                return int(found[0]) if len(found) else None
            count *= 4
    found = np.flatnonzero(ids == pk)
    return int(found[0]) if len(found) else None


@dataclass(frozen=True)
class Remembered:
    """A search's word matches, kept small: the positions of the letters (with their ranks or
    ranker, when ranked) and of the items, rather than masks over the whole index."""

    letters: Ints | None
    ranks: Ranks  # the letters' own ranks (in ``letters``' order), a ranker, or None
    items: Ints | None

    @classmethod
    def of(cls, found: WordMatches) -> Remembered:
        matches, items = found
        letters = np.flatnonzero(matches[0]).astype(np.int32) if matches is not None else None
        ranks = matches[1] if matches is not None else None
        if isinstance(ranks, np.ndarray):
            ranks = ranks[letters]
        return cls(letters, ranks, np.flatnonzero(items).astype(np.int32) if items is not None else None)

    def masks(self, n: int, m: int) -> WordMatches:
        matches: tuple[Mask, Ranks] | None = None
        if self.letters is not None:
            mask = np.zeros(n, dtype=bool)
            mask[self.letters] = True
            matches = (mask, self.ranks if not isinstance(self.ranks, np.ndarray) else spread(self.ranks, self.letters, n))
        if self.items is None:
            return matches, None
        items = np.zeros(m, dtype=bool)
        items[self.items] = True
        return matches, items

    @property
    def nbytes(self) -> int:
        arrays = (self.letters, self.ranks, self.items)
        return sum(array.nbytes for array in arrays if isinstance(array, np.ndarray))


def spread(values: npt.NDArray[np.float64], positions: Ints, n: int) -> npt.NDArray[np.float64]:
    """``values`` at ``positions`` of an array of ``n`` zeros."""
    spread_out = np.zeros(n, dtype=np.float64)
    spread_out[positions] = values
    return spread_out


class RecentWords:
    """The word matches of the latest searches, the least recently used forgotten first past a size."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self.held: OrderedDict[Hashable, Remembered] = OrderedDict()
        self.size = 0  # bytes held
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Remembered | None:
        with self.lock:
            found = self.held.get(key)
            if found is not None:
                self.held.move_to_end(key)
            return found

    def put(self, key: Hashable, found: Remembered) -> None:
        if found.nbytes > self.limit:
            return
        with self.lock:
            replaced = self.held.pop(key, None)
            self.size += found.nbytes - (replaced.nbytes if replaced is not None else 0)
            self.held[key] = found
            while self.size > self.limit:
                self.size -= self.held.popitem(last=False)[1].nbytes


class PerIndex(Generic[T]):
    """What ``build`` makes of an index, made once per index (one thread builds it, the others wait)
    and kept as long as the index is. ``build`` is called as ``build(index)`` (a lambda keeps it
    replaceable in tests)."""

    def __init__(self, build: Callable[[FacetIndex], T]) -> None:
        self.build = build
        self.held: weakref.WeakKeyDictionary[FacetIndex, T] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def __call__(self, index: FacetIndex) -> T:
        with self.lock:
            if index not in self.held:
                self.held[index] = self.build(index)
            return self.held[index]


def membership(sets: list[set[str]], values: list[str]) -> npt.NDArray[np.int32]:
    """A matrix of which of ``values`` each set holds, and a last row for none."""
    position = {value: index for index, value in enumerate(values)}
    matrix = np.zeros((len(sets) + 1, len(values)), dtype=np.int32)
    for row, members in enumerate(sets):
        matrix[row, [position[value] for value in members if value in position]] = 1
    return matrix


def compact(column: Column, vocabularies: Mapping[str, list[str]], values: Ints) -> Codes:
    """A text column's codes in the narrowest integer type that holds them (numbers stay int32)."""
    if column.kind != "text":
        return values
    return values.astype(np.min_scalar_type(len(vocabularies[column.name])))



# Below this many letters one query is quicker than two (the second costs a round trip and a thread).
SPLIT_MIN_LETTERS = 20_000
# Threads that read the other half of a large archive's matches, each on its own connection.
HELPER_THREADS = 2
_helpers = ThreadPoolExecutor(max_workers=HELPER_THREADS, thread_name_prefix="imr-fulltext")
# Threads that count a search's facets while the request's own thread finds the next variant's
# letters: the counting loops (decisions/kernels.py) and numpy's large steps release the GIL, so a
# search uses both cores of a quiet server. They touch no database.
_counters = ThreadPoolExecutor(max_workers=2, thread_name_prefix="imr-facets")


def read_matches(
    query: SearchQuery, ranked: bool, low: int | None = None, high: int | None = None, planned: bool = False
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """Ids (from ``low`` to below ``high``) of the letters the query matches, and their ranks if ``ranked``
    (``planned``: the caller has set the plan already)."""
    sql, params = matches_sql(query, ranked, low, high)
    dtypes = [">i4", ">f8"] if ranked else [">i4"]
    with gin_plan(planned):
        columns = fetch_columns(sql, params, dtypes)
    return columns[0], (columns[1] if ranked else np.zeros(len(columns[0])))


def matches_sql(query: SearchQuery, ranked: bool, low: int | None = None, high: int | None = None) -> tuple[str, Any]:
    """SQL and parameters of the matching letters' ids (int4) and, if ``ranked``, ranks (float8)."""
    matches = Case.objects.filter(search_vector=query).order_by()
    if low is not None:
        matches = matches.filter(id__gte=low)
    if high is not None:
        matches = matches.filter(id__lt=high)
    if ranked:
        # The same expression as the page order (decisions.ordering), so the order agrees.
        sql, params = matches.annotate(rank=rank_expression(query)).values("id", "rank").query.sql_with_params()
        return f"SELECT id::int4, rank FROM ({sql}) t", params
    sql, params = matches.values("id").query.sql_with_params()
    return f"SELECT id::int4 FROM ({sql}) t", params


def close_helper_connections() -> None:
    """Close the helper threads' connections (before dropping a database, or in tests)."""
    every_thread = threading.Barrier(HELPER_THREADS)

    def close() -> None:
        every_thread.wait(timeout=10)  # each thread takes one of the tasks
        connection.close()

    for task in [_helpers.submit(close) for _ in range(HELPER_THREADS)]:
        task.result()


# The GIN index plus a visit of the matching rows beats the sequential scan the planner picks for
# common words, which reads every letter's vector; and for half the archive (``id_halves``) the id
# range joins the GIN bitmap (a BitmapAnd) instead of a walk of the primary key that tests every
# letter of the half.
PLAN_BY_GIN_BITMAP = {"enable_seqscan": "off", "enable_indexscan": "off"}


@contextmanager
def gin_plan(already_set: bool = False) -> Iterator[None]:
    """Statements inside read the GIN bitmap (``PLAN_BY_GIN_BITMAP``), in a transaction of their own
    unless the caller has set the plan already."""
    if already_set:
        yield
        return
    with transaction.atomic(), planner_settings(PLAN_BY_GIN_BITMAP):
        yield


@contextmanager
def planner_settings(settings: Mapping[str, str]) -> Iterator[None]:
    """Planner settings for the statements inside (in the caller's ``atomic`` block), restored after
    them. After an error they are not: the transaction is aborted, and its rollback restores them."""
    if not settings:
        yield
        return
    names = list(settings)
    with connection.cursor() as cursor:
        # All in one statement each way: a search sends two statements for them, not one per setting.
        current = ", ".join(["current_setting(%s)"] * len(names))
        changes = ", ".join(["set_config(%s, %s, true)"] * len(names))
        cursor.execute(f"SELECT {current}, {changes}", [*names, *(part for name in names for part in (name, settings[name]))])
        row = cursor.fetchone()
        previous = dict(zip(names, row[: len(names)], strict=True))
        yield
        cursor.execute(f"SELECT {changes}", [part for name in names for part in (name, previous[name])])


def read_matches_on_own_connection(
    query: SearchQuery, ranked: bool, low: int | None, high: int | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """``read_matches`` in a helper thread, on the thread's own connection (reopened when broken or old)."""
    connection.close_if_unusable_or_obsolete()
    return read_matches(query, ranked, low, high)


def earlier_of_same(letters: Ints, values: npt.NDArray[np.integer[Any]]) -> Ints:
    """For each row (an item, or an array column's entry), the row before it of the same letter with
    the same value, or -1: the chains that ``distinct_letters`` walks. Worked out once per index."""
    order = np.lexsort((values, letters))  # stable: rows of one (letter, value) keep their order
    same = (letters[order][1:] == letters[order][:-1]) & (values[order][1:] == values[order][:-1])
    earlier = np.full(len(order), -1, dtype=np.int32)
    earlier[order[1:][same]] = order[:-1][same]
    return earlier


def chained(first: Ints, second: Ints, offset: int) -> Ints:
    """The chains of two indexes' rows, the second's rows placed after the first's ``offset`` rows."""
    return np.concatenate([first, np.where(second >= 0, second + offset, -1).astype(np.int32)])


def distinct_letters(
    values: npt.NDArray[np.integer[Any]], earlier: Ints, chosen: Mask, n_values: int, rows: npt.NDArray[np.intp] | None = None
) -> npt.NDArray[np.int64]:
    """For each value code, how many distinct letters have a chosen row (item or entry) with it.

    Each chosen row counts unless an earlier chosen row of its letter has the same value: only rows
    with an earlier one of the same value (few: a letter rarely repeats a value) walk their chain,
    in one compiled pass (``decisions.kernels``). Costs grow with the chosen rows, not with
    values × letters. ``rows``: the chosen rows' positions, when the caller has them.
    """
    rows = np.flatnonzero(chosen) if rows is None else rows
    return kernels.distinct_letters_of_rows(np.asarray(values), np.asarray(earlier), np.asarray(chosen), rows, n_values)


def distinct_letters_of_entries(entries: Entries, items: Mask, n_values: int) -> npt.NDArray[np.int64]:
    """``distinct_letters`` of an array column's entries whose item is one of ``items``, without a
    mask over the entries."""
    return kernels.distinct_letters_of_entries(
        np.asarray(entries.item), np.asarray(entries.value), np.asarray(entries.earlier), np.asarray(items), n_values
    )


class IdPositions:
    """Positions of ids in an ascending array of them: by a table from id to position when the ids
    are dense enough (one take: ~10x quicker than binary searches for a third of 1M letters in rank
    order), else by binary search."""

    DENSE = 4  # a table when the largest id is below this many times the ids held (plus a margin)

    def __init__(self, held: npt.NDArray[Any]) -> None:
        self.held = held
        self.table: Ints | None = None
        if len(held) and int(held[-1]) < self.DENSE * len(held) + 4096 and int(held[0]) >= 0:
            self.table = np.full(int(held[-1]) + 1, -1, dtype=np.int32)
            self.table[held] = np.arange(len(held), dtype=np.int32)

    def positions(self, ids: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], Mask]:
        """The positions of those of ``ids`` held, and which of ``ids`` they are."""
        if not len(self.held) or not len(ids):
            return np.zeros(0, dtype=np.intp), np.zeros(len(ids), dtype=bool)
        if self.table is not None:
            inside = (ids >= 0) & (ids < len(self.table))
            found_at = np.full(len(ids), -1, dtype=np.int32)
            found_at[inside] = np.take(self.table, ids[inside])
            known = found_at >= 0
        else:
            found_at = np.minimum(np.searchsorted(self.held, ids), len(self.held) - 1)
            known = self.held[found_at] == ids
        return selected(found_at, known).astype(np.intp), known


def selected(array: npt.NDArray[Any], mask: Mask) -> npt.NDArray[Any]:
    """``array[mask]``, through the mask's positions: boolean indexing of a large array costs
    several times more than finding the positions and taking them."""
    return np.take(array, np.flatnonzero(mask))


def named_counts(values: Sequence[str], counts: npt.NDArray[Any]) -> Counter[str]:
    """Non-zero counts by value, the empty value (not stated) left out."""
    return Counter({value: int(count) for value, count in zip(values, counts, strict=False) if value and count})


# --- one index per process, rebuilt when the archive changes ---------------------------------

_lock = threading.Lock()
_current: tuple[Version, FacetIndex] | None = None
INDEX_POLL_SECONDS = 1.0
logger = logging.getLogger("decisions.facets")


class Version(NamedTuple):
    """The archive's version as PostgreSQL keeps it (migration 0012): every statement that writes a
    table the search reads advances ``number`` in the same transaction; ``rewritten`` is the last
    version at which rows were updated, deleted or truncated rather than only inserted."""

    number: int
    rewritten: int

    def only_added_to(self, earlier: Version) -> bool:
        """Since ``earlier``, rows were only inserted. (A version can only seem to go back when
        ``earlier`` was read inside a transaction that was then rolled back, as tests do.)"""
        return earlier.number <= self.number and self.rewritten <= earlier.number


def archive_version() -> Version:
    """The archive's current version, as this transaction sees it: one primary-key read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version, rewritten_version FROM imr_archive_state WHERE id = 1")
        row = cursor.fetchone()
    if row is None:  # only before migration 0012 has run
        raise RuntimeError("imr_archive_state is empty; run `python manage.py migrate`")
    return Version(*row)


def letter_ids() -> Ints:
    """Every letter's id, read off the primary key."""
    return fetch_columns("SELECT id::int4 FROM decisions_case", [], [">i4"])[0]


def grown_index(previous: tuple[Version, FacetIndex], version: Version) -> FacetIndex | None:
    """The previous index plus the letters added since, when rows were only inserted; else None.

    Reading just the new letters and their items keeps the first search after an ingest quick on a
    large archive (a whole read takes ~0.5 s per 100,000 letters). Any update, delete or truncate
    since (of letters, items, citations, reviewers or guidelines) means a whole read.
    """
    earlier, index = previous
    if not version.only_added_to(earlier):
        return None
    # Not "ids above the newest held": transactions commit in any order, so ids arrive out of order.
    ids = letter_ids()
    if not np.isin(index.case_ids, ids, assume_unique=True).all():
        # A letter the index holds is gone with no delete counted: the index was read inside a
        # transaction whose inserts were then rolled back (a test's, or a request's atomic block).
        return None
    new_ids = np.setdiff1d(ids, index.case_ids, assume_unique=True)
    if not len(new_ids):
        return index
    if len(new_ids) > index.n:
        return None  # more new than old: one whole read is quicker
    return index.extended(new_ids)


def build_index(previous: tuple[Version, FacetIndex] | None = None) -> tuple[Version, FacetIndex]:
    """The index at the archive's current version, all from one snapshot: ``previous`` grown by the
    letters added since it was read when that is all that changed, else read whole.

    Outside a transaction, through this machine's snapshots (``decisions.shared_index``): the one
    on disk when it is at the archive's version, else built once, under a lock, by the first
    process that needs it and written for the others."""
    if connection.in_atomic_block:  # a request's or a test's transaction: read in it, seeing its own writes
        return read_index(previous)
    if not shared_index.enabled():
        return read_consistently(previous)
    folder = shared_index.store_folder()
    found = shared_index.load(folder)
    if found is not None and found[0] == archive_version():
        return found
    try:
        with shared_index.building_lock(folder):
            return built_for_the_machine(folder, previous)
    except OSError as error:  # the folder cannot be made or locked: this process reads its own
        logger.warning("the facet index cannot be shared through %s (%s); this process reads its own", folder, error)
        return read_consistently(previous)


def built_for_the_machine(folder: Path, previous: tuple[Version, FacetIndex] | None) -> tuple[Version, FacetIndex]:
    """Under the lock: the snapshot another process wrote while this one waited, or one built here and
    written for the others (kept in this process's memory when it cannot be written)."""
    found = shared_index.load(folder)
    if found is not None and found[0] == archive_version():
        return found
    built = read_consistently(newest(found, previous))
    try:
        shared_index.save(folder, *built)
    except OSError as error:
        logger.warning("the facet index could not be written to %s (%s)", folder, error)
        return built
    written = shared_index.load(folder)
    return written if written is not None else built


def newest(*held: tuple[Version, FacetIndex] | None) -> tuple[Version, FacetIndex] | None:
    """The held index of the latest version, to grow from."""
    candidates = [pair for pair in held if pair is not None]
    return max(candidates, key=lambda pair: pair[0].number, default=None)


def read_consistently(previous: tuple[Version, FacetIndex] | None) -> tuple[Version, FacetIndex]:
    """``read_index`` in one REPEATABLE READ transaction: the version and the rows of one snapshot."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return read_index(previous)


def read_index(previous: tuple[Version, FacetIndex] | None) -> tuple[Version, FacetIndex]:
    version = archive_version()
    grown = grown_index(previous, version) if previous is not None else None
    index = grown if grown is not None else FacetIndex()
    index.version = version
    word_index.follow_in_process()  # (tests) the RAM word index read in the same snapshot
    return version, index


class IndexNotReady(RuntimeError):
    """The index could not be brought to the archive's version within IMR_INDEX_WAIT_SECONDS."""


class IndexKeeper:
    """Keeps this process's index at the archive's version from a thread of its own.

    Web processes start it (``keep_index_current``, from imrsite/wsgi.py): every ``poll_seconds``
    the thread reads the archive version (one primary-key read) and, when it moved, grows or
    rebuilds the index, so that a request usually finds it current and builds nothing. A request
    that finds it behind the version it read wakes the thread and waits for it, at most
    ``wait_seconds``; it never counts with an older index, and past the wait it gets
    ``IndexNotReady`` (a 503 asking to retry) rather than numbers of another version.
    """

    def __init__(self, poll_seconds: float, wait_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds
        self.changed = threading.Condition()
        self.thread: threading.Thread | None = None
        self.stopping = False

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self.stopping = False
        self.thread = threading.Thread(target=self.run, name="imr-facet-index", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()
        if self.thread is not None:
            self.thread.join()
        self.thread = None

    def run(self) -> None:
        last_error = ""
        try:
            while not self.stopping:
                try:
                    self.bring_up_to_date()
                    last_error = ""
                except Exception as error:  # the database restarting, say: try again at the next poll
                    if str(error) != last_error:  # once per cause, not once a second
                        logger.warning("the facet index could not be brought up to date (%s); trying again", error)
                    last_error = str(error)
                    connection.close()
                with self.changed:
                    if not self.stopping:
                        self.changed.wait(self.poll_seconds)
        finally:
            connection.close()

    def bring_up_to_date(self) -> None:
        global _current
        held = _current
        if held is not None and held[0] == archive_version():
            return
        built = build_index(held)
        with self.changed:
            _current = built
            self.changed.notify_all()
        prepare(built[1])

    def index_at(self, version: Version) -> FacetIndex:
        """The index at ``version`` (or a later one), waiting for the thread at most ``wait_seconds``."""
        deadline = time.monotonic() + self.wait_seconds
        with self.changed:
            while True:
                held = _current
                if held is not None and held[0].number >= version.number:
                    return held[1]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.running:
                    raise IndexNotReady(f"the counts are being brought up to date (archive version {version.number})")
                self.changed.notify_all()  # wake the thread rather than wait for its next poll
                self.changed.wait(remaining)


# What a request would otherwise work out on its first use of a new index, worked out by the
# keeper's thread as soon as the index is published (dotted paths of functions of the index: they
# live in modules that import this one).
PREPARED_FOR_EACH_INDEX = (
    "decisions.facets.value_groups",
    "decisions.selectors.first_page_counts",
    "decisions.kind_lists.kind_lists",
    "decisions.kind_rates.kind_rates",
)


def value_groups(index: FacetIndex) -> None:
    """Each array column's entries grouped by value (``Entries.by_value``)."""
    for entries in index.entries.values():
        entries.by_value  # noqa: B018  # worked out and kept


def prepare(index: FacetIndex) -> None:
    """Work out ``PREPARED_FOR_EACH_INDEX`` for a new index; a failure is logged, and left to the
    first request that needs it."""
    for path in PREPARED_FOR_EACH_INDEX:
        try:
            import_string(path)(index)
        except Exception:
            logger.exception("preparing %s for the new facet index failed", path)


_keeper: IndexKeeper | None = None


def keep_index_current() -> IndexKeeper:
    """Start this process's index thread (web processes); later ``current_index`` calls use it."""
    global _keeper
    if _keeper is None:
        _keeper = IndexKeeper(INDEX_POLL_SECONDS, float(settings.IMR_INDEX_WAIT_SECONDS))
    _keeper.start()
    return _keeper


def stop_keeping_index_current() -> None:
    global _keeper
    if _keeper is not None:
        _keeper.stop()
        _keeper = None


def current_index() -> FacetIndex:
    """The process's index at the archive's current version.

    In a web process its thread keeps it (``IndexKeeper``). Elsewhere (commands, tests) and inside
    a transaction (which must see its own writes) it is brought up to date here, once, whatever the
    threads.
    """
    global _current
    version = archive_version()
    current = _current
    if current is not None and current[0] == version:
        return current[1]
    keeper = _keeper
    if keeper is not None and keeper.running and not connection.in_atomic_block:
        return keeper.index_at(version)
    with _lock:
        current = _current
        if current is not None and current[0] == archive_version():
            return current[1]
        _current = build_index(current)
        return _current[1]


def search_counts(cleaned: Mapping[str, Any]) -> SearchCounts:
    """Letters, items and facets of a validated search, each facet with its own filters left out."""
    return current_index().count(cleaned)
