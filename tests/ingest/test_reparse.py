"""`manage.py reparse` and the admin's retry action: cases updated in place, failed files promoted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from decisions import parsing
from decisions.models import Case, SourceDocument
from decisions.services import ingest_document
from tests.ingest.conftest import run_command
from tests.ingest.letters import letter

# The parser is patched in these tests: it must run in this process, not in the time-limited child.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("parser_in_this_process")]


def fail_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, *, filename: str, sha256: str) -> parsing.ParsedDecision:
        raise parsing.ParseError(filename, "an older parser could not read this layout")

    monkeypatch.setattr(parsing, "parse_text", refuse)


def test_reparse_all_keeps_case_ids_and_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_document(data=letter(1).text().encode(), filename="one.txt")
    before = Case.objects.get()
    url = before.get_absolute_url()
    monkeypatch.setattr(parsing, "PARSER_VERSION", "9.9.9")

    run = run_command("reparse", "--all")

    assert (run.status, run.summary) == (0, "reparsed 1, new cases 0, failed 0")
    after = Case.objects.get()
    assert (after.pk, after.key, after.get_absolute_url()) == (before.pk, before.key, url)
    assert after.items.count() == 1
    assert after.document.parser_version == "9.9.9"


def test_a_failed_document_that_now_parses_becomes_a_case(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        fail_parsing(patch)
        failed = ingest_document(data=letter(2).text().encode(), filename="two.txt")
    assert failed.status == "failed" and Case.objects.count() == 0

    run = run_command("reparse", "--failed")

    assert (run.status, run.summary) == (0, "reparsed 0, new cases 1, failed 0")
    document = SourceDocument.objects.get()
    assert (document.status, document.error, document.case.key) == ("parsed", "", "CM16-9000002")


def test_a_document_that_still_fails_keeps_its_newest_reason() -> None:
    ingest_document(data=b"still not a letter", filename="junk.txt")

    run = run_command("reparse")

    assert run.status == 1 and run.summary == "reparsed 0, new cases 0, failed 1"
    assert "failed: junk.txt: " in run.stderr


def test_a_parsed_case_is_kept_when_the_current_parser_fails_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_document(data=letter(3).text().encode(), filename="three.txt")
    fail_parsing(monkeypatch)

    run = run_command("reparse", "--all")

    assert run.status == 1 and "case CM16-9000003 kept" in run.stderr
    assert Case.objects.get().document.status == "parsed"


def test_the_admin_retry_action_runs_the_current_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        fail_parsing(patch)
        ingest_document(data=letter(4).text().encode(), filename="four.txt")
    admin = User.objects.create_superuser("admin", password="pw-for-tests-only")
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/decisions/sourcedocument/",
        {"action": "retry_with_current_parser", "_selected_action": [SourceDocument.objects.get().pk]},
        follow=True,
    )

    assert "eparsed 0, new cases 1, failed 0" in response.content.decode()  # the admin capitalises messages
    assert Case.objects.get().key == "CM16-9000004"


def test_the_failed_documents_list_shows_status_filter_and_error() -> None:
    ingest_document(data=b"not a letter at all", filename="junk.txt")
    admin = User.objects.create_superuser("admin", password="pw-for-tests-only")
    client = Client()
    client.force_login(admin)

    page = client.get("/admin/decisions/sourcedocument/?status__exact=failed").content.decode()

    assert "junk.txt" in page and SourceDocument.objects.get().error[:40] in page
    document_page = client.get(f"/admin/decisions/sourcedocument/{SourceDocument.objects.get().pk}/change/").content.decode()
    assert "not a letter at all" in document_page
