"""Letters inside .zip archives, opened with limits so an archive can neither escape nor explode.

Refused outright (one failure naming the archive): a file that is no zip, more entries than
allowed, a total uncompressed size over the limit. Refused per entry (one failure naming
``archive!entry``): names that escape the archive's folder (absolute, ``..``, drive letters),
entries over the per-entry size, entries whose compression ratio only a bomb reaches, and
nested archives. Sizes are checked from the central directory before anything is inflated,
and ``zipfile`` itself never inflates past an entry's declared size.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from decisions.ingestion.candidate import Candidate, SourceError

ENTRY_SEPARATOR = "!"
# Ordinary letters compress 3-10 times; a ratio check on tiny entries would only catch blank files.
RATIO_CHECK_MIN_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 100_000
    max_total_bytes: int = 4 * 1024**3
    max_entry_bytes: int = 20 * 1024**2
    max_ratio: int = 100


class ArchiveRefused(Exception):
    """The whole archive is refused; the message names it and says why."""


def zip_candidates(path: Path, limits: ZipLimits, *, display: str, letter_suffixes: tuple[str, ...]) -> Iterator[Candidate]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        yield Candidate(display, None, f"not a readable .zip archive ({error})")
        return
    # Left open for the entries' readers, which run after this generator has moved on;
    # it closes when the last candidate of this archive is gone.
    try:
        entries = checked_entries(archive, limits)
    except ArchiveRefused as error:
        archive.close()
        yield Candidate(display, None, f"archive refused: {error}")
        return
    for info in entries:
        name = f"{display}{ENTRY_SEPARATOR}{info.filename}"
        suffix = PurePosixPath(info.filename).suffix.lower()
        refusal = entry_refusal(info, limits)
        if refusal is None and suffix == ".zip":
            refusal = "nested .zip archives are not opened; extract it and ingest it on its own"
        if refusal is not None:
            yield Candidate(name, None, f"zip entry refused: {refusal}")
        elif suffix in letter_suffixes:
            yield Candidate(name, entry_reader(archive, info, limits))


def checked_entries(archive: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """The file entries, once the archive as a whole is within its limits."""
    entries = [info for info in archive.infolist() if not info.is_dir() and not is_metadata(info.filename)]
    if len(entries) > limits.max_entries:
        raise ArchiveRefused(f"it holds {len(entries):,} files, more than the limit of {limits.max_entries:,}")
    total = sum(info.file_size for info in entries)
    if total > limits.max_total_bytes:
        raise ArchiveRefused(f"it expands to {total:,} bytes, over the limit of {limits.max_total_bytes:,} (a zip bomb?)")
    return entries


def is_metadata(name: str) -> bool:
    """Finder's resource forks ride along in zips made on a Mac; they are not letters."""
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._")


def entry_refusal(info: zipfile.ZipInfo, limits: ZipLimits) -> str | None:
    escape = escaping_name_reason(info.filename)
    if escape:
        return escape
    if info.file_size > limits.max_entry_bytes:
        return f"it expands to {info.file_size:,} bytes, over the per-file limit of {limits.max_entry_bytes:,}"
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_ratio:
        return f"compression ratio {ratio:,.0f}:1 is over the limit of {limits.max_ratio}:1 (a zip bomb?)"
    return None


def escaping_name_reason(name: str) -> str | None:
    """Why a member name would land outside the archive's folder, or None when it stays inside."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        return f"absolute path {name!r} escapes the archive's folder"
    if ".." in PurePosixPath(unified).parts:
        return f"path {name!r} escapes the archive's folder through '..'"
    return None


# A damaged member fails in its decompressor (zlib, lzma) or in zipfile itself: either way that
# one entry is a failure with its reason, never the end of the whole run.
UNREADABLE_ENTRY = (
    zipfile.BadZipFile,
    OSError,
    RuntimeError,
    EOFError,
    NotImplementedError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
)


def entry_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            with archive.open(info) as member:
                data = member.read(limits.max_entry_bytes + 1)
        except UNREADABLE_ENTRY as error:
            raise SourceError(f"cannot read zip entry ({error})") from error
        if len(data) > limits.max_entry_bytes:
            raise SourceError(f"zip entry expands past the per-file limit of {limits.max_entry_bytes:,} bytes")
        return data

    return read
