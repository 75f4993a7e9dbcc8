"""How many statements each page sends (Django's count; the facet index's packed binary reads of
full-text matches go through psycopg directly and are not in it). The search's page is computed
before rendering, so templates and serializers send none."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory

from decisions.selectors import MAX_PAGES, search_cases

# Throttled endpoints (the API and the export) add the shared throttle's cache statements (9).
THROTTLE = 9


@pytest.fixture
def warm(client, archive):
    """The facet index built, as on a server that has served a search since the last change."""
    client.get("/decisions/")
    return archive


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/decisions/", 3),
        ("/decisions/?q=gabapentin", 8),
        ("/decisions/?q=therapy&outcome=overturned&sort=-decided", 8),
        ("/decisions/?outcome=overturned&guideline=odg-low-back&state=CA&sex=male", 4),
        ("/decisions/?treatment=medication&subcategory=opioid&cited_by=claims_administrator", 4),
    ],
)
def test_the_list_page_sends_at_most_its_budget_of_statements(client, warm, django_assert_max_num_queries, url, budget):
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_the_api_list_sends_at_most_its_budget_of_statements(client, warm, django_assert_max_num_queries):
    with django_assert_max_num_queries(THROTTLE + 8):
        assert client.get("/api/decisions/?q=therapy&outcome=upheld").status_code == 200


def test_the_letter_page_sends_at_most_its_budget_of_statements(client, warm, django_assert_max_num_queries):
    key = warm["gabapentin"].key
    # 5, and 2 for "requests like this" and similar letters: the index's version, the candidates' items with their letters.
    with django_assert_max_num_queries(7):
        assert client.get(f"/decisions/{key}/").status_code == 200
    with django_assert_max_num_queries(16):  # opened from a search: its words marked, previous and next
        assert client.get(f"/decisions/{key}/?from=q%3Dtherapy").status_code == 200


def test_the_export_sends_at_most_its_budget_of_statements(client, warm, django_assert_max_num_queries):
    # The count's archive version, the snapshot's transaction (here a savepoint and its release),
    # the letters' cursor, and one query per chunk of letters (one here).
    with django_assert_max_num_queries(THROTTLE + 5):
        response = client.get("/decisions/export.csv?outcome=overturned")
        assert b"".join(response.streaming_content).count(b"\n") > 1


@pytest.mark.parametrize("query", ["", "q=therapy&outcome=overturned", "q=zzzqqqxx", "age_min=50&age_max=10"])
def test_rendering_a_computed_search_page_sends_no_statement(warm, django_assert_num_queries, query):
    params = QueryDict(query)
    result = search_cases(params)
    request = RequestFactory().get(f"/decisions/?{query}")
    context = {"result": result, "page": result.page, "max_pages": MAX_PAGES}
    with django_assert_num_queries(0):
        html = render_to_string("decisions/list.html", context, request=request)
    assert 'id="id_outcome"' in html
