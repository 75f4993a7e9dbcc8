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
    """Per candidate letter (index position): the score of its closest item, that item, and why."""

    score: npt.NDArray[np.int64]
    item: npt.NDArray[np.int64]
    reason: dict[int, list[str]]


def item_scores(
    index: FacetIndex, item: DisputedItem, labels: Lookups, kind_label: str
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], list[list[str]]]:
    """The items of ``item``'s kind (positions), each one's score, and the reasons per score part."""
    if item.treatment_subcategory:
        kind = index.item[SUBCATEGORY.name] == index.code_of(
            SUBCATEGORY, f"{item.treatment_category}/{item.treatment_subcategory}"
        )
    else:
        kind = index.item[TREATMENT.name] == index.code_of(TREATMENT, item.treatment_category)
    positions = np.flatnonzero(kind & index.item_known)
    score = np.zeros(len(positions), dtype=np.int64)
    guideline_ids = [citation.guideline_id for citation in item.citations.all() if citation.role == CitedBy.REVIEWER]
    column = CITED_GUIDELINES[CitedBy.REVIEWER.value]
    cited = np.zeros(index.m, dtype=bool)
    for guideline_id in guideline_ids:
        cited |= index.items_holding(index.entries[column.name], index.code_of(column, guideline_id))
    score += GUIDELINE_WEIGHT * cited[positions]
    if item.body_region:
        score += REGION_WEIGHT * (index.item[BODY_REGION.name][positions] == index.code_of(BODY_REGION, item.body_region))
    titles = {citation.guideline_id: citation.guideline.title for citation in item.citations.all()}
    reasons = [
        [f"same kind of request: {kind_label}"],
        [f"same guideline: {', '.join(titles[g] for g in guideline_ids)}"] if guideline_ids else [],
        [f"same body region: {labels['body_regions'].get(item.body_region, item.body_region)}"] if item.body_region else [],
    ]
    return positions, score, reasons


def closest_items(case: Case, index: FacetIndex, labels: Lookups) -> Closest:
    """For every other letter with an item of a kind this letter has, its closest such item."""
    best_score = np.full(index.n, -1, dtype=np.int64)
    best_item = np.full(index.n, -1, dtype=np.int64)
    reasons: dict[int, list[str]] = {}
    own = int(np.searchsorted(index.case_ids, case.pk))
    for item in case.items.all():
        if not item.treatment_category:
            continue
        kind_label = labels["subcategories"].get(f"{item.treatment_category}/{item.treatment_subcategory}") or labels[
            "categories"
        ].get(item.treatment_category, item.treatment_category)
        positions, score, parts = item_scores(index, item, labels, kind_label)
        letters = index.item_letter[positions]
        keep = letters != own
        positions, score, letters = positions[keep], score[keep], letters[keep]
        order = np.argsort(-score, kind="stable")  # the best item of each letter first
        letters, positions, score = letters[order], positions[order], score[order]
        first = np.unique(letters, return_index=True)[1]
        better = score[first] > best_score[letters[first]]
        for position, letter, value in zip(positions[first][better], letters[first][better], score[first][better], strict=True):
            best_score[letter], best_item[letter] = value, position
            reasons[int(letter)] = parts[0] + (parts[1] if value >= GUIDELINE_WEIGHT else []) + (parts[2] if value % 2 else [])
    return Closest(best_score, best_item, reasons)


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
        reasons = closest.reason[int(letter)] + ([f"diagnoses in common: {', '.join(shared)}"] if shared else [])
        entry = SimilarLetter(other.key, other.case_number or other.key, other.decision_date, item.request, item.outcome, reasons)
        similar.append((int(closest.score[letter]), len(shared), entry))
    similar.sort(key=lambda row: (-row[0], -row[1]))  # stable: newest first among equals
    return [entry for _, _, entry in similar[:SHOWN]]
