"""The JSON API: the list's search with facets, one letter, guidelines, schema and docs."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import CONTRACT_FILTERS, api

pytestmark = pytest.mark.django_db


def test_search_has_count_links_results_and_facets(client, archive):
    data = api(client, "outcome=overturned")
    assert set(data) == {"count", "item_count", "item_count_means", "next", "previous", "results", "facets"}
    assert data["count"] == 4
    assert data["next"] is None and data["previous"] is None
    first = data["results"][0]
    assert first["key"] == "CM16-0000003"
    assert first["html_url"] == "http://testserver/decisions/CM16-0000003/"
    assert first["reviewer"]["licensed_states"] == ["CA"]
    assert [item["matches"] for item in first["items"]] == [False, True]


def test_next_and_previous_keep_the_parameters(client, db):
    from tests.web.factories import Item, make_case

    for n in range(30):
        make_case([Item("MRI", "upheld", "imaging", "mri")], case_number=f"CM15-{n:07d}")
    data = api(client, "treatment=imaging")
    assert data["next"] == "http://testserver/api/decisions/?treatment=imaging&page=2"
    second = api(client, "treatment=imaging&page=2")
    assert second["previous"] == "http://testserver/api/decisions/?treatment=imaging"
    assert len(second["results"]) == 5


def test_bad_parameters_give_400_naming_each_field(client, archive):
    response = client.get("/api/decisions/?outcome=won&age_min=x")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"outcome", "age_min"}


def test_one_letter_with_items_and_citations(client, archive):
    response = client.get("/api/decisions/CM16-0000001/")
    assert response.status_code == 200
    data = response.json()
    assert data["case_number"] == "CM16-0000001"
    assert data["original_url"] == "http://testserver/decisions/CM16-0000001/original"
    gabapentin = data["items"][0]
    assert gabapentin["outcome"] == "overturned"
    assert {(c["role"], c["guideline"]["slug"]) for c in gabapentin["citations"]} == {
        ("reviewer", "mtus-chronic-pain"),
        ("claims_administrator", "odg-pain"),
    }


def test_unknown_letter_is_404(client, archive):
    assert client.get("/api/decisions/CM99-0000000/").status_code == 404


def test_guidelines_with_counts(client, archive):
    data = client.get("/api/guidelines/").json()
    by_slug = {row["slug"]: row for row in data}
    assert by_slug["mtus-chronic-pain"] | {} == {
        "slug": "mtus-chronic-pain",
        "title": "MTUS Chronic Pain Medical Treatment Guidelines",
        "source": "MTUS",
        "chapter": None,
        "items": 3,
        "upheld": 1,
        "overturned": 2,
    }


def test_schema_documents_every_search_parameter(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    names = {p["name"] for p in schema["paths"]["/api/decisions/"]["get"]["parameters"]}
    assert {*CONTRACT_FILTERS, "page"} <= names


def test_schema_describes_the_search_results_items_as_they_are_returned(client, archive):
    schema = client.get("/api/schema/?format=json").json()
    item = schema["components"]["schemas"]["SearchItem"]["properties"]
    returned = client.get("/api/decisions/?q=gabapentin").json()["results"][0]["items"][0]
    assert set(returned) == set(item)
    assert "<mark>" in item["snippet"]["description"]


def test_docs_are_served_without_a_cdn(client, db):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)  # every asset from this site


@pytest.mark.parametrize("url", ["/api/decisions/", "/decisions/export.csv"])
def test_anonymous_clients_are_throttled_whatever_address_they_claim(client, db, monkeypatch, url):
    from django.core.cache import cache
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    cache.clear()
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    cache.clear()
    assert statuses == [200, 200, 429]


def test_paging_past_the_last_page_is_a_404_that_names_the_last_page(client, archive):
    assert client.get("/api/decisions/?page=1").status_code == 200
    response = client.get("/api/decisions/?page=2")  # six letters: one page
    assert response.status_code == 404
    assert "the last page is 1" in response.json()["errors"]["page"][0]
