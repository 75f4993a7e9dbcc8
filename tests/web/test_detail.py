"""One letter's page, its original file, and stepping through the search it came from."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.django_db


def test_shows_the_letter_with_every_part(client, archive):
    html = client.get("/decisions/CM16-0000001/").content.decode()
    assert "<h1>CM16-0000001</h1>" in html
    assert "Orthopaedic Surgery" in html
    assert "Lumbar strain" in html
    assert "chronic low back pain" in html
    assert "Gabapentin 600mg #90" in html
    assert "Medication</a> › <a" in html and "Anticonvulsants" in html
    assert "Gabapentin is recommended for neuropathic pain." in html
    assert "Extracted text of the letter" in html


def test_citations_link_to_the_search_for_their_guideline(client, archive):
    html = client.get("/decisions/CM16-0000001/").content.decode()
    assert 'href="/decisions/?guideline=mtus-chronic-pain">MTUS Chronic Pain Medical Treatment Guidelines</a>' in html
    assert 'href="/decisions/?guideline=odg-pain&amp;cited_by=claims_administrator">' in html


def test_original_file_opens_with_its_name_and_type(client, archive):
    response = client.get("/decisions/CM16-0000001/original")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="CM16-0000001.txt"'
    assert b"Case Number: CM16-0000001" in response.content


def test_unknown_letter_is_404(client, archive):
    assert client.get("/decisions/CM00-0000000/").status_code == 404


def test_previous_and_next_follow_the_search_it_came_from(client, archive):
    origin = urlencode({"from": "outcome=overturned"})
    # outcome=overturned, newest first: 0003, 0001, 0002, 0005
    html = client.get(f"/decisions/CM16-0000001/?{origin}").content.decode()
    assert f'href="/decisions/CM16-0000003/?{origin}">← Previous letter' in html
    assert f'href="/decisions/CM16-0000002/?{origin}">Next letter →' in html
    assert 'href="/decisions/?outcome=overturned">← Back to results' in html


def test_neighbours_follow_relevance_order(client, archive):
    from decisions.models import Case
    from decisions.selectors import neighbours, search_cases

    result = search_cases({"q": "physical therapy"})
    ordered = [case.key for case in result.queryset]
    middle = Case.objects.get(key=ordered[0])
    assert neighbours(result, middle).next == ordered[1]
    assert neighbours(result, Case.objects.get(key=ordered[1])).previous == ordered[0]


def test_neighbours_with_oldest_first(client, archive):
    origin = urlencode({"from": "sort=decided"})
    html = client.get(f"/decisions/CM16-0000004/?{origin}").content.decode()
    assert "Previous letter</span>" in html
    assert f'href="/decisions/CM16-0000005/?{origin}">Next letter →' in html


def test_a_letter_outside_the_search_has_no_neighbours(client, archive):
    html = client.get("/decisions/CM16-0000004/?from=outcome%3Doverturned").content.decode()
    assert "Next letter →</span>" in html


def test_neighbours_step_through_letters_of_equal_rank(client, db):
    from tests.web.factories import Item, make_case

    for n in range(3):
        make_case([Item("Celebrex 200mg #30", "upheld", "medication", "nsaid")], case_number=f"CM16-000030{n}")
    origin = urlencode({"from": "q=celebrex"})
    html = client.get(f"/decisions/CM16-0000301/?{origin}").content.decode()
    assert f'href="/decisions/CM16-0000302/?{origin}">← Previous letter' in html
    assert f'href="/decisions/CM16-0000300/?{origin}">Next letter →' in html


def test_a_letter_opened_from_the_unfiltered_list_steps_through_the_whole_archive(client, archive):
    listed = client.get("/decisions/?page=1").content.decode()
    links = re.findall(r'<h2 class="case-title"><a href="(/decisions/[^"]+\?from=[^"]*)"', listed)
    assert len(links) >= 3
    html = client.get(links[1].replace("&amp;", "&")).content.decode()  # the second letter of the list
    assert "Back to results" in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_the_way_back_returns_to_the_page_the_letter_was_opened_from(client, archive):
    html = client.get("/decisions/CM16-0000004/?" + urlencode({"from": "outcome=upheld&page=2"})).content.decode()
    assert 'href="/decisions/?outcome=upheld&amp;page=2">← Back to results' in html


def test_letters_listed_on_a_guideline_page_step_through_that_guidelines_search(client, archive):
    html = client.get("/guidelines/odg-pain/").content.decode()
    assert "from=guideline%3Dodg-pain" in html


def test_a_letter_opened_directly_offers_the_archive_not_a_search(client, archive):
    html = client.get("/decisions/CM16-0000004/").content.decode()
    assert "All decisions" in html and 'rel="next"' not in html


def test_a_letter_opened_from_a_word_search_marks_those_words(client, archive):
    html = client.get("/decisions/CM16-0000004/?" + urlencode({"from": "q=acupuncture"})).content.decode()
    assert "<mark>" in html
    plain = client.get("/decisions/CM16-0000004/").content.decode()
    assert "<mark>" not in plain


def test_marks_in_a_letter_never_let_its_own_markup_through(client, db):
    from tests.web.factories import Item, make_case

    make_case([Item("<b>Brace</b> for the knee", rationale="A <i>brace</i> helps the knee.")], case_number="CM16-0000777")
    html = client.get("/decisions/CM16-0000777/?" + urlencode({"from": "q=brace"})).content.decode()
    assert "<b>" not in html and "<i>" not in html
    assert "&lt;b&gt;<mark>Brace</mark>&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "search", ["", "sort=decided", "q=pain", "q=pain&sort=decided", "outcome=upheld", "q=pain&sort=-decided"]
)
def test_stepping_next_and_previous_walks_the_list_in_its_order(client, db, search):
    from datetime import date

    from tests.web.factories import Item, make_case

    for n, decided in enumerate([date(2016, 5, 1), None, date(2017, 1, 2), date(2016, 5, 1), None, date(2015, 3, 3)]):
        make_case([Item(f"Physical therapy for back pain x{n + 1}", "upheld" if n % 2 else "overturned")], decided=decided)
    listed = [letter["key"] for letter in client.get(f"/api/decisions/?{search}").json()["results"]]
    assert len(listed) >= 3
    origin = urlencode({"from": search})
    for position, key in enumerate(listed):
        html = client.get(f"/decisions/{key}/?{origin}").content.decode()
        following = listed[position + 1] if position + 1 < len(listed) else None
        previous = listed[position - 1] if position else None
        assert (f'href="/decisions/{following}/?{origin}">Next letter' in html) if following else ("Next letter →</span>" in html)
        assert (
            (f'href="/decisions/{previous}/?{origin}">← Previous' in html) if previous else ("← Previous letter</span>" in html)
        )


def test_a_missing_letter_gets_the_sites_not_found_page(client, archive, settings):
    settings.DEBUG = False
    response = client.get("/decisions/CM99-9999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html and 'href="/decisions/"' in html


@pytest.mark.parametrize("search", ["", "sort=decided", "outcome=upheld", "q=pain&sort=decided", "outcome=overturned&sort=-decided"])
def test_the_counting_pass_puts_letters_in_postgresqls_date_order_undated_last(db, search):
    """The page, previous/next and the export read letters in the order the counting pass gives:
    it must be SQL's own (decisions.ordering: date, NULLS LAST, then id), ties and undated included."""
    from datetime import date

    from django.http import QueryDict

    from decisions.selectors import validate_search
    from tests.web.factories import Item, make_case

    for n, decided in enumerate([date(2016, 5, 1), None, date(2017, 1, 2), date(2016, 5, 1), None, date(2015, 3, 3), date(2017, 1, 2)]):
        make_case([Item(f"Physical therapy for back pain x{n + 1}", "upheld" if n % 3 else "overturned")], decided=decided)
    found = validate_search(QueryDict(search))
    in_sql_order = list(found.letters().values_list("id", flat=True))
    assert len(in_sql_order) >= 2
    assert found.counts().ordered_ids.tolist() == in_sql_order
