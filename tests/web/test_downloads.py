"""Bulk downloads: whole-archive files in the API's and the export's shapes, written atomically,
listed from their manifest, pruned, served; built by the command, the task and the admin button."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from decisions import downloads
from decisions.downloads import BUILD_LOCK, build_downloads, listed_files
from decisions.models import Case, DisputedItem
from tests.web.helpers import csv_rows

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


@pytest.fixture
def folder(settings, tmp_path) -> Path:
    settings.IMR_DOWNLOADS_DIR = tmp_path / "downloads"
    return settings.IMR_DOWNLOADS_DIR


def lines_of(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode().splitlines()


def built(folder: Path, kind: str) -> Path:
    return folder / next(file.name for file in listed_files(folder) if file.kind == kind)


def without_host(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_the_letters_file_holds_each_letter_as_the_api_gives_it(client, archive, folder):
    build_downloads(now=T0)
    letters = [json.loads(line) for line in lines_of(built(folder, "letters"))]
    assert [letter["key"] for letter in letters] == list(Case.objects.order_by("id").values_list("key", flat=True))
    for letter in letters:
        api = client.get(f"/api/decisions/{letter['key']}/").json()
        api["html_url"], api["original_url"] = without_host(api["html_url"]), without_host(api["original_url"])
        assert letter == api


def test_the_items_file_holds_the_rows_of_the_whole_archive_export(client, archive, folder):
    build_downloads(now=T0)
    rows = list(csv.DictReader(io.StringIO("\n".join(lines_of(built(folder, "items"))) + "\n")))
    exported = [{**row, "url": without_host(row["url"])} for row in csv_rows(client)]
    key = lambda row: (row["case"], int(row["position"]))  # noqa: E731
    assert sorted(rows, key=key) == sorted(exported, key=key)
    assert len(rows) == DisputedItem.objects.count() == 9


def test_the_manifest_gives_rows_size_and_sha256_of_each_file(archive, folder):
    build_downloads(now=T0)
    files = listed_files(folder)
    assert [(file.kind, file.rows) for file in files] == [("letters", 6), ("items", 9)]
    for file in files:
        data = (folder / file.name).read_bytes()
        assert file.bytes == len(data) and file.sha256 == hashlib.sha256(data).hexdigest()
        assert file.created == "2026-01-05T03:00:00+00:00"
    assert {path.name for path in folder.iterdir()} == {file.name for file in files} | {"manifest.json"}


def test_a_build_that_fails_midway_lists_nothing_new_and_leaves_no_partial_file(archive, folder, monkeypatch):
    build_downloads(now=T0)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def items_then_failure():
        yield b"case,decision_date\n", 0
        raise OSError("No space left on device")

    monkeypatch.setattr(downloads, "item_lines", items_then_failure)
    with pytest.raises(OSError, match="No space"):
        build_downloads(now=T0 + timedelta(days=1))
    # The new letters file, already complete, went with the failed items file: no trace of the build.
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert [file.created for file in listed_files(folder)] == [T0.isoformat()] * 2


def test_old_builds_are_pruned_keeping_the_newest(archive, folder, settings):
    settings.IMR_DOWNLOADS_KEEP = 2
    for day in range(4):
        build_downloads(now=T0 + timedelta(days=day))
    days = sorted({file.created[:10] for file in listed_files(folder)}, reverse=True)
    assert days == ["2026-01-08", "2026-01-07"]
    assert sorted(path.name for path in folder.glob("imr-*")) == sorted(file.name for file in listed_files(folder))


def test_a_second_build_while_one_runs_writes_nothing(archive, folder):
    settings_dict = connection.settings_dict
    with psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK])  # a build running in another process
        assert build_downloads(now=T0).skipped
        other.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK])  # that build ends
    assert not folder.exists() or not any(folder.iterdir())
    assert not build_downloads(now=T0).skipped


def test_the_page_lists_the_files_and_serves_them(client, archive, folder):
    build_downloads(now=T0)
    page = client.get("/downloads/").content.decode()
    for file in listed_files(folder):
        assert f'href="/downloads/{file.name}"' in page and file.sha256 in page
    letters = built(folder, "letters")
    response = client.get(f"/downloads/{letters.name}")
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == f'attachment; filename="{letters.name}"'
    assert b"".join(response.streaming_content) == letters.read_bytes()
    assert client.get("/downloads/latest/letters")["Location"] == f"/downloads/{letters.name}"
    manifest = client.get("/downloads/manifest.json").json()["files"]
    assert [entry["url"] for entry in manifest] == [f"http://testserver/downloads/{file.name}" for file in listed_files(folder)]


def test_only_listed_files_can_be_downloaded(client, archive, folder, settings):
    build_downloads(now=T0)
    (folder / "imr-letters-19990101T000000Z.jsonl.gz").write_bytes(b"not listed")
    assert client.get("/downloads/imr-letters-19990101T000000Z.jsonl.gz").status_code == 404
    assert client.get("/downloads/manifest.json.bak").status_code == 404
    assert client.get("/downloads/..%2Fsecret_key").status_code == 404
    assert client.get("/downloads/latest/everything").status_code == 404


def test_behind_nginx_the_file_is_handed_to_it(client, archive, folder, settings):
    settings.IMR_DOWNLOADS_ACCEL_REDIRECT = "/protected-downloads/"
    build_downloads(now=T0)
    name = built(folder, "items").name
    response = client.get(f"/downloads/{name}")
    assert response["X-Accel-Redirect"] == f"/protected-downloads/{name}" and response.content == b""


def test_before_any_build_the_page_says_how_files_are_made(client, db, folder):
    page = client.get("/downloads/").content.decode()
    assert "No files have been built yet" in page and "build_downloads" in page
    assert client.get("/downloads/latest/items").status_code == 404


def test_the_command_builds_and_reports_each_file(archive, folder):
    out = io.StringIO()
    call_command("build_downloads", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == [file.name for file in listed_files(folder)]
    assert "6 rows" in lines[0] and "9 rows" in lines[1]


def test_the_task_builds_the_files(archive, folder):
    result = downloads_task_result()
    assert result == {
        "skipped": False,
        "files": [{"name": f.name, "rows": f.rows, "bytes": f.bytes} for f in listed_files(folder)],
    }


def downloads_task_result() -> dict[str, object]:
    from decisions.tasks import build_downloads as task

    return task.call()


def test_the_admin_button_queues_the_task_for_superusers_only(client, django_user_model, archive):
    staff = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/decisions/case/build-downloads/").status_code == 403
    assert "Build bulk downloads" not in client.get("/admin/decisions/case/").content.decode()
    admin = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    assert "Build bulk downloads" in client.get("/admin/decisions/case/").content.decode()
    response = client.post("/admin/decisions/case/build-downloads/")
    assert response.status_code == 302
    task = DBTaskResult.objects.get()
    assert task.task_path == "decisions.tasks.build_downloads" and task.status == "READY"
