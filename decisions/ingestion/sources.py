"""Which files a list of paths stands for: letters in folders (recursively), in .zip archives, or named.

A ``Candidate`` is one file to ingest, read lazily so a whole corpus is never held in memory.
A candidate that carries a ``refusal`` is reported as failed: with a ``reader`` its bytes are
still kept as a failed document (an unknown file type someone named on purpose), without one
nothing is stored (an unsafe zip entry, a file over the size limit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from decisions.ingestion.archives import ZipLimits, zip_candidates
from decisions.ingestion.candidate import Candidate, SourceError

LETTER_SUFFIXES = (".pdf", ".txt")
ARCHIVE_SUFFIX = ".zip"
FOLDER_SUFFIXES = (*LETTER_SUFFIXES, ARCHIVE_SUFFIX)


@dataclass(frozen=True)
class SourceLimits:
    max_file_bytes: int
    zip: ZipLimits


def candidates_for(paths: list[Path], limits: SourceLimits) -> Iterator[Candidate]:
    """Every candidate under the given paths, in a stable order (folders sorted by name)."""
    for path in paths:
        if path.is_dir():
            yield from folder_candidates(path, limits)
        elif path.exists():
            yield from file_candidates(path, limits, explicit=True)
        else:
            yield Candidate(str(path), None, "no such file or folder")


def folder_candidates(folder: Path, limits: SourceLimits) -> Iterator[Candidate]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in FOLDER_SUFFIXES and not path.name.startswith("._"):
            yield from file_candidates(path, limits, explicit=False)


def file_candidates(path: Path, limits: SourceLimits, *, explicit: bool) -> Iterator[Candidate]:
    suffix = path.suffix.lower()
    if suffix == ARCHIVE_SUFFIX:
        yield from zip_candidates(path, limits.zip, display=str(path), letter_suffixes=LETTER_SUFFIXES)
        return
    name = str(path)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        yield Candidate(name, None, f"file is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit; not stored")
    elif suffix not in LETTER_SUFFIXES and explicit:
        reason = f"unsupported file type {suffix or '(no suffix)'!r}: expected .pdf, .txt or .zip"
        yield Candidate(name, file_reader(path), reason)
    else:
        yield Candidate(name, file_reader(path))


def file_reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise SourceError(f"cannot read file: {error.strerror or error}") from error

    return read
