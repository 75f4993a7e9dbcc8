"""``python manage.py reparse [--failed | --all]``: run the current parser on stored originals.

Cases are updated in place: their ids and URLs (``key``) stay. Failed documents that the
current parser reads become cases. Each document records the parser version that read it.
The last line is ``reparsed N, new cases C, failed F``; the exit status is 1 when F > 0.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db.models import QuerySet

from decisions import parsing
from decisions.ingestion.parser_process import stops_parser_process
from decisions.ingestion.progress import ProgressBar
from decisions.models import SourceDocument
from decisions.services import IngestResult, Lookups, reparse_document, reparse_summary
from imrsite.embedded.commands import DatabaseCommand


class Command(DatabaseCommand):  # says `migrate first` on an empty database
    help = "Re-run the current parser on stored originals (failed ones by default), updating cases in place."

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--failed", action="store_true", help="Only failed documents (the default).")
        scope.add_argument("--all", action="store_true", help="Every stored document.")
        scope.add_argument("--outdated", action="store_true", help=f"Documents not read by parser {parsing.PARSER_VERSION}.")

    @stops_parser_process
    def handle(self, *args: Any, all: bool, outdated: bool, verbosity: int, **options: Any) -> None:
        documents = self.documents(all_documents=all, outdated=outdated)
        progress = ProgressBar(self.stderr, documents.count(), label="reparse")
        lookups = Lookups()
        results: list[IngestResult] = []
        for document in documents.iterator(chunk_size=200):
            result = reparse_document(document=document, lookups=lookups)
            results.append(result)
            if result.status == "failed" or verbosity >= 2:
                progress.clear()
                stream = self.stderr if result.status == "failed" else self.stdout
                stream.write(f"{result.status}: {result.filename}: {result.message}")
            progress.update(len(results))
        progress.clear()
        self.stdout.write(reparse_summary(results))
        if any(result.status == "failed" for result in results):
            raise SystemExit(1)

    def documents(self, *, all_documents: bool, outdated: bool) -> QuerySet[SourceDocument]:
        documents = SourceDocument.objects.order_by("id")
        if all_documents:
            return documents
        if outdated:
            return documents.exclude(parser_version=parsing.PARSER_VERSION)
        return documents.filter(status=SourceDocument.Status.FAILED)
