"""``python manage.py build_downloads``: write the whole-archive bulk files listed on /downloads/.

Prints one line per file written (name, rows, bytes, sha256); exits 1 without writing anything
when another build is running.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from decisions.downloads import build_downloads, downloads_dir
from imrsite.embedded.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Build the bulk files of the whole archive (letters as gzip JSON Lines, items as gzip CSV) and list them on /downloads/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep", type=int, default=None, help="Builds to keep (default IMR_DOWNLOADS_KEEP).")

    def handle(self, *args: Any, keep: int | None, **options: Any) -> None:
        if keep is not None and keep < 1:
            self.stderr.write("--keep must be at least 1")
            raise SystemExit(2)
        build = build_downloads(keep=keep)
        if build.skipped:
            self.stderr.write("Another build is running: nothing was written.")
            raise SystemExit(1)
        for file in build.files:
            self.stdout.write(f"{file.name}: {file.rows} rows, {file.bytes} bytes, sha256 {file.sha256}")
        self.stdout.write(f"written to {downloads_dir()}")
