"""Letters similar to one letter, each with the reasons it is similar (a letter's page).

A letter is a candidate when one of its items is of the same kind as one of this letter's (the same
treatment subcategory, or category where there is none). Candidates are ranked by what their
closest item shares with it — the IMR reviewer's guideline and the body region — then by the
diagnosis words the two letters have in common, then newest first. The kinds, guidelines and regions
are read from the facet index (numpy over the items of those kinds); only the closest few dozen
candidates are read from PostgreSQL, for their diagnoses and the requests shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from decisions.facets import FacetIndex
from decisions.models import Case, CitedBy, DisputedItem
from decisions.search_params import BODY_REGION, CITED_GUIDELINES, ITEM_ID, SUBCATEGORY, TREATMENT
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
class Closest:
    """Per letter of the index: the score of its closest item (-1: none of a kind this letter has),
    that item's position, and which of this letter's items it is like (an index into ``reasons``)."""

    score: npt.NDArray[np.int64]
    item: npt.NDArray[np.int64]
    like: npt.NDArray[np.int64]
    reasons: list[list[list[str]]]  # per item of this letter: its kind, guideline and region reasons

    def why(self, letter: int) -> list[str]:
        kind, guideline, region = self.reasons[int(self.like[letter])]
        score = int(self.score[letter])
        return kind + (guideline if score >= GUIDELINE_WEIGHT else []) + (region if score % 2 else [])


def item_scores(
    index: FacetIndex, item: DisputedItem, labels: Lookups
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], list[list[str]]]:
    """The items of ``item``'s kind (positions), each one's score, and the reasons of each score part."""
    if item.treatment_subcategory:
        kind = index.item[SUBCATEGORY.name] == index.code_of(
            SUBCATEGORY, f"{item.treatment_category}/{item.treatment_subcategory}"
        )
    else:
        kind = index.item[TREATMENT.name] == index.code_of(TREATMENT, item.treatment_category)
    positions = np.flatnonzero(kind & index.item_known)
    score = np.zeros(len(positions), dtype=np.int64)
    cited_ids = [citation.guideline_id for citation in item.citations.all() if citation.role == CitedBy.REVIEWER]
    if cited_ids:
        column = CITED_GUIDELINES[CitedBy.REVIEWER.value]
        entries = index.entries[column.name]
        codes = [index.code_of(column, guideline_id) for guideline_id in cited_ids]
        cited = np.zeros(index.m, dtype=bool)
        cited[entries.item[np.isin(entries.value, codes)]] = True
        score += GUIDELINE_WEIGHT * cited[positions]
    if item.body_region:
        score += REGION_WEIGHT * (index.item[BODY_REGION.name][positions] == index.code_of(BODY_REGION, item.body_region))
    titles = {citation.guideline_id: citation.guideline.title for citation in item.citations.all()}
    reasons = [
        [f"same kind of request: {kind_label(item, labels)}"],
        [f"same guideline: {', '.join(titles[g] for g in cited_ids)}"] if cited_ids else [],
        [f"same body region: {labels['body_regions'].get(item.body_region, item.body_region)}"] if item.body_region else [],
    ]
    return positions, score, reasons


def closest_items(case: Case, index: FacetIndex, labels: Lookups) -> Closest:
    """For every other letter with an item of a kind this letter has, its closest such item
    (numpy over the items of those kinds: no step per letter)."""
    closest = Closest(
        np.full(index.n, -1, dtype=np.int64), np.full(index.n, -1, dtype=np.int64), np.zeros(index.n, dtype=np.int64), []
    )
    own = int(np.searchsorted(index.case_ids, case.pk))
    for item in case.items.all():
        if not item.treatment_category:
            continue
        positions, score, reasons = item_scores(index, item, labels)
        closest.reasons.append(reasons)
        letters = index.item_letter[positions]
        keep = letters != own
        letters, positions, score = letters[keep], positions[keep], score[keep]
        order = np.lexsort((-score, letters))  # by letter, each letter's best item first
        letters, positions, score = letters[order], positions[order], score[order]
        first = np.concatenate(([True], letters[1:] != letters[:-1])) if len(letters) else np.zeros(0, dtype=bool)
        letters, positions, score = letters[first], positions[first], score[first]
        better = score > closest.score[letters]
        chosen = letters[better]
        closest.score[chosen], closest.item[chosen], closest.like[chosen] = (
            score[better],
            positions[better],
            len(closest.reasons) - 1,
        )
    return closest


def similar_letters(case: Case, index: FacetIndex, labels: Lookups) -> list[SimilarLetter]:
    """Up to ten letters like this one, closest first, each with why (see the module's docstring)."""
    closest = closest_items(case, index, labels)
    found = np.flatnonzero(closest.score >= 0)
    if not len(found):
        return []
    ranked = found[np.lexsort((-index.case_ids[found], -closest.score[found]))][:CANDIDATES]
    ids = [int(index.case_ids[letter]) for letter in ranked]
    letters = Case.objects.only("id", "key", "case_number", "decision_date", "diagnoses").in_bulk(ids)
    item_ids = [int(index.item[ITEM_ID.name][closest.item[letter]]) for letter in ranked]
    items = DisputedItem.objects.only("id", "request", "outcome").in_bulk(item_ids)
    own_words = diagnosis_words(case.diagnoses)
    similar = []
    for letter, case_id, item_id in zip(ranked, ids, item_ids, strict=True):
        other, item = letters.get(case_id), items.get(item_id)
        if other is None or item is None:  # deleted since the index was read
            continue
        shared = sorted(own_words & diagnosis_words(other.diagnoses))
        reasons = closest.why(letter) + ([f"diagnoses in common: {', '.join(shared)}"] if shared else [])
        entry = SimilarLetter(other.key, other.case_number or other.key, other.decision_date, item.request, item.outcome, reasons)
        similar.append((int(closest.score[letter]), len(shared), entry))
    similar.sort(key=lambda row: (-row[0], -row[1]))  # stable: newest first among equals
    return [entry for _, _, entry in similar[:SHOWN]]
