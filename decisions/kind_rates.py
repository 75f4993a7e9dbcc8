"""How the items of each kind of request were decided, counted once per facet index: what a letter's
"requests like this" reads (``decisions.statistics.requests_like``) instead of a search per item.

A kind is what ``statistics.like_params`` asks for: a treatment, and maybe a subcategory, a drug
ingredient, a body region and a guideline the IMR reviewer relied on. Every item the index holds
gives one row per (ingredient or none) × (reviewer's guideline or none) it has, with its treatment,
subcategory, region and outcome; the rows are counted by all six at once (one sort). A kind's rate
is then the sum of the counted rows that match it, the unnamed parts counting as "any" — the same
items its search counts (tested against ``statistics.select``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from decisions.facets import Entries, FacetIndex, PerIndex
from decisions.models import CitedBy, Outcome
from decisions.search_params import BODY_REGION, CITED_GUIDELINES, INGREDIENTS, OUTCOME, SUBCATEGORY, TREATMENT

Longs = npt.NDArray[np.int64]
ANY = 0  # the drug or guideline code of a row that counts for a kind without one
# Bits of each part of a row's key, from the lowest: outcome (0 other, 1 upheld, 2 overturned),
# guideline, drug, region, subcategory, treatment.
PARTS = ("outcome", "guideline", "drug", "region", "subcategory", "treatment")


@dataclass(frozen=True)
class KindRates:
    parts: dict[str, Longs]  # each counted key's parts
    counts: Longs  # items of each counted key

    def rate(
        self, treatment: int, subcategory: int | None = None, drug: int | None = None, region: int | None = None, guideline: int | None = None
    ) -> tuple[int, int, int]:
        """(items, upheld, overturned) of a kind; None: any subcategory or region, no drug or guideline named."""
        wanted = self.parts["treatment"] == treatment
        wanted &= self.parts["drug"] == (drug if drug is not None else ANY)
        wanted &= self.parts["guideline"] == (guideline if guideline is not None else ANY)
        if subcategory is not None:
            wanted &= self.parts["subcategory"] == subcategory
        if region is not None:
            wanted &= self.parts["region"] == region
        by_outcome = np.bincount(self.parts["outcome"][wanted], weights=self.counts[wanted], minlength=3)
        return int(by_outcome.sum()), int(by_outcome[1]), int(by_outcome[2])


def distinct_pairs(entries: Entries, known: npt.NDArray[np.bool_]) -> tuple[Longs, Longs]:
    """(item, value) of an array column's entries of known items, each pair once."""
    keep = np.flatnonzero(np.take(known, entries.item))
    pairs = np.unique(entries.item[keep].astype(np.int64) << 32 | entries.value[keep].astype(np.int64))
    return pairs >> 32, pairs & 0xFFFFFFFF


def with_each(items: Longs, values: Longs, rows: Longs, row_values: list[Longs]) -> tuple[Longs, list[Longs]]:
    """The rows again once per (item, value) pair of their item, each copy with that value; with
    the rows themselves (value ANY) first."""
    order = np.argsort(rows, kind="stable")
    start = np.searchsorted(rows[order], items, side="left")
    end = np.searchsorted(rows[order], items, side="right")
    copies = end - start
    picked = order[np.repeat(start, copies) + (np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies))]
    return np.concatenate([rows, rows[picked]]), [
        np.concatenate([existing, existing[picked]]) for existing in row_values
    ] + [np.concatenate([np.full(len(rows), ANY, dtype=np.int64), np.repeat(values, copies)])]


def built(index: FacetIndex) -> KindRates:
    known = index.item_known
    items = np.flatnonzero(known).astype(np.int64)
    outcome = index.item[OUTCOME.name].astype(np.int64)
    outcome_class = np.zeros(len(index.vocabularies[OUTCOME.name]) + 1, dtype=np.int64)
    for outcome_value, class_ in ((Outcome.UPHELD, 1), (Outcome.OVERTURNED, 2)):
        if index.code_of(OUTCOME, outcome_value) > 0:  # -1: no item has it
            outcome_class[index.code_of(OUTCOME, outcome_value)] = class_
    drug_items, drugs = distinct_pairs(index.entries[INGREDIENTS.name], known)
    guideline_items, guidelines = distinct_pairs(index.entries[CITED_GUIDELINES[CitedBy.REVIEWER.value].name], known)
    rows, (drug,) = with_each(drug_items, drugs, items, [])
    rows, (drug, guideline) = with_each(guideline_items, guidelines, rows, [drug])
    values = {
        "outcome": outcome_class[outcome[rows]],
        "guideline": guideline,
        "drug": drug,
        "region": index.item[BODY_REGION.name][rows].astype(np.int64),
        "subcategory": index.item[SUBCATEGORY.name][rows].astype(np.int64),
        "treatment": index.item[TREATMENT.name][rows].astype(np.int64),
    }
    widths = [max(int(values[name].max(initial=0)).bit_length(), 1) for name in PARTS]
    assert sum(widths) < 63, "a kind's key does not fit 63 bits"
    key = np.zeros(len(rows), dtype=np.int64)
    shift = 0
    for name, width in zip(PARTS, widths, strict=True):
        key |= values[name] << shift
        shift += width
    counted, counts = np.unique(key, return_counts=True)
    parts, shift = {}, 0
    for name, width in zip(PARTS, widths, strict=True):
        parts[name] = (counted >> shift) & ((1 << width) - 1)
        shift += width
    return KindRates(parts, counts.astype(np.int64))


# The index's counted kinds, built on first use (or by the index thread: ``facets.PREPARED_FOR_EACH_INDEX``).
kind_rates: PerIndex[KindRates] = PerIndex(lambda index: built(index))
