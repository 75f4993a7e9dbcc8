"""Full-text search in PostgreSQL: web-search syntax, relevance, and <mark> highlights."""

from __future__ import annotations

import pytest

from tests.web.factories import Item, make_case
from tests.web.helpers import api, keys, keys_in_search_order

pytestmark = pytest.mark.django_db


def test_words_match_requests_rationales_and_summaries(client, archive):
    assert keys(client, "q=gabapentin") == {"CM16-0000001"}
    assert keys(client, "q=arthroscopy") == {"CM16-0000005"}
    assert keys(client, "q=myalgia") == {"CM16-0000003"}


def test_words_are_stemmed(client, archive):
    assert keys(client, "q=sessions") == keys(client, "q=session")


def test_quoted_phrase_matches_only_the_phrase(client, archive):
    assert keys(client, 'q="physical therapy"') == {"CM16-0000003", "CM16-0000005"}
    assert keys(client, 'q="therapy physical"') == set()


def test_or_matches_either_word(client, archive):
    assert keys(client, "q=gabapentin OR tramadol") == {"CM16-0000001", "CM16-0000003"}


def test_minus_excludes_a_word(client, archive):
    assert keys(client, "q=acupuncture -gabapentin") == {"CM16-0000004"}


def test_case_number_is_searchable(client, archive):
    assert keys(client, "q=CM16-0000004") == {"CM16-0000004"}


def test_relevance_puts_requests_above_rationales(client, db):
    make_case([Item("Home exercise kit", rationale="Opioids were mentioned only in passing.")], case_number="CM16-0000100")
    make_case([Item("Opioid detoxification program", rationale="Detox is appropriate.")], case_number="CM16-0000101")
    assert [row["key"] for row in api(client, "q=opioid")["results"]] == ["CM16-0000101", "CM16-0000100"]


def test_matched_words_are_marked_on_the_page(client, archive):
    html = client.get("/decisions/?q=gabapentin").content.decode()
    assert "<mark>Gabapentin</mark> 600mg" in html


def test_matches_in_the_summary_alone_are_shown_from_the_summary(client, archive):
    html = client.get("/decisions/?q=january").content.decode()
    assert "Clinical summary:" in html
    assert "<mark>January</mark>" in html


def test_letter_text_is_escaped_around_the_marks(client, db):
    make_case([Item("<script>alert(1)</script> brace", rationale="A <b>brace</b> helps.")], case_number="CM16-0000102")
    html = client.get("/decisions/?q=brace").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>brace</mark>" in html


def test_api_results_carry_highlighted_snippets(client, archive):
    items = api(client, "q=neuropathic")["results"][0]["items"]
    assert "<mark>neuropathic</mark>" in items[0]["snippet"]


@pytest.mark.parametrize("words", ["the", "of the", "OR", "-", '"', "- OR -"])
def test_words_that_leave_nothing_to_search_for_are_refused_with_the_reason(client, archive, words):
    response = client.get("/api/decisions/", {"q": words})
    assert response.status_code == 400
    assert "no word to search for" in response.json()["errors"]["q"][0]
    page = client.get("/decisions/", {"q": words})
    assert page.status_code == 400 and "very common words" in page.content.decode()


def test_full_width_letters_search_as_plain_ones(client, archive):
    assert api(client, "q=ｇａｂａｐｅｎｔｉｎ")["count"] == api(client, "q=gabapentin")["count"] > 0


def test_an_empty_result_suggests_close_spellings(client, archive):
    html = client.get("/decisions/?q=gabapentn").content.decode()
    assert "Search for “gabapentin”" in html


def test_a_filter_offered_for_removal_is_named_in_words(client, archive):
    html = client.get("/decisions/?q=gabapentin&specialty=physical-medicine-and-rehabilitation").content.decode()
    assert "Remove specialty: Physical Medicine and Rehabilitation" in html


def test_an_empty_result_offers_to_drop_a_filter_with_its_count(client, archive):
    html = client.get("/decisions/?q=gabapentin&sex=female").content.decode()
    assert "Remove sex: Female" in html
    assert 'href="?q=gabapentin"' in html


@pytest.mark.parametrize("word_index", [True, False], ids=["word-index", "postgresql"])
@pytest.mark.parametrize(
    "params", [{"q": "therapy"}, {"q": "therapy OR injection", "outcome": "upheld"}, {"q": "pain", "page": "2"}]
)
def test_relevance_pages_follow_the_ranked_order(db, settings, params, word_index):
    """With the word index the order is its BM25 (ties: newest id first); without it, PostgreSQL's ts_rank,
    the order of the search's SQL."""
    from decisions.selectors import PAGE_SIZE, search_cases

    settings.IMR_WORD_INDEX = word_index
    for number in range(30):
        make_case([Item(f"Physical therapy {'and therapy ' * (number % 4)}{number} sessions", "upheld")])
        make_case([Item(f"Knee injection {number}", "overturned" if number % 3 else "upheld")])
    result = search_cases(params)
    page = result.page  # (search_cases reads the page number from the parameters)
    start = (page.page.number - 1) * PAGE_SIZE
    in_order = keys_in_search_order(result.search) if word_index else list(result.queryset.values_list("key", flat=True))
    expected = in_order[start : start + PAGE_SIZE]
    assert [row.case.key for row in page.rows] == expected
    assert expected


def test_search_vectors_are_kept_in_the_letters_rows_not_the_toast_table(db):
    """Ranking reads every match's vector; out of line, each read is a TOAST index lookup (migration 0009)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'decisions_case'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone()[0] == "m"  # MAIN: compressed in the row, out of line only if the row cannot fit a page


def test_snippets_read_only_the_searched_part_of_a_huge_text(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from decisions.models import SEARCHED_CHARS

    huge = "gabapentin helps. " + "padding words here " * 5000  # 95,000 characters
    make_case([Item("Gabapentin 300mg", "upheld", "medication", "anticonvulsant", huge)])
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/decisions/", {"q": "gabapentin"}).content.decode()
    assert "<mark>gabapentin</mark> helps" in html.lower()
    headlines = [q["sql"] for q in queries.captured_queries if "ts_headline" in q["sql"]]
    assert headlines and all(f"LEFT(\"decisions_disputeditem\".\"rationale\", {SEARCHED_CHARS['rationales']})" in sql for sql in headlines if "rationale" in sql)


def test_a_text_longer_than_the_searched_part_is_shown_whole_unmarked_on_its_page(client, db):
    huge = "gabapentin helps. " + "padding words here " * 5000
    case = make_case([Item("Gabapentin 300mg", "upheld", "medication", "anticonvulsant", huge)])
    html = client.get(f"/decisions/{case.key}/", {"from": "q=gabapentin"}).content.decode()
    assert html.count("padding words here") == 5000
