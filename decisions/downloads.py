"""Bulk files of the whole archive, listed on /downloads/.

A build writes two gzip files from one snapshot of the archive (a read-only REPEATABLE READ
transaction, so the two agree with each other):

- ``imr-letters-<stamp>.jsonl.gz``: one letter a line, in the shape of the API's
  ``/api/decisions/<case>/`` (``CaseDetailSerializer``: the letter, its items, their citations),
  letters in the order they entered the archive (id);
- ``imr-items-<stamp>.csv.gz``: one disputed item a row, the columns and cells of the CSV export
  (``decisions.export``), in the same letter order, each letter's items in their own.

Both are read in chunks through server-side cursors and compressed as they are read, so memory
does not grow with the archive. Each file is written under a temporary name in the downloads
folder, flushed to disk (fsync) and renamed into place; the manifest (``manifest.json``), which
is all the listing reads, is written the same way last, so a half-written file is never listed.
Then files the manifest no longer names are removed: the newest ``IMR_DOWNLOADS_KEEP`` builds
are kept. One build runs at a time (a PostgreSQL advisory lock); another started meanwhile
returns at once without writing anything.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from decisions.export import COLUMNS, Echo, batched, item_rows, letter_url_prefix, one_snapshot, row_for
from decisions.models import DisputedItem
from decisions.serializers import CaseDetailSerializer, letters_in_full

MANIFEST = "manifest.json"
# pg_advisory_xact_lock key for "a downloads build is running" (any 64-bit number unused elsewhere).
BUILD_LOCK = 0x494D_5242_554C_4B31
KINDS = {
    "letters": "Letters with their items and citations, one JSON object a line (gzip JSON Lines)",
    "items": "Disputed items, one a row, the CSV export's columns (gzip CSV)",
}
SUFFIXES = {"letters": ".jsonl.gz", "items": ".csv.gz"}


@dataclass(frozen=True)
class BulkFile:
    """One file as the manifest lists it."""

    name: str
    kind: str  # "letters" or "items"
    rows: int  # JSON lines, or CSV rows after the header
    bytes: int
    sha256: str  # of the file as downloaded (compressed)
    created: str  # ISO 8601, when its build read the archive

    @property
    def description(self) -> str:
        return KINDS[self.kind]

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.created)


@dataclass(frozen=True)
class Build:
    files: list[BulkFile]
    skipped: bool = False  # another build was running


def downloads_dir() -> Path:
    return Path(settings.IMR_DOWNLOADS_DIR)


# --- reading the manifest -------------------------------------------------------------------------


def listed_files(folder: Path | None = None) -> list[BulkFile]:
    """The files the manifest lists, newest build first (none before the first build)."""
    try:
        data = json.loads(((folder or downloads_dir()) / MANIFEST).read_text())
    except FileNotFoundError:
        return []
    return [BulkFile(**entry) for entry in data["files"]]


def listed_file(name: str) -> BulkFile | None:
    return next((file for file in listed_files() if file.name == name), None)


def latest(kind: str) -> BulkFile | None:
    return next((file for file in listed_files() if file.kind == kind), None)


# --- building ---------------------------------------------------------------------------------------


def build_downloads(*, folder: Path | None = None, keep: int | None = None, now: datetime | None = None) -> Build:
    """Write the letters and items files of the archive as it is now, list them, prune old ones.

    ``now`` names the build (to the second, UTC): by default the time it starts."""
    folder = folder or downloads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with one_snapshot():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [BUILD_LOCK])
            (locked,) = cursor.fetchone()
        if not locked:
            return Build([], skipped=True)
        remove_temporary_files(folder)  # left by a build that died: none can be running now
        created = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
        stamp = created.strftime("%Y%m%dT%H%M%SZ")
        made: list[BulkFile] = []
        try:
            made.append(write_gzip(folder, f"imr-letters-{stamp}{SUFFIXES['letters']}", "letters", letter_lines(), created))
            made.append(write_gzip(folder, f"imr-items-{stamp}{SUFFIXES['items']}", "items", item_lines(), created))
        except BaseException:  # a build is listed whole or not at all
            for file in made:
                (folder / file.name).unlink(missing_ok=True)
            raise
        names = {file.name for file in made}
        kept = made + [file for file in listed_files(folder) if file.name not in names]
        kept = newest_builds(kept, keep if keep is not None else settings.IMR_DOWNLOADS_KEEP)
        write_manifest(folder, kept)
        prune(folder, {file.name for file in kept})
    return Build(made)


def letter_lines() -> Iterator[tuple[bytes, int]]:
    """Each letter as the API gives it, one JSON line, serialised a chunk of letters at a time."""
    renderer = JSONRenderer()
    size = settings.IMR_DOWNLOADS_CHUNK_LETTERS
    letters = letters_in_full().order_by("id").iterator(chunk_size=size)
    for chunk in batched(letters, size):
        data = CaseDetailSerializer(chunk, many=True).data
        yield b"".join(renderer.render(letter) + b"\n" for letter in data), len(chunk)


def item_lines() -> Iterator[tuple[bytes, int]]:
    """The CSV export's header and rows for every item of the archive, letter by letter (id), then position."""
    writer = csv.writer(Echo())
    yield writer.writerow(COLUMNS).encode(), 0
    url_prefix = letter_url_prefix("")
    items = item_rows(DisputedItem.objects.order_by("case_id", "position")).iterator(
        chunk_size=settings.IMR_DOWNLOADS_CHUNK_ITEMS
    )
    for chunk in batched(items, settings.IMR_DOWNLOADS_CHUNK_ITEMS):
        yield "".join(writer.writerow(row_for(item, url_prefix)) for item in chunk).encode(), len(chunk)


class HashingFile:
    """Writes to ``raw`` while hashing and counting the bytes (those of the compressed file)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def write_gzip(folder: Path, name: str, kind: str, chunks: Iterable[tuple[bytes, int]], created: datetime) -> BulkFile:
    """Compress ``chunks`` into ``folder/name`` atomically (``written_in_place``)."""
    rows = 0
    with written_in_place(folder, name) as raw:
        hashing = HashingFile(raw)
        with gzip.GzipFile(filename=name.removesuffix(".gz"), mode="wb", fileobj=hashing, compresslevel=6) as compressed:  # type: ignore[arg-type]
            for data, count in chunks:
                compressed.write(data)
                rows += count
    return BulkFile(name, kind, rows, hashing.size, hashing.sha256.hexdigest(), created.isoformat())


@contextmanager
def written_in_place(folder: Path, name: str) -> Iterator[IO[bytes]]:
    """A file that appears as ``folder/name`` only once whole: written to a temporary file,
    flushed to disk, renamed over the name, the rename made durable; removed on an error."""
    temporary = temporary_path(folder, name)
    try:
        with temporary.open("wb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, folder / name)
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(folder)


TEMPORARY_PREFIX = ".building-"


def temporary_path(folder: Path, name: str) -> Path:
    return folder / f"{TEMPORARY_PREFIX}{os.getpid()}-{name}"


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def newest_builds(files: list[BulkFile], keep: int) -> list[BulkFile]:
    """The files of the newest ``keep`` builds (a build: the files created together), newest first."""
    builds = sorted({file.created for file in files}, reverse=True)[:keep]
    return sorted((file for file in files if file.created in builds), key=lambda file: (file.created, file.kind), reverse=True)


def write_manifest(folder: Path, files: list[BulkFile]) -> None:
    with written_in_place(folder, MANIFEST) as raw:
        raw.write(json.dumps({"files": [asdict(file) for file in files]}, indent=2).encode())


def prune(folder: Path, listed: set[str]) -> None:
    """Remove the bulk files the manifest no longer lists."""
    for path in folder.iterdir():
        if path.name.startswith("imr-") and path.name.endswith(tuple(SUFFIXES.values())) and path.name not in listed:
            path.unlink(missing_ok=True)


def remove_temporary_files(folder: Path) -> None:
    for path in folder.glob(f"{TEMPORARY_PREFIX}*"):
        path.unlink(missing_ok=True)
