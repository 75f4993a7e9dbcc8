"""File storage for originals: stored by content hash, written atomically.

A name is derived from the sha256 of the bytes, so a file that exists already holds exactly
these bytes; writes go to a temporary file renamed into place, so a process killed mid-write
never leaves a truncated original behind.

Originals are letters about injured workers' health: files are written 0600 and folders 0700,
readable by the user the site runs as and nobody else on the machine (whatever the umask).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage

PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def make_private_folders(folder: str | Path) -> None:
    """Create ``folder`` and its missing parents 0700 (``os.makedirs`` gives its mode to the last one only)."""
    missing = []
    current = Path(folder)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_FOLDER_MODE)
        except FileExistsError:  # another writer made it first
            continue


def private_opener(path: str, flags: int) -> int:
    """An ``opener`` for ``open()`` that creates the file 0600."""
    return os.open(path, flags, PRIVATE_FILE_MODE)


class ContentAddressedStorage(FileSystemStorage):
    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def _save(self, name: str, content: Any) -> str:
        target = Path(self.path(name))
        if target.exists():
            return name
        make_private_folders(target.parent)
        # mkstemp creates the file 0600, the mode an original keeps.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name
