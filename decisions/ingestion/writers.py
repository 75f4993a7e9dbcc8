"""Writer processes: each parses a batch and writes it itself, in its own connection and transaction.

With one writer (the main process) every parsed letter was pickled back to it and written in
turn, so the writer's CPU and its waits on PostgreSQL bounded the whole run. Here each worker
process parses and writes its own batches; the main process only reads, hashes and reports.
Concurrent writers are what the write path is built for (see decisions/services.py): the
unique sha256 decides races, rows are inserted in one global order, a conflict or deadlock
falls back to writing letters one by one.

No Django at import time: a ``spawn``ed process imports this module (to find
``start_writer_process``) before Django is set up, so models are imported inside functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decisions.ingestion.parser_process import exit_with_parent, parse_within_limit
from decisions.ingestion.prepare import ParseOutcome, PreparedDocument

if TYPE_CHECKING:
    from decisions.services import IngestResult, Lookups, Uploader

# One file for a writer process: (filename, bytes, sha256, refusal). A refusal (e.g. an
# unsupported file type) keeps the file as a failed document without parsing it.
WriteItem = tuple[str, bytes, str, str]

# Reviewer and guideline ids this process has seen, kept across its batches.
_lookups: Lookups | None = None


def settings_for_writers() -> dict[str, Any]:
    """The parent's live database, storage and parse time limit settings, which a writer process must share.

    A spawned process re-reads the settings module, which is not enough: the test runner
    points the connection at its test database, and the test settings pick a fresh temporary
    folder for originals on every import.
    """
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections

    return {
        "DATABASES": {**settings.DATABASES, DEFAULT_DB_ALIAS: dict(connections[DEFAULT_DB_ALIAS].settings_dict)},
        "STORAGES": settings.STORAGES,
        "IMR_PARSE_TIMEOUT_SECONDS": settings.IMR_PARSE_TIMEOUT_SECONDS,
    }


def start_writer_process(overrides: dict[str, Any]) -> None:
    """Initializer of a writer process: Django set up with the parent's database and storage."""
    import django
    from django.conf import settings

    exit_with_parent()
    for name, value in overrides.items():
        setattr(settings, name, value)
    django.setup()


def parse_and_write(items: list[WriteItem], uploaded_by: Uploader) -> list[IngestResult]:
    """Parse a batch and write it in one transaction; results in the order given, made light."""
    from decisions import services

    global _lookups
    if _lookups is None:
        _lookups = services.Lookups()
    results = services.ingest_parsed_batch(prepared_documents(items), uploaded_by=uploaded_by, lookups=_lookups)
    return [light_result(result) for result in results]


def prepared_documents(items: list[WriteItem]) -> list[PreparedDocument]:
    """Each item parsed (within the time limit) or, when it carries a refusal, kept unparsed."""
    from django.conf import settings

    to_parse = [(filename, data, sha256) for filename, data, sha256, refusal in items if not refusal]
    parsed = iter(parse_within_limit(to_parse, float(settings.IMR_PARSE_TIMEOUT_SECONDS)))
    return [
        PreparedDocument(filename, data, sha256, ParseOutcome(None, "", refusal) if refusal else next(parsed))
        for filename, data, sha256, refusal in items
    ]


def light_result(result: IngestResult) -> IngestResult:
    """The result with only the ids and names of its rows: the letter's text stays out of the pipe."""
    from dataclasses import replace

    from decisions.models import Case, SourceDocument

    document, case = result.document, result.case
    return replace(
        result,
        document=None if document is None else SourceDocument(pk=document.pk, filename=document.filename, sha256=document.sha256),
        case=None if case is None else Case(pk=case.pk, key=case.key, case_number=case.case_number),
    )
