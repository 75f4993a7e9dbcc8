"""Each letter has IMR_PARSE_TIMEOUT_SECONDS to parse; one over it fails alone with that reason.

The slow letter is a PDF of some thousands of pages: extracting its text takes seconds of
pdfium's time, far over the half-second limit the tests set, while an ordinary letter takes
milliseconds.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from decisions.ingestion import parser_process as parser_module
from decisions.ingestion.parser_process import ParserProcess
from decisions.models import Case, SourceDocument
from tests.ingest.conftest import run_command, write_letters
from tests.ingest.letters import letter, slow_pdf
from tests.ingest.misbehaving_parser import DIE, HANG, parse_or_misbehave

LIMIT_SECONDS = 0.5


def folder_with_slow_letter(folder: Path) -> Path:
    write_letters(folder, [letter(1), letter(3)])
    (folder / "CM16-9000002.pdf").write_bytes(slow_pdf(2))
    return folder


@pytest.fixture
def half_second_limit(settings: object) -> None:
    settings.IMR_PARSE_TIMEOUT_SECONDS = LIMIT_SECONDS  # type: ignore[attr-defined]


def assert_slow_letter_failed_alone(run_status: int, summary: str, stderr: str) -> None:
    assert (run_status, summary) == (1, "ingested 2, duplicates 0, failed 1")
    assert "CM16-9000002.pdf: parsing took longer than 0.5 s" in stderr
    assert sorted(Case.objects.values_list("case_number", flat=True)) == ["CM16-9000001", "CM16-9000003"]
    slow = SourceDocument.objects.get(filename__endswith="CM16-9000002.pdf")
    assert slow.status == "failed" and slow.error.startswith("parsing took longer than 0.5 s")


@pytest.mark.django_db
@pytest.mark.slow
@pytest.mark.usefixtures("half_second_limit")
def test_a_letter_over_the_parse_time_limit_fails_alone_and_the_run_goes_on(tmp_path: Path) -> None:
    run = run_command("ingest", str(folder_with_slow_letter(tmp_path / "letters")))

    assert_slow_letter_failed_alone(run.status, run.summary, run.stderr)
    assert parser_module._process_parser.process is None, "the command left its parser child running"


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
@pytest.mark.usefixtures("half_second_limit")
def test_writer_processes_keep_the_parse_time_limit(tmp_path: Path) -> None:
    run = run_command("ingest", "--workers", "2", "--batch-size", "2", str(folder_with_slow_letter(tmp_path / "letters")))

    assert_slow_letter_failed_alone(run.status, run.summary, run.stderr)


def payload(number: int) -> tuple[str, bytes, str]:
    return (f"{number}.txt", letter(number).text().encode(), f"sha-{number}")


def test_a_parse_that_never_returns_is_stopped_and_the_next_letters_are_parsed() -> None:
    parser = ParserProcess(LIMIT_SECONDS, parse_or_misbehave)
    before = parser_process_ids()
    try:
        outcomes = parser.parse([payload(1), ("stuck.txt", HANG + b" forever", "sha-stuck"), payload(2)])
        assert parser.process is not None
        assert parser_process_ids() - before == {parser.process.pid}, "the stuck process is gone, a new one took over"
    finally:
        parser.stop()

    assert [outcome.parsed.case_number if outcome.parsed else outcome.error for outcome in outcomes] == [
        "CM16-9000001",
        "parsing took longer than 0.5 s (IMR_PARSE_TIMEOUT_SECONDS); not parsed",
        "CM16-9000002",
    ]


def parser_process_ids() -> set[int | None]:
    return {child.pid for child in multiprocessing.active_children() if child.name == "imr-parser"}


def test_a_parser_process_that_dies_fails_that_letter_alone() -> None:
    parser = ParserProcess(30, parse_or_misbehave)
    try:
        outcomes = parser.parse([payload(1), ("crash.txt", DIE, "sha-crash"), payload(2)])
    finally:
        parser.stop()

    assert outcomes[0].parsed is not None and outcomes[2].parsed is not None
    assert outcomes[1].parsed is None
    assert outcomes[1].error == "the parser process stopped abruptly while reading this file (a crash or out of memory)"
