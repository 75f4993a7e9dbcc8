"""The admin's upload page: permission, checks at the door, then every upload staged for the worker."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from decisions import parsing
from decisions.models import Case, SourceDocument, UploadBatch
from decisions.samples import render_pdf
from tests.ingest.conftest import run_manage
from tests.ingest.letters import letter, oversized_letter_text, slow_pdf

UPLOAD_URL = "/admin/decisions/sourcedocument/upload/"


def staff(username: str, *, can_upload: bool) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_sourcedocument"))
    if can_upload:
        user.user_permissions.add(Permission.objects.get(codename="upload_letters"))
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_upload(number: int, **overrides: object) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"CM16-{9000000 + number}.txt", letter(number, **overrides).text().encode(), "text/plain")  # type: ignore[arg-type]


@pytest.mark.django_db
def test_staff_without_the_permission_get_403() -> None:
    client = client_for(staff("reader", can_upload=False))

    assert client.get(UPLOAD_URL).status_code == 403
    assert client.post(UPLOAD_URL, {"letters": [text_upload(1)]}).status_code == 403
    assert SourceDocument.objects.count() == 0


@pytest.mark.django_db
def test_the_changelist_links_to_the_upload_page_for_uploaders_only() -> None:
    changelist = reverse("admin:decisions_sourcedocument_changelist")

    assert "Upload letters" in client_for(staff("uploader", can_upload=True)).get(changelist).content.decode()
    assert "Upload letters" not in client_for(staff("reader", can_upload=False)).get(changelist).content.decode()


@pytest.mark.django_db
def test_an_upload_is_only_staged_and_queued_in_the_request(
    monkeypatch: pytest.MonkeyPatch, settings: object, tmp_path: Path
) -> None:
    settings.IMR_PARSE_TIMEOUT_SECONDS = 0  # type: ignore[attr-defined]  # a parse would run here, and break
    settings.IMR_UPLOAD_STAGING_DIR = tmp_path / "staging"  # type: ignore[attr-defined]

    def no_parsing_in_a_request(*args: object, **kwargs: object) -> None:
        raise AssertionError("a web request parsed a letter")

    monkeypatch.setattr(parsing, "extract_text", no_parsing_in_a_request)
    monkeypatch.setattr(parsing, "parse_text", no_parsing_in_a_request)
    client = client_for(staff("uploader", can_upload=True))
    pdf = SimpleUploadedFile("CM16-9000002.pdf", render_pdf(letter(2).text()), "application/pdf")

    response = client.post(UPLOAD_URL, {"letters": [text_upload(1), pdf]})

    batch = UploadBatch.objects.get()
    assert response.status_code == 302 and response.url == f"{UPLOAD_URL}{batch.pk}/"
    assert (batch.status, batch.total, [entry["name"] for entry in batch.staged_files]) == (
        "queued",
        2,
        ["CM16-9000001.txt", "CM16-9000002.pdf"],
    )
    task = DBTaskResult.objects.get()
    assert task.task_path == "decisions.tasks.ingest_upload_batch" and task.args_kwargs["args"] == [batch.pk]
    assert SourceDocument.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.pdf", b"hello, not a pdf", "fake.pdf: not a PDF (it does not start with %PDF-)"),
        ("binary.txt", b"\x00\x01\x02binary", "binary.txt: binary data, not a text file"),
        ("letter.doc", b"whatever", "letter.doc: unsupported file type &#x27;.doc&#x27;"),
        ("broken.zip", b"PK but not really", "broken.zip: not a valid .zip archive"),
    ],
)
def test_files_that_fail_the_checks_at_the_door_refuse_the_upload(name: str, data: bytes, message: str) -> None:
    client = client_for(staff("uploader", can_upload=True))

    response = client.post(UPLOAD_URL, {"letters": [text_upload(1), SimpleUploadedFile(name, data)]})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert SourceDocument.objects.count() == 0


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_with_the_limit(settings: object) -> None:
    settings.IMR_MAX_FILE_BYTES = 100  # type: ignore[attr-defined]
    client = client_for(staff("uploader", can_upload=True))

    response = client.post(UPLOAD_URL, {"letters": [text_upload(1)]})

    assert "over the 100-byte limit for a letter" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_large_upload_is_staged_and_completed_by_the_worker(
    settings: object, tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    settings.IMR_UPLOAD_STAGING_DIR = tmp_path / "staging"  # type: ignore[attr-defined]
    client = client_for(staff("uploader", can_upload=True))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        for number in range(1, 31):
            out.writestr(f"batch/CM16-{9000000 + number}.txt", letter(number).text())
        out.writestr("batch/CM16-9000031.txt", oversized_letter_text(31))
        out.writestr("batch/CM16-9000032.pdf", slow_pdf(32))
    upload = SimpleUploadedFile("batch.zip", archive.getvalue(), "application/zip")

    response = client.post(UPLOAD_URL, {"letters": [upload]})

    batch = UploadBatch.objects.get()
    assert response.status_code == 302 and response.url == f"{UPLOAD_URL}{batch.pk}/"
    waiting = client.get(response.url).content.decode()
    assert '<meta http-equiv="refresh"' in waiting and "Waiting for the background worker" in waiting

    worker_env = {**subprocess_env, "IMR_PARSE_TIMEOUT_SECONDS": "1"}
    worker = run_manage(worker_env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")

    assert worker.returncode == 0, worker.stderr
    batch.refresh_from_db()
    assert (batch.status, batch.ingested, batch.duplicates, batch.failed) == ("done", 31, 0, 1)
    done = client.get(response.url).content.decode()
    assert '<meta http-equiv="refresh"' not in done
    assert done.count('<tr class="result-ingested">') == 31 and 'href="/decisions/CM16-9000031/"' in done
    assert "parsing took longer than 1 s" in done
    assert Case.objects.count() == 31
    assert any("search text trimmed" in warning for warning in Case.objects.get(case_number="CM16-9000031").document.warnings)
    assert SourceDocument.objects.get(filename="batch.zip!batch/CM16-9000032.pdf").status == "failed"
    assert not any((tmp_path / "staging").rglob("*.zip")), "staged copies are removed once stored"
