"""``python manage.py ingest PATH...``: every .pdf and .txt file, folder and .zip into the archive."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decisions.services import ingest_document

LETTER_SUFFIXES = {".pdf", ".txt"}


class Command(BaseCommand):
    help = "Ingest IMR letters (.pdf, .txt), folders of them (recursively) and .zip archives."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files, folders or .zip archives.")

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        counts: Counter[str] = Counter()
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path}: no such file or folder")
        for file in letter_files(paths):
            result = ingest_document(data=file.read_bytes(), filename=str(file))
            counts[result.status] += 1
            if result.status == "failed":
                self.stderr.write(f"failed: {file}: {result.message}")
        self.stdout.write(f"ingested {counts['ingested']}, duplicates {counts['duplicate']}, failed {counts['failed']}")
        if counts["failed"]:
            raise SystemExit(1)


def letter_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LETTER_SUFFIXES))
        else:
            files.append(path)
    return files
