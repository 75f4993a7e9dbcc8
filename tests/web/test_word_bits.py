"""The bit sets of frequent lexemes (decisions/word_bits.py) hold exactly the ids they are given."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions import word_bits

ids_per_term = st.dictionaries(
    st.sampled_from(["pain", "back", "back\x02pain", "knee", "low"]),
    st.lists(st.integers(0, 300), unique=True).map(lambda ids: np.array(sorted(ids), dtype=np.int64)),
)


@settings(max_examples=60, deadline=None)
@given(ids_per_term, st.lists(st.tuples(st.integers(0, 700), st.sets(st.sampled_from(["pain", "knee", "neck"]))), max_size=8))
def test_rows_added_later_read_as_if_built_with_them(given_ids, added) -> None:
    built = word_bits.bits_of(given_ids.items(), highest_id=300)
    grown = built.with_rows(added, highest_id=max([300, *(row_id for row_id, _ in added)]))
    for term, ids in given_ids.items():
        expected = set(ids.tolist()) | {row_id for row_id, lexemes in added if term in lexemes}
        held = grown.holding(term)
        assert held is not None and set(np.flatnonzero(held).tolist()) == expected
        assert set(np.flatnonzero(built.holding(term)).tolist()) == set(ids.tolist())  # the original is untouched
    assert grown.holding("neck") is None  # not a frequent lexeme: tantivy answers for it
    assert grown.width > max([300, *(row_id for row_id, _ in added)])


def test_saved_bits_load_memory_mapped_with_their_terms(tmp_path) -> None:
    bits = word_bits.bits_of([("pain", np.array([1, 5, 64])), ("back\x02pain", np.array([5]))], highest_id=64)
    with open(tmp_path / "bits.npy", "wb") as file:
        np.save(file, bits.rows)
    (tmp_path / "bits.json").write_bytes(bits.terms_json())
    loaded = word_bits.WordBits.load(tmp_path / "bits.npy", tmp_path / "bits.json")
    assert isinstance(loaded.rows, np.memmap)
    assert np.flatnonzero(loaded.holding("back\x02pain")).tolist() == [5]
    assert np.flatnonzero(loaded.holding("pain")).tolist() == [1, 5, 64]


def test_bits_whose_terms_do_not_match_their_rows_are_refused(tmp_path) -> None:
    bits = word_bits.bits_of([("pain", np.array([1]))], highest_id=8)
    with open(tmp_path / "bits.npy", "wb") as file:
        np.save(file, bits.rows)
    (tmp_path / "bits.json").write_text('["pain", "back"]')
    try:
        word_bits.WordBits.load(tmp_path / "bits.npy", tmp_path / "bits.json")
    except ValueError as error:
        assert "1 rows of bits but 2 terms" in str(error)
    else:
        raise AssertionError("a mismatched file was loaded")


def test_only_lexemes_enough_documents_hold_get_bits() -> None:
    counts = [("pain", 900), ("knee", 10), ("\x01", 1000), ("back", 7)]
    assert word_bits.frequent(counts, documents=1000, min_docs=2, skip="\x01") == ["knee", "pain"]  # below 1000 / 128
    assert word_bits.frequent(counts, documents=1000, min_docs=100, skip="\x01") == ["pain"]
    assert word_bits.frequent(counts, documents=1000, min_docs=2, skip="\x01", most=1) == ["pain"]  # the most held first


def test_ids_past_the_bits_are_not_held() -> None:
    mask = np.zeros(16, dtype=bool)
    mask[[3, 15]] = True
    assert word_bits.ids_in(mask, np.array([3, 4, 15, 16, 4000])).tolist() == [True, False, True, False, False]


def test_rows_added_to_a_file_mapped_for_writing_are_set_in_it_unless_it_must_widen(tmp_path) -> None:
    bits = word_bits.bits_of([("pain", np.array([1, 5]))], highest_id=8)
    with open(tmp_path / "bits.npy", "wb") as file:
        np.save(file, bits.rows)
    (tmp_path / "bits.json").write_bytes(bits.terms_json())
    mapped = word_bits.WordBits.load(tmp_path / "bits.npy", tmp_path / "bits.json", writable=True)
    assert mapped.in_place and mapped.stored_in(tmp_path / "bits.npy")
    grown = mapped.with_rows([(7, {"pain"})], highest_id=8)
    assert grown.stored_in(tmp_path / "bits.npy")
    reread = word_bits.WordBits.load(tmp_path / "bits.npy", tmp_path / "bits.json")
    assert np.flatnonzero(reread.holding("pain")).tolist() == [1, 5, 7]
    widened = mapped.with_rows([(900, {"pain"})], highest_id=900)
    assert not widened.stored_in(tmp_path / "bits.npy") and widened.width > 900
    assert np.flatnonzero(widened.holding("pain")).tolist() == [1, 5, 7, 900]
