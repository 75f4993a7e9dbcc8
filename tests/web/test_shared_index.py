"""The facet index is built once per machine and database, written to disk, and memory-mapped by
every process: a process that starts (or moves to a version another process already built) reads
nothing from the archive, and its counts are those of an index read whole."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from django.db import connection

from decisions import facets, shared_index
from decisions.facets import FacetIndex
from decisions.models import Case
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db(transaction=True)

SEARCHES = [{}, {"outcome": "overturned"}, {"treatment": "imaging"}, {"outcome": "upheld", "treatment": "medication"}]


@pytest.fixture(autouse=True)
def own_index_dir(settings, tmp_path: Path) -> Path:
    settings.IMR_INDEX_DIR = str(tmp_path / "index")
    return tmp_path / "index"


def archive(letters: int = 3) -> None:
    for number in range(letters):
        make_case([Item("MRI of the knee", "upheld", "imaging", "mri"), Item(f"Norco 10/325 #{60 + number}", "overturned", "medication", "opioid")])


def counts(index: FacetIndex) -> list[tuple[int, int, dict[str, dict[str, int]]]]:
    results = []
    for search in SEARCHES:
        cleaned = {"sort": "-decided", **search}
        counted = index.count(cleaned)
        results.append((counted.letters, counted.items, {name: dict(values) for name, values in counted.facets.items()}))
    return results


def refuse_reading_the_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the archive was read although a snapshot of this version is on disk")

    monkeypatch.setattr(facets, "read_consistently", refused)


def test_the_first_build_writes_a_snapshot_that_a_starting_process_maps_without_reading_the_archive(monkeypatch):
    archive()
    version, built = facets.build_index(None)
    refuse_reading_the_archive(monkeypatch)
    started_version, started = facets.build_index(None)  # a new process: nothing held yet
    assert started_version == version
    assert isinstance(started.case_ids, np.memmap)
    assert counts(started) == counts(built) == counts(FacetIndex())


def test_a_snapshot_is_grown_by_the_letters_added_since_and_replaces_the_old_one(own_index_dir):
    archive(2)
    first = facets.build_index(None)
    archive(1)
    version, grown = facets.build_index(None)  # a process holding nothing finds an older snapshot
    assert version == facets.archive_version() and version != first[0]
    assert grown.n == 3
    assert counts(grown) == counts(FacetIndex())
    folder = own_index_dir / shared_index.archive_id()
    assert [path.name for path in folder.iterdir() if path.is_dir() and not path.is_symlink()] == [(folder / "current").resolve().name]


def test_an_edit_means_a_whole_read_and_the_counts_follow_it():
    archive(2)
    facets.build_index(None)
    Case.objects.filter(pk=Case.objects.order_by("pk").first().pk).delete()
    version, index = facets.build_index(None)
    assert version == facets.archive_version()
    assert index.n == 1
    assert counts(index) == counts(FacetIndex())


def test_a_snapshot_of_another_database_is_never_read(monkeypatch):
    archive(1)
    facets.build_index(None)
    with connection.cursor() as cursor:  # as if this were another database at the same version
        cursor.execute("UPDATE imr_archive_state SET archive_id = gen_random_uuid()")
    connection.close()  # another database is another connection
    refuse_reading_the_archive(monkeypatch)
    with pytest.raises(AssertionError, match="the archive was read"):
        facets.build_index(None)


def test_processes_that_need_the_same_version_at_once_build_it_once(monkeypatch):
    archive(2)
    reads: list[str] = []
    real_read = facets.read_consistently

    def counted_read(previous):  # type: ignore[no-untyped-def]
        reads.append(threading.current_thread().name)
        return real_read(previous)

    monkeypatch.setattr(facets, "read_consistently", counted_read)
    results: list[int] = []

    def build() -> None:
        try:
            results.append(facets.build_index(None)[1].n)
        finally:
            connection.close()

    threads = [threading.Thread(target=build, name=f"process-{number}") for number in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [2, 2, 2]
    assert len(reads) == 1


def test_without_an_index_folder_each_process_reads_its_own(settings, monkeypatch):
    settings.IMR_INDEX_DIR = ""
    archive(1)
    version, index = facets.build_index(None)
    assert not isinstance(index.case_ids, np.memmap)
    assert counts(index) == counts(FacetIndex())


def test_a_folder_that_cannot_be_made_or_written_leaves_each_process_its_own_index(settings, tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings.IMR_INDEX_DIR = str(blocked)
    archive(1)
    version, index = facets.build_index(None)
    assert version == facets.archive_version()
    assert counts(index) == counts(FacetIndex())
    assert "cannot be shared" in caplog.text


def test_a_snapshot_written_for_other_columns_or_missing_a_file_is_not_read(own_index_dir, monkeypatch):
    archive(1)
    facets.build_index(None)
    folder = own_index_dir / shared_index.archive_id()
    assert shared_index.load(folder) is not None
    monkeypatch.setattr(shared_index, "columns_key", lambda: ["letter:text:another"])
    assert shared_index.load(folder) is None
    monkeypatch.undo()
    next((folder / "current").resolve().glob("item.*.npy")).unlink()
    assert shared_index.load(folder) is None


def test_the_archive_id_is_read_once_per_connection(django_assert_num_queries):
    shared_index.archive_id()
    with django_assert_num_queries(0):
        first = shared_index.archive_id()
    connection.close()
    with django_assert_num_queries(1):
        assert shared_index.archive_id() == first
