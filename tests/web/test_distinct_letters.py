"""Distinct letters per value, counted three ways that must agree: a flag table (small archives),
letter runs (large ones, the index's items in letter order) and sorting (anything else)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions import facets


def by_sorting(values: np.ndarray, letters: np.ndarray, n_values: int, n_letters: int) -> np.ndarray:
    keys = np.unique(values.astype(np.int64) * n_letters + letters)
    return np.bincount(keys // n_letters, minlength=n_values)


entries = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6)), max_size=300)


@settings(max_examples=200, deadline=None)
@given(entries)
def test_letter_runs_count_what_sorting_counts(pairs):
    pairs.sort(key=lambda pair: pair[0])  # the index's order: by letter
    letters = np.array([letter for letter, _ in pairs], dtype=np.int32)
    values = np.array([value for _, value in pairs], dtype=np.int32)
    counted = facets.distinct_in_letter_runs(values, letters, 7)
    assert counted is not None
    assert counted.tolist() == by_sorting(values, letters, 7, 41).tolist()


@settings(max_examples=100, deadline=None)
@given(entries)
def test_every_way_agrees_whatever_the_order(pairs):
    letters = np.array([letter for letter, _ in pairs], dtype=np.int32)
    values = np.array([value for _, value in pairs], dtype=np.int32)
    expected = by_sorting(values, letters, 7, 41).tolist()
    assert facets.distinct_letters(values, letters, 7, 41).tolist() == expected  # flag table
    original = facets.MAX_FLAG_CELLS
    facets.MAX_FLAG_CELLS = 0  # as on an archive too large for a flag table
    try:
        assert facets.distinct_letters(values, letters, 7, 41).tolist() == expected
    finally:
        facets.MAX_FLAG_CELLS = original


def test_entries_out_of_letter_order_are_left_to_sorting():
    letters = np.array([2, 1, 2], dtype=np.int32)
    values = np.array([0, 0, 0], dtype=np.int32)
    assert facets.distinct_in_letter_runs(values, letters, 1) is None
