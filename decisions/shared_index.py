"""The facet index once per machine: written to disk by the first process that needs a version,
memory-mapped by every other one.

Each web process used to read its own copy of the index from PostgreSQL (~1 s at 100,000 letters,
~10 s at a million, inside its first request) and hold it in its own memory (~100 MB per million
letters, per process). Now the process that finds the archive at a version no snapshot holds takes
a lock, builds the index (grown from the newest snapshot when letters were only added), and writes
every array as a ``.npy`` file into a new directory beside the others; ``current`` is a symlink to
the newest. The other processes wait on the lock, then open the same files with
``numpy.load(mmap_mode="r")``: the operating system's page cache holds one copy for all of them,
and a process that starts serves its first search from the files already there.

Snapshots are kept under ``IMR_INDEX_DIR/<archive id>/`` (the random id of the database,
migration 0019), so a snapshot is never read for another database. The arrays are read-only: the
counting code only ever makes new arrays from them.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    from decisions.facets import FacetIndex, Version

FORMAT = 2  # 2: the chains of earlier rows of the same letter and value
CURRENT = "current"
META = "meta.json"


def archive_id() -> str:
    """The archive's random id (migration 0019), read once per database connection: a database
    cannot be dropped and made again while a connection to it is open, so a connection's answer
    holds until it closes (every word search asks, through ``word_index.root_dir``)."""
    held = getattr(connection, "imr_archive_id", None)
    if held is not None and connection.connection is not None and held[0] is connection.connection:
        return str(held[1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT archive_id::text FROM imr_archive_state WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("imr_archive_state is empty; run `python manage.py migrate`")
    connection.imr_archive_id = (connection.connection, str(row[0]))  # type: ignore[attr-defined]
    return str(row[0])


def enabled() -> bool:
    return bool(settings.IMR_INDEX_DIR)


def store_folder() -> Path:
    """This database's snapshots."""
    return Path(settings.IMR_INDEX_DIR) / archive_id()


@contextmanager
def building_lock(folder: Path) -> Iterator[None]:
    """One builder per machine and database at a time; the others wait here."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def arrays_of(index: FacetIndex) -> dict[str, npt.NDArray[Any]]:
    """Every array of the index, by a file name that says where it belongs."""
    arrays: dict[str, npt.NDArray[Any]] = {
        "case_ids": index.case_ids,
        "reviewer": index.reviewer,
        "item_count": index.item_count,
        "item_known": index.item_known,
        "item_letter": index.item_letter,
        "reviewer_ids": index.reviewer_ids,
    }
    arrays.update({f"letter.{name}": values for name, values in index.letter.items()})
    arrays.update({f"item.{name}": values for name, values in index.item.items()})
    arrays.update({f"earlier.{name}": values for name, values in index.earlier.items()})
    arrays.update({f"reviewer_matrix.{name}": values for name, values in index.reviewer_matrix.items()})
    arrays.update({f"id_values.{name}": values for name, values in index.id_values.items()})
    for name, entries in index.entries.items():
        arrays[f"entries.{name}.item"] = entries.item
        arrays[f"entries.{name}.value"] = entries.value
        arrays[f"entries.{name}.earlier"] = entries.earlier
    return arrays


def save(folder: Path, version: Version, index: FacetIndex) -> Path:
    """Write the index into a new directory of ``folder`` and make it the current one."""
    built = Path(tempfile.mkdtemp(prefix=f"v{version.number}-", dir=folder))
    arrays = arrays_of(index)
    for name, array in arrays.items():
        np.save(built / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    meta = {
        "format": FORMAT,
        "columns": columns_key(),
        "arrays": sorted(arrays),
        "version": list(version),
        "n": index.n,
        "m": index.m,
        "vocabularies": index.vocabularies,
        "lookups": {name: dict(values) for name, values in index.lookups.items()},
    }
    (built / META).write_text(json.dumps(meta), encoding="utf-8")
    os.chmod(built, 0o755)
    link = folder / f".{CURRENT}-{built.name}"
    os.symlink(built.name, link)
    os.replace(link, folder / CURRENT)  # atomic: a reader sees the old snapshot or the new one
    remove_others(folder, keep=built.name)
    return built


def remove_others(folder: Path, keep: str) -> None:
    """Older snapshots: a process that still maps their files keeps them until it lets go."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink() and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)


def load(folder: Path) -> tuple[Version, FacetIndex] | None:
    """The current snapshot, its arrays memory-mapped; None when there is none (or it is unreadable)."""
    from decisions.facets import Version

    try:
        built = (folder / CURRENT).resolve(strict=True)
        meta = json.loads((built / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("columns") != columns_key():
            return None  # written by another version of the code
        arrays = {path.stem: np.load(path, mmap_mode="r", allow_pickle=False) for path in built.glob("*.npy")}
        if sorted(arrays) != meta["arrays"]:
            return None
        version = Version(*meta["version"])
        index = index_from(meta, arrays)
        index.version = version  # the word index answers for this version only
        return version, index
    except (OSError, ValueError, KeyError):  # none yet, or removed by a newer one while being read
        return None


def columns_key() -> list[str]:
    """What the registry declares the index to hold: a snapshot of other columns is not read."""
    from decisions.facets import FacetIndex

    return [f"{column.level}:{column.kind}:{name}" for name, column in sorted(FacetIndex.declared_columns().items())]


def index_from(meta: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> FacetIndex:
    from decisions.facets import Entries, FacetIndex

    index = FacetIndex.__new__(FacetIndex)
    index.columns = FacetIndex.declared_columns()
    index.vocabularies = meta["vocabularies"]
    index.lookups = meta["lookups"]
    index.years = {}
    index.n, index.m = meta["n"], meta["m"]
    for name in ("case_ids", "reviewer", "item_count", "item_known", "item_letter", "reviewer_ids"):
        setattr(index, name, arrays[name])
    index.letter = grouped(arrays, "letter")
    index.item = grouped(arrays, "item")
    index.earlier = grouped(arrays, "earlier")
    index.reviewer_matrix = grouped(arrays, "reviewer_matrix")
    index.id_values = grouped(arrays, "id_values")
    index.entries = {
        name: Entries(arrays[f"entries.{name}.item"], arrays[f"entries.{name}.value"], arrays[f"entries.{name}.earlier"])
        for name in {key.split(".")[1] for key in arrays if key.startswith("entries.")}
    }
    return index


def grouped(arrays: dict[str, npt.NDArray[Any]], group: str) -> dict[str, npt.NDArray[Any]]:
    prefix = f"{group}."
    return {key[len(prefix) :]: array for key, array in arrays.items() if key.startswith(prefix) and key.count(".") == 1}
