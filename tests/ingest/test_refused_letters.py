"""A letter the database cannot store as it is costs that letter alone, never its batch or the run.

The case in point: a letter padded with 120,000 distinct words (1.3 MB of text) would make a
search vector over PostgreSQL's 1 MB limit. It is stored whole, its search vector reading only
the first part of each text (and a warning on its document). A letter the database does refuse
(here: a check constraint the test adds) fails alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from decisions import services
from decisions.ingestion.prepare import prepare_document
from decisions.models import Case, SourceDocument
from tests.ingest.conftest import run_command, write_letters
from tests.ingest.letters import letter, oversized_letter_text, padding_word


def folder_with_oversized_letter(folder: Path) -> Path:
    """Letters 1 and 3 as usual, letter 2 (read between them, in the same batch) oversized."""
    write_letters(folder, [letter(1), letter(3)])
    (folder / "CM16-9000002.txt").write_text(oversized_letter_text(2))
    return folder


REFUSAL = "refused by this test"


@pytest.fixture
def database_refuses_oversized_letters() -> None:
    """The database refuses the letters numbered 2 and 99 (the test's transaction drops the constraint)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE decisions_case ADD CONSTRAINT \"{REFUSAL}\""
            " CHECK (case_number NOT IN ('CM16-9000002', 'CM16-9000099'))"
        )


def assert_oversized_letter_stored_trimmed() -> None:
    case = Case.objects.get(case_number="CM16-9000002")
    assert any("search text trimmed" in warning for warning in case.document.warnings)
    assert len(case.document.text) > 1_000_000, "the document keeps the whole text"
    assert len(case.clinical_summary) + len(case.search_rationales) > 1_000_000, "and so does the case"
    found = Case.objects.filter(search_vector=SearchQuery(padding_word(7), config="english"))
    assert list(found) == [case], "words before the cut are found"


@pytest.mark.django_db
def test_an_oversized_letter_is_stored_with_its_search_text_trimmed(tmp_path: Path) -> None:
    run = run_command("ingest", str(folder_with_oversized_letter(tmp_path / "letters")))

    assert (run.status, run.summary) == (0, "ingested 3, duplicates 0, failed 0"), run.stderr
    assert_oversized_letter_stored_trimmed()


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_an_oversized_letter_is_stored_trimmed_by_writer_processes_too(tmp_path: Path) -> None:
    run = run_command("ingest", "--workers", "2", str(folder_with_oversized_letter(tmp_path / "letters")))

    assert (run.status, run.summary) == (0, "ingested 3, duplicates 0, failed 0"), run.stderr
    assert_oversized_letter_stored_trimmed()


@pytest.mark.django_db
@pytest.mark.usefixtures("database_refuses_oversized_letters")
def test_a_letter_the_database_refuses_fails_alone_and_the_run_goes_on(tmp_path: Path) -> None:
    run = run_command("ingest", str(folder_with_oversized_letter(tmp_path / "letters")))

    assert (run.status, run.summary) == (1, "ingested 2, duplicates 0, failed 1")
    assert f'CM16-9000002.txt: the database refused to store this letter: new row for relation "decisions_case" violates check constraint "{REFUSAL}"' in run.stderr
    assert sorted(Case.objects.values_list("case_number", flat=True)) == ["CM16-9000001", "CM16-9000003"]
    refused = SourceDocument.objects.get(filename__endswith="CM16-9000002.txt")
    assert refused.status == "failed" and REFUSAL in refused.error


@pytest.mark.django_db
@pytest.mark.usefixtures("database_refuses_oversized_letters")
def test_a_refused_letter_in_a_batch_leaves_every_neighbour_written() -> None:
    texts = [letter(number).text() for number in range(11, 16)]
    texts[3:3] = [oversized_letter_text(99)]
    prepared = [prepare_document(text.encode(), f"{index}.txt") for index, text in enumerate(texts)]

    results = services.ingest_parsed_batch(prepared)

    assert [result.status for result in results] == ["ingested"] * 3 + ["failed"] + ["ingested"] * 2
    assert Case.objects.count() == 5
    assert SourceDocument.objects.get(filename="3.txt").error == results[3].message
