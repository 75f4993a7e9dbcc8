"""Distinct letters per value, counted by walking each row's chain of earlier rows of the same
letter and value (``facets.earlier_of_same``, in the compiled loops of ``decisions.kernels``): it must agree with sorting every chosen
(value, letter) pair, whatever the rows' order and whichever rows are chosen."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions import facets


def by_sorting(values: np.ndarray, letters: np.ndarray, chosen: np.ndarray, n_values: int) -> list[int]:
    pairs = {(int(value), int(letter)) for value, letter, keep in zip(values, letters, chosen, strict=True) if keep}
    return np.bincount([value for value, _ in pairs], minlength=n_values).astype(int).tolist()


rows = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6), st.booleans()), max_size=300)


@settings(max_examples=300, deadline=None)
@given(rows, st.booleans())
def test_chains_count_what_sorting_counts(drawn, in_letter_order):
    if in_letter_order:  # the index's items; an array column's entries are in slot order instead
        drawn.sort(key=lambda row: row[0])
    letters = np.array([letter for letter, _, _ in drawn], dtype=np.int32)
    values = np.array([value for _, value, _ in drawn], dtype=np.int32)
    chosen = np.array([keep for _, _, keep in drawn], dtype=bool)
    earlier = facets.earlier_of_same(letters, values)
    assert facets.distinct_letters(values, earlier, chosen, 7).tolist() == by_sorting(values, letters, chosen, 7)


def test_a_letter_repeating_a_value_counts_once_whichever_of_its_rows_are_chosen():
    letters = np.array([3, 3, 3, 5], dtype=np.int32)
    values = np.array([1, 1, 1, 1], dtype=np.int32)
    earlier = facets.earlier_of_same(letters, values)
    assert earlier.tolist() == [-1, 0, 1, -1]
    for chosen, expected in (([1, 1, 1, 0], 1), ([0, 0, 1, 0], 1), ([0, 1, 0, 1], 2), ([0, 0, 0, 0], 0)):
        assert facets.distinct_letters(values, earlier, np.array(chosen, dtype=bool), 2)[1] == expected


def test_chains_of_a_grown_index_stay_within_the_added_rows():
    first, second = np.array([-1, 0], dtype=np.int32), np.array([-1, -1, 1], dtype=np.int32)
    assert facets.chained(first, second, 2).tolist() == [-1, 0, -1, -1, 3]


entry_rows = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 6)), max_size=300)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.booleans()), min_size=1, max_size=40), entry_rows)
def test_an_array_columns_entries_count_what_sorting_their_chosen_items_counts(items, drawn):
    """Entries (item, value) in slot order; an entry is chosen when its item is."""
    item_letter = np.array([letter for letter, _ in items], dtype=np.int32)
    chosen_items = np.array([keep for _, keep in items], dtype=bool)
    entry_item = np.array([item % len(items) for item, _ in drawn], dtype=np.int32)
    values = np.array([value for _, value in drawn], dtype=np.int32)
    entries = facets.Entries.of(entry_item, values, item_letter)
    expected = by_sorting(values, item_letter[entry_item], chosen_items[entry_item], 7)
    assert facets.distinct_letters_of_entries(entries, chosen_items, 7).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(1, 10**7), max_size=60), st.lists(st.integers(-5, 10**7), max_size=60), st.booleans())
def test_positions_of_ids_are_found_alike_by_table_and_by_binary_search(held, asked, dense):
    held_ids = np.array(sorted(held if not dense else {value % 500 + 1 for value in held}), dtype=np.int64)
    asked_ids = np.array(asked + [int(value) for value in held_ids[::2]], dtype=np.int64)
    positions, known = facets.IdPositions(held_ids).positions(asked_ids)
    expected = [(index, held_ids.tolist().index(value)) for index, value in enumerate(asked_ids.tolist()) if value in set(held_ids.tolist())]
    assert known.tolist() == [value in set(held_ids.tolist()) for value in asked_ids.tolist()]
    assert positions.tolist() == [position for _, position in expected]


entries = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 9)), max_size=200)


@settings(max_examples=200, deadline=None)
@given(entries, st.integers(-2, 12))
def test_the_items_of_a_value_are_those_of_the_entries_holding_it(drawn, code):
    items = np.array([item for item, _ in drawn], dtype=np.int32)
    values = np.array([value for _, value in drawn], dtype=np.int32)
    grouped = facets.Entries(items, values, np.full(len(items), -1, dtype=np.int32))
    assert sorted(grouped.items_of(code).tolist()) == sorted(items[values == code].tolist())
