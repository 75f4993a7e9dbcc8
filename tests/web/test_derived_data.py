"""Data copied for search is kept by PostgreSQL itself, whoever writes (migration 0012).

Each test writes the way something other than the ingest service would (an admin form's save,
plain SQL as typed in psql) and checks what the search reads: the reviewers' specialty slugs, the
items' copies of their citations, the letters' search text and counts, and the archive version.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils.text import slugify
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisions import facets
from decisions.filters import cleaned_params
from decisions.models import Case, Citation, DisputedItem, Guideline, Reviewer
from decisions.samples import generate_letters
from decisions.services import ingest_document
from tests.web.factories import Item, add_item, make_case


def sql(statement: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else []


def search_total(**params: str) -> int:
    cleaned, errors = cleaned_params(params)
    assert not errors, errors
    return facets.search_counts(cleaned).letters


@pytest.fixture
def letter(db) -> Case:
    return make_case(
        [
            Item("Norco 10/325 #60", "upheld", "medication", "opioid", "Opioids are not indicated.", 60, ["mtus-chronic-pain"]),
            Item("Acupuncture 6 sessions", "overturned", "acupuncture", "acupuncture", "Trial is reasonable.", 6, ["odg-pain"]),
        ],
        specialties=("Family Practice",),
    )


def test_a_reviewers_specialties_saved_as_the_admin_form_does_give_new_slugs_to_search(letter):
    reviewer = letter.reviewer
    reviewer.specialties = ["Physical Medicine & Rehabilitation"]
    reviewer.save()  # the admin form saves the model; it knows nothing of the slugs
    reviewer.refresh_from_db()
    assert reviewer.specialty_slugs == ["physical-medicine-rehabilitation"]
    assert search_total(specialty="physical-medicine-rehabilitation") == 1
    assert search_total(specialty="family-practice") == 0


def test_a_guidelines_source_changed_in_sql_changes_the_items_citing_it(letter):
    odg = Guideline.objects.get(slug="odg-pain")
    sql("UPDATE decisions_guideline SET source = 'other' WHERE id = %s", [odg.id])
    item = DisputedItem.objects.get(case=letter, position=2)
    assert item.reviewer_sources == ["other"]
    assert search_total(source="ODG") == 0
    assert search_total(source="other") == 1


def test_a_citation_deleted_in_sql_leaves_its_item(letter):
    sql("DELETE FROM decisions_citation WHERE item_id IN (SELECT id FROM decisions_disputeditem WHERE position = 1)")
    item = DisputedItem.objects.get(case=letter, position=1)
    assert (item.reviewer_guideline_ids, item.reviewer_sources) == ([], [])
    assert search_total(guideline="mtus-chronic-pain") == 0


def test_copies_written_over_directly_are_put_right(letter):
    sql("UPDATE decisions_disputeditem SET reviewer_guideline_ids = '{}', reviewer_sources = '{ODG}'")
    item = DisputedItem.objects.get(case=letter, position=1)
    assert item.reviewer_sources == ["MTUS"]
    assert item.reviewer_guideline_ids == [Guideline.objects.get(slug="mtus-chronic-pain").id]


def test_an_items_request_changed_in_sql_is_what_the_words_find(letter):
    sql("UPDATE decisions_disputeditem SET request = 'Hysingla ER 20mg' WHERE position = 1")
    letter.refresh_from_db()
    assert letter.search_requests.splitlines()[0] == "Hysingla ER 20mg"
    assert search_total(q="hysingla") == 1
    assert search_total(q="norco", exact="true") == 0  # (Norco alone also finds Hysingla, the same drug)


def test_an_item_deleted_or_added_changes_the_letters_counts(letter):
    second = DisputedItem.objects.get(case=letter, position=2)
    sql("DELETE FROM decisions_citation WHERE item_id = %s; DELETE FROM decisions_disputeditem WHERE id = %s", [second.id, second.id])
    letter.refresh_from_db()
    assert (letter.item_count, letter.overturned_count) == (1, 0)
    assert "Acupuncture" not in letter.search_requests
    add_item(letter, 3, Item("Chiropractic 8 visits", "overturned", "chiropractic", "chiropractic", "Helps.", 8, []))
    letter.refresh_from_db()
    assert (letter.item_count, letter.overturned_count) == (2, 1)
    assert letter.search_requests.splitlines()[:2] == ["Norco 10/325 #60", "Chiropractic 8 visits"]
    assert letter.search_rationales.splitlines() == ["Opioids are not indicated.", "Helps."]


def test_a_letter_saved_with_wrong_counts_or_text_gets_them_from_its_items(letter):
    letter.item_count, letter.search_requests, letter.diagnoses = 9, "nonsense", ["Cervical radiculopathy"]
    letter.save()
    letter.refresh_from_db()
    assert letter.item_count == 2
    # requests, diagnoses, then the class words of its medication items (migration 0015)
    assert letter.search_requests.splitlines() == ["Norco 10/325 #60", "Acupuncture 6 sessions", "Cervical radiculopathy", "opioid"]
    assert search_total(q="radiculopathy") == 1


def test_every_write_to_a_searched_table_advances_the_version(letter):
    seen = [facets.archive_version()]
    for statement in (
        "UPDATE decisions_reviewer SET licensed_states = '{NV}'",
        "UPDATE decisions_guideline SET title = title || ' (rev)'",
        "UPDATE decisions_citation SET pages = '12'",
        "UPDATE decisions_disputeditem SET quantity = 3",
        "UPDATE decisions_case SET patient_age = 50",
        "DELETE FROM decisions_citation",
    ):
        sql(statement)
        seen.append(facets.archive_version())
        assert seen[-1].number > seen[-2].number, statement
        assert seen[-1].rewritten == seen[-1].number, statement


def test_inserts_advance_the_version_without_counting_as_a_rewrite(letter):
    before = facets.archive_version()
    make_case([Item("MRI lumbar spine", "upheld", "imaging", "mri", "Not indicated.", None, ["odg-low-back"])])
    after = facets.archive_version()
    assert after.number > before.number
    assert after.only_added_to(before)


def test_letters_the_ingest_service_writes_need_no_correction(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_case([Item("Physical therapy 12 visits", "upheld", "physical-therapy", "physical-therapy", "No.", 12, [])])
    before = facets.archive_version()
    for number, generated in enumerate(generate_letters(15, seed=11), start=1):
        result = ingest_document(data=generated.text.encode(), filename=f"letter-{number}.txt")
        assert result.status == "ingested", result.message
    # Had a trigger found a value to correct, it would have rewritten a row: a rewrite.
    assert facets.archive_version().only_added_to(before)
    assert Citation.objects.exists()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40))
def test_the_databases_slugs_are_djangos(db, name):
    assert sql("SELECT imr_slug(%s)", [name])[0][0] == slugify(name)


def test_reviewers_inserted_in_sql_get_slugs(db):
    sql("INSERT INTO decisions_reviewer (credentials_key, specialties, specialty_slugs, licensed_states) VALUES ('k', %s, '{}', '{CA}')", [["Orthopaedic Surgery", "Pain  Medicine -"]])
    assert Reviewer.objects.get(credentials_key="k").specialty_slugs == ["orthopaedic-surgery", "pain-medicine"]
