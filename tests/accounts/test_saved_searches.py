"""Saved searches: stored through the archive's one validation, private to their owner."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import Frequency, SavedSearch
from accounts.searches import InvalidSearch, normalised_query, save_search

pytestmark = pytest.mark.django_db


def user(email: str) -> Any:
    return get_user_model().objects.create_user(username=email, email=email, password="pass words 123")


def test_the_query_keeps_only_the_registry_parameters_in_its_order() -> None:
    query = normalised_query({"page": "3", "outcome": "overturned", "bogus": "1", "q": " lumbar fusion ", "sex": ""})
    assert query == "q=lumbar+fusion&outcome=overturned"


def test_an_invalid_search_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidSearch) as refused:
        normalised_query({"outcome": "maybe", "age_min": "x"})
    assert set(refused.value.errors) == {"outcome", "age_min"}


def test_the_list_page_offers_to_save_the_search_shown(client: Client, archive: Any) -> None:
    owner = user("ada@example.org")
    anonymous = client.get("/decisions/?q=acupuncture&page=1").content.decode()
    assert "to save this search" in anonymous and "/accounts/login/?next=" in anonymous
    client.force_login(owner)
    page = client.get("/decisions/?q=acupuncture&outcome=upheld").content.decode()
    assert 'name="query" value="q=acupuncture&amp;outcome=upheld"' in page

    response = client.post(
        reverse("accounts:search_save"),
        {"name": "Acupuncture upheld", "frequency": "weekly", "query": "q=acupuncture&outcome=upheld&page=2"},
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get()
    assert (saved.owner, saved.name, saved.query, saved.frequency) == (
        owner,
        "Acupuncture upheld",
        "q=acupuncture&outcome=upheld",
        "weekly",
    )
    listing = client.get(reverse("accounts:searches")).content.decode()
    assert "Acupuncture upheld" in listing and "Words: acupuncture" in listing and "Weekly" in listing


def test_saving_an_invalid_search_says_which_field(client: Client) -> None:
    client.force_login(user("ada@example.org"))
    response = client.post(
        reverse("accounts:search_save"), {"name": "x", "frequency": "daily", "query": "decided_from=yesterday"}
    )
    assert response.status_code == 400
    assert "decided_from" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_the_owner_edits_name_frequency_and_query(client: Client) -> None:
    owner = user("ada@example.org")
    saved = save_search(owner=owner, name="old", query={"q": "norco"}, frequency="daily")
    client.force_login(owner)
    assert client.get(saved.get_absolute_url()).status_code == 200
    response = client.post(saved.get_absolute_url(), {"name": "new", "frequency": "off", "query": "?outcome=overturned"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.frequency, saved.query, saved.next_digest_at) == ("new", Frequency.OFF, "outcome=overturned", None)


def test_another_users_searches_are_not_found(client: Client) -> None:
    owner, intruder = user("ada@example.org"), user("eve@example.org")
    saved = save_search(owner=owner, name="private", query={"q": "fusion"}, frequency="daily")
    client.force_login(intruder)
    assert client.get(reverse("accounts:search", args=[saved.pk])).status_code == 404
    assert (
        client.post(
            reverse("accounts:search", args=[saved.pk]), {"name": "mine now", "frequency": "off", "query": ""}
        ).status_code
        == 404
    )
    assert client.post(reverse("accounts:search_delete", args=[saved.pk])).status_code == 404
    assert "private" not in client.get(reverse("accounts:searches")).content.decode()
    saved.refresh_from_db()
    assert (saved.name, saved.frequency) == ("private", "daily")


def test_the_saved_search_pages_need_a_signed_in_user(client: Client) -> None:
    saved = save_search(owner=user("ada@example.org"), name="private", query={}, frequency="daily")
    for url in (reverse("accounts:searches"), saved.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert client.post(reverse("accounts:search_delete", args=[saved.pk])).status_code == 302
    assert SavedSearch.objects.filter(pk=saved.pk).exists()


def test_the_owner_deletes_a_search(client: Client) -> None:
    owner = user("ada@example.org")
    saved = save_search(owner=owner, name="gone", query={}, frequency="daily")
    client.force_login(owner)
    assert client.post(reverse("accounts:search_delete", args=[saved.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


def test_my_searches_reads_a_fixed_number_of_queries(client: Client, django_assert_max_num_queries: Any) -> None:
    owner = user("ada@example.org")
    for n in range(12):
        save_search(owner=owner, name=f"search {n}", query={"q": f"word{n}"}, frequency="daily")
    client.force_login(owner)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("accounts:searches")).status_code == 200
