"""Letters similar to one letter, each with the reasons it is similar (a letter's page).

A letter is a candidate when one of its items is of the same kind as one of this letter's (the same
treatment subcategory, or category where there is none). Candidates are ranked by what their
closest item shares with it — the IMR reviewer's guideline and the body region — then by the
diagnosis words the two letters have in common, then newest first. The kinds, guidelines and regions
are read from the facet index's lists by kind (``decisions.kind_lists``): the newest few dozen
letters of each score, best first, until fifty are found, however large the archive; only those
candidates are read from PostgreSQL (one query), for their diagnoses and the requests shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from decisions.facets import FacetIndex
from decisions.kind_lists import REVIEWER_GUIDELINES, Ints, KindLists, Longs, kind_lists
from decisions.models import Case, CitedBy, DisputedItem
from decisions.search_params import BODY_REGION, ITEM_ID, SUBCATEGORY, TREATMENT
from decisions.selectors import Lookups
from decisions.statistics import kind_label

SHOWN = 10
CANDIDATES = 50  # read from PostgreSQL to compare diagnoses
GUIDELINE_WEIGHT, REGION_WEIGHT = 2, 1
COMMON_WORDS = frozenset(
    [
        "with",
        "without",
        "other",
        "and",
        "the",
        "for",
        "from",
        "right",
        "left",
        "bilateral",
        "unspecified",
        "chronic",
        "pain",
        "status",
        "post",
        "documented",
        "noted",
        "none",
        "provided",
    ]
)


@dataclass
class SimilarLetter:
    key: str
    case_number: str
    decided: object
    request: str
    outcome: str
    reasons: list[str] = field(default_factory=list)


def diagnosis_words(diagnoses: list[str]) -> set[str]:
    words = {word for diagnosis in diagnoses for word in re.findall(r"[a-z]{4,}", diagnosis.lower())}
    return words - COMMON_WORDS


@dataclass
class Like:
    """One of this letter's items as other letters' items are scored against it: its kinds (see
    ``decisions.kind_lists``), the codes of its reviewer's guidelines, its body region's code (-1:
    none), and the reasons each part of a score gives."""

    kinds: Longs
    guidelines: Longs
    region: int
    reasons: list[list[str]]  # its kind, guideline and region reasons

    def keys(self, lists: KindLists, score: int) -> tuple[Longs, Longs]:
        """The keys of the lists (by guideline, by region) holding every item scored ``score`` against
        this one: citing one of its guidelines, in its region (3) or any (2); of its kind, in its
        region (1) or any (0) (a guideline counts 2, a region 1). They hold better scored items too,
        whose letters are found already."""
        every, none = np.arange(lists.regions, dtype=np.int64), np.zeros(0, dtype=np.int64)
        region = np.array([self.region] if self.region > 0 else [], dtype=np.int64)
        cited, plain = {3: (region, none), 2: (every, none), 1: (none, region), 0: (none, every)}[score]
        return lists.guideline_keys(self.kinds, self.guidelines, cited), lists.region_keys(self.kinds, plain)


def like_of(index: FacetIndex, lists: KindLists, item: DisputedItem, labels: Lookups) -> Like:
    if item.treatment_subcategory:
        kinds = lists.kinds(index.code_of(SUBCATEGORY, f"{item.treatment_category}/{item.treatment_subcategory}"), -1)
    else:
        kinds = lists.kinds(None, index.code_of(TREATMENT, item.treatment_category))
    cited_ids = [citation.guideline_id for citation in item.citations.all() if citation.role == CitedBy.REVIEWER]
    codes = np.unique([index.code_of(REVIEWER_GUIDELINES, guideline_id) for guideline_id in cited_ids]).astype(np.int64)
    region = index.code_of(BODY_REGION, item.body_region) if item.body_region else -1
    titles = {citation.guideline_id: citation.guideline.title for citation in item.citations.all()}
    reasons = [
        [f"same kind of request: {kind_label(item, labels)}"],
        [f"same guideline: {', '.join(titles[g] for g in cited_ids)}"] if cited_ids else [],
        [f"same body region: {labels['body_regions'].get(item.body_region, item.body_region)}"] if item.body_region else [],
    ]
    return Like(kinds, codes[codes > 0], region, reasons)


@dataclass
class Closest:
    """The letters closest to this one, closest first (at most ``CANDIDATES``): each one's position in
    the index, the score of its closest item, that item's position, and which of ``likes`` it is like."""

    likes: list[Like]
    letter: Longs = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    score: Longs = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    item: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    like: Longs = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, score: int, letter: Longs, item: Ints, like: Longs) -> None:
        self.letter, self.item, self.like = np.append(self.letter, letter), np.append(self.item, item), np.append(self.like, like)
        self.score = np.append(self.score, np.full(len(letter), score, dtype=np.int64))

    def why(self, rank: int) -> list[str]:
        kind, guideline, region = self.likes[int(self.like[rank])].reasons
        score = int(self.score[rank])
        return kind + (guideline if score >= GUIDELINE_WEIGHT else []) + (region if score % 2 else [])


def scored_items(lists: KindLists, likes: list[Like], score: int, count: int) -> tuple[Ints, Longs]:
    """The items scored ``score`` or more against one of ``likes`` (of the first ``count`` letters of
    each list that holds such items), and which of ``likes`` each is scored against."""
    items, like = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int64)]
    for number, one in enumerate(likes):
        cited, plain = one.keys(lists, score)
        for found, _ in (lists.by_guideline.heads(cited, count), lists.by_region.heads(plain, count)):
            items.append(found)
            like.append(np.full(len(found), number, dtype=np.int64))
    return np.concatenate(items), np.concatenate(like)


def newest_letters(index: FacetIndex, items: Ints, like: Longs, left_out: Longs, count: int) -> tuple[Longs, Ints, Longs]:
    """The ``count`` newest letters of ``items`` not in ``left_out``, each with its first item
    (the first of ``likes`` it is like, then the lowest position)."""
    letters = index.item_letter[items].astype(np.int64)
    keep = ~np.isin(letters, left_out)
    letters, items, like = letters[keep], items[keep], like[keep]
    order = np.lexsort((items, like, -letters))
    letters, items, like = letters[order], items[order], like[order]
    first = np.ones(len(letters), dtype=bool)
    first[1:] = letters[1:] != letters[:-1]
    return letters[first][:count], items[first][:count], like[first][:count]


def closest_letters(case: Case, index: FacetIndex, labels: Lookups) -> Closest:
    """The closest letters, by score then newest first: each score's newest letters, best score first.

    A lower score is read only once every letter of the better ones is found (fewer were than were
    wanted), so its lists' letters found already are left out, with this one. Each list is read up to
    as many letters as are still wanted plus those left out: the newest letters wanted of all the
    lists together are among those read."""
    lists = kind_lists(index)
    closest = Closest([like_of(index, lists, item, labels) for item in case.items.all() if item.treatment_category])
    own = int(np.searchsorted(index.case_ids, index.case_ids.dtype.type(case.pk)))  # a Python int would copy the ids
    for score in range(GUIDELINE_WEIGHT + REGION_WEIGHT, -1, -1):
        wanted = CANDIDATES - len(closest.letter)
        if wanted <= 0:
            break
        left_out = np.append(closest.letter, own)
        items, like = scored_items(lists, closest.likes, score, wanted + len(left_out))
        closest.add(score, *newest_letters(index, items, like, left_out, wanted))
    return closest


class Candidate(NamedTuple):
    """A close letter's item and the letter, as the page shows them (read in one query)."""

    case_id: int
    request: str
    outcome: str
    key: str
    case_number: str | None
    decided: object
    diagnoses: list[str]


def read_candidates(item_ids: list[int]) -> dict[int, Candidate]:
    """The items of these ids with their letters (an item deleted since the index was read is missing)."""
    fields = ("case_id", "request", "outcome", "case__key", "case__case_number", "case__decision_date", "case__diagnoses")
    rows = DisputedItem.objects.filter(id__in=item_ids).order_by().values_list("id", *fields)
    return {row[0]: Candidate(*row[1:]) for row in rows}


def similar_letters(case: Case, index: FacetIndex, labels: Lookups) -> list[SimilarLetter]:
    """Up to ten letters like this one, closest first, each with why (see the module's docstring)."""
    closest = closest_letters(case, index, labels)
    ids = [int(case_id) for case_id in index.case_ids[closest.letter]]
    item_ids = [int(item_id) for item_id in index.item[ITEM_ID.name][closest.item]]
    found = read_candidates(item_ids) if item_ids else {}
    own_words = diagnosis_words(case.diagnoses)
    similar = []
    for rank, (case_id, item_id) in enumerate(zip(ids, item_ids, strict=True)):
        other = found.get(item_id)
        if other is None or other.case_id != case_id:  # deleted since the index was read
            continue
        shared = sorted(own_words & diagnosis_words(other.diagnoses))
        reasons = closest.why(rank) + ([f"diagnoses in common: {', '.join(shared)}"] if shared else [])
        entry = SimilarLetter(other.key, other.case_number or other.key, other.decided, other.request, other.outcome, reasons)
        similar.append((int(closest.score[rank]), len(shared), entry))
    similar.sort(key=lambda row: (-row[0], -row[1]))  # stable: newest first among equals
    return [entry for _, _, entry in similar[:SHOWN]]
