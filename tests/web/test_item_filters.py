"""The item filters of what a request is: drug (a generic ingredient), body region and quantity,
each on one and the same disputed item, with its facet, in the HTML, the API, the CSV and the schema."""

from __future__ import annotations

import pytest

from tests.web.factories import Item, make_case
from tests.web.helpers import api, csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(db):
    norco = Item("Norco 10/325 #60", "overturned", "medication", "opioid", ingredients=["hydrocodone", "acetaminophen"])
    mri_back = Item("MRI lumbar spine", "upheld", "imaging", "mri", body_region="lumbar-spine")
    made = {
        # hydrocodone overturned, lumbar MRI upheld
        "a": make_case([norco, mri_back]),
        # hydrocodone upheld, lumbar injection overturned: the same-item test
        "b": make_case([
            Item("Vicodin 5/300", "upheld", "medication", "opioid", ingredients=["hydrocodone", "acetaminophen"]),
            Item("Lumbar ESI", "overturned", "injection", "epidural-steroid", body_region="lumbar-spine"),
        ]),
        "c": make_case([
            Item("Acupuncture 12 visits", "upheld", "acupuncture", "acupuncture", quantity=12, body_region="knee"),
        ]),
        "d": make_case([Item("Acupuncture 6 visits", "overturned", "acupuncture", "acupuncture", quantity=6)]),
    }  # fmt: skip
    return {name: case.key for name, case in made.items()}


def keys(response: dict) -> set[str]:
    return {letter["key"] for letter in response["results"]}


def test_drug_finds_the_letters_with_an_item_of_that_ingredient(client, letters):
    assert keys(api(client, "drug=hydrocodone")) == {letters["a"], letters["b"]}
    assert keys(api(client, "drug=Norco")) == {letters["a"], letters["b"]}  # a brand is read as its generic


def test_item_filters_hold_on_one_and_the_same_item(client, letters):
    assert keys(api(client, "drug=hydrocodone&outcome=overturned")) == {letters["a"]}
    assert keys(api(client, "body_region=lumbar-spine&outcome=overturned")) == {letters["b"]}
    assert keys(api(client, "body_region=lumbar-spine&treatment=imaging")) == {letters["a"]}


def test_quantity_bounds_find_requests_beyond_a_number_of_visits(client, letters):
    assert keys(api(client, "treatment=acupuncture&quantity_min=7")) == {letters["c"]}
    assert keys(api(client, "quantity_max=6")) == {letters["d"]}


def test_the_facets_count_letters_per_drug_and_body_region(client, letters):
    facets = api(client)["facets"]
    assert facets["drug"]["hydrocodone"] == 2
    assert facets["body_region"] == {"lumbar-spine": 2, "knee": 1}
    assert api(client, "outcome=overturned")["facets"]["body_region"] == {"lumbar-spine": 1}


def test_the_page_shows_the_filters_and_their_chips_in_words(client, letters):
    html = client.get("/decisions/", {"body_region": "lumbar-spine", "drug": "hydrocodone"}).content.decode()
    assert 'name="body_region"' in html and 'name="drug"' in html and 'name="quantity_min"' in html
    assert "Body region: Lumbar spine" in html
    assert "Drug: hydrocodone" in html


def test_the_csv_has_the_ingredients_and_body_region_of_each_item(client, letters):
    rows = csv_rows(client, "drug=hydrocodone")
    assert [row["ingredients"] for row in rows] == ["hydrocodone; acetaminophen"] * 2
    assert {row["case"] for row in rows} == {letters["a"], letters["b"]}


def test_a_bad_value_is_refused_naming_the_field(client, letters):
    response = client.get("/api/decisions/", {"body_region": "elbowz", "quantity_min": "-1"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"body_region", "quantity_min"}


def test_the_schema_describes_the_new_parameters(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/decisions/"]["get"]["parameters"]}
    assert {"drug", "body_region", "quantity_min", "quantity_max", "exact"} <= names


def test_search_results_give_each_items_drug_and_body_region(client, letters):
    results = api(client, "drug=hydrocodone&outcome=overturned")["results"]
    item = next(entry for entry in results[0]["items"] if entry["request"].startswith("Norco"))
    assert (item["ingredients"], item["body_region"]) == (["hydrocodone", "acetaminophen"], "")


def test_words_in_the_request_hold_on_the_same_item_as_the_other_filters(client, letters):
    # Letter a: a Norco item overturned; letter b: a Vicodin (hydrocodone) item upheld.
    assert keys(api(client, "request=Norco&outcome=overturned&exact=true")) == {letters["a"]}
    assert keys(api(client, "request=Norco&outcome=upheld&exact=true")) == set()
    assert keys(api(client, "request=hydrocodone&outcome=upheld")) == {letters["b"]}  # Vicodin, by expansion
    assert keys(api(client, "request=lumbar&treatment=injection")) == {letters["b"]}


def test_words_in_the_request_count_the_same_in_facets_and_rows(client, letters):
    response = api(client, "request=acupuncture")
    assert response["count"] == len(response["results"]) == 2
    assert response["facets"]["outcome"] == {"upheld": 1, "overturned": 1}
    assert api(client, "request=acupuncture&outcome=overturned")["count"] == 1
