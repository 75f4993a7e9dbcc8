"""The in-memory facet index (decisions.facets) against the SQL definition of every filter.

Expected counts are computed the slow, obvious way: for each facet value, the search with that
value clicked is run through the FilterSet and the ORM, and its letters are counted.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from django.db import connection

from decisions import facets
from decisions.filters import active_params, cleaned_params, filter_cases
from decisions.models import Case, DisputedItem, Guideline, Reviewer
from decisions.search_params import ITEM_PARAMS
from decisions.selectors import facet_params, matching_items
from tests.web.factories import GUIDELINES, Item, make_case

pytestmark = pytest.mark.django_db

TREATMENTS = [
    ("medication", "opioid"),
    ("medication", "nsaid"),
    ("medication", ""),
    ("physical-therapy", "aquatic"),
    ("imaging", "mri"),
    ("acupuncture", "acupuncture"),
    ("", ""),
]
SPECIALTIES = [("Orthopaedic Surgery",), ("Chiropractic",), ("Anesthesiology", "Pain Medicine"), ()]
STATES = [("CA",), ("CA", "NV"), ("AZ",), ()]
WORDS = ["gabapentin", "acupuncture", "therapy", "knee", "back"]


def random_item(rng: random.Random) -> Item:
    category, subcategory = rng.choice(TREATMENTS)
    return Item(
        f"{rng.choice(WORDS)} request",
        rng.choice(["upheld", "overturned"]),
        category,
        subcategory,
        f"{rng.choice(WORDS)} rationale",
        reviewer=rng.sample(list(GUIDELINES), rng.randint(0, 3)),
        claims_administrator=rng.sample(list(GUIDELINES), rng.randint(0, 2)),
        ingredients=rng.choice([[], [], ["hydrocodone", "acetaminophen"], ["gabapentin"], ["cyclobenzaprine"]]),
        body_region=rng.choice(["", "lumbar-spine", "knee", "shoulder"]),
        quantity=rng.choice([None, 6, 12, 24]),
    )


@pytest.fixture
def random_archive() -> list[Case]:
    rng = random.Random(20240611)
    cases = []
    for _ in range(36):
        decided = date(2014, 1, 1) + timedelta(days=rng.randint(0, 4 * 365)) if rng.random() > 0.1 else None
        cases.append(
            make_case(
                [random_item(rng) for _ in range(rng.randint(0, 4))],
                decided=decided,
                injured=date(2012, 1, 1) + timedelta(days=rng.randint(0, 900)) if rng.random() > 0.2 else None,
                specialties=rng.choice(SPECIALTIES),
                states=rng.choice(STATES),
                age=rng.choice([None, 25, 38, 44, 51, 67]),
                sex=rng.choice(["", "male", "female"]),
                summary=f"The worker reports {rng.choice(WORDS)} pain.",
            )
        )
    return cases


def possible_values(name: str) -> set[str]:
    """Every value a facet could show on the random archive (zero counts are left out of both sides)."""
    if name == "outcome":
        return {"upheld", "overturned"}
    if name == "treatment":
        return {category for category, _ in TREATMENTS if category}
    if name == "subcategory":
        return {f"{category}/{subcategory}" for category, subcategory in TREATMENTS if subcategory}
    if name == "guideline":
        return set(GUIDELINES)
    if name == "source":
        return {"MTUS", "ODG", "other"}
    if name == "specialty":
        return {"orthopaedic-surgery", "chiropractic", "anesthesiology", "pain-medicine"}
    if name == "state":
        return {"CA", "NV", "AZ"}
    if name == "sex":
        return {"male", "female"}
    if name == "drug":
        return {"hydrocodone", "acetaminophen", "gabapentin", "cyclobenzaprine"}
    if name == "body_region":
        return {"lumbar-spine", "knee", "shoulder"}
    return {str(year) for year in range(2013, 2019)}


def clicked(params: dict[str, str], name: str, value: str) -> dict[str, str]:
    own = facets.FACETS_BY_NAME[name].own_params
    return {**{key: val for key, val in params.items() if key not in own}, **facet_params(name, value)}


def expected_counts(params: dict[str, str]) -> tuple[int, int, dict[str, Counter[str]]]:
    cleaned, errors = cleaned_params(params)
    assert not errors, errors
    letters = filter_cases(Case.objects.all(), cleaned)
    if any(name in (*ITEM_PARAMS, "q") for name in active_params(cleaned)):  # with words: the items holding them
        items = matching_items(cleaned).count()
    else:
        items = sum(letters.values_list("item_count", flat=True))
    by_facet: dict[str, Counter[str]] = {}
    for spec in facets.FACETS:
        counter: Counter[str] = Counter()
        for value in possible_values(spec.name):
            if spec.name == "subcategory" and params.get("treatment") and not value.startswith(params["treatment"] + "/"):
                continue  # the treatment filter stays: only its own subcategories are offered
            click, click_errors = cleaned_params(clicked(params, spec.name, value))
            assert not click_errors, click_errors
            count = filter_cases(Case.objects.all(), click).count()
            if count:
                counter[value] = count
        by_facet[spec.name] = counter
    return letters.count(), items, by_facet


def counted(params: dict[str, str]) -> tuple[int, int, dict[str, Counter[str]]]:
    cleaned, errors = cleaned_params(params)
    assert not errors, errors
    counts = facets.search_counts(cleaned)
    slugs = dict(Guideline.objects.values_list("id", "slug"))
    by_facet = {**counts.facets, "guideline": Counter({slugs[int(k)]: v for k, v in counts.facets["guideline"].items()})}
    return counts.letters, counts.items, by_facet


PARAMETER_POOL: list[dict[str, Any]] = [
    {"outcome": ["upheld", "overturned"]},
    {"treatment": ["medication", "imaging"]},
    {"treatment": ["medication"], "subcategory": ["opioid", "nsaid"]},
    {"guideline": ["odg-low-back", "mtus-chronic-pain", "uptodate"]},
    {"source": ["MTUS", "ODG", "other"]},
    {"cited_by": ["claims_administrator"]},
    {"specialty": ["chiropractic", "pain-medicine"]},
    {"state": ["CA", "AZ"]},
    {"sex": ["male", "female"]},
    {"age_min": ["30", "45"], "age_max": ["50", "70"]},
    {"decided_from": ["2015-01-01"], "decided_to": ["2016-12-31"]},
    {"injured_from": ["2012-06-01"], "injured_to": ["2013-06-01"]},
    {"q": ["knee", "gabapentin OR acupuncture", "therapy -back", "norco", "hydrocod*", "MRI"]},
    {"drug": ["hydrocodone", "gabapentin"]},
    {"request": ["knee", "therapy OR back"]},
    {"body_region": ["lumbar-spine", "knee"]},
    {"quantity_min": ["7"], "quantity_max": ["20"]},
]


def random_searches(count: int) -> list[dict[str, str]]:
    rng = random.Random(7)
    searches: list[dict[str, str]] = [{}]
    while len(searches) < count:
        params: dict[str, str] = {}
        for group in rng.sample(PARAMETER_POOL, rng.randint(1, 4)):
            for name, choices in group.items():
                if rng.random() < 0.8:
                    params[name] = rng.choice(choices)
        if params.get("subcategory"):
            params["treatment"] = "medication"  # the subcategories of the pool are medication's
        searches.append(params)
    return searches


@pytest.mark.parametrize(
    "params", random_searches(40), ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()) or "all"
)
def test_the_index_counts_exactly_what_the_filters_find(random_archive, params):
    letters, items, by_facet = counted(params)
    expected_letters, expected_items, expected_by_facet = expected_counts(params)
    assert (letters, items) == (expected_letters, expected_items)
    for name, counter in expected_by_facet.items():
        assert by_facet[name] == counter, name


def test_a_new_letter_is_counted_by_the_next_search(archive):
    before = counted({})
    make_case([Item("MRI", "overturned", "imaging", "mri", reviewer=["uptodate"])], sex="female")
    after = counted({})
    assert after[0] == before[0] + 1
    assert after[2]["source"]["other"] == before[2]["source"]["other"] + 1


def test_a_deleted_letter_is_no_longer_counted(archive):
    before = counted({"outcome": "overturned"})
    Case.objects.filter(key="CM16-0000005").delete()
    after = counted({"outcome": "overturned"})
    assert after[0] == before[0] - 1
    assert after[2]["source"]["other"] == before[2]["source"]["other"] - 1


def test_items_rewritten_in_place_are_counted_as_they_are_now(archive):
    assert counted({"outcome": "upheld"})[0] == 5
    DisputedItem.objects.update(outcome="overturned")
    assert counted({"outcome": "upheld"})[0] == 0


def index_state(index: facets.FacetIndex) -> dict[str, Any]:
    """Everything an index holds, comparable. Items (and their array entries) may be held in any
    order, so they are compared as a sorted list of what each says, letters by case id."""
    state: dict[str, Any] = {
        "vocabularies": index.vocabularies,
        "lookups": index.lookups,
        "id_values": {name: values.tolist() for name, values in index.id_values.items()},
        "case_ids": index.case_ids.tolist(),
        "reviewers": (np.append(index.reviewer_ids, 0)[index.reviewer]).tolist(),
        "reviewer_matrix": {name: matrix.tolist() for name, matrix in index.reviewer_matrix.items()},
        "item_count": index.item_count.tolist(),
        "letter": {name: values.tolist() for name, values in index.letter.items()},
    }
    held: dict[int, list[tuple[str, int]]] = {item: [] for item in range(index.m)}
    for name, entries in index.entries.items():
        for item, value in zip(entries.item.tolist(), entries.value.tolist(), strict=True):
            held[item].append((name, value))
    state["items"] = sorted(
        (
            int(index.case_ids[index.item_letter[item]]),
            bool(index.item_known[item]),
            tuple(int(values[item]) for values in index.item.values()),
            sorted(held[item]),
        )
        for item in range(index.m)
    )
    return state


def add_random_letters(count: int, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        make_case(
            [random_item(rng) for _ in range(rng.randint(1, 3))],
            sex=rng.choice(["male", "female"]),
            decided=date(2015, 1, 1) + timedelta(days=rng.randint(0, 900)),
            specialties=rng.choice(SPECIALTIES[:3]),
            states=rng.choice(STATES[:3]),
        )


def test_letters_added_since_are_read_alone_and_the_index_equals_a_whole_read(random_archive, monkeypatch):
    before = facets.build_index()
    add_random_letters(9, seed=5)
    whole_reads = []
    monkeypatch.setattr(facets, "FacetIndex", spy_on_whole_reads(whole_reads))
    version, grown = facets.build_index(before)
    assert whole_reads == [False]  # one read, of the new letters only
    assert version == facets.archive_version()
    assert index_state(grown) == index_state(facets.FacetIndex())
    for params in random_searches(40):
        cleaned, _ = cleaned_params(params)
        assert comparable(grown.count(cleaned)) == comparable(facets.FacetIndex().count(cleaned)), params


def comparable(counts: facets.SearchCounts) -> tuple[Any, ...]:
    ranked = None if counts.ordered_ids is None else counts.ordered_ids.tolist()
    return counts.letters, counts.items, counts.facets, ranked


def spy_on_whole_reads(reads: list[bool]) -> type[facets.FacetIndex]:
    class Spy(facets.FacetIndex):
        def __init__(self, only=None) -> None:  # type: ignore[no-untyped-def]
            reads.append(only is None)
            super().__init__(only)

    return Spy


@pytest.mark.parametrize(
    "change",
    [
        lambda: Case.objects.filter(pk=Case.objects.order_by("id").values("pk")[:1]).delete(),
        lambda: DisputedItem.objects.filter(pk=DisputedItem.objects.order_by("id").values("pk")[:1]).update(outcome="upheld"),
        lambda: Case.objects.filter(pk=Case.objects.order_by("id").values("pk")[:1]).update(patient_sex="female"),
        lambda: make_case([Item("Spinal cord stimulator trial", "withdrawn", "injection", "stimulator")]),
    ],
    ids=["letter-deleted", "item-updated", "letter-updated", "new-outcome-value"],
)
def test_anything_but_added_letters_with_known_values_reads_the_whole_archive(random_archive, monkeypatch, change):
    before = facets.build_index()
    add_random_letters(2, seed=6)
    change()
    whole_reads: list[bool] = []
    monkeypatch.setattr(facets, "FacetIndex", spy_on_whole_reads(whole_reads))
    version, index = facets.build_index(before)
    assert whole_reads[-1] is True
    assert index_state(index) == index_state(facets.FacetIndex())


def test_a_letter_changed_in_place_means_a_whole_read(random_archive, monkeypatch):
    previous = facets.build_index()
    letter = random_archive[0]
    letter.patient_sex = "female" if letter.patient_sex == "male" else "male"
    letter.save()  # as a reparse or an admin edit writes
    whole_reads: list[bool] = []
    monkeypatch.setattr(facets, "FacetIndex", spy_on_whole_reads(whole_reads))
    grown = facets.build_index(previous)[1]
    assert whole_reads == [True]
    assert index_state(grown) == index_state(facets.FacetIndex())


def test_inserts_that_left_no_letter_keep_the_same_index(random_archive):
    version, index = facets.build_index()
    Reviewer.objects.create(credentials_key="new", specialties=["Neurology"], licensed_states=["OR"])
    assert facets.archive_version() != version
    assert facets.build_index((version, index))[1] is index


def test_the_index_is_built_once_per_archive_version(archive):
    first = facets.current_index()
    assert facets.current_index() is first
    make_case([Item("MRI", "upheld", "imaging", "mri")])
    assert facets.current_index() is not first


def test_threads_asking_at_once_build_the_index_once(monkeypatch):
    built: list[object] = []

    def slow_build(previous: object = None) -> tuple[tuple[int], object]:
        time.sleep(0.05)  # long enough for every thread to arrive while the first one builds
        built.append(object())
        return (1,), built[-1]

    monkeypatch.setattr(facets, "_current", None)
    monkeypatch.setattr(facets, "archive_version", lambda: (1,))
    monkeypatch.setattr(facets, "build_index", slow_build)
    with ThreadPoolExecutor(max_workers=4) as pool:
        indexes = list(pool.map(lambda _: facets.current_index(), range(8)))
    assert len(built) == 1
    assert all(index is built[0] for index in indexes)


def test_columns_are_read_back_exactly_as_postgresql_holds_them():
    sql = "SELECT * FROM (VALUES ((-32768)::int2, (-2147483648)::int4, (-0.25)::float8), (7::int2, 2147483647::int4, 1e300::float8)) v"
    small, large, real = facets.fetch_columns(sql, [], [">i2", ">i4", ">f8"])
    assert small.tolist() == [-32768, 7]
    assert large.tolist() == [-2147483648, 2147483647]
    assert real.tolist() == [-0.25, 1e300]


def test_an_empty_result_reads_as_empty_columns():
    (ids,) = facets.fetch_columns("SELECT 1::int4 WHERE false", [], [">i4"])
    assert ids.shape == (0,)


def test_a_null_column_is_refused_rather_than_dropping_its_row():
    with pytest.raises(ValueError, match="NULL"):
        facets.fetch_columns("SELECT * FROM (VALUES (1::int4), (NULL::int4)) v", [], [">i4"])


def test_query_parameters_are_bound_into_the_read():
    (positions,) = facets.fetch_columns(
        "SELECT array_position(%(names)s::text[], w)::int2 FROM unnest(%(words)s::text[]) w",
        {"names": ["knee", "back"], "words": ["back", "knee", "back"]},
        [">i2"],
    )
    assert positions.tolist() == [2, 1, 2]


@pytest.fixture
def helper_calls(monkeypatch) -> list[tuple[int | None, int | None]]:
    """Id ranges the helper thread searched; its connection is closed after the test."""
    calls: list[tuple[int | None, int | None]] = []
    read = facets.read_matches_on_own_connection

    def spy(query, ranked, low, high):
        calls.append((low, high))
        return read(query, ranked, low, high)

    monkeypatch.setattr(facets, "read_matches_on_own_connection", spy)
    yield calls
    facets.close_helper_connections()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("q", ["gabapentin", "knee OR back", '"therapy request"', "request -knee", "nothing"])
@pytest.mark.parametrize("sort", ["relevance", "-decided"])
def test_a_large_archive_searched_in_two_halves_finds_and_ranks_what_one_query_does(
    random_archive, monkeypatch, helper_calls, q, sort
):
    assert not connection.in_atomic_block  # committed letters: the helper's connection sees them
    cleaned, errors = cleaned_params({"q": q, "sort": sort})
    assert not errors
    index = facets.FacetIndex()
    monkeypatch.setattr(facets, "SPLIT_MIN_LETTERS", 10**9)
    whole_mask, whole_ranks = index.text_matches(cleaned)
    assert helper_calls == []
    monkeypatch.setattr(facets, "SPLIT_MIN_LETTERS", 2)
    halves_mask, halves_ranks = index.text_matches(cleaned)
    middle = int(index.case_ids[index.n // 2])
    assert helper_calls == [(None, middle)]
    np.testing.assert_array_equal(halves_mask, whole_mask)
    np.testing.assert_array_equal(halves_ranks, whole_ranks)
    assert whole_mask.any() == (q != "nothing")


def test_guideline_counts_equal_an_sql_count_of_the_reviewers_citations(random_archive):
    from django.db.models import Count, Q

    from decisions.selectors import guideline_summaries

    reviewer = Q(citations__role="reviewer")
    expected = {
        guideline.slug: (guideline.items, guideline.upheld, guideline.overturned)
        for guideline in Guideline.objects.annotate(
            items=Count("citations__item", filter=reviewer, distinct=True),
            upheld=Count("citations__item", filter=reviewer & Q(citations__item__outcome="upheld"), distinct=True),
            overturned=Count("citations__item", filter=reviewer & Q(citations__item__outcome="overturned"), distinct=True),
        )
    }
    counted = {guideline.slug: (guideline.items, guideline.upheld, guideline.overturned) for guideline in guideline_summaries()}
    assert counted == expected
    assert any(items for items, _, _ in counted.values())


def test_an_item_added_to_a_letter_the_index_holds_is_counted(archive):
    from tests.web.factories import add_item

    before = facets.build_index()
    upheld = counted({"outcome": "upheld"})[0]
    letter = Case.objects.exclude(items__outcome="upheld").first()
    add_item(letter, 9, Item("Lumbar support", "upheld", "durable-medical-equipment", ""))  # as the admin's item page would
    version, index = facets.build_index(before)
    assert index is not before[1]
    assert index_state(index) == index_state(facets.FacetIndex())
    assert counted({"outcome": "upheld"})[0] == upheld + 1


def test_a_database_error_inside_the_planner_settings_is_the_error_raised(db):
    from django.db import DataError, transaction

    with (
        pytest.raises(DataError, match="division by zero"),
        transaction.atomic(),
        facets.planner_settings(facets.PLAN_BY_GIN_BITMAP),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1 / 0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan')")
        assert cursor.fetchone()[0] == "on"


def test_items_read_in_several_id_windows_make_the_same_index(random_archive, monkeypatch):
    whole = index_state(facets.FacetIndex())
    monkeypatch.setattr(facets, "ITEM_WINDOW", 7)
    assert index_state(facets.FacetIndex()) == whole


def test_an_index_read_in_a_transaction_that_rolled_back_is_not_grown_from(random_archive):
    from django.db import transaction

    class RolledBack(Exception):
        pass

    try:
        with transaction.atomic():
            add_random_letters(3, seed=8)
            inside = facets.build_index()
            raise RolledBack
    except RolledBack:
        pass
    add_random_letters(2, seed=9)
    version, index = facets.build_index(inside)
    assert index_state(index) == index_state(facets.FacetIndex())


def test_the_unfiltered_counts_are_counted_once_per_index_and_each_caller_gets_its_own_copy():
    make_case([Item("MRI of the knee", "upheld", "imaging", "mri")])
    index = facets.current_index()
    cleaned, _ = cleaned_params({})
    first = index.count(cleaned)
    first.facets["outcome"]["upheld"] = 99  # what a caller does to its copy stays there
    again = index.count(cleaned)
    assert again.letters == 1 and again.facets["outcome"]["upheld"] == 1
    make_case([Item("Norco 10/325", "overturned", "medication", "opioid")])
    assert facets.current_index().count(cleaned).letters == 2


def found_words_calls(monkeypatch) -> list[object]:
    """Records each time an index finds a search's words in an engine (not in its memory)."""
    calls: list[object] = []
    original = facets.FacetIndex.matched_words

    def recording(self, cleaned):
        calls.append(cleaned.get("words"))
        return original(self, cleaned)

    monkeypatch.setattr(facets.FacetIndex, "matched_words", recording)
    return calls


def totals(counts: facets.SearchCounts) -> tuple[Any, ...]:
    ranked = counts.ordered_ids.tolist() if counts.ordered_ids is not None else None
    return counts.letters, counts.items, counts.facets, ranked


def test_the_same_words_with_other_filters_are_matched_once_per_index_and_counted_alike(monkeypatch):
    make_case([Item("Physical therapy of the knee", "upheld", "physical-therapy", "")])
    make_case([Item("Knee MRI", "overturned", "imaging", "mri"), Item("Knee brace", "upheld", "dme", "")])
    make_case([Item("Gabapentin", "overturned", "medication", "")])
    calls = found_words_calls(monkeypatch)
    index = facets.current_index()
    searches = [{"q": "knee"}, {"q": "knee", "outcome": "upheld"}, {"q": "knee", "treatment": "imaging"}, {"q": "knee", "page": "2"}]
    remembered = [totals(index.count(cleaned_params(params)[0])) for params in searches]
    assert len(calls) == 1
    monkeypatch.setattr(facets.settings, "IMR_WORD_MEMORY_MB", 0)  # nothing remembered: found every time
    fresh = facets.FacetIndex()
    fresh.version = index.version
    assert remembered == [totals(fresh.count(cleaned_params(params)[0])) for params in searches]
    assert len(calls) == 1 + len(searches)
    assert remembered[1][:2] == (2, 2) and remembered[2][:2] == (1, 1) and remembered[0][:2] == (2, 3)


def test_what_the_words_matched_is_not_remembered_past_an_edit(monkeypatch):
    case = make_case([Item("Knee MRI", "overturned", "imaging", "mri")])
    cleaned, _ = cleaned_params({"q": "knee"})
    assert facets.search_counts(cleaned).letters == 1
    DisputedItem.objects.filter(case=case).update(request="Lumbar MRI", header="Lumbar MRI")
    Case.objects.filter(pk=case.pk).update(clinical_summary="Lumbar pain.")
    assert facets.search_counts(cleaned).letters == 0


def test_the_least_recently_searched_words_are_forgotten_first_past_the_size_limit():
    def remembered(size: int) -> facets.Remembered:
        return facets.Remembered(np.arange(size, dtype=np.int32), None, None)

    recent = facets.RecentWords(limit_bytes=4 * 10)
    recent.put("a", remembered(4))
    recent.put("b", remembered(4))
    assert recent.get("a") is not None  # "a" is now the more recent
    recent.put("c", remembered(4))
    assert recent.get("b") is None and recent.get("a") is not None and recent.get("c") is not None
    recent.put("too large", remembered(11))
    assert recent.get("too large") is None and recent.get("a") is not None

