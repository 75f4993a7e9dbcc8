"""Every facet count is exactly the number of letters that clicking it shows."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from decisions.selectors import facet_params
from tests.web.helpers import api

pytestmark = pytest.mark.django_db

SEARCHES = [
    "",
    "outcome=overturned",
    "source=ODG&outcome=overturned",
    "treatment=medication",
    "treatment=medication&subcategory=opioid",
    "q=pain",
    "q=gabapentin OR acupuncture&sex=male",
    "guideline=mtus-chronic-pain&state=CA",
    "cited_by=claims_administrator&source=ODG",
    "decided_from=2016-01-01&decided_to=2016-12-31&specialty=orthopaedic-surgery",
]
OWN = {"treatment": ("treatment", "subcategory"), "year": ("decided_from", "decided_to")}


def clicked(query: str, facet: str, value: str) -> str:
    params = dict(pair.split("=", 1) for pair in query.split("&") if pair)
    for name in OWN.get(facet, (facet,)):
        params.pop(name, None)
    params.update(facet_params(facet, value))
    return urlencode(params)


@pytest.mark.parametrize("query", SEARCHES)
def test_facet_counts_equal_the_counts_clicking_gives(client, archive, query):
    facets = api(client, query)["facets"]
    checked = 0
    for facet, counts in facets.items():
        for value, count in counts.items():
            assert api(client, clicked(query, facet, value))["count"] == count, (facet, value)
            checked += 1
    assert checked


def test_facets_name_every_filter(client, archive):
    facets = api(client)["facets"]
    assert set(facets) == {"outcome", "treatment", "subcategory", "drug", "body_region", "guideline", "source", "specialty", "state", "sex", "year"}
    assert facets["outcome"] == {"upheld": 5, "overturned": 4}
    assert facets["source"] == {"MTUS": 4, "ODG": 3, "other": 1}
    assert facets["year"] == {"2015": 1, "2016": 3, "2017": 2}
    assert facets["state"] == {"CA": 4, "AZ": 2, "NV": 1, "NY": 1}


def test_an_item_facet_counts_on_the_same_item_as_the_other_item_filters(client, archive):
    facets = api(client, "source=ODG")["facets"]
    assert facets["outcome"] == {"upheld": 2, "overturned": 1}


def test_a_selected_facet_keeps_the_counts_of_its_alternatives(client, archive):
    facets = api(client, "outcome=overturned")["facets"]
    assert facets["outcome"] == {"upheld": 5, "overturned": 4}


def test_the_list_page_shows_each_facet_with_a_link_that_keeps_the_search(client, archive):
    html = client.get("/decisions/?q=pain&sort=decided").content.decode()
    assert 'href="?q=pain&amp;sort=decided&amp;outcome=overturned"' in html
    assert 'data-facet="outcome" data-value="overturned"' in html


def test_long_facets_put_the_rest_behind_a_more_element(client, archive):
    from tests.web.factories import Item, make_case

    for number, state in enumerate(["OR", "WA", "IL", "PA", "MA", "NJ", "MD"], start=10):
        make_case([Item("MRI", "upheld", "imaging", "mri")], case_number=f"CM16-00000{number}", states=(state,))
    html = client.get("/decisions/").content.decode()
    assert '<details class="facet-more">' in html


# Several filters at once, item- and letter-level, each facet's own filter among them: every facet
# is counted without its own filter but with all the others, on one and the same item.
COMBINED = [
    "outcome=overturned&treatment=medication&source=MTUS&sex=male",
    "guideline=odg-low-back&outcome=upheld&state=CA&specialty=physical-medicine-and-rehabilitation",
    "cited_by=claims_administrator&guideline=odg-low-back&outcome=overturned",
    "cited_by=claims_administrator&source=MTUS&treatment=acupuncture&sex=male",
    "q=pain&source=ODG&decided_from=2016-01-01&decided_to=2016-12-31",
    "treatment=medication&subcategory=opioid&outcome=upheld&guideline=mtus-chronic-pain&decided_from=2016-01-01&decided_to=2016-12-31",
    "source=other&outcome=overturned&age_min=20&age_max=40&injured_from=2015-01-01",
]


@pytest.mark.parametrize("query", COMBINED)
def test_facets_stay_exact_with_several_own_filters_set(client, archive, query):
    response = api(client, query)
    facets = response["facets"]
    for facet, counts in facets.items():
        for value, count in counts.items():
            assert api(client, clicked(query, facet, value))["count"] == count, (facet, value)


def test_counts_of_the_unfiltered_archive_follow_new_letters(client, archive):
    from tests.web.factories import Item, make_case

    before = api(client)
    make_case([Item("MRI of the knee", "overturned", "imaging", "mri", reviewer=["odg-low-back"])], states=("OR",))
    after = api(client)
    assert after["count"] == before["count"] + 1
    assert after["facets"]["outcome"]["overturned"] == before["facets"]["outcome"]["overturned"] + 1
    assert after["facets"]["state"]["OR"] == 1


@pytest.mark.parametrize(
    ("query", "letters", "items"),
    [("source=ODG&outcome=overturned", 1, 1), ("state=CA", 4, 7), ("state=CA&source=MTUS", 3, 4), ("", 6, 9)],
)
def test_the_totals_count_letters_and_their_matching_items(client, archive, query, letters, items):
    html = client.get(f"/decisions/?{query}").content.decode()
    assert f'<span data-testid="total">{letters}</span> letter' in html
    assert f"{items} matching disputed item" in html


def test_a_value_outside_the_taxonomy_is_still_counted(client, archive):
    from tests.web.factories import Item, make_case

    make_case([Item("Hyperbaric oxygen", "overturned", "not-in-taxonomy", "")], sex="female")
    assert api(client)["facets"]["treatment"]["not-in-taxonomy"] == 1
    assert api(client, "sex=female")["facets"]["treatment"]["not-in-taxonomy"] == 1
    assert api(client, "outcome=overturned")["facets"]["treatment"]["not-in-taxonomy"] == 1


def test_a_selected_value_stays_in_view_however_rare(client, archive, monkeypatch):
    monkeypatch.setattr("decisions.selectors.FACET_TOP", 1)
    from decisions.selectors import search_cases

    facet = search_cases({"outcome": "overturned"}).facets["outcome"]
    assert [value.value for value in facet.top if value.selected] == ["overturned"]
    assert all(not value.selected for value in facet.more)
