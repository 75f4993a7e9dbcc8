"""``python manage.py generate_letters OUT_DIR --count N``: write realistic sample letters to files.

Files are named for the case number (layout A) or ``sample-NNNNNN`` (layout S), as .txt or
.pdf. Needs no database.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decisions.samples import SampleLetter, generate_letters, render_pdf


def file_name(letter: SampleLetter, index: int, suffix: str) -> str:
    """CM16-0213037.txt for a letter with a case number, sample-000042.txt otherwise."""
    stem = letter.case_number or f"sample-{index:06d}"
    return f"{stem}{suffix}"


def parse_layouts(value: str) -> tuple[str, ...]:
    """'A,S' -> ('A', 'S'); anything but A and S is refused."""
    layouts = tuple(part.strip().upper() for part in value.split(",") if part.strip())
    unknown = [name for name in layouts if name not in ("A", "S")]
    if not layouts or unknown:
        raise argparse.ArgumentTypeError(f"takes A, S or A,S; got {value!r}")
    return layouts


class Command(BaseCommand):
    help = "Write realistic sample IMR letters (.txt or .pdf) to a folder."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out_dir", type=Path, help="Folder to write into (created if missing).")
        parser.add_argument("--count", type=int, required=True, help="Number of letters.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed: the same seed gives the same letters.")
        parser.add_argument("--format", choices=("txt", "pdf"), default="txt", dest="file_format")
        parser.add_argument("--layouts", type=parse_layouts, default=("A", "S"), help="A, S or A,S (default).")

    def handle(
        self, *args: Any, out_dir: Path, count: int, seed: int, file_format: str, layouts: tuple[str, ...], **options: Any
    ) -> None:
        if count < 0:
            raise CommandError("--count must be 0 or more")
        out_dir.mkdir(parents=True, exist_ok=True)
        suffix = f".{file_format}"
        started = time.perf_counter()
        for index, letter in enumerate(generate_letters(count, seed=seed, layouts=layouts), start=1):
            path = out_dir / file_name(letter, index, suffix)
            if file_format == "pdf":
                path.write_bytes(render_pdf(letter.text))
            else:
                path.write_text(letter.text, encoding="utf-8")
        seconds = time.perf_counter() - started
        rate = count / seconds if seconds > 0 else 0.0
        self.stdout.write(f"wrote {count} letters to {out_dir} in {seconds:.2f}s ({rate:,.0f} letters/s)")
