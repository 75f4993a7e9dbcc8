"""With words, a search's items are the items that hold them: the item count, the item facets, the
item filters and the export count an item only when the words are in its own request or rationale."""

from __future__ import annotations

import pytest

from tests.web.factories import Item, make_case
from tests.web.helpers import api, csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(db):
    made = {
        # A Norco item overturned.
        "norco_overturned": make_case([Item("Norco 10/325mg #60", "overturned", "medication", "opioid")]),
        # Norco upheld, and another item overturned: not an overturned Norco request.
        "norco_upheld_mri_overturned": make_case(
            [
                Item("Norco 5/325 #30", "upheld", "medication", "opioid"),
                Item("MRI of the lumbar spine", "overturned", "imaging", "mri"),
            ]
        ),
        # Norco only in the clinical summary: the letter matches, none of its items does.
        "norco_in_summary": make_case(
            [Item("Acupuncture 6 visits", "overturned", "acupuncture", "acupuncture")],
            summary="She has taken Norco for years and reports low back pain.",
        ),
        # The word in an item's rationale counts for that item.
        "norco_in_rationale": make_case(
            [
                Item("Urine drug screen", "upheld", "evaluation", "drug-testing", rationale="Screening is indicated while on Norco."),
                Item("Physical therapy 6 visits", "upheld", "physical-therapy", "physical-therapy"),
            ]
        ),
    }
    return {name: case.key for name, case in made.items()}


def keys(response: dict) -> set[str]:
    return {letter["key"] for letter in response["results"]}


def test_letters_match_anywhere_but_only_items_holding_the_words_count(client, letters):
    response = api(client, "q=norco&exact=true")
    assert keys(response) == set(letters.values())
    # Norco items (2), the drug screen whose rationale names Norco (1); not the acupuncture, the MRI or the therapy.
    assert response["item_count"] == 3
    assert "own request or rationale" in response["item_count_means"]


def test_words_and_an_item_filter_hold_on_one_and_the_same_item(client, letters):
    response = api(client, "q=norco&exact=true&outcome=overturned")
    assert keys(response) == {letters["norco_overturned"]}
    assert response["item_count"] == 1


def test_the_item_facets_count_letters_with_an_item_holding_the_words(client, letters):
    facets = api(client, "q=norco&exact=true")["facets"]
    assert facets["outcome"] == {"overturned": 1, "upheld": 2}
    assert facets["treatment"] == {"medication": 2, "evaluation": 1}
    # Each number is what clicking it finds.
    assert api(client, "q=norco&exact=true&outcome=upheld")["count"] == 2
    assert api(client, "q=norco&exact=true&treatment=evaluation")["count"] == 1


def test_the_export_lists_only_the_items_holding_the_words(client, letters):
    rows = csv_rows(client, "q=norco&exact=true")
    assert sorted(row["request"] for row in rows) == ["Norco 10/325mg #60", "Norco 5/325 #30", "Urine drug screen"]


def test_other_names_of_the_drug_find_its_items(client, letters):
    response = api(client, "q=hydrocodone&outcome=overturned")
    assert keys(response) == {letters["norco_overturned"]}


def test_the_page_marks_the_other_items_and_says_what_items_count(client, letters):
    page = client.get("/decisions/?q=norco&exact=true").content.decode()
    assert 'data-testid="items-counted"' in page
    assert "own request or rationale" in page
    assert page.count('class="item item-other"') == 3  # the MRI, the acupuncture, the therapy


@pytest.mark.django_db
def test_only_the_items_holding_the_words_have_their_rationale_marked():
    from decisions.selectors import attach_items, validate_search

    rationale = "The requested treatment is " + "reviewed in detail " * 30
    make_case(
        [
            Item("Aquatic therapy", "upheld", rationale=rationale + "with gabapentin noted."),
            Item("Knee brace", "overturned", rationale=rationale + "without any medicine."),
        ]
    )
    search = validate_search({"q": "gabapentin"})
    (row,) = attach_items(list(search.letters()), search.cleaned, search.query)
    holding, other = row.items
    assert "<mark>gabapentin</mark>" in holding.snippet.lower()
    assert "<mark>" not in other.snippet and other.snippet.startswith("The requested treatment is") and other.snippet.endswith("…")
