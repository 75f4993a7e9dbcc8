"""A letter's key matches whatever its case: cm17-0005418 is CM17-0005418, on the site and in the API."""

from __future__ import annotations

import pytest

from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters():
    numbered = make_case([Item("MRI")], case_number="CM17-0005418")
    unnumbered = make_case([Item("MRI")], case_number="CM17-0005419")
    unnumbered.key, unnumbered.case_number = "L-0a1b2c3d4e5f", None  # a letter without a case number
    unnumbered.save()
    return numbered, unnumbered


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("/decisions/cm17-0005418/", "/decisions/CM17-0005418/"),
        ("/decisions/Cm17-0005418/original", "/decisions/CM17-0005418/original"),
        ("/decisions/l-0A1B2C3D4E5F/", "/decisions/L-0a1b2c3d4e5f/"),
        ("/decisions/cm17-0005418/?from=q%3Dmri", "/decisions/CM17-0005418/?from=q%3Dmri"),
    ],
)
def test_a_key_in_another_case_moves_to_the_letters_address(client, letters, typed, canonical):
    response = client.get(typed)
    assert response.status_code == 301
    assert response["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_the_api_serves_a_key_in_any_case(client, letters):
    for typed in ("cm17-0005418", "CM17-0005418", "cM17-0005418"):
        response = client.get(f"/api/decisions/{typed}/")
        assert response.status_code == 200, typed
        assert response.json()["key"] == "CM17-0005418"
    assert client.get("/api/decisions/l-0A1B2C3D4E5F/").json()["key"] == "L-0a1b2c3d4e5f"


def test_an_unknown_key_in_lower_case_is_still_not_found(client, letters):
    assert client.get("/decisions/cm99-0000000/", follow=True).status_code == 404
    assert client.get("/api/decisions/cm99-0000000/").status_code == 404


def test_a_key_longer_than_any_letters_is_not_found(client, letters):
    assert client.get("/decisions/" + "C" * 41 + "/").status_code == 404
