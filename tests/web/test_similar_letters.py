"""A letter's similar letters: the same letters, in the same order, with the same reasons, as a
plain reading of every letter of the archive finds (the page reads a few lists of the index)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import pytest

from decisions import similar
from decisions.facets import current_index
from decisions.models import Case, CitedBy, DisputedItem
from decisions.search_params import ITEM_ID
from decisions.selectors import Lookups, case_for_detail, lookups
from decisions.similar import CANDIDATES, SHOWN, diagnosis_words, similar_letters
from decisions.statistics import kind_label
from tests.web.factories import Item, make_case

KINDS = [("medication", "opioid"), ("medication", "nsaid"), ("medication", ""), ("acupuncture", "acupuncture"), ("imaging", "")]
REGIONS = ["lumbar-spine", "knee", ""]
GUIDELINES = ["mtus-chronic-pain", "odg-low-back", "odg-pain", "uptodate"]
DIAGNOSES = ["Lumbar radiculopathy", "Knee sprain", "Cervical strain", "Lumbar strain", "Myofascial pain", "Knee tendinitis"]


def random_item(rng: random.Random) -> Item:
    category, subcategory = rng.choice(KINDS)
    return Item(
        f"Request {rng.randrange(1000)}",
        rng.choice(["upheld", "overturned"]),
        category,
        subcategory,
        reviewer=rng.sample(GUIDELINES, rng.choice([0, 1, 1, 2])),
        body_region=rng.choice(REGIONS),
    )


def random_archive(letters: int, seed: int) -> list[Case]:
    """Letters of one to three items of a few kinds (some without a kind), guidelines and regions:
    many more letters of each kind than the candidates compared."""
    rng = random.Random(seed)
    made = []
    for _ in range(letters):
        items = [random_item(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
        if rng.random() < 0.1:
            items.append(Item("Follow-up visit", "upheld"))
        made.append(make_case(items, diagnoses=tuple(rng.sample(DIAGNOSES, rng.choice([1, 2])))))
    return made


def reviewer_guidelines(item: DisputedItem) -> set[int]:
    return {citation.guideline_id for citation in item.citations.all() if citation.role == CitedBy.REVIEWER}


def same_kind(mine: DisputedItem, theirs: DisputedItem) -> bool:
    if mine.treatment_subcategory:
        return (theirs.treatment_category, theirs.treatment_subcategory) == (mine.treatment_category, mine.treatment_subcategory)
    return theirs.treatment_category == mine.treatment_category


def score(mine: DisputedItem, theirs: DisputedItem) -> int:
    guideline = bool(reviewer_guidelines(mine) & reviewer_guidelines(theirs))
    return 2 * guideline + (mine.body_region != "" and mine.body_region == theirs.body_region)


def reasons(mine: DisputedItem, points: int, labels: Lookups) -> list[str]:
    titles = [citation.guideline.title for citation in mine.citations.all() if citation.role == CitedBy.REVIEWER]
    return [
        f"same kind of request: {kind_label(mine, labels)}",
        *([f"same guideline: {', '.join(titles)}"] if points >= 2 else []),
        *([f"same body region: {labels['body_regions'][mine.body_region]}"] if points % 2 else []),
    ]


@dataclass
class Archive:
    """Every letter with its items and citations, and each item's place in the facet index."""

    letters: list[Case]
    position: dict[int, int]

    @classmethod
    def read(cls) -> Archive:
        letters = list(Case.objects.prefetch_related("items__citations__guideline"))
        return cls(letters, {int(item_id): place for place, item_id in enumerate(current_index().item[ITEM_ID.name])})


def closest_by_reading(
    case: Case, archive: Archive, labels: Lookups, count: int
) -> list[tuple[int, int, DisputedItem, list[str]]]:
    """Every other letter's closest item (the best score; then the first of this letter's items it
    is like, then its place in the index), as (score, letter id, item, reasons): the best ``count``,
    newest first among equals."""
    mine = [item for item in case.items.all() if item.treatment_category]
    closest: dict[int, tuple[tuple[int, int, int], DisputedItem, DisputedItem]] = {}
    for other in (letter for letter in archive.letters if letter.pk != case.pk):
        for number, own in enumerate(mine):
            for theirs in other.items.all():
                rank = (-score(own, theirs), number, archive.position[theirs.pk])
                if same_kind(own, theirs) and (other.pk not in closest or rank < closest[other.pk][0]):
                    closest[other.pk] = (rank, own, theirs)
    best = sorted(closest, key=lambda pk: (closest[pk][0][0], -pk))[:count]
    return [(-closest[pk][0][0], pk, closest[pk][2], reasons(closest[pk][1], -closest[pk][0][0], labels)) for pk in best]


def shown_by_reading(case: Case, archive: Archive, labels: Lookups) -> list[tuple[str, str, list[str]]]:
    """The closest 50, by score then diagnosis words in common (newest first among equals): the first ten."""
    best = closest_by_reading(case, archive, labels, CANDIDATES)
    letters = {letter.pk: letter for letter in archive.letters}
    rows = []
    for points, pk, item, why in best:
        shared = sorted(diagnosis_words(case.diagnoses) & diagnosis_words(letters[pk].diagnoses))
        why = why + ([f"diagnoses in common: {', '.join(shared)}"] if shared else [])
        rows.append((-points, -len(shared), (letters[pk].key, item.request, why)))
    rows.sort(key=lambda row: row[:2])
    return [row[2] for row in rows[:SHOWN]]


@pytest.fixture
def archive(db) -> Archive:
    random_archive(160, seed=11)
    return Archive.read()


def test_similar_letters_are_those_a_reading_of_every_letter_finds_in_the_same_order_with_the_same_reasons(archive) -> None:
    index = current_index()
    labels = lookups(index)
    compared = 0
    for letter in archive.letters[::4]:
        case = case_for_detail(letter.key)
        shown = [(other.key, other.request, other.reasons) for other in similar_letters(case, index, labels)]
        assert shown == shown_by_reading(case, archive, labels), letter.key
        compared += len(shown)
    assert compared > 30 * SHOWN  # most letters have a full list to compare


@pytest.mark.parametrize("count", [3, 12, CANDIDATES])
def test_the_closest_letters_compared_are_the_best_scored_newest_first_however_few_are_wanted(
    archive, count, monkeypatch
) -> None:
    """Few wanted: the lists are read only a little way, past the letters found at better scores."""
    monkeypatch.setattr(similar, "CANDIDATES", count)
    index = current_index()
    labels = lookups(index)
    for letter in archive.letters[1::3]:
        case = case_for_detail(letter.key)
        closest = similar.closest_letters(case, index, labels)
        found = [
            (int(closest.score[rank]), int(index.case_ids[letter]), int(index.item[ITEM_ID.name][item]), closest.why(rank))
            for rank, (letter, item) in enumerate(zip(closest.letter, closest.item, strict=True))
        ]
        expected = [(points, pk, item.pk, why) for points, pk, item, why in closest_by_reading(case, archive, labels, count)]
        assert found == expected, letter.key


def test_an_old_letter_on_the_same_guideline_and_region_comes_before_many_newer_ones_of_the_kind_only(db) -> None:
    def opioid(guideline: str, region: str) -> Item:
        return Item("Norco", "upheld", "medication", "opioid", reviewer=[guideline], body_region=region)

    oldest = make_case([opioid("odg-pain", "knee")], decided=date(2014, 1, 1), diagnoses=("Cervical strain",))
    for _ in range(CANDIDATES + 10):
        make_case([opioid("mtus-chronic-pain", "lumbar-spine")])
    case = make_case([opioid("odg-pain", "knee")], diagnoses=("Knee sprain",))
    index = current_index()
    shown = similar_letters(case_for_detail(case.key), index, lookups(index))
    assert [other.key for other in shown][:1] == [oldest.key]
    assert shown[0].reasons == [
        "same kind of request: Opioids",
        "same guideline: Official Disability Guidelines (ODG) Pain",
        "same body region: Knee",
    ]
    assert len(shown) == SHOWN and all(other.reasons == ["same kind of request: Opioids"] for other in shown[1:])
