"""``python manage.py ingest PATH...``: every .pdf and .txt file, folder and .zip into the archive.

Contract (contract.md): the last line of output is ``ingested N, duplicates D, failed F``;
the exit status is 0 only when F is 0; every failure is named with its reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from decisions.ingestion.parser_process import stops_parser_process
from decisions.ingestion.pipeline import DEFAULT_BATCH_SIZE, Ingester, source_limits
from decisions.ingestion.progress import ProgressBar
from decisions.ingestion.sources import candidates_for
from decisions.services import IngestResult
from imrsite.embedded.commands import DatabaseCommand


class Command(DatabaseCommand):  # says `migrate first` on an empty database
    help = "Ingest IMR letters (.pdf, .txt), folders of them (recursively) and .zip archives."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files, folders or .zip archives.")
        parser.add_argument(
            "--workers", type=int, default=1, help="Processes that parse and write batches in parallel (default 1: all here)."
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Letters written per transaction.")

    @stops_parser_process
    def handle(self, *args: Any, paths: list[Path], workers: int, batch_size: int, verbosity: int, **options: Any) -> None:
        candidates = list(candidates_for(paths, source_limits()))
        progress = ProgressBar(self.stderr, len(candidates))

        def report(result: IngestResult) -> None:
            if result.status == "failed":
                progress.clear()
                self.stderr.write(f"failed: {result.filename}: {result.message}")
            elif verbosity >= 2:
                progress.clear()
                self.stdout.write(f"{result.status}: {result.filename}: {result.message}")
            progress.update(ingester.totals.processed)

        ingester = Ingester(workers=workers, batch_size=max(1, batch_size), on_result=report)
        totals = ingester.run(candidates)
        progress.clear()
        self.stdout.write(totals.summary())
        if totals.failed:
            raise SystemExit(1)
