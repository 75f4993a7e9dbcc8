"""The CSV export: one row per matching item, readable columns, safe in spreadsheets."""

from __future__ import annotations

import csv
import io

import pytest

from decisions.export import COLUMNS, safe_cell
from tests.web.factories import Item, make_case
from tests.web.helpers import csv_rows

pytestmark = pytest.mark.django_db


def test_columns_are_stable_and_readable(client, archive):
    rows = csv_rows(client, "q=gabapentin")
    assert tuple(rows[0]) == COLUMNS
    assert rows[0] == {
        "case": "CM16-0000001",
        "decision_date": "2016-12-09",
        "injury_date": "2015-03-01",
        "reviewer_specialties": "Orthopaedic Surgery",
        "reviewer_states": "CA",
        "position": "1",
        "request": "Gabapentin 600mg #90",
        "treatment_category": "medication",
        "treatment_subcategory": "anticonvulsant",
        "ingredients": "gabapentin",
        "body_region": "",
        "laterality": "",
        "quantity": "90",
        "outcome": "overturned",
        "reviewer_guidelines": "MTUS Chronic Pain Medical Treatment Guidelines",
        "claims_administrator_guidelines": "Official Disability Guidelines (ODG) Pain",
        "rationale": "Gabapentin is recommended for neuropathic pain.",
        "url": "http://testserver/decisions/CM16-0000001/",
    }


def test_without_filters_every_item_of_each_letter(client, archive):
    assert len(csv_rows(client)) == 9


def test_with_words_only_the_items_that_hold_them(client, archive):
    rows = csv_rows(client, "q=gabapentin")
    assert [row["request"] for row in rows] == ["Gabapentin 600mg #90"]


def test_with_item_filters_only_the_matching_items(client, archive):
    rows = csv_rows(client, "outcome=overturned")
    assert len(rows) == 4
    assert {row["outcome"] for row in rows} == {"overturned"}


def test_is_streamed_as_an_attachment(client, archive):
    response = client.get("/decisions/export.csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="imr-decisions.csv"'


def test_bad_parameters_are_refused_in_plain_text_naming_the_field(client, archive):
    response = client.get("/decisions/export.csv?outcome=maybe")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "outcome: " in response.content.decode()


def test_the_file_is_named_for_the_search(client, archive):
    response = client.get("/decisions/export.csv?q=Gabapentin&outcome=overturned")
    assert response["Content-Disposition"] == 'attachment; filename="imr-decisions-gabapentin-overturned.csv"'


@pytest.mark.parametrize("sort", ["relevance", "-decided", "decided"])
def test_rows_follow_the_letters_order_of_the_search(client, archive, sort):
    rows = list(
        csv.DictReader(io.StringIO(b"".join(client.get(f"/decisions/export.csv?q=pain&sort={sort}").streaming_content).decode()))
    )
    exported = list(dict.fromkeys(row["case"] for row in rows))
    listed = [letter["key"] for letter in client.get(f"/api/decisions/?q=pain&sort={sort}").json()["results"]]
    # Letters with the word only outside their items have no item to export.
    assert exported == [key for key in listed if key in exported] and len(exported) > 1


def test_cells_that_spreadsheets_would_run_are_neutralised(client, db):
    make_case([Item('=HYPERLINK("http://x")', rationale="+1 then -2 @SUM")], case_number="CM16-0000200")
    row = csv_rows(client)[0]
    assert row["request"] == '\'=HYPERLINK("http://x")'
    assert row["rationale"] == "'+1 then -2 @SUM"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1"])
def test_safe_cell_prefixes_formula_starts(value):
    assert safe_cell(value) == "'" + value


def test_safe_cell_leaves_numbers_and_plain_text():
    assert safe_cell(-3) == -3
    assert safe_cell("Norco 10/325") == "Norco 10/325"
