"""The word index (decisions/word_index.py) finds exactly the letters and items PostgreSQL finds."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from django.contrib.postgres.search import SearchQuery

from decisions import facets, word_index
from decisions.filters import cleaned_params
from decisions.models import Case, DisputedItem
from decisions.search_params import SEARCH_CONFIG, items_whose_request_matches, request_query, search_query
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(db):
    """Letters written to exercise stopword gaps, hyphens, glued numbers, other names and negation."""
    texts = [
        ("Range of motion of the lumbar spine is limited; low-back pain radiates to the left leg.",
         [Item("Physical therapy 2x4 for the low back", "upheld", "physical-therapy", "physical-therapy",
               "Range of motion improved with prior physical therapy.")]),
        ("The range of the motion was full. Chronic low back pain after a fall at work.",
         [Item("Norco 10/325mg #60", "overturned", "medication", "opioid", "Opioids are not recommended long term.")]),
        ("Follow-up x-ray of the right knee showed no fracture.",
         [Item("MRI of the right knee without contrast", "overturned", "imaging", "mri", "Magnetic resonance imaging is indicated."),
          Item("Hydrocodone/APAP 5/325 #30", "upheld", "medication", "opioid", "Tramadol was tried first.")]),
        ("Cervical epidural steroid injection at C5-6 was requested for radicular pain.",
         [Item("ESI C5-6", "upheld", "injection", "epidural", "Epidural steroid injections are recommended for radiculopathy.")]),
        ("Soma and Flexeril were prescribed for spasm; acupuncture sessions were also tried.",
         [Item("Soma 350mg #30", "upheld", "medication", "muscle-relaxant", "Muscle relaxants are for short-term use."),
          Item("Acupuncture 6 sessions", "overturned", "acupuncture", "acupuncture", "Acupuncture may be used as an option.")]),
        ("Gabapentin was started for neuropathic pain. Motion range of the wrist is normal.",
         [Item("Gabapentin 600mg #90", "overturned", "medication", "anticonvulsant", "Gabapentin is first-line for neuropathic pain.")]),
        ("The worker is not a candidate for surgery. Low, back and neck pain.",
         [Item("Functional restoration program", "upheld", "other", "", "The the program of of was not supported.")]),
        ("", []),
    ]
    cases = [make_case(items, summary=summary, decided=date(2016, 1 + n, 1)) for n, (summary, items) in enumerate(texts)]
    return cases


QUERIES = [
    "knee", "pain", "back", "low back", '"low back"', '"low back pain"', "low-back", "low-back pain", '"range of motion"',
    "range of motion", '"motion range"', '"range of the motion"', "range motion", "knee OR wrist", "pain -knee",
    "pain -\"low back\"", "-knee", "-pain -knee", "norco", "hydrocodone", "opioids", "muscle relaxant", "MRI",
    "magnetic resonance imaging", "ESI", '"epidural steroid injection"', "hydrocod*", "acupunct*", "x-ray",
    "follow-up", "10/325", "C5-6", "5/325", "gabapentin OR tramadol -knee", "physical therapy", "\"physical therapy\" OR acupuncture",
    "neck OR \"range of motion\" -surgery", "first-line", "short-term",
]


def postgresql_ids(model: type[Case] | type[DisputedItem], query: SearchQuery) -> set[int]:
    return set(model.objects.filter(search_vector=query).values_list("id", flat=True))


def word_index_ids(query: SearchQuery, kind: str) -> set[int]:
    index = facets.current_index()
    if kind == "letters":
        found = word_index.letter_matches(query, True, index.version, index.case_ids)
        assert found is not None, "the word index did not answer"
        return set(found[0].ids(index.case_ids).tolist())
    items = word_index.item_matches(query, index.version, index.item["item_id"])
    assert items is not None, "the word index did not answer"
    return set(items.ids(index.item["item_id"]).tolist())


def test_stopwords_alone_are_refused_before_any_engine_is_asked(archive) -> None:
    for exact in ("", "true"):
        cleaned, errors = cleaned_params({"q": "the of", "exact": exact})
        assert "has no word to search for" in errors["q"][0]


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("q", QUERIES)
def test_it_finds_the_letters_and_items_postgresql_finds(archive, q: str, exact: bool) -> None:
    cleaned, errors = cleaned_params({"q": q, **({"exact": "true"} if exact else {})})
    query = search_query(cleaned)
    assert query is not None
    assert word_index_ids(query, "letters") == postgresql_ids(Case, query)
    for_items = search_query(cleaned, excluded_words=False)
    if for_items is not None:
        assert word_index_ids(for_items, "items") == postgresql_ids(DisputedItem, for_items)


@pytest.mark.parametrize(
    "raw",
    [
        "rang <-> motion",
        "rang <2> motion",
        "rang <3> motion",
        "low <-> (back <-> pain)",
        "(low <-> back) <-> pain",
        "low <-> back <2> leg",
        "!knee",
        "!(low <-> back)",
        "!knee | gabapentin",
        "!(knee | pain) | spasm",
        "(knee | wrist) & !fractur",
        "knee & !(right <-> knee)",
        "pain:* & !tramadol",
        "low-back <-> low <-> back",
    ],
)
def test_it_matches_postgresqls_own_tsquery_forms(archive, raw: str) -> None:
    query = SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
    assert word_index_ids(query, "letters") == postgresql_ids(Case, query)
    assert word_index_ids(query, "items") == postgresql_ids(DisputedItem, query)


def bm25_order(cleaned: dict[str, str]) -> list[int]:
    """The matching letters by tantivy's BM25 score, then id, both descending, read whole."""
    _, ranker = facets.current_index().text_matches(cleaned)
    assert isinstance(ranker, word_index.Ranker)
    ids, scores, complete = ranker.top(10_000)
    assert complete
    return [-pk for _, pk in sorted(zip((-scores).tolist(), (-ids).tolist(), strict=True))]


def test_the_ranks_are_bm25_and_the_page_order_breaks_ties_by_the_newest_id(archive) -> None:
    cleaned, _ = cleaned_params({"q": "pain"})
    counts = facets.search_counts(cleaned)
    assert counts.ordered_ids is not None
    assert set(np.asarray(counts.ordered_ids).tolist()) == postgresql_ids(Case, search_query(cleaned))
    assert np.asarray(counts.ordered_ids).tolist() == bm25_order(cleaned)


def test_a_ranked_page_read_a_few_hits_at_a_time_is_the_whole_order_cut_to_the_search(db, monkeypatch) -> None:
    # Equal letters score alike: the ties at each read's lowest score must not be cut short.
    for number in range(12):
        make_case([Item("Physical therapy for back pain", "upheld" if number % 3 else "overturned", "physical-therapy", "")],
                  summary="Low back pain. " + "Pain after a fall. " * (number % 4), decided=date(2016, 1, 1 + number))
    monkeypatch.setattr(facets.RankedIds, "FIRST", 1)
    monkeypatch.setattr(facets.RankedIds, "MARGIN", 0)
    for params in ({"q": "pain"}, {"q": "pain", "outcome": "overturned"}):
        cleaned, _ = cleaned_params(params)
        by_date, _ = cleaned_params({**params, "sort": "-decided"})
        allowed = set(np.asarray(facets.search_counts(by_date).ordered_ids).tolist())  # the search's letters, as a date sort finds them
        whole = [pk for pk in bm25_order(cleaned) if pk in allowed]
        assert len(whole) == len(allowed) > 2
        ordered = facets.search_counts(cleaned).ordered_ids
        assert isinstance(ordered, facets.RankedIds) and len(ordered) == len(whole)
        assert [facets.search_counts(cleaned).ordered_ids[at] for at in range(len(whole))] == whole  # each read afresh
        assert ordered[:3].tolist() == whole[:3]
        assert ordered[2] == whole[2] and ordered[-1] == whole[-1]
        assert facets.position_of(facets.search_counts(cleaned).ordered_ids, whole[-2]) == len(whole) - 2
        assert np.asarray(facets.search_counts(cleaned).ordered_ids).tolist() == whole


@pytest.mark.parametrize("raw", ["rang <-> (motion | back)", "(low | neck) <-> pain", "knee <-> !right", "pain:A"])
def test_a_query_it_cannot_translate_is_answered_by_postgresql_alike(archive, monkeypatch, raw: str) -> None:
    query = SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
    assert word_index.translated(word_index.tsquery_texts(query)[0]) is None
    index = facets.current_index()
    assert word_index.letter_matches(query, True, index.version, index.case_ids) is None
    cleaned, _ = cleaned_params({"q": "placeholder"})
    monkeypatch.setattr(facets, "search_query", lambda cleaned, excluded_words=True: query)
    mask, _ = index.text_matches(cleaned)
    assert set(index.case_ids[mask].tolist()) == postgresql_ids(Case, query)
    assert set(index.item["item_id"][index.item_word_matches(query)].tolist()) == postgresql_ids(DisputedItem, query)


def letters_found(q: str) -> int:
    cleaned, _ = cleaned_params({"q": q})
    return facets.search_counts(cleaned).letters


def test_the_in_process_index_follows_an_added_an_edited_and_a_deleted_letter(archive) -> None:
    assert letters_found("zygapophyseal") == 0
    added = make_case([Item("Zygapophyseal joint injection", "upheld", "injection", "")], summary="Facet pain.")
    assert letters_found("zygapophyseal") == 1
    assert word_index._in_process is not None and word_index._in_process.version == facets.archive_version()
    Case.objects.filter(pk=archive[0].pk).update(clinical_summary="A zygapophyseal joint was injected.")
    assert letters_found("zygapophyseal") == 2
    added.delete()
    assert letters_found("zygapophyseal") == 1
    assert word_index._in_process.version == facets.archive_version()


def test_the_index_can_be_turned_off(archive, settings) -> None:
    settings.IMR_WORD_INDEX = False
    index = facets.current_index()
    query = search_query(cleaned_params({"q": "knee"})[0])
    assert word_index.letter_matches(query, False, index.version, index.case_ids) is None
    assert letters_found("knee") == len(postgresql_ids(Case, query))


def test_the_on_disk_index_is_built_followed_swapped_and_reloaded_by_a_reader(archive, settings, tmp_path) -> None:
    settings.IMR_WORD_INDEX_IN_PROCESS = False
    settings.IMR_WORD_INDEX_DIR = tmp_path
    root = word_index.root_dir()
    reader = word_index.DiskReader(root)
    assert reader.current() is None
    follower = word_index.Follower(root)
    assert follower.step() == "rebuilt"
    first_build = (root / "current").resolve()
    assert reader.current().version == facets.archive_version()
    assert letters_found("knee") == len(postgresql_ids(Case, SearchQuery("knee", config=SEARCH_CONFIG)))
    assert follower.step() == "current"

    bits_file = (root / "current" / "bits-letters.npy").stat().st_ino
    make_case([Item("Zygapophyseal joint injection", "upheld", "injection", "")], summary="Facet pain.")
    assert follower.step() == "added"
    assert (root / "current").resolve() == first_build  # added to in place
    assert (root / "current" / "bits-letters.npy").stat().st_ino == bits_file  # its bits set in the mapped file
    opened = reader.current()
    assert opened is not None and opened.version == facets.archive_version()
    query = SearchQuery("zygapophyseal", config=SEARCH_CONFIG)
    assert int(opened.matching("letters", word_index.translated(word_index.tsquery_texts(query)[0])).sum()) == 1
    assert word_index.disk_index() is not None
    assert letters_found("zygapophyseal") == 1
    assert "pain" in opened.bits["letters"].terms  # the added letter's bit is set for a lexeme held as bits
    assert letters_found("pain") == len(postgresql_ids(Case, SearchQuery("pain", config=SEARCH_CONFIG)))

    Case.objects.filter(pk=archive[1].pk).update(clinical_summary="Zygapophyseal arthropathy.")
    assert follower.step() == "rebuilt"
    assert (root / "current").resolve() != first_build and not first_build.exists()
    assert reader.current().version == facets.archive_version()
    assert letters_found("zygapophyseal") == 2


def test_a_reader_answers_for_inserted_rows_it_does_not_hold_yet_through_postgresql(archive, settings, tmp_path) -> None:
    settings.IMR_WORD_INDEX_IN_PROCESS = False
    settings.IMR_WORD_INDEX_DIR = tmp_path
    word_index.Follower(word_index.root_dir()).step()
    make_case([Item("Zygapophyseal joint injection", "upheld", "injection", "")], summary="Facet pain.")
    index = facets.current_index()
    query = SearchQuery("zygapophyseal | knee", search_type="raw", config=SEARCH_CONFIG)
    unranked = word_index.letter_matches(query, False, index.version, index.case_ids)
    assert unranked is not None and set(unranked[0].ids(index.case_ids).tolist()) == postgresql_ids(Case, query)
    assert word_index.letter_matches(query, True, index.version, index.case_ids) is None  # no BM25 for it yet
    items = word_index.item_matches(query, index.version, index.item["item_id"])
    assert items is not None and set(items.ids(index.item["item_id"]).tolist()) == postgresql_ids(DisputedItem, query)
    requests = word_index.request_matches(query, index.version, index.item["item_id"])
    assert requests is not None
    assert set(requests.ids(index.item["item_id"]).tolist()) == set(word_index.items_whose_request_holds(query).values_list("id", flat=True))
    assert len(requests.extra) == 1  # the new item, found by PostgreSQL


@pytest.fixture
def odd_letters(db):
    """A letter longer than PostgreSQL's last position (16,383: the rest share it) and odd lexemes."""
    long_summary = " ".join([f"w{number}" for number in range(3000)] + ["the"] * 9000)  # stopwords take positions too
    long_rationale = " ".join(["the"] * 3000 + [f"r{number}" for number in range(3000)])
    make_case([Item("Zolpidem 10mg", "upheld", "medication", "", long_rationale)], summary=long_summary)
    make_case(
        [Item("Naïve O'Brien C5-6 1.5mg", "upheld", "medication", "", "See http://example.com/odg/a.html or mail user@example.com.")],
        summary="Files under /usr/local/bin; café-au-lait; ＧＡＢＡＰＥＮＴＩＮ 300mg; x_y; 3.14159; -5; 10/325",
    )


@pytest.mark.parametrize(
    "raw",
    [
        "w10 <-> w11", "w2998 <-> w2999", "r2998 <-> r2999", "r2999", "r10 <-> r11", "w7999 & r0", "r10 <2> r12", "r44:*", "zolpidem <-> 10mg",
        "naïv", "o <-> brien", "'c5-6'", "'1.5mg'", "'example.com/odg/a.html'", "'user@example.com'", "'/usr/local/bin'",
        "café-au-lait <-> café", "gabapentin", "'3.14159'", "'10/325'", "x <-> y", "!w5",
    ],
)
def test_it_matches_long_letters_and_odd_lexemes_as_postgresql_does(odd_letters, raw: str) -> None:
    query = SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
    assert word_index_ids(query, "letters") == postgresql_ids(Case, query)
    assert word_index_ids(query, "items") == postgresql_ids(DisputedItem, query)


def test_a_letter_past_the_last_position_is_indexed_token_by_token(odd_letters) -> None:
    rows = [row for row in word_index.rows_of("letters") if row.odd]
    assert len(rows) == 1 and rows[0].last == 16383


@pytest.mark.parametrize("words", ["therapy", "tramadol", "norco", "physical therapy", '"physical therapy"', "mri OR knee", "hydrocod*", "5/325", "knee -mri"])
def test_the_request_filter_finds_the_items_whose_request_postgresql_finds_the_words_in(archive, settings, words: str) -> None:
    cleaned, errors = cleaned_params({"request": words, "outcome": "upheld"})
    assert not errors
    index = facets.current_index()
    found = word_index.request_matches(request_query(cleaned), index.version, index.item["item_id"])
    assert found is not None, "the word index did not answer"
    expected = set(items_whose_request_matches(cleaned).values_list("id", flat=True))
    assert set(found.ids(index.item["item_id"]).tolist()) == expected
    counted = facets.search_counts(cleaned)
    settings.IMR_WORD_INDEX = False
    by_postgresql = facets.search_counts(cleaned)
    assert (counted.letters, counted.items, counted.facets) == (by_postgresql.letters, by_postgresql.items, by_postgresql.facets)
