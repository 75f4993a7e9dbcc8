"""Rows written with COPY are the rows ``bulk_create`` would write; originals are stored whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from decisions.ingestion.originals import save_original
from decisions.ingestion.rows import copy_statement, insert_rows
from decisions.models import Case, Guideline, SourceDocument
from decisions.services import ingest_document
from tests.ingest.letters import Item, letter

pytestmark = pytest.mark.django_db


def test_copied_rows_get_ids_defaults_and_the_generated_search_vector() -> None:
    items = [Item(), Item(request="Acupuncture for the lower back, six sessions", outcome="Overturned")]
    result = ingest_document(data=letter(1, items=items).text().encode(), filename="one.txt")

    case = Case.objects.get(pk=result.case.pk)  # type: ignore[union-attr]
    assert case.search_vector and "acupunctur" in str(case.search_vector)
    assert case.created_at is not None and case.updated_at is not None
    assert case.document.uploaded_at is not None and case.document.original.name.endswith(".txt")
    assert [(item.position, item.case_id) for item in case.items.order_by("position")] == [(1, case.pk), (2, case.pk)]
    cited = {citation.item_id for item in case.items.all() for citation in item.citations.all()}
    assert cited == set(case.items.values_list("id", flat=True))
    assert case.items.get(position=1).reviewer_guideline_ids, "the search arrays are written with the items"


def test_the_generated_column_is_left_to_postgresql() -> None:
    from django.db import connection

    assert "search_vector" not in copy_statement(connection, Case)


def test_a_unique_conflict_in_copy_is_djangos_integrity_error() -> None:
    Guideline.objects.create(slug="taken", source="other", title="Taken")

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Guideline, [Guideline(slug="taken", source="other", title="Again")])
    assert Guideline.objects.count() == 1


def test_an_original_is_written_once_whole_and_private(tmp_path: Path) -> None:
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    save_original(storage, "ab/abc.txt", b"the letter")
    save_original(storage, "ab/abc.txt", b"not written: the name is taken by these same bytes")

    stored = tmp_path / "ab" / "abc.txt"
    assert stored.read_bytes() == b"the letter"
    assert stored.stat().st_mode & 0o777 == 0o600, "readable by the site's own user only"
    assert [path.name for path in stored.parent.iterdir()] == ["abc.txt"], "no temporary file is left behind"


def test_documents_written_by_copy_read_back_like_any_other() -> None:
    result = ingest_document(data=b"no letter here", filename="junk.txt")

    document = SourceDocument.objects.get(pk=result.document.pk)  # type: ignore[union-attr]
    assert (document.status, document.warnings, document.content_type) == ("failed", [], "text/plain")
    assert document.original.read() == b"no letter here"
