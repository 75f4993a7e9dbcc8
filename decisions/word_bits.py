"""Bit sets of the lexemes many rows hold: a broad word's matches read as one array (step 2e of
docs/search-engine.md) rather than hit by hit out of tantivy-py, which returns matches only as a
Python list (~0.4 µs a hit: 120–190 ms for a word a third of a million letters hold).

Per kind (letters, items), each lexeme that at least ``settings.IMR_WORD_BITS_MIN_DOCS`` documents
and ``SHARE`` of them hold gets a row of bits over the id space (bit i: the row with id i holds it),
read from tantivy's own postings when the word index is built. Rows added later set their bits in a
copy (``with_rows``); any other change rebuilds the word index and these with it. A lexeme fewer rows
hold is read from tantivy (a short hit list), so the bits change only how fast, never what, a
search finds. A search maps the bits to its own index's letters and items (``facets``), so bits of
rows an index does not hold are never read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.int64]
SHARE = 1 / 128  # of the documents: above this a bit row (width / 8 bytes) is smaller than the ids (4 bytes each)
SLACK = 1.25  # room for ids to come, so that an ingest seldom widens every row
# At most this many rows per kind (each width / 8 bytes: 280 KB at 1.8M letters): a vocabulary far
# richer than the generated letters' keeps its most held lexemes and pairs as bits, not every one.
MAX_ROWS = 8_000


def width_for(highest_id: int) -> int:
    """Bits per row for ids up to ``highest_id``, with room to grow (a multiple of 64)."""
    return int(np.ceil((highest_id + 1) * SLACK / 64)) * 64


@dataclass(frozen=True)
class WordBits:
    """The bit rows of one kind's frequent lexemes: ``terms`` name the rows of ``rows``."""

    terms: dict[str, int]
    rows: npt.NDArray[np.uint8]  # (len(terms), width // 8), memory-mapped when on disk

    @property
    def width(self) -> int:
        """Ids below this have a bit (and every id the word index holds is below it)."""
        return int(self.rows.shape[1]) * 8

    def holding(self, term: str) -> Mask | None:
        """The ids holding ``term`` (a mask over the id space), or None: not a frequent lexeme."""
        row = self.terms.get(term)
        return None if row is None else np.unpackbits(self.rows[row]).view(np.bool_)

    @property
    def in_place(self) -> bool:
        """Whether the rows are a file mapped for writing (the word index's follower)."""
        return isinstance(self.rows, np.memmap) and bool(self.rows.flags.writeable)

    def with_rows(self, added: Iterable[tuple[int, Iterable[str]]], highest_id: int) -> WordBits:
        """The bits with those of added rows (id, lexemes) set: in place in a file mapped for writing
        (a reader holds none of these ids, so it never reads their bits), else in a copy, wider when
        ``highest_id`` needs it."""
        if self.in_place and highest_id < self.width:
            rows = self.rows
        else:
            width = self.width if highest_id < self.width else width_for(highest_id)
            rows = np.zeros((len(self.terms), width // 8), dtype=np.uint8)
            rows[:, : self.rows.shape[1]] = self.rows
        for row_id, lexemes in added:
            byte, bit = divmod(row_id, 8)
            for term in lexemes:
                row = self.terms.get(term)
                if row is not None:
                    rows[row, byte] |= np.uint8(0x80 >> bit)  # np.packbits' order: the first id is the high bit
        if isinstance(rows, np.memmap):
            rows.flush()
        return WordBits(self.terms, rows)

    def terms_json(self) -> bytes:
        return json.dumps(list(self.terms), ensure_ascii=False).encode()

    def stored_in(self, path: Path) -> bool:
        """Whether the rows are the file ``path`` itself, mapped (nothing to write)."""
        return isinstance(self.rows, np.memmap) and self.rows.filename is not None and Path(self.rows.filename) == path.resolve()

    @classmethod
    def load(cls, rows_path: Path, terms_path: Path, writable: bool = False) -> WordBits:
        """Rows saved with ``np.save`` (memory-mapped, for writing too when ``writable``) and terms
        saved as ``terms_json``."""
        rows = np.load(rows_path, mmap_mode="r+" if writable else "r")
        terms = json.loads(terms_path.read_bytes())
        if len(terms) != rows.shape[0]:
            raise ValueError(f"{rows_path}: {rows.shape[0]} rows of bits but {len(terms)} terms in {terms_path}")
        return cls({term: row for row, term in enumerate(terms)}, rows)


def frequent(counts: Iterable[tuple[str, int]], documents: int, min_docs: int, skip: str, most: int = MAX_ROWS) -> list[str]:
    """The lexemes that get bits: held by at least ``min_docs`` and ``SHARE`` of the ``documents``;
    the ``most`` most held of them when more are (the others are read from tantivy, only slower)."""
    floor = max(min_docs, int(np.ceil(documents * SHARE)), 1)
    held = sorted(((count, term) for term, count in counts if count >= floor and term != skip), reverse=True)
    return sorted(term for _, term in held[:most])


def bits_of(ids_per_term: Iterable[tuple[str, Ids]], highest_id: int) -> WordBits:
    """Bit rows from each frequent term's ids."""
    pairs = list(ids_per_term)
    width = width_for(highest_id)
    rows = np.zeros((len(pairs), width // 8), dtype=np.uint8)
    held = np.zeros(width, dtype=np.bool_)
    for row, (_, ids) in enumerate(pairs):
        held[:] = False
        held[ids] = True
        rows[row] = np.packbits(held)
    return WordBits({term: row for row, (term, _) in enumerate(pairs)}, rows)


def ids_in(mask: Mask, ids: npt.NDArray[Any]) -> Mask:
    """For each of ``ids``, whether ``mask`` (over the id space) holds it; ids past it: no."""
    if not len(ids) or int(ids.max()) < len(mask):
        return np.take(mask, ids)
    inside = ids < len(mask)
    return np.where(inside, np.take(mask, np.where(inside, ids, 0)), False)
