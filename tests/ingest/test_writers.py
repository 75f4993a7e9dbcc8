"""Several writer processes (``--workers N`` outside a caller's transaction): each parses and writes its batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from decisions.ingestion.pipeline import Ingester, source_limits
from decisions.ingestion.sources import candidates_for
from decisions.models import Case, DisputedItem, SourceDocument
from decisions.services import IngestResult, read_original
from tests.ingest.conftest import write_letters
from tests.ingest.letters import letter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def ingest_with_writers(*paths: Path, workers: int = 2, batch_size: int = 3) -> tuple[list[IngestResult], Ingester]:
    results: list[IngestResult] = []
    ingester = Ingester(workers=workers, batch_size=batch_size, on_result=results.append)
    ingester.run(candidates_for(list(paths), source_limits()))
    return results, ingester


def test_writer_processes_store_each_letter_once_in_this_database_and_storage(tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    write_letters(folder / "a", [letter(n) for n in range(1, 13)])
    # The same bytes again in later batches, which another writer process may handle.
    write_letters(folder / "b", [letter(n) for n in range(1, 4)])
    (folder / "c-reissued.txt").write_text(letter(5, note="A corrected copy of the letter.").text())

    results, ingester = ingest_with_writers(folder)

    assert ingester.totals.summary() == "ingested 12, duplicates 3, failed 1"
    assert len(results) == 16
    # Two different letters for one case number, possibly written at once by two processes:
    # whichever commits first is the case, the other is kept as re-issued.
    fives = [result for result in results if result.filename.endswith(("CM16-9000005.txt", "c-reissued.txt"))]
    fives = [result for result in fives if result.status != "duplicate"]
    assert sorted(result.status for result in fives) == ["failed", "ingested"]
    assert next(result for result in fives if result.status == "failed").message.startswith("re-issued letter: case CM16-9000005")
    assert (SourceDocument.objects.count(), Case.objects.count(), DisputedItem.objects.count()) == (13, 12, 12)
    # The workers wrote originals where this process's storage reads them.
    for document in SourceDocument.objects.all():
        assert read_original(document) == Path(document.filename).read_bytes()


def test_a_second_run_with_writers_finds_every_letter_stored(letter_folder: Callable[..., Path]) -> None:
    folder = letter_folder(8)
    ingest_with_writers(folder)

    results, ingester = ingest_with_writers(folder)

    assert ingester.totals.summary() == "ingested 0, duplicates 8, failed 0"
    assert all(result.message.startswith("duplicate of CM16-") for result in results)
