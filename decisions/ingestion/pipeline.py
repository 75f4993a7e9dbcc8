"""One ingest run: candidates are read and hashed here, then parsed and written in batches.

With several workers, each worker process parses a batch and writes it itself, in its own
connection and transaction (decisions/ingestion/writers.py); the main process reads, hashes,
recognises known bytes and reports. When the caller holds a transaction open (a test, a
request), worker processes could neither see it nor be rolled back with it, so they only
parse and the main process writes: while it writes batch k, they parse batch k+1.
Files whose bytes are already stored are recognised by hash before they are parsed at all.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection

from decisions import services
from decisions.ingestion.archives import ZipLimits
from decisions.ingestion.candidate import Candidate, SourceError
from decisions.ingestion.parser_process import exit_with_parent, parse_within_limit
from decisions.ingestion.prepare import ParseOutcome, Payload, PreparedDocument, refused_document, sha256_of
from decisions.ingestion.sources import SourceLimits
from decisions.ingestion.writers import WriteItem, parse_and_write, settings_for_writers, start_writer_process
from decisions.services import IngestResult, Lookups, Uploader

DEFAULT_BATCH_SIZE = 100
# Batches handed to writer processes ahead of the one being collected, per process: enough to
# keep each busy, few enough to bound the bytes held in memory.
WRITER_QUEUE_DEPTH = 2
CRASHED_PROCESS = "the worker process stopped abruptly while reading this batch; run `manage.py reparse` to retry"

T = TypeVar("T")


def source_limits() -> SourceLimits:
    """The size limits from settings (IMR_MAX_FILE_MB, IMR_ZIP_MAX_*)."""
    max_file = settings.IMR_MAX_FILE_BYTES
    zip_limits = ZipLimits(
        max_entries=settings.IMR_ZIP_MAX_ENTRIES,
        max_total_bytes=settings.IMR_ZIP_MAX_TOTAL_BYTES,
        max_entry_bytes=max_file,
        max_ratio=settings.IMR_ZIP_MAX_RATIO,
    )
    return SourceLimits(max_file_bytes=max_file, zip=zip_limits)


def parse_timeout_seconds() -> float:
    """How long one letter may take to parse (IMR_PARSE_TIMEOUT_SECONDS; 0: no limit, parsed in this process)."""
    return float(settings.IMR_PARSE_TIMEOUT_SECONDS)


@dataclass
class Totals:
    ingested: int = 0
    duplicates: int = 0
    failed: int = 0
    updated: int = 0

    def add(self, result: IngestResult) -> None:
        if result.status == "ingested":
            self.ingested += 1
        elif result.status == "duplicate":
            self.duplicates += 1
        elif result.status == "updated":
            self.updated += 1
        else:
            self.failed += 1

    @property
    def processed(self) -> int:
        return self.ingested + self.duplicates + self.failed + self.updated

    def summary(self) -> str:
        return f"ingested {self.ingested}, duplicates {self.duplicates}, failed {self.failed}"


@dataclass
class LoadedBatch:
    """One batch after reading: files to parse, files kept unparsed, results known already."""

    to_parse: list[tuple[str, bytes, str]] = field(default_factory=list)
    unparsed: list[PreparedDocument] = field(default_factory=list)
    settled: list[IngestResult] = field(default_factory=list)


class WorkerProcesses:
    """Spawned worker processes; when one dies (a crash inside pdfium, the OOM killer) the pool
    breaks, the work it held is reported lost, and a new pool takes the next batches."""

    def __init__(self, workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()) -> None:
        self.workers = workers
        self.initializer, self.initargs = initializer, initargs
        self.executor = self.new_executor()

    def new_executor(self) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter that never shares this process's database connection.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.workers, context, initializer=self.initializer, initargs=self.initargs)

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        try:
            return self.executor.submit(function, *args)
        except BrokenProcessPool:
            self.replace_broken_executor()
            return self.executor.submit(function, *args)

    def result(self, future: Future[T]) -> T | None:
        """The future's result, or None when its process died."""
        try:
            return future.result()
        except BrokenProcessPool:
            self.replace_broken_executor()
            return None

    def replace_broken_executor(self) -> None:
        if getattr(self.executor, "_broken", False):
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self.new_executor()

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)


class ParserPool:
    """Parses chunks of files in processes (``workers`` > 1) or right here (``workers`` = 1).

    A parser process that dies fails the files it held, which are then kept as failed
    documents for ``reparse``.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.seconds = parse_timeout_seconds()
        self.processes = WorkerProcesses(workers, exit_with_parent) if workers > 1 else None

    def submit(self, payloads: list[Payload]) -> Callable[[], list[ParseOutcome]]:
        if self.processes is None or not payloads:
            outcomes = parse_within_limit(payloads, self.seconds)
            return lambda: outcomes
        size = max(1, -(-len(payloads) // (self.workers * 2)))
        chunks = [payloads[start : start + size] for start in range(0, len(payloads), size)]
        futures = [self.processes.submit(parse_within_limit, chunk, self.seconds) for chunk in chunks]
        return lambda: [outcome for future, chunk in zip(futures, chunks, strict=True) for outcome in self.collect(future, chunk)]

    def collect(self, future: Future[list[ParseOutcome]], chunk: list[Payload]) -> list[ParseOutcome]:
        assert self.processes is not None
        outcomes = self.processes.result(future)
        return outcomes if outcomes is not None else [ParseOutcome(None, "", CRASHED_PROCESS) for _ in chunk]

    def close(self) -> None:
        if self.processes is not None:
            self.processes.close()


class Ingester:
    """Runs candidates through the one write path, reporting every result as it is written."""

    def __init__(
        self,
        *,
        workers: int = 1,
        batch_size: int = DEFAULT_BATCH_SIZE,
        uploaded_by: Uploader = None,
        on_result: Callable[[IngestResult], None] | None = None,
        on_batch: Callable[[Totals], None] | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.batch_size = batch_size
        self.uploaded_by = uploaded_by
        self.on_result = on_result
        self.on_batch = on_batch
        self.totals = Totals()
        self.lookups = Lookups()

    def run(self, candidates: Iterable[Candidate]) -> Totals:
        if self.workers > 1 and not connection.in_atomic_block:
            return self.run_with_writers(candidates)
        return self.run_with_parsers(candidates)

    def run_with_writers(self, candidates: Iterable[Candidate]) -> Totals:
        """Worker processes parse and write whole batches; this process reads and reports."""
        processes = WorkerProcesses(self.workers, start_writer_process, (settings_for_writers(),))
        in_flight: deque[tuple[list[WriteItem], Future[list[IngestResult]]]] = deque()
        try:
            for chunk in batched(candidates, self.batch_size):
                loaded = self.load(chunk)
                self.report_all(loaded.settled)
                if items := write_items(loaded):  # a chunk of known bytes needs no worker
                    in_flight.append((items, processes.submit(parse_and_write, items, self.uploaded_by)))
                while len(in_flight) > WRITER_QUEUE_DEPTH * self.workers:
                    self.collect_written(processes, *in_flight.popleft())
            while in_flight:
                self.collect_written(processes, *in_flight.popleft())
        finally:
            processes.close()
        return self.totals

    def collect_written(self, processes: WorkerProcesses, items: list[WriteItem], future: Future[list[IngestResult]]) -> None:
        results = processes.result(future)
        if results is None:
            # Whatever the dead process committed is found by hash and reported as a duplicate.
            lost = [PreparedDocument(name, data, sha, ParseOutcome(None, "", CRASHED_PROCESS)) for name, data, sha, _ in items]
            results = services.ingest_parsed_batch(lost, uploaded_by=self.uploaded_by, lookups=self.lookups)
        self.report_all(results)
        if self.on_batch is not None:
            self.on_batch(self.totals)

    def run_with_parsers(self, candidates: Iterable[Candidate]) -> Totals:
        """Parser processes (or this process) parse; this process writes every batch."""
        pool = ParserPool(self.workers)
        in_flight: deque[tuple[LoadedBatch, Callable[[], list[ParseOutcome]]]] = deque()
        try:
            for chunk in batched(candidates, self.batch_size):
                loaded = self.load(chunk)
                in_flight.append((loaded, pool.submit(loaded.to_parse)))
                if len(in_flight) > 1:
                    self.write(*in_flight.popleft())
            while in_flight:
                self.write(*in_flight.popleft())
        finally:
            pool.close()
        return self.totals

    def load(self, chunk: list[Candidate]) -> LoadedBatch:
        """Read and hash a chunk; settle what needs no parser (refusals, known bytes)."""
        loaded = LoadedBatch()
        read: list[tuple[Candidate, bytes, str]] = []
        for candidate in chunk:
            try:
                data = candidate.read()
            except SourceError as error:
                loaded.settled.append(IngestResult("failed", candidate.name, str(error)))
                continue
            read.append((candidate, data, sha256_of(data)))
        known = services.existing_documents(sha for _, _, sha in read)
        for candidate, data, sha in read:
            if sha in known:
                loaded.settled.append(services.duplicate_result(candidate.name, known[sha]))
            elif candidate.refusal:
                loaded.unparsed.append(refused_document(data, candidate.name, candidate.refusal, sha256=sha))
            else:
                loaded.to_parse.append((candidate.name, data, sha))
        return loaded

    def write(self, loaded: LoadedBatch, outcomes: Callable[[], list[ParseOutcome]]) -> None:
        parsed = [
            PreparedDocument(name, data, sha, outcome)
            for (name, data, sha), outcome in zip(loaded.to_parse, outcomes(), strict=True)
        ]
        written = services.ingest_parsed_batch([*parsed, *loaded.unparsed], uploaded_by=self.uploaded_by, lookups=self.lookups)
        self.report_all([*loaded.settled, *written])
        if self.on_batch is not None:
            self.on_batch(self.totals)

    def report_all(self, results: list[IngestResult]) -> None:
        for result in results:
            self.totals.add(result)
            if self.on_result is not None:
                self.on_result(result)


def write_items(loaded: LoadedBatch) -> list[WriteItem]:
    """What a writer process needs of a loaded batch: files to parse, then files kept unparsed."""
    to_parse = [(name, data, sha, "") for name, data, sha in loaded.to_parse]
    return [*to_parse, *((item.filename, item.data, item.sha256, item.error) for item in loaded.unparsed)]


def batched(items: Iterable[Candidate], size: int) -> Iterator[list[Candidate]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
