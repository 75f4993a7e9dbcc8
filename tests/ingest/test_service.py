"""The one write path: ingest_document and ingest_parsed_batch."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from decisions import services
from decisions.ingestion.prepare import prepare_document
from decisions.models import Case, Citation, DisputedItem, Guideline, Reviewer, SourceDocument
from decisions.samples import render_pdf
from decisions.services import ingest_document, ingest_parsed_batch
from tests.ingest.letters import Item, letter

pytestmark = pytest.mark.django_db


def ingest_text(text: str, filename: str = "letter.txt") -> services.IngestResult:
    return ingest_document(data=text.encode(), filename=filename)


def test_it_ingests_a_text_letter_whole() -> None:
    two_items = [Item(), Item(request="Acupuncture for the lower back, six sessions", outcome="Overturned")]
    result = ingest_text(letter(1, items=two_items).text())

    assert result.status == "ingested", result.message
    case = Case.objects.get(case_number="CM16-9000001")
    assert result.case == case and case.key == "CM16-9000001"
    assert case.item_count == 2 and case.overturned_count == 1
    assert case.patient_age == 47 and case.patient_sex == "female"
    assert sorted(case.reviewer.licensed_states) == ["CA", "OR"]
    assert [item.outcome for item in case.items.order_by("position")] == ["upheld", "overturned"]
    assert Citation.objects.filter(item__case=case).count() >= 2
    assert case.document.status == "parsed" and case.document.parser_version


def test_it_keeps_the_original_bytes_in_storage() -> None:
    data = letter(2).text().encode()
    result = ingest_document(data=data, filename="CM16-9000002.txt")

    assert result.document is not None
    with result.document.original.open("rb") as handle:
        assert handle.read() == data


def test_it_ingests_a_pdf_letter() -> None:
    result = ingest_document(data=render_pdf(letter(3).text()), filename="CM16-9000003.pdf")

    assert result.status == "ingested", result.message
    assert result.document.content_type == "application/pdf"
    assert result.case.items.count() == 1


def test_the_same_bytes_twice_create_nothing_new() -> None:
    first = ingest_text(letter(4).text(), "a.txt")
    second = ingest_text(letter(4).text(), "copy-of-a.txt")

    assert (first.status, second.status) == ("ingested", "duplicate")
    assert second.message == "duplicate of CM16-9000004"
    assert second.case == first.case
    assert (SourceDocument.objects.count(), Case.objects.count()) == (1, 1)


def test_a_reissued_letter_is_kept_as_failed_not_merged() -> None:
    ingest_text(letter(5).text(), "first.txt")
    reissued = ingest_text(letter(5, note="An addendum was received after the first decision.").text(), "second.txt")

    assert reissued.status == "failed"
    assert "re-issued letter: case CM16-9000005 is already in the archive from first.txt" in reissued.message
    assert Case.objects.count() == 1
    kept = SourceDocument.objects.get(filename="second.txt")
    assert kept.status == "failed" and kept.error == reissued.message and "addendum" in kept.text


def test_a_file_that_is_no_letter_is_kept_as_failed_with_its_reason() -> None:
    result = ingest_text("A note about lunch, not a determination letter.", "lunch.txt")

    assert result.status == "failed" and result.message
    document = SourceDocument.objects.get(filename="lunch.txt")
    assert document.error == result.message and "lunch" in document.text


def test_the_database_refuses_a_second_row_for_the_same_sha256() -> None:
    ingest_text(letter(6).text())
    document = SourceDocument.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        SourceDocument.objects.create(filename="x", sha256=document.sha256, size=1, content_type="text/plain", status="failed")


def test_the_database_refuses_a_second_case_with_the_same_number() -> None:
    case = ingest_text(letter(7).text()).case
    other = ingest_text("not a letter", "other.txt").document

    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(document=other, key="other", case_number=case.case_number, layout="A")


def test_equal_credentials_are_one_reviewer_and_guidelines_one_row_each() -> None:
    ingest_text(letter(8).text())
    ingest_text(letter(9, states="Oregon, California").text())
    ingest_text(letter(10, specialties="Internal Medicine").text())

    assert Reviewer.objects.count() == 2
    assert Guideline.objects.count() == len(set(Guideline.objects.values_list("slug", flat=True)))
    slugs = Citation.objects.values_list("guideline__slug", flat=True)
    assert len(set(slugs)) == Guideline.objects.count() == 2


def test_a_batch_writes_many_letters_and_reports_each_in_order() -> None:
    ingest_text(letter(11).text(), "already.txt")
    prepared = [
        prepare_document(letter(12).text().encode(), "new.txt"),
        prepare_document(letter(11).text().encode(), "known.txt"),
        prepare_document(letter(12).text().encode(), "same-bytes-again.txt"),
        prepare_document(b"no letter here", "junk.txt"),
        prepare_document(letter(13, note="Another copy of the case.").text().encode(), "twin-a.txt"),
        prepare_document(letter(13).text().encode(), "twin-b.txt"),
    ]

    results = ingest_parsed_batch(prepared)

    assert [result.filename for result in results] == [item.filename for item in prepared]
    statuses = [result.status for result in results]
    assert statuses[:4] == ["ingested", "duplicate", "duplicate", "failed"]
    assert sorted(statuses[4:]) == ["failed", "ingested"], "one of two different letters for one case number is re-issued"
    assert results[2].message == "duplicate of CM16-9000012"
    assert Case.objects.count() == 3 and DisputedItem.objects.count() == 3


def test_a_batch_that_loses_a_race_settles_each_letter_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another writer stored this file after our duplicate check: the batch insert conflicts.
    raced = ingest_text(letter(14).text(), "theirs.txt")
    real_existing = services.existing_documents
    calls = {"n": 0}

    def stale_first_check(sha256s):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return {} if calls["n"] == 1 else real_existing(sha256s)

    monkeypatch.setattr(services, "existing_documents", stale_first_check)
    results = ingest_parsed_batch(
        [prepare_document(letter(14).text().encode(), "ours.txt"), prepare_document(letter(15).text().encode(), "x.txt")]
    )

    assert [result.status for result in results] == ["duplicate", "ingested"]
    assert results[0].message == f"duplicate of {raced.case.key}"
    assert Case.objects.count() == 2


@pytest.mark.usefixtures("parser_in_this_process")
def test_a_crashing_parser_fails_the_file_not_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from decisions import parsing

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("boom")

    monkeypatch.setattr(parsing, "parse_text", broken)
    result = ingest_text(letter(16).text(), "crash.txt")

    assert result.status == "failed" and result.message == "parser crashed: ValueError: boom"
    assert SourceDocument.objects.get().status == "failed"
