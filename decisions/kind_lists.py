"""The facet index's items as lists by kind, newest letter first: what a letter's similar letters
read (``decisions.similar``) instead of every item of its kinds.

A kind here is a pair of treatment and subcategory codes, as the index holds them. Two sets of lists:

- by kind and body region: the items of each letter of that kind and region;
- by kind, IMR reviewer's guideline and body region: the items that cite that guideline.

Each list holds one item per letter (its first: the lowest position), newest letter (highest
position) first. A page reads the first few dozen entries of a few lists, however large the archive.
The lists are built once per index: in a web process by its index thread as soon as the index is
published (``facets.PREPARED_FOR_EACH_INDEX``), elsewhere by the first page that needs them; kept
while the index is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from decisions.facets import FacetIndex, PerIndex
from decisions.models import CitedBy
from decisions.search_params import BODY_REGION, CITED_GUIDELINES, SUBCATEGORY, TREATMENT

Ints = npt.NDArray[np.int32]
Longs = npt.NDArray[np.int64]
REVIEWER_GUIDELINES = CITED_GUIDELINES[CitedBy.REVIEWER.value]


@dataclass(frozen=True)
class Lists:
    """Lists of item positions in one array: the list of ``keys[i]`` is ``items[starts[i]:starts[i + 1]]``."""

    keys: Longs
    starts: Longs
    items: Ints

    def heads(self, keys: Longs, count: int) -> tuple[Ints, Longs]:
        """The first ``count`` items of the list of each of ``keys`` (none for a key without one),
        and for each item which of ``keys`` its list is (a position in ``keys``)."""
        at = np.searchsorted(self.keys, keys)
        found = at < len(self.keys)
        found[found] = self.keys[at[found]] == keys[found]
        which = np.flatnonzero(found)
        starts = self.starts[at[which]]
        lengths = np.minimum(self.starts[at[which] + 1] - starts, count)
        before = np.cumsum(lengths) - lengths
        rows = np.arange(int(lengths.sum())) + np.repeat(starts - before, lengths)
        return self.items[rows], np.repeat(which, lengths)


def compacted(keys: Longs) -> tuple[Longs, Longs]:
    """The distinct keys, sorted, and each key's position among them (by a table: no sort)."""
    if not len(keys):
        return keys, keys
    if int(keys.max()) > 8 * len(keys) + 4096:  # too sparse for a table
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.astype(np.int64)
    present = np.zeros(int(keys.max()) + 1, dtype=bool)
    present[keys] = True
    return np.flatnonzero(present).astype(np.int64), (np.cumsum(present) - 1)[keys]


def sorted_runs(lists: Longs, newest_first: Longs, items: Ints, n: int, m: int) -> tuple[Longs, Longs]:
    """Rows (list, newest_first, item) sorted: each row's run (list * n + newest_first) and item.
    Packed into one int64 and sorted by value where they fit (a tenth of the time of an argsort)."""
    if int(lists.max(initial=0) + 1) * n * m < 2**63:
        packed = np.sort((lists * n + newest_first) * m + items)
        return packed // m, packed % m
    order = np.lexsort((items, newest_first, lists))
    return lists[order] * n + newest_first[order], items[order].astype(np.int64)


def lists_of(keys: Longs, letters: Ints, items: Ints, n: int, m: int) -> Lists:
    """The lists by key of each letter's first item, newest letter first (rows: key, letter, item)."""
    list_keys, lists = compacted(keys)
    runs, firsts = sorted_runs(lists, n - 1 - letters.astype(np.int64), items, n, m)
    first = np.ones(len(runs), dtype=bool)
    first[1:] = runs[1:] != runs[:-1]
    runs, firsts = runs[first], firsts[first]
    starts = np.searchsorted(runs // n, np.arange(len(list_keys) + 1))
    return Lists(list_keys, starts.astype(np.int64), firsts.astype(np.int32))


@dataclass(frozen=True)
class KindLists:
    treatments: Longs  # each kind's treatment code
    subcategories: Longs  # each kind's subcategory code (0: none)
    regions: int  # how many body region codes (0: none)
    guidelines: int  # how many reviewer guideline codes (0: none)
    by_region: Lists  # key: kind * regions + region
    by_guideline: Lists  # key: (kind * guidelines + guideline) * regions + region

    def kinds(self, subcategory: int | None, treatment: int) -> Longs:
        """The kinds of a subcategory (the items of that subcategory), else of a whole treatment."""
        matching = self.subcategories == subcategory if subcategory is not None else self.treatments == treatment
        return np.flatnonzero(matching).astype(np.int64)

    def region_keys(self, kinds: Longs, regions: Longs) -> Longs:
        return (kinds[:, None] * self.regions + regions[None, :]).ravel()

    def guideline_keys(self, kinds: Longs, guidelines: Longs, regions: Longs) -> Longs:
        kind_guideline = kinds[:, None] * self.guidelines + guidelines[None, :]
        return (kind_guideline[:, :, None] * self.regions + regions[None, None, :]).ravel()


def built(index: FacetIndex) -> KindLists:
    known = np.flatnonzero(index.item_known).astype(np.int32)
    treatment = index.item[TREATMENT.name][known].astype(np.int64)
    subcategory = index.item[SUBCATEGORY.name][known].astype(np.int64)
    width = len(index.vocabularies[SUBCATEGORY.name]) + 1
    pairs, kind = compacted(treatment * width + subcategory)
    regions = len(index.vocabularies[BODY_REGION.name]) + 1
    region = index.item[BODY_REGION.name].astype(np.int64)
    by_region = lists_of(kind * regions + region[known], index.item_letter[known], known, index.n, index.m)
    kind_of_item = np.full(index.m, -1, dtype=np.int64)
    kind_of_item[known] = kind
    entries = index.entries[REVIEWER_GUIDELINES.name]
    cited = kind_of_item[entries.item] >= 0
    items, guideline = entries.item[cited], entries.value[cited].astype(np.int64)
    guidelines = len(index.id_values[REVIEWER_GUIDELINES.name]) + 1
    keys = (kind_of_item[items] * guidelines + guideline) * regions + region[items]
    by_guideline = lists_of(keys, index.item_letter[items], items.astype(np.int32), index.n, index.m)
    return KindLists(pairs // width, pairs % width, regions, guidelines, by_region, by_guideline)


# The index's lists, built on first use (or by the index thread: ``facets.PREPARED_FOR_EACH_INDEX``).
kind_lists: PerIndex[KindLists] = PerIndex(lambda index: built(index))
