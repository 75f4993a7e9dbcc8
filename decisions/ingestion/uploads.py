"""Admin uploads: checks at the door, then staged for the worker; nothing is parsed in the request.

The web request only checks each file (type, size, text encoding, zip structure), writes it to
a staging folder under IMR_DATA_DIR, records an ``UploadBatch`` and enqueues it. The background
worker (``decisions.tasks.ingest_upload_batch``) ingests it through the same pipeline as the
``ingest`` command, with its time limit per letter: a letter that traps the parser can hold
neither a web worker nor the upload's other letters.
"""

from __future__ import annotations

import codecs
import contextlib
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from decisions.ingestion.archives import zip_candidates
from decisions.ingestion.candidate import Candidate
from decisions.ingestion.pipeline import Ingester, Totals, source_limits
from decisions.ingestion.sources import LETTER_SUFFIXES, file_reader
from decisions.models import UploadBatch
from decisions.services import Uploader, uploader
from decisions.storage import make_private_folders, private_opener

SNIFF_BYTES = 8192
_TEXT_CONTROL_BYTES = frozenset(range(0, 9)) | {11} | frozenset(range(14, 32))


def upload_refusal(upload: UploadedFile) -> str | None:
    """Why an uploaded file is refused at the door, or None when it may go in."""
    name = upload.name or "(unnamed)"
    suffix = Path(name).suffix.lower()
    size = upload.size or 0
    if suffix == ".zip":
        limit = settings.IMR_MAX_ZIP_BYTES
        if size > limit:
            return f"{name}: the zip is {size:,} bytes, over the {limit:,}-byte limit for an archive"
        return None if zipfile.is_zipfile(upload) else f"{name}: not a valid .zip archive"
    if suffix not in LETTER_SUFFIXES:
        return f"{name}: unsupported file type {suffix or '(no suffix)'!r}; upload .pdf, .txt or .zip files"
    if size > settings.IMR_MAX_FILE_BYTES:
        return f"{name}: the file is {size:,} bytes, over the {settings.IMR_MAX_FILE_BYTES:,}-byte limit for a letter"
    head = read_head(upload)
    if suffix == ".pdf":
        return None if head.startswith(b"%PDF-") else f"{name}: not a PDF (it does not start with %PDF-)"
    return text_refusal(name, upload)


def read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def text_refusal(name: str, upload: UploadedFile) -> str | None:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if any(byte in _TEXT_CONTROL_BYTES for byte in data[:SNIFF_BYTES]):
        return f"{name}: binary data, not a text file"
    text = data.removeprefix(codecs.BOM_UTF8)
    for encoding in ("utf-8", "cp1252"):
        try:
            text.decode(encoding)
            return None
        except UnicodeDecodeError:
            continue
    return f"{name}: text is neither UTF-8 nor Windows-1252"


# --- staged, then run by the worker -------------------------------------------------------------


def staging_root() -> Path:
    return Path(settings.IMR_UPLOAD_STAGING_DIR)


def stage_uploads(uploads: Sequence[UploadedFile], *, uploaded_by: Uploader) -> UploadBatch:
    """Write the files to disk and record the batch; the caller enqueues the task."""
    folder = staging_root() / uuid.uuid4().hex
    make_private_folders(folder)
    staged = []
    for index, upload in enumerate(uploads):
        name = Path(upload.name or "upload").name
        target = folder / f"{index:05d}-{name}"
        with open(target, "wb", opener=private_opener) as out:
            for chunk in upload.chunks():
                out.write(chunk)
        staged.append({"path": str(target), "name": name})
    return UploadBatch.objects.create(created_by=uploader(uploaded_by), staged_files=staged, total=len(staged))


def staged_candidates(batch: UploadBatch) -> Iterator[Candidate]:
    limits = source_limits()
    for entry in batch.staged_files:
        path, name = Path(entry["path"]), entry["name"]
        if Path(name).suffix.lower() == ".zip":
            yield from zip_candidates(path, limits.zip, display=name, letter_suffixes=LETTER_SUFFIXES)
        else:
            yield Candidate(name, file_reader(path))


def run_upload_batch(batch: UploadBatch) -> Totals:
    """Ingest a staged batch, saving progress after every written chunk; safe to run again."""
    candidates = list(staged_candidates(batch))
    batch.status, batch.total, batch.processed, batch.results = UploadBatch.Status.RUNNING, len(candidates), 0, []
    batch.save(update_fields=["status", "total", "processed", "results"])

    def save_progress(totals: Totals) -> None:
        batch.processed, batch.ingested, batch.duplicates, batch.failed = (
            totals.processed,
            totals.ingested,
            totals.duplicates,
            totals.failed,
        )
        batch.save(update_fields=["processed", "ingested", "duplicates", "failed", "results"])

    ingester = Ingester(
        uploaded_by=batch.created_by, on_result=lambda result: batch.results.append(result.as_row()), on_batch=save_progress
    )
    totals = ingester.run(candidates)
    save_progress(totals)
    batch.status, batch.finished_at = UploadBatch.Status.DONE, timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    remove_staged_files(batch)
    return totals


def mark_batch_failed(batch: UploadBatch, error: BaseException) -> None:
    """The staged files stay, so the batch can be run again once the cause is fixed."""
    batch.status, batch.error, batch.finished_at = UploadBatch.Status.FAILED, f"{type(error).__name__}: {error}", timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])


def remove_staged_files(batch: UploadBatch) -> None:
    """Delete the staged copies (the originals are in storage now) and their emptied folder."""
    for entry in batch.staged_files:
        Path(entry["path"]).unlink(missing_ok=True)
    for folder in {Path(entry["path"]).parent for entry in batch.staged_files}:
        with contextlib.suppress(OSError):
            folder.rmdir()
