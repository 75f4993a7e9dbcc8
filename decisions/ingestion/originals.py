"""Writing originals to content-addressed storage cheaply: one open, one write, one rename.

The storage's own ``save`` (decisions/storage.py) costs a temporary file from ``mkstemp``,
a chmod and Django's File wrapping per letter, a noticeable share of a writer's time at
hundreds of letters a second. On the local file system the same guarantees (the bytes land
whole under their hash's name, or not at all) need less: a temporary name of our own created
with the final permissions, then an atomic rename. Other storages go through ``save``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage

from decisions.storage import PRIVATE_FILE_MODE, make_private_folders


def save_original(storage: Storage, name: str, data: bytes) -> None:
    """Store ``data`` under ``name`` unless it is there: the same name always holds the same bytes."""
    if not isinstance(storage, FileSystemStorage):
        storage.save(name, ContentFile(data))
        return
    target = storage.path(name)
    if os.path.exists(target):
        return
    write_atomically(target, data)


def write_atomically(target: str, data: bytes) -> None:
    # Unique per writer (process and thread) and target; a leftover from a killed process is
    # overwritten by the next try, never read as the original.
    writer = f"{os.getpid()}-{threading.get_ident()}"
    temporary = os.path.join(os.path.dirname(target), f".partial-{writer}-{os.path.basename(target)}")
    try:
        handle = open_new_file(temporary)
        try:
            write_all(handle, data)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def open_new_file(path: str) -> int:
    """Open for writing with the final permissions (0600, no chmod), making its folder (0700) on first use."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        return os.open(path, flags, PRIVATE_FILE_MODE)
    except FileNotFoundError:
        make_private_folders(os.path.dirname(path))
        return os.open(path, flags, PRIVATE_FILE_MODE)


def write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]
