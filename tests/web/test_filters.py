"""Each search parameter narrows the letters as contract.md § Web says."""

from __future__ import annotations

import pytest

from tests.web.helpers import api, keys

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outcome=overturned", {"CM16-0000001", "CM16-0000002", "CM16-0000003", "CM16-0000005"}),
        ("outcome=upheld", {"CM16-0000001", "CM16-0000002", "CM16-0000003", "CM16-0000004", "CM16-0000006"}),
        ("treatment=acupuncture", {"CM16-0000001", "CM16-0000004"}),
        ("treatment=medication&subcategory=opioid", {"CM16-0000002", "CM16-0000003"}),
        ("treatment=medication/opioid", {"CM16-0000002", "CM16-0000003"}),
        ("guideline=odg-pain", {"CM16-0000006"}),
        ("guideline=odg-pain&cited_by=claims_administrator", {"CM16-0000001"}),
        ("source=ODG", {"CM16-0000002", "CM16-0000003", "CM16-0000006"}),
        ("source=other", {"CM16-0000005"}),
        ("source=ODG&cited_by=claims_administrator", {"CM16-0000001", "CM16-0000005"}),
        ("specialty=physical-medicine-and-rehabilitation", {"CM16-0000002", "CM16-0000003"}),
        ("specialty=pain-medicine", {"CM16-0000006"}),
        ("state=NV", {"CM16-0000002"}),
        ("state=az", {"CM16-0000004", "CM16-0000005"}),
        ("sex=female", {"CM16-0000002", "CM16-0000003"}),
        ("age_min=50", {"CM16-0000002", "CM16-0000004"}),
        ("age_max=39", {"CM16-0000003", "CM16-0000005"}),
        ("age_min=39&age_max=55", {"CM16-0000001", "CM16-0000002", "CM16-0000003"}),
        ("decided_from=2017-01-01", {"CM16-0000003", "CM16-0000006"}),
        ("decided_to=2016-06-30", {"CM16-0000004", "CM16-0000005"}),
        ("decided_from=2016-11-01&decided_to=2016-12-31", {"CM16-0000001", "CM16-0000002"}),
        ("injured_from=2015-03-01&injured_to=2015-03-01", {f"CM16-000000{n}" for n in range(1, 7)}),
        ("injured_to=2015-02-28", set()),
    ],
)
def test_each_parameter_narrows_the_letters(client, archive, query, expected):
    assert keys(client, query) == expected


def test_no_parameters_lists_every_letter_newest_first(client, archive):
    results = api(client)["results"]
    assert [row["key"] for row in results] == [
        "CM16-0000006",
        "CM16-0000003",
        "CM16-0000001",
        "CM16-0000002",
        "CM16-0000005",
        "CM16-0000004",
    ]


def test_sort_oldest_first(client, archive):
    assert api(client, "sort=decided")["results"][0]["key"] == "CM16-0000004"


def test_letters_without_a_decision_date_come_last_either_way(client, archive):
    from tests.web.factories import Item, make_case

    make_case([Item("Soma 350mg", "upheld", "medication", "muscle-relaxant")], case_number="CM16-0000099", decided=None)
    assert api(client, "sort=-decided")["results"][-1]["key"] == "CM16-0000099"
    assert api(client, "sort=decided")["results"][-1]["key"] == "CM16-0000099"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("outcome=maybe", "outcome"),
        ("treatment=chocolate", "treatment"),
        ("treatment=medication&subcategory=chocolate", "subcategory"),
        ("subcategory=opioid", "subcategory"),
        ("guideline=no-such-guideline", "guideline"),
        ("source=WHO", "source"),
        ("cited_by=nobody", "cited_by"),
        ("specialty=Not A Slug", "specialty"),
        ("state=California", "state"),
        ("state=C", "state"),
        ("state=1A", "state"),
        ("state=%C3%A9%C3%A9", "state"),
        ("state=C&specialty=orthopedic-surgery", "state"),
        ("sex=unknown", "sex"),
        ("age_min=old", "age_min"),
        ("age_min=60&age_max=20", "age_max"),
        ("decided_from=2016-13-45", "decided_from"),
        ("decided_from=2017-01-01&decided_to=2016-01-01", "decided_to"),
        ("injured_to=yesterday", "injured_to"),
        ("sort=random", "sort"),
        ("page=first", "page"),
        ("page=0", "page"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(client, archive, query, field):
    response = client.get(f"/api/decisions/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    page = client.get(f"/decisions/?{query}")
    assert page.status_code == 400
    assert f"<strong>{field}</strong>" in page.content.decode()
    assert client.get(f"/decisions/export.csv?{query}").status_code == 400


def test_a_refused_field_is_marked_invalid_and_points_to_its_message(client, archive):
    html = client.get("/decisions/?age_min=60&age_max=20").content.decode()
    assert 'id="id_age_max"' in html
    field = html[html.index('id="id_age_max"') :].split(">", 1)[0]
    assert 'aria-invalid="true"' in field and 'aria-describedby="error-age_max"' in field
    assert '<li id="error-age_max"><a href="#id_age_max"><strong>age_max</strong></a> (Age to): must not be before' in html
    assert '<input id="id_age_min"' in html and "aria-invalid" not in html[html.index('id="id_age_min"') :].split(">", 1)[0]
