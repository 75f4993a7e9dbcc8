"""Totals and facet counts of a search, counted in memory (like a search engine's field cache).

``FacetIndex`` holds the archive's filterable values as compact numpy columns, read from
PostgreSQL in a few queries that each return one packed binary value (index-only scans of
``case_facets_cover`` and ``item_facets_cover``): per letter (dense index 0..n-1, in case id
order) its reviewer, sex, decision and injury dates, age and item count; per disputed item its letter, outcome and
(category, subcategory) pair; per citation entry (the items' denormalised ``*_guideline_ids`` /
``*_sources`` arrays, for each role) its item and value. Reviewers' specialties and states are a
small membership matrix per reviewer.

A search's counts are masks over these columns: the letter mask from the letter-level filters
(and the full-text matches, the one query still sent to PostgreSQL), the item mask from the
item-level filters, which must hold for one and the same item. Each facet is counted on the
variant of the search with its own filters left out, as distinct letters per value, so a count is
exactly the number of letters clicking the value shows (the SQL of ``decisions.filters``).

Memory at 100k letters (198k items, 785k citation entries): letters 22 bytes each (2.2 MB), items
8 bytes (1.6 MB), entries 8 bytes (6.3 MB): 10.3 MB, so ~185 MB at 1.8M letters (plus, while
building, the packed value of about the same size). One index per process, brought up to date
when ``archive_version`` changes: when letters were only added (an ingest), by reading just
them and their items (~40 ms after 200 new letters at 100k); otherwise read whole (~0.45 s at
100k on 2 cores, most of it PostgreSQL producing the rows).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import psycopg
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, FloatField
from django.db.models.functions import Cast

from decisions.filters import ITEM_PARAMS, Sort, search_query
from decisions.models import Case, CitedBy, Guideline, Outcome, Reviewer, Source

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int32]

NULL_DAY = np.iinfo(np.int32).min  # a missing date: fails every bound
EPOCH = date(1970, 1, 1)
ROLES = (str(CitedBy.REVIEWER), str(CitedBy.CLAIMS_ADMINISTRATOR))
# Above this many (value, letter) cells, distinct letters are counted by sorting, not by a flag table.
MAX_FLAG_CELLS = 32_000_000


# --- what the selectors receive --------------------------------------------------------------


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
class SearchCounts:
    """Exact counts of one search: matching letters, matching items, and every facet's letters per value.

    Facet values are the parameter values clicking them sets, except ``guideline`` (guideline ids).
    """

    letters: int
    items: int
    facets: dict[str, Counter[str]]
    # For a search sorted by relevance: the matching letters' ids in page order (rank, then id,
    # both descending), so the page needs no second ranking pass over every match.
    ranked_ids: npt.NDArray[np.int64] | None = None


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


def distinct_values(table: str, columns: str) -> list[tuple[str, ...]]:
    """The distinct values of an indexed column (or column pair), by skipping through its index."""
    sql = (
        f"WITH RECURSIVE v AS ((SELECT {columns} FROM {table} ORDER BY {columns} LIMIT 1) UNION ALL"
        f" SELECT n.* FROM v, LATERAL (SELECT {columns} FROM {table} WHERE ({columns}) > (v.{columns.replace(', ', ', v.')})"
        f" ORDER BY {columns} LIMIT 1) n) SELECT * FROM v"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def fetch_vocabularies() -> tuple[list[str], list[str], list[tuple[str, str]], list[str]]:
    """Distinct sexes, outcomes, (category, subcategory) pairs, and citation sources.

    The items' source arrays are copies of their guidelines' sources, so the Guideline table
    (a few hundred rows) names every source they can hold.
    """
    sexes = [row[0] for row in distinct_values("decisions_case", "patient_sex")]
    outcomes = [row[0] for row in distinct_values("decisions_disputeditem", "outcome")]
    treatments = [
        (row[0], row[1]) for row in distinct_values("decisions_disputeditem", "treatment_category, treatment_subcategory")
    ]
    sources = sorted(set(Guideline.objects.values_list("source", flat=True).distinct()) | set(Source.values))
    return sexes, outcomes, treatments, sources


LETTERS_SQL = (
    "SELECT id::int4, coalesce(reviewer_id, 0)::int4, coalesce(array_position(%(sexes)s::text[], patient_sex::text), 0)::int2,"
    " coalesce(decision_date - DATE '1970-01-01', -2147483648)::int4,"
    " coalesce(date_of_injury - DATE '1970-01-01', -2147483648)::int4,"
    " coalesce(patient_age, -1)::int2, item_count::int2 FROM decisions_case"
)
CITATION_ARRAYS = ("reviewer_guideline_ids", "claims_guideline_ids", "reviewer_sources", "claims_sources")


# Restricts a read to the letters (or their items) whose ids are in the parameter %(only)s.
ONLY_LETTERS, ONLY_ITEMS_OF = " WHERE id = ANY(%(only)s::int8[])", " WHERE i.case_id = ANY(%(only)s::int8[])"


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


def longest_arrays(only: Ints | None = None) -> list[int]:
    """The longest citation array of any item (of the letters ``only``), per array column: the slots each needs."""
    columns = ", ".join(f"coalesce(max(cardinality({name})), 0)" for name in CITATION_ARRAYS)
    with connection.cursor() as cursor:
        if only is None:
            cursor.execute(f"SELECT {columns} FROM decisions_disputeditem")
        else:
            cursor.execute(f"SELECT {columns} FROM decisions_disputeditem i{ONLY_ITEMS_OF}", {"only": only.tolist()})
        return list(cursor.fetchone())


def items_sql(slots: Sequence[int]) -> str:
    """One row per item from an index-only scan of item_facets_cover, its citation arrays spread
    over fixed slots (-1 or 0 where shorter), so every row has the same width. Subscripts cost a
    fraction of unnest(), whose set-returning rows double the time of the scan."""
    guidelines = [
        f"coalesce(i.{name}[{slot}], -1)::int4"
        for name, count in zip(CITATION_ARRAYS[:2], slots[:2], strict=True)
        for slot in range(1, count + 1)
    ]
    sources = [
        f"coalesce(array_position(%(sources)s::text[], i.{name}[{slot}]::text), 0)::int2"
        for name, count in zip(CITATION_ARRAYS[2:], slots[2:], strict=True)
        for slot in range(1, count + 1)
    ]
    return (
        "SELECT "
        + ", ".join(
            [
                "i.case_id::int4",
                "coalesce(array_position(%(outcomes)s::text[], i.outcome::text), 0)::int2",
                "coalesce(k.code, 0)::int2",
                *guidelines,
                *sources,
            ]
        )
        + " FROM decisions_disputeditem i"
        " LEFT JOIN unnest(%(categories)s::text[], %(subcategories)s::text[]) WITH ORDINALITY AS k (c, s, code)"
        " ON i.treatment_category = k.c AND i.treatment_subcategory = k.s"
    )


# --- the index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entries:
    """Citation entries of one role: which item, which value (a code into the index's vocabulary)."""

    item: Ints
    value: Ints

    def restricted_to(self, items: Mask) -> tuple[Ints, Ints]:
        keep = items[self.item]
        return self.item[keep], self.value[keep]


def days(value: date) -> int:
    return (value - EPOCH).days


def in_range(column: npt.NDArray[Any], null: int, low: Any, high: Any) -> Mask | None:
    """Rows whose value lies within the bounds that are set (a missing value never does)."""
    if low is None and high is None:
        return None
    mask = column != null
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
    """The archive's filterable values as numpy columns, and the counting of a search over them."""

    def __init__(self, only: Ints | None = None) -> None:
        """The whole archive, or (``only``) just those letters and their items, for ``extended``."""
        self.load_reviewers()
        sexes, outcomes, treatments, sources = fetch_vocabularies()
        self.load_letters(sexes, only)
        self.load_items(outcomes, treatments, sources, only)

    # Loading -----------------------------------------------------------------------------------

    def load_reviewers(self) -> None:
        rows = list(Reviewer.objects.order_by("id").values_list("id", "specialty_slugs", "licensed_states", "specialties"))
        self.reviewer_ids = np.array([row[0] for row in rows], dtype=np.int32)
        self.specialties = sorted({slug for row in rows for slug in row[1]})
        # Each specialty slug's name as letters write it (for facet labels and the form's suggestions).
        self.specialty_names = {slug: name for row in rows for slug, name in zip(row[1], row[3], strict=False)}
        self.states = sorted({code for row in rows for code in row[2]})
        # One row per reviewer and a last one for "no reviewer": which specialties and states it has.
        self.reviewer_specialty = self.membership([set(row[1]) for row in rows], self.specialties)
        self.reviewer_state = self.membership([set(row[2]) for row in rows], self.states)

    @staticmethod
    def membership(sets: list[set[str]], values: list[str]) -> npt.NDArray[np.int32]:
        position = {value: index for index, value in enumerate(values)}
        matrix = np.zeros((len(sets) + 1, len(values)), dtype=np.int32)
        for row, members in enumerate(sets):
            matrix[row, [position[value] for value in members]] = 1
        return matrix

    def reviewer_codes(self, reviewer_ids: Ints) -> Ints:
        """Each letter's row in the reviewer matrices, from its reviewer's id (the last row: none)."""
        code = np.searchsorted(self.reviewer_ids, reviewer_ids).astype(np.int32)
        known = code < len(self.reviewer_ids)
        known[known] = self.reviewer_ids[code[known]] == reviewer_ids[known]
        return np.where(known, code, len(self.reviewer_ids)).astype(np.int32)

    def load_letters(self, sexes: list[str], only: Ints | None = None) -> None:
        sql, params = (
            (LETTERS_SQL, {"sexes": sexes})
            if only is None
            else (LETTERS_SQL + ONLY_LETTERS, {"sexes": sexes, "only": only.tolist()})
        )
        ids, reviewer, sex, decided, injured, age, item_count = fetch_columns(
            sql, params, [">i4", ">i4", ">i2", ">i4", ">i4", ">i2", ">i2"]
        )
        order = np.argsort(ids, kind="stable")
        self.case_ids: Ints = ids[order]
        self.n = len(ids)
        self.reviewer: Ints = self.reviewer_codes(reviewer[order])
        self.sex_values = ["", *sexes]  # array_position is 1-based; 0 is "not found"
        self.sex = sex[order].astype(np.uint8)
        self.decided = decided[order]
        self.injured = injured[order]
        self.age = age[order]
        self.item_count = item_count[order]
        years = self.decided.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int32) + 1970
        self.year = np.where(self.decided != NULL_DAY, years, 0).astype(np.int16)

    def load_items(
        self, outcomes: list[str], treatments: list[tuple[str, str]], sources: list[str], only: Ints | None = None
    ) -> None:
        slots = longest_arrays(only)
        params: dict[str, Any] = {
            "outcomes": outcomes,
            "sources": sources,
            "categories": [pair[0] for pair in treatments],
            "subcategories": [pair[1] for pair in treatments],
        }
        dtypes = [">i4", ">i2", ">i2"] + [">i4"] * (slots[0] + slots[1]) + [">i2"] * (slots[2] + slots[3])
        if only is not None:
            params["only"] = only.tolist()
            read = fetch_columns(items_sql(slots) + ONLY_ITEMS_OF, params, dtypes)
        else:
            read = fetch_item_columns(items_sql(slots), params, dtypes)
        case_id, outcome, treatment, *spread = read
        self.m = len(case_id)
        letter = np.minimum(np.searchsorted(self.case_ids, case_id), max(self.n - 1, 0)).astype(np.int32)
        # An item of a letter newer than the letters read is left out (no letter passes for it): the
        # version has moved, so the next search rebuilds anyway.
        self.item_known: Mask = self.case_ids[letter] == case_id if self.n else np.zeros(self.m, dtype=bool)
        self.item_letter: Ints = letter
        self.outcome_values = ["", *outcomes]  # array_position and ordinality count from 1; 0 is "none"
        self.item_outcome = outcome.astype(np.uint8)
        self.treatments = [("", ""), *treatments]
        self.item_treatment = treatment
        self.treatment_values, self.pair_treatment = self.pair_values(lambda pair: pair[0])
        self.subcategory_values, self.pair_subcategory = self.pair_values(lambda pair: f"{pair[0]}/{pair[1]}" if pair[1] else "")
        columns = []
        for count in slots:
            columns.append(spread[:count])
            spread = spread[count:]
        entries = [self.entries(column) for column in columns]
        self.guideline_ids = np.unique(np.concatenate([entries[0][1], entries[1][1]])).astype(np.int32)
        self.guidelines = {
            role: Entries(item, np.searchsorted(self.guideline_ids, value).astype(np.int32))
            for role, (item, value) in zip(ROLES, entries[:2], strict=True)
        }
        self.source_values = ["", *sources]
        self.sources = {role: Entries(item, value) for role, (item, value) in zip(ROLES, entries[2:], strict=True)}

    def entries(self, slots: list[npt.NDArray[Any]]) -> tuple[Ints, Ints]:
        """(item, value) of every filled slot of one citation array (empty slots hold -1 or 0)."""
        if not slots:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        values = np.concatenate(slots).astype(np.int32)
        items = np.tile(np.arange(self.m, dtype=np.int32), len(slots))
        filled = values > 0  # guideline ids and source positions both start at 1
        return items[filled], values[filled]

    def pair_values(self, value_of: Callable[[tuple[str, str]], str]) -> tuple[list[str], Ints]:
        """A facet's values over the (category, subcategory) pairs, and each pair's value code (-1: none)."""
        values = sorted({value_of(pair) for pair in self.treatments} - {""})
        position = {value: index for index, value in enumerate(values)}
        return values, np.array([position.get(value_of(pair), -1) for pair in self.treatments], dtype=np.int32)

    # Growing -----------------------------------------------------------------------------------

    def extended(self, new_ids: Ints) -> FacetIndex | None:
        """A new index: this one plus the letters ``new_ids`` and their items, read alone.

        None when the new letters bring a value this index has no code for (a new outcome,
        treatment, source, sex or cited guideline): the caller reads the whole archive instead.
        Reviewers are read again whole (a small table), so new reviewers are no obstacle.
        """
        sexes, outcomes, treatments, sources = fetch_vocabularies()
        same_values = (
            ["", *sexes] == self.sex_values
            and ["", *outcomes] == self.outcome_values
            and [("", ""), *treatments] == self.treatments
            and ["", *sources] == self.source_values
        )
        if not same_values:
            return None
        added = FacetIndex(only=new_ids)
        if not np.isin(added.guideline_ids, self.guideline_ids).all():
            return None
        return self.merged_with(added)

    def merged_with(self, added: FacetIndex) -> FacetIndex:
        """This index and ``added`` (same value codes, other letters) as one, letters in id order."""
        merged = FacetIndex.__new__(FacetIndex)
        for name in ("reviewer_ids", "specialties", "specialty_names", "states", "reviewer_specialty", "reviewer_state"):
            setattr(merged, name, getattr(added, name))  # read after this index's: every reviewer
        for name in ("sex_values", "outcome_values", "treatments", "treatment_values", "pair_treatment"):
            setattr(merged, name, getattr(self, name))
        for name in ("subcategory_values", "pair_subcategory", "source_values", "guideline_ids"):
            setattr(merged, name, getattr(self, name))
        case_ids = np.concatenate([self.case_ids, added.case_ids])
        order = np.argsort(case_ids, kind="stable")
        new_position = np.empty(len(order), dtype=np.int32)
        new_position[order] = np.arange(len(order), dtype=np.int32)
        merged.n, merged.case_ids = len(case_ids), case_ids[order]
        reviewer_ids = np.concatenate([np.append(index.reviewer_ids, 0)[index.reviewer] for index in (self, added)])
        merged.reviewer = merged.reviewer_codes(reviewer_ids[order])
        for name in ("sex", "decided", "injured", "age", "item_count", "year"):
            setattr(merged, name, np.concatenate([getattr(self, name), getattr(added, name)])[order])
        merged.m = self.m + added.m
        merged.item_letter = new_position[np.concatenate([self.item_letter, added.item_letter + self.n])]
        for name in ("item_known", "item_outcome", "item_treatment"):
            setattr(merged, name, np.concatenate([getattr(self, name), getattr(added, name)]))
        guideline_codes = np.searchsorted(self.guideline_ids, added.guideline_ids).astype(np.int32)
        merged.guidelines = {
            role: Entries(
                np.concatenate([self.guidelines[role].item, added.guidelines[role].item + self.m]),
                np.concatenate([self.guidelines[role].value, guideline_codes[added.guidelines[role].value]]),
            )
            for role in ROLES
        }
        merged.sources = {
            role: Entries(
                np.concatenate([self.sources[role].item, added.sources[role].item + self.m]),
                np.concatenate([self.sources[role].value, added.sources[role].value]),
            )
            for role in ROLES
        }
        return merged

    @property
    def nbytes(self) -> int:
        arrays = [value for value in vars(self).values() if isinstance(value, np.ndarray)]
        arrays += [array for entries in (*self.guidelines.values(), *self.sources.values()) for array in vars(entries).values()]
        return sum(array.nbytes for array in arrays)

    # Masks -------------------------------------------------------------------------------------

    def letter_mask(self, cleaned: Mapping[str, Any], text: Mask | None, exclude: Collection[str] = ()) -> Mask | None:
        """Letters passing the letter-level filters not in ``exclude`` (None: every letter)."""
        value: dict[str, Any] = {name: cleaned.get(name) for name in cleaned if name not in exclude}
        mask = text if value.get("q") else None
        if value.get("specialty"):
            mask = both(mask, self.reviewer_has(self.reviewer_specialty, self.specialties, value["specialty"]))
        if value.get("state"):
            mask = both(mask, self.reviewer_has(self.reviewer_state, self.states, value["state"]))
        if value.get("sex"):
            code = self.sex_values.index(value["sex"]) if value["sex"] in self.sex_values else -1
            mask = both(mask, self.sex == code)
        low, high = value.get("age_min"), value.get("age_max")
        mask = both(mask, in_range(self.age, -1, None if low is None else float(low), None if high is None else float(high)))
        for column, low_name, high_name in (
            (self.decided, "decided_from", "decided_to"),
            (self.injured, "injured_from", "injured_to"),
        ):
            low, high = value.get(low_name), value.get(high_name)
            mask = both(
                mask, in_range(column, NULL_DAY, None if low is None else days(low), None if high is None else days(high))
            )
        return mask

    def reviewer_has(self, matrix: npt.NDArray[np.int32], values: list[str], wanted: str) -> Mask:
        if wanted not in values:
            return np.zeros(self.n, dtype=bool)
        return matrix[:, values.index(wanted)].astype(bool)[self.reviewer]

    def item_mask(self, cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Mask | None:
        """Items passing the item-level filters not in ``exclude``, all on the same item (None: no filter)."""
        value = {name: cleaned.get(name) for name in ("outcome", "treatment", "subcategory") if name not in exclude}
        mask: Mask | None = None
        if value.get("outcome"):
            code = self.outcome_values.index(value["outcome"]) if value["outcome"] in self.outcome_values[1:] else -1
            mask = self.item_outcome == code
        if value.get("treatment") or value.get("subcategory"):
            pairs = np.array(
                [
                    (not value.get("treatment") or category == value["treatment"])
                    and (not value.get("subcategory") or subcategory == value["subcategory"])
                    for category, subcategory in self.treatments
                ]
            )
            pairs[0] = False  # an item whose pair was not read
            mask = both(mask, pairs[self.item_treatment])
        role = cleaned.get("cited_by") or CitedBy.REVIEWER
        guideline_id = cleaned.get("guideline_id") if cleaned.get("guideline") and "guideline" not in exclude else None
        if guideline_id is not None:
            found = np.searchsorted(self.guideline_ids, guideline_id)
            known = found < len(self.guideline_ids) and self.guideline_ids[found] == guideline_id
            mask = both(mask, self.items_citing(self.guidelines[role], int(found) if known else -1))
        if cleaned.get("source") and "source" not in exclude:
            source = cleaned["source"]
            code = self.source_values.index(source) if source in self.source_values[1:] else -1
            mask = both(mask, self.items_citing(self.sources[role], code))
        return mask

    def items_citing(self, entries: Entries, code: int) -> Mask:
        mask = np.zeros(self.m, dtype=bool)
        mask[entries.item[entries.value == code]] = True
        return mask

    def text_matches(self, cleaned: Mapping[str, Any]) -> tuple[Mask, npt.NDArray[np.float64]] | None:
        """Letters the full-text query matches, and each one's rank when the search is sorted by it.

        One GIN query in PostgreSQL (two at once on a large archive, see ``id_halves``), mapped to
        dense indexes; ranking here, in the same pass over the matches, spares the page query a
        second pass.
        """
        query = search_query(cleaned)
        if query is None:
            return None
        ranked = cleaned.get("sort") == Sort.RELEVANCE
        halves = self.id_halves()
        if halves is None or connection.in_atomic_block:
            # In a transaction (a test's, or a caller's) only this connection sees its writes.
            parts = [read_matches(query, ranked)]
        else:
            (low, middle), (_, high) = halves
            other_half = _helpers.submit(read_matches_on_own_connection, query, ranked, low, middle)
            parts = [read_matches(query, ranked, middle, high), other_half.result()]
        ids = np.concatenate([part[0] for part in parts])
        mask = np.zeros(self.n, dtype=bool)
        ranks = np.zeros(self.n, dtype=np.float64)
        if self.n and len(ids):
            found = np.minimum(np.searchsorted(self.case_ids, ids), self.n - 1)
            known = self.case_ids[found] == ids  # letters newer than the index are left out
            mask[found[known]] = True
            if ranked:
                ranks[found[known]] = np.concatenate([part[1] for part in parts])[known]
        return mask, ranks

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
        entries = self.guidelines[str(CitedBy.REVIEWER)]
        known = self.item_known[entries.item]
        codes, outcomes = entries.value[known], self.item_outcome[entries.item[known]]
        size = len(self.guideline_ids)

        def items_with(outcome: str | None) -> npt.NDArray[np.int64]:
            if outcome is None:
                return np.bincount(codes, minlength=size)
            code = self.outcome_values.index(outcome) if outcome in self.outcome_values[1:] else -1
            return np.bincount(codes[outcomes == code], minlength=size)

        totals, upheld, overturned = items_with(None), items_with(Outcome.UPHELD), items_with(Outcome.OVERTURNED)
        return {
            int(guideline): (int(totals[code]), int(upheld[code]), int(overturned[code]))
            for code, guideline in enumerate(self.guideline_ids)
        }

    def relevance_order(self, letters: Mask, ranks: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Ids of the matching letters by rank, then id, both descending (the page order)."""
        positions = np.flatnonzero(letters)
        ids = self.case_ids[positions].astype(np.int64)
        order = np.lexsort((-ids, -ranks[positions]))
        return ids[order]

    # Counting ----------------------------------------------------------------------------------

    def count(self, cleaned: Mapping[str, Any]) -> SearchCounts:
        """Totals of the search and every facet on the search without its own filters."""
        matches = self.text_matches(cleaned)
        text = matches[0] if matches is not None else None
        letters, items = self.matching(cleaned, text)
        # Without item filters a letter's items are all its items, as the letter counts them.
        item_filtered = any(cleaned.get(name) for name in ITEM_PARAMS)
        total_items = int(items.sum()) if item_filtered else int(self.item_count[letters].sum(dtype=np.int64))
        facets: dict[str, Counter[str]] = {}
        variants: dict[frozenset[str], tuple[Mask, Mask]] = {frozenset(): (letters, items)}
        for spec in FACETS:
            left_out = frozenset(name for name in spec.own_params if cleaned.get(name) not in (None, ""))
            if left_out not in variants:
                variants[left_out] = self.matching(cleaned, text, left_out)
            facets[spec.name] = self.facet(spec.name, cleaned, *variants[left_out])
        ranked = self.relevance_order(letters, matches[1]) if matches and cleaned.get("sort") == Sort.RELEVANCE else None
        return SearchCounts(int(letters.sum()), total_items, facets, ranked)

    def matching(self, cleaned: Mapping[str, Any], text: Mask | None, exclude: Collection[str] = ()) -> tuple[Mask, Mask]:
        """(letters, items) of the search without ``exclude``: with item filters, letters with a matching item."""
        letters = self.letter_mask(cleaned, text, exclude)
        items = self.item_mask(cleaned, exclude)
        if items is None:  # no item filters: every letter in the mask counts, with all its items
            letters = letters if letters is not None else np.ones(self.n, dtype=bool)
            return letters, letters[self.item_letter] & self.item_known
        items &= self.item_known if letters is None else letters[self.item_letter] & self.item_known
        with_item = np.zeros(self.n, dtype=bool)
        with_item[self.item_letter[items]] = True
        return with_item, items

    def facet(self, name: str, cleaned: Mapping[str, Any], letters: Mask, items: Mask) -> Counter[str]:
        if name in ("specialty", "state"):
            matrix, values = (
                (self.reviewer_specialty, self.specialties) if name == "specialty" else (self.reviewer_state, self.states)
            )
            per_reviewer = np.bincount(self.reviewer[letters], minlength=len(self.reviewer_ids) + 1)
            return named_counts(values, per_reviewer @ matrix)
        if name == "sex":
            return named_counts(self.sex_values, np.bincount(self.sex[letters], minlength=len(self.sex_values)))
        if name == "year":
            years = np.bincount(self.year[letters])
            return Counter({str(year): int(count) for year, count in enumerate(years) if year and count})
        if name in ("guideline", "source"):
            return self.citation_facet(name, cleaned, items)
        letters_of_items = self.item_letter[items]
        if name == "outcome":
            return named_counts(
                self.outcome_values,
                distinct_letters(self.item_outcome[items], letters_of_items, len(self.outcome_values), self.n),
            )
        values, codes = (
            (self.treatment_values, self.pair_treatment)
            if name == "treatment"
            else (self.subcategory_values, self.pair_subcategory)
        )
        value = codes[self.item_treatment[items]]
        has = value >= 0
        return named_counts(values, distinct_letters(value[has], letters_of_items[has], len(values), self.n))

    def citation_facet(self, name: str, cleaned: Mapping[str, Any], items: Mask) -> Counter[str]:
        role = cleaned.get("cited_by") or CitedBy.REVIEWER
        entries = (self.guidelines if name == "guideline" else self.sources)[role]
        item, value = entries.restricted_to(items)
        values = [str(gid) for gid in self.guideline_ids] if name == "guideline" else self.source_values
        return named_counts(values, distinct_letters(value, self.item_letter[item], len(values), self.n))


# Below this many letters one query is quicker than two (the second costs a round trip and a thread).
SPLIT_MIN_LETTERS = 20_000
# Threads that read the other half of a large archive's matches, each on its own connection.
HELPER_THREADS = 2
_helpers = ThreadPoolExecutor(max_workers=HELPER_THREADS, thread_name_prefix="imr-fulltext")


def read_matches(
    query: SearchQuery, ranked: bool, low: int | None = None, high: int | None = None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """Ids (from ``low`` to below ``high``) of the letters the query matches, and their ranks if ``ranked``."""
    sql, params = matches_sql(query, ranked, low, high)
    dtypes = [">i4", ">f8"] if ranked else [">i4"]
    with transaction.atomic(), planner_settings(PLAN_BY_GIN_BITMAP):
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
        # The same expression as the page order (selectors.order_cases), so the order agrees.
        rank = Cast(SearchRank(F("search_vector"), query), output_field=FloatField())
        sql, params = matches.annotate(rank=rank).values("id", "rank").query.sql_with_params()
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
def planner_settings(settings: Mapping[str, str]) -> Iterator[None]:
    """Planner settings for the statements inside (in the caller's ``atomic`` block), restored after
    them. After an error they are not: the transaction is aborted, and its rollback restores them."""
    with connection.cursor() as cursor:
        previous = {}
        for name, value in settings.items():
            cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
            previous[name] = cursor.fetchone()[0]
        yield
        for name, value in previous.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def read_matches_on_own_connection(
    query: SearchQuery, ranked: bool, low: int | None, high: int | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """``read_matches`` in a helper thread, on the thread's own connection (reopened when broken or old)."""
    connection.close_if_unusable_or_obsolete()
    return read_matches(query, ranked, low, high)


def distinct_letters(values: npt.NDArray[np.integer[Any]], letters: Ints, n_values: int, n_letters: int) -> npt.NDArray[np.int64]:
    """For each value code, how many distinct letters have it."""
    if n_values * n_letters <= MAX_FLAG_CELLS:
        seen = np.zeros(n_values * n_letters, dtype=bool)
        seen[values.astype(np.int64) * n_letters + letters] = True
        return seen.reshape(n_values, n_letters).sum(axis=1)
    keys = np.unique(values.astype(np.int64) * n_letters + letters)
    return np.bincount(keys // n_letters, minlength=n_values)


def named_counts(values: Sequence[str], counts: npt.NDArray[Any]) -> Counter[str]:
    """Non-zero counts by value, the empty value (not stated) left out."""
    return Counter({value: int(count) for value, count in zip(values, counts, strict=False) if value and count})


# --- one index per process, rebuilt when the archive changes ---------------------------------

_lock = threading.Lock()
_current: tuple[Version, FacetIndex] | None = None


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
    new_ids = np.setdiff1d(letter_ids(), index.case_ids, assume_unique=True)
    if not len(new_ids):
        return index
    if len(new_ids) > index.n:
        return None  # more new than old: one whole read is quicker
    return index.extended(new_ids)


def build_index(previous: tuple[Version, FacetIndex] | None = None) -> tuple[Version, FacetIndex]:
    """The index at the archive's current version, all from one snapshot: ``previous`` grown by the
    letters added since it was read when that is all that changed, else read whole."""
    if connection.in_atomic_block:  # a request's or a test's transaction: read in it, seeing its own writes
        return read_index(previous)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return read_index(previous)


def read_index(previous: tuple[Version, FacetIndex] | None) -> tuple[Version, FacetIndex]:
    version = archive_version()
    grown = grown_index(previous, version) if previous is not None else None
    return version, grown if grown is not None else FacetIndex()


def current_index() -> FacetIndex:
    """The process's index, brought up to date first when the archive has changed (once, whatever the threads)."""
    global _current
    version = archive_version()
    current = _current
    if current is not None and current[0] == version:
        return current[1]
    with _lock:
        current = _current
        if current is not None and current[0] == archive_version():
            return current[1]
        _current = build_index(current)
        return _current[1]


def search_counts(cleaned: Mapping[str, Any]) -> SearchCounts:
    """Letters, items and facets of a validated search, each facet with its own filters left out."""
    return current_index().count(cleaned)
