"""Stored originals and staged uploads are readable by the site's own user only: files 0600, folders 0700."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from decisions.ingestion.uploads import stage_uploads
from decisions.services import ingest_document
from decisions.storage import ContentAddressedStorage
from tests.ingest.letters import letter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most servers run with, under which files used to come out world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def folders_between(root: Path, path: Path) -> list[Path]:
    return [folder for folder in path.parents if folder != root and root in folder.parents]


def test_an_ingested_original_is_written_0600_in_a_folder_0700() -> None:
    result = ingest_document(data=letter(1).text().encode(), filename="one.txt")

    assert result.status == "ingested", result.message
    assert result.document is not None
    original = Path(default_storage.path(result.document.original.name))
    assert mode(original) == 0o600
    assert mode(original.parent) == 0o700


def test_the_storage_api_writes_originals_0600_in_folders_0700(tmp_path: Path) -> None:
    storage = ContentAddressedStorage(location=str(tmp_path / "documents"))

    name = storage.save("ab/abcdef.txt", ContentFile(b"the bytes of a letter"))

    saved = Path(storage.path(name))
    assert mode(saved) == 0o600
    assert [mode(folder) for folder in folders_between(tmp_path, saved)] == [0o700, 0o700]


def test_staged_uploads_are_written_0600_in_folders_0700(settings: object, tmp_path: Path) -> None:
    settings.IMR_UPLOAD_STAGING_DIR = tmp_path / "data" / "uploads"  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("CM16-9000002.txt", letter(2).text().encode(), "text/plain")

    batch = stage_uploads([upload], uploaded_by=None)

    staged = Path(batch.staged_files[0]["path"])
    assert staged.read_bytes() == letter(2).text().encode()
    assert mode(staged) == 0o600
    assert [mode(folder) for folder in folders_between(tmp_path, staged)] == [0o700, 0o700, 0o700]
