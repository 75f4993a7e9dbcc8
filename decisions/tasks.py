"""Background tasks, run by ``python manage.py db_worker`` (django-tasks with the database backend)."""

from __future__ import annotations

from django_tasks import task

from decisions import downloads
from decisions.ingestion.uploads import mark_batch_failed, run_upload_batch
from decisions.models import UploadBatch


@task()
def ingest_upload_batch(batch_id: int) -> dict[str, int]:
    """Ingest a large admin upload staged on disk; returns the totals, also kept on the batch."""
    batch = UploadBatch.objects.get(pk=batch_id)
    try:
        totals = run_upload_batch(batch)
    except Exception as error:
        mark_batch_failed(batch, error)
        raise
    return {"ingested": totals.ingested, "duplicates": totals.duplicates, "failed": totals.failed}


@task()
def build_downloads() -> dict[str, object]:
    """Build the whole-archive bulk files (``decisions.downloads``); says so when another build was running."""
    build = downloads.build_downloads()
    return {
        "skipped": build.skipped,
        "files": [{"name": file.name, "rows": file.rows, "bytes": file.bytes} for file in build.files],
    }
