"""The list page: counts, chips, sort, pagination that keeps the search, and its cap."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from decisions.selectors import MAX_PAGES, PAGE_SIZE
from tests.web.factories import Item, make_case
from tests.web.helpers import CONTRACT_FILTERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_letters(db):
    for n in range(PAGE_SIZE * 2 + 3):
        make_case(
            [Item(f"Physical therapy {n} sessions", "overturned" if n % 2 else "upheld", "physical-therapy", "therapy")],
            case_number=f"CM17-{n:07d}",
            decided=date(2017, 1, 1) + timedelta(days=n),
        )


def test_shows_counts_of_letters_and_matching_items(client, archive):
    html = client.get("/decisions/?outcome=overturned").content.decode()
    assert '<span data-testid="total">4</span> letters' in html
    assert "4 matching disputed items" in html


def test_each_letter_shows_its_number_date_specialty_and_outcome_badges(client, archive):
    html = client.get("/decisions/?q=gabapentin").content.decode()
    assert 'href="/decisions/CM16-0000001/?from=q%3Dgabapentin">CM16-0000001</a>' in html
    assert "Dec 9, 2016" in html
    assert "Orthopaedic Surgery" in html
    assert "Overturned</span>" in html and "Upheld</span>" in html


def test_pagination_keeps_every_filter_but_the_page(client, many_letters):
    html = client.get("/decisions/?treatment=physical-therapy&q=therapy&sort=decided&page=2").content.decode()
    assert 'href="?treatment=physical-therapy&amp;q=therapy&amp;sort=decided&amp;page=3"' in html
    assert 'href="?treatment=physical-therapy&amp;q=therapy&amp;sort=decided"' in html  # back to page 1
    assert "Page 2 of 3" in html


def test_pages_follow_the_sort_without_overlap(client, many_letters):
    from tests.web.helpers import api

    first = [row["key"] for row in api(client, "sort=decided")["results"]]
    second = [row["key"] for row in api(client, "sort=decided&page=2")["results"]]
    assert first[0] == "CM17-0000000"
    assert not set(first) & set(second)


def test_pages_beyond_the_cap_ask_to_refine(client, many_letters, monkeypatch):
    monkeypatch.setattr("decisions.selectors.MAX_PAGES", 2)
    monkeypatch.setattr("decisions.views.MAX_PAGES", 2)
    html = client.get("/decisions/?page=3").content.decode()
    assert "Refine the search" in html
    assert "Page 2 of 2" in html


def test_cap_is_two_hundred_pages():
    assert MAX_PAGES == 200


def test_active_filters_show_as_removable_chips(client, archive):
    html = client.get("/decisions/?outcome=overturned&state=CA").content.decode()
    assert '<a class="chip" href="?state=CA"><span>Outcome: Overturned</span>' in html
    assert '<a class="chip" href="?outcome=overturned"><span>Licensed in: CA</span>' in html


def test_chips_name_treatments_and_guidelines_as_people_read_them(client, archive):
    html = client.get("/decisions/?treatment=medication&subcategory=anticonvulsant&guideline=odg-pain").content.decode()
    assert "<span>Treatment: Medication › " in html
    assert "<span>Guideline: Official Disability Guidelines (ODG) Pain</span>" in html


def test_sort_links_keep_the_search(client, archive):
    html = client.get("/decisions/?q=pain&outcome=upheld").content.decode()
    assert 'href="?q=pain&amp;outcome=upheld&amp;sort=decided"' in html


def test_form_is_a_plain_get_form_with_labels(client, archive):
    html = client.get("/decisions/").content.decode()
    assert '<form class="search-form" method="get" action="/decisions/"' in html
    for name in CONTRACT_FILTERS:
        assert f'<label for="id_{name}"' in html, name


def test_live_filtering_script_is_served_by_the_site_itself(client, archive):
    html = client.get("/decisions/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["/static/vendor/htmx-2.0.11.min.js", "/static/js/site.js", "/static/js/cite.js"]
    assert all(client.get(script).status_code == 200 for script in scripts)
    assert 'hx-push-url="true"' in html  # refined searches keep a link to send


def test_header_links_every_section(client, archive):
    html = client.get("/decisions/").content.decode()
    for href in ('href="/decisions/"', 'href="/guidelines/"', 'href="/api/docs/"', 'href="/admin/"'):
        assert href in html


def test_root_redirects_to_the_list(client, db):
    assert client.get("/").headers["Location"] == "/decisions/"
