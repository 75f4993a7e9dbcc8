"""The CSV export: one row per matching item, readable columns, safe in spreadsheets."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from benchmarks.search_speed import copy_archive
from decisions import export
from decisions.export import COLUMNS, safe_cell
from decisions.selectors import search_cases, validate_search
from tests.web.factories import Item, make_case
from tests.web.helpers import csv_rows, keys_in_search_order

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
    assert response["Content-Disposition"] == 'attachment; filename="imr-decisions-9-rows.csv"'


def test_bad_parameters_are_refused_in_plain_text_naming_the_field(client, archive):
    response = client.get("/decisions/export.csv?outcome=maybe")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "outcome: " in response.content.decode()


def test_the_file_is_named_for_the_search(client, archive):
    response = client.get("/decisions/export.csv?q=Gabapentin&outcome=overturned")
    assert response["Content-Disposition"] == 'attachment; filename="imr-decisions-gabapentin-overturned-1-rows.csv"'


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


# --- the count up front, the cap, and streaming by chunks -------------------------------------------


def exported(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize(
    "query", ["", "q=pain", "outcome=overturned", "source=ODG&outcome=overturned", "q=gabapentin&sort=decided", "sex=female"]
)
def test_the_row_count_is_sent_first_and_equals_the_search_item_count(client, archive, query):
    response = client.get(f"/decisions/export.csv?{query}")
    rows = exported(response)
    item_total = search_cases(QueryDict(query)).item_total
    assert int(response["X-Total-Rows"]) == int(response["X-Search-Rows"]) == len(rows) == item_total
    assert response["Content-Disposition"].endswith(f'-{item_total}-rows.csv"')


def test_an_export_beyond_the_cap_holds_the_first_rows_and_says_so(client, archive, settings):
    settings.IMR_EXPORT_MAX_ROWS = 5
    response = client.get("/decisions/export.csv")
    rows = exported(response)
    whole = list(
        csv.DictReader(io.StringIO(b"".join(client.get("/decisions/export.csv?sort=-decided").streaming_content).decode()))
    )
    assert rows == whole[:5]
    assert (response["X-Total-Rows"], response["X-Search-Rows"]) == ("5", "9")
    assert response["Content-Disposition"] == 'attachment; filename="imr-decisions-first-5-of-9-rows.csv"'
    assert response["Link"] == '<http://testserver/downloads/>; rel="alternate"'
    page = client.get("/decisions/").content.decode()
    assert "The CSV holds the first 5 of these 9 items" in page and 'href="/downloads/"' in page


def test_the_list_page_says_nothing_of_a_cap_the_search_is_under(client, archive):
    assert "The CSV holds the first" not in client.get("/decisions/").content.decode()


COPIED_TABLES = ("decisions_sourcedocument", "decisions_case", "decisions_disputeditem", "decisions_citation")


@pytest.fixture
def many_letters(db, request):
    """The six letters of ``archive`` and 599 copies of each: 3,600 letters, 5,400 items."""
    # Copies take ids above the highest; sequences outlive a test's rollback, so each test starts them afresh.
    with connection.cursor() as cursor:
        for table in COPIED_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )
    archive = request.getfixturevalue("archive")
    copy_archive(599)
    return archive


@pytest.mark.slow
@pytest.mark.parametrize("query", ["", "q=pain", "outcome=overturned&sort=decided"])
def test_a_large_export_read_in_small_chunks_is_complete_and_in_the_search_order(client, many_letters, settings, query):
    settings.IMR_EXPORT_CHUNK_LETTERS = 100
    response = client.get(f"/decisions/export.csv?{query}")
    rows = exported(response)
    search = validate_search(QueryDict(query))
    assert len(rows) == int(response["X-Total-Rows"]) == search_cases(QueryDict(query)).item_total >= 1200
    assert len({(row["case"], row["position"]) for row in rows}) == len(rows)
    letters_in_order = list(dict.fromkeys(row["case"] for row in rows))
    # With words, a letter whose items do not hold them has no row; the others keep the search's order.
    assert letters_in_order == [key for key in keys_in_search_order(search) if key in letters_in_order]
    assert len(letters_in_order) >= 600


@pytest.mark.slow
def test_the_first_rows_leave_before_the_rest_are_read(client, many_letters, settings):
    settings.IMR_EXPORT_CHUNK_LETTERS = 100
    response = client.get("/decisions/export.csv")
    with CaptureQueriesContext(connection) as queries:
        chunks = iter(response.streaming_content)
        assert next(chunks).startswith(b"case,decision_date,")  # the header line, before any query
        assert len(queries) == 0
        first = next(chunks)
        before_first_rows = len(queries)
        rest = list(chunks)
    assert first.count(b"/decisions/") >= 100  # a chunk: the items of 100 letters
    assert before_first_rows <= 4  # the snapshot, the letters' cursor, one chunk of items
    assert len(queries) - before_first_rows >= 35  # each further chunk of 100 letters read after the first left
    assert len(rest) >= 35


def test_an_error_while_streaming_is_raised_to_the_server_not_a_clean_end(client, many_letters, settings, monkeypatch):
    """The server (gunicorn) then closes the connection without the closing chunk (tested with it
    in tests/web/test_export_served.py); here: the exception reaches it, after the first rows."""
    settings.IMR_EXPORT_CHUNK_LETTERS = 100
    read = export.rows_of
    calls = []

    def failing_on_the_third_chunk(search, letters):
        calls.append(letters)
        if len(calls) == 3:
            raise DatabaseError("the connection to the server was lost")
        return read(search, letters)

    monkeypatch.setattr(export, "rows_of", failing_on_the_third_chunk)
    chunks = iter(client.get("/decisions/export.csv").streaming_content)
    received = [next(chunks), next(chunks), next(chunks)]
    with pytest.raises(DatabaseError):
        next(chunks)
    assert len(received) == 3
