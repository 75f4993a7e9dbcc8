"""`manage.py ingest`: the contract's summary line, exit status and failures named with reasons."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from decisions.models import Case, SourceDocument
from tests.ingest.conftest import run_command

pytestmark = pytest.mark.django_db


def test_it_ingests_a_folder_and_prints_the_summary_last(letter_folder: Callable[..., Path]) -> None:
    run = run_command("ingest", str(letter_folder(5)))

    assert run.status == 0
    assert run.summary == "ingested 5, duplicates 0, failed 0"
    assert Case.objects.count() == 5


def test_a_second_run_reports_duplicates_and_creates_nothing(letter_folder: Callable[..., Path]) -> None:
    folder = letter_folder(3)
    run_command("ingest", str(folder))

    again = run_command("ingest", str(folder))

    assert (again.status, again.summary) == (0, "ingested 0, duplicates 3, failed 0")
    assert SourceDocument.objects.count() == 3


def test_pdf_letters_parse_in_parallel_processes(letter_folder: Callable[..., Path]) -> None:
    run = run_command("ingest", "--workers", "2", "--batch-size", "4", str(letter_folder(10, suffix=".pdf")))

    assert (run.status, run.summary) == (0, "ingested 10, duplicates 0, failed 0")
    assert set(SourceDocument.objects.values_list("content_type", flat=True)) == {"application/pdf"}


def test_a_zip_with_nested_folders_is_ingested(letter_folder: Callable[..., Path], tmp_path: Path) -> None:
    folder = letter_folder(4)
    archive = tmp_path / "letters.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for index, path in enumerate(sorted(folder.iterdir())):
            out.write(path, f"year/{index % 2}/{path.name}")

    run = run_command("ingest", str(archive))

    assert (run.status, run.summary) == (0, "ingested 4, duplicates 0, failed 0")
    assert SourceDocument.objects.filter(filename__startswith=f"{archive}!year/").count() == 4


def test_a_folder_of_junk_fails_each_file_with_its_reason_and_keeps_them(tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "random.pdf").write_bytes(bytes(range(256)) * 20)
    (folder / "shopping.txt").write_text("Eggs, milk, bread and a note to call the plumber.\n")

    run = run_command("ingest", str(folder))

    assert run.status == 1
    assert run.summary == "ingested 0, duplicates 0, failed 2"
    assert f"failed: {folder / 'random.pdf'}: " in run.stderr
    assert f"failed: {folder / 'shopping.txt'}: " in run.stderr
    documents = SourceDocument.objects.order_by("filename")
    assert [(document.status, bool(document.error)) for document in documents] == [("failed", True), ("failed", True)]


def test_a_file_named_with_an_unknown_suffix_fails_and_is_kept(tmp_path: Path) -> None:
    odd = tmp_path / "letter.rtf"
    odd.write_text("{\\rtf1 not supported}")

    run = run_command("ingest", str(odd))

    assert run.status == 1 and run.summary == "ingested 0, duplicates 0, failed 1"
    assert f"failed: {odd}: unsupported file type '.rtf'" in run.stderr
    assert SourceDocument.objects.get().error.startswith("unsupported file type")


def test_a_refused_zip_entry_fails_the_run_without_storing_it(letter_folder: Callable[..., Path], tmp_path: Path) -> None:
    letter = sorted(letter_folder(1).iterdir())[0]
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.write(letter, "good.txt")
        out.writestr("../../escape.txt", letter.read_bytes())
        out.writestr("bomb.txt", b"\0" * (8 * 1024 * 1024))

    run = run_command("ingest", str(archive))

    assert run.status == 1 and run.summary == "ingested 1, duplicates 0, failed 2"
    assert f"failed: {archive}!../../escape.txt: zip entry refused: path '../../escape.txt' escapes" in run.stderr
    assert f"failed: {archive}!bomb.txt: zip entry refused: compression ratio" in run.stderr
    assert SourceDocument.objects.count() == 1


def test_the_real_letters_go_in_once_then_are_all_duplicates(shared_dir: Path) -> None:
    letters = shared_dir / "imr-letters"

    first = run_command("ingest", str(letters))
    second = run_command("ingest", str(letters))

    assert (first.status, first.summary) == (0, "ingested 89, duplicates 0, failed 0"), first.stderr
    assert (second.status, second.summary) == (0, "ingested 0, duplicates 89, failed 0")
    assert Case.objects.count() == 89


def test_a_damaged_zip_entry_fails_alone_and_the_run_goes_on(tmp_path: Path, letter_folder: Callable[..., Path]) -> None:
    letters = sorted(letter_folder(2).iterdir())
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("a-damaged.txt", "Case Number: CM16-0000001\n" + "some letter text\n" * 200)
        for letter in letters:
            zipped.write(letter, letter.name)
    data = bytearray(archive.read_bytes())
    start = 30 + len("a-damaged.txt")  # the first member's compressed data follows its local header
    data[start : start + 10] = bytes(b ^ 0xFF for b in data[start : start + 10])
    archive.write_bytes(bytes(data))

    run = run_command("ingest", str(archive))

    assert (run.status, run.summary) == (1, "ingested 2, duplicates 0, failed 1")
    assert "mixed.zip!a-damaged.txt: cannot read zip entry" in run.stderr
