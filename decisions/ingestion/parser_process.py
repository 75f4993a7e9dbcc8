"""Parsing with a time limit per letter: letters are parsed in a child process, killed when one takes too long.

A letter that traps the parser (a layout that sends a pattern into a long search, a PDF that
keeps pdfium busy in C code) would otherwise hold its ingest, its writer process or the upload
worker forever. An alarm signal cannot stop C code and works on a main thread only; a child
process can always be killed. It parses the letters of a chunk one after another and answers
each as it is done; the parent waits at most the limit for each answer. When the limit passes
(or the child dies: a crash in pdfium, the out-of-memory killer) that letter fails with the
reason, a new child is started, and it goes on with the rest of the chunk.

Each process that parses (the ``ingest`` command, each writer process, the upload worker) keeps
one child for its lifetime; it starts on first use and ends with its parent. No Django here: the
child imports the parser only.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from decisions.ingestion.prepare import ParseOutcome, Payload, parse_payload, parse_payloads

ParseFunction = Callable[[str, bytes, str], ParseOutcome]
# A fresh interpreter importing the parser: about a second, far longer on a crowded machine.
STARTUP_SECONDS = 120
READY = "ready"
# How often a worker process checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 0.5


class ParserProcess:
    """One child process parsing letters for this process, replaced whenever a letter overruns the limit."""

    def __init__(self, seconds: float, parse: ParseFunction = parse_payload) -> None:
        self.seconds = seconds
        self.parse_function = parse
        self.process: BaseProcess | None = None
        self.connection: Connection | None = None

    def parse(self, payloads: Sequence[Payload]) -> list[ParseOutcome]:
        """The outcome of each payload, in order; a letter over the limit fails with the reason."""
        outcomes: list[ParseOutcome] = []
        while len(outcomes) < len(payloads):
            outcomes.extend(self.parse_until_failure(payloads[len(outcomes) :]))
        return outcomes

    def parse_until_failure(self, payloads: Sequence[Payload]) -> list[ParseOutcome]:
        """Outcomes in order, up to and including the first letter the child did not finish."""
        connection = self.send(list(payloads))
        outcomes = []
        for _ in payloads:
            outcome = self.answer(connection)
            outcomes.append(outcome)
            if self.connection is None:  # stopped: the rest goes to a new child
                break
        return outcomes

    def answer(self, connection: Connection) -> ParseOutcome:
        if not connection.poll(self.seconds):
            self.stop()
            return ParseOutcome(None, "", f"parsing took longer than {self.seconds:g} s (IMR_PARSE_TIMEOUT_SECONDS); not parsed")
        try:
            outcome: ParseOutcome = connection.recv()
        except (EOFError, OSError):
            self.stop()
            return ParseOutcome(
                None, "", "the parser process stopped abruptly while reading this file (a crash or out of memory)"
            )
        return outcome

    def send(self, payloads: list[Payload]) -> Connection:
        """Hand the chunk to the child, starting one if there is none or it has died since."""
        for _attempt in range(2):
            connection = self.started()
            try:
                connection.send(payloads)
                return connection
            except OSError:  # it died while idle
                self.stop()
        raise RuntimeError("the parser process could not be started")

    def started(self) -> Connection:
        if self.process is not None and self.connection is not None and self.process.is_alive():
            return self.connection
        self.stop()
        # spawn: a fresh interpreter that shares no database connection or lock with this one.
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        # daemon: multiprocessing ends it when this process exits.
        process = context.Process(target=serve, args=(child_end, self.parse_function), name="imr-parser", daemon=True)
        process.start()
        child_end.close()
        try:
            ready = parent_end.poll(STARTUP_SECONDS) and parent_end.recv() == READY
        except (EOFError, OSError):  # it died importing the parser
            ready = False
        if not ready:
            process.kill()
            process.join()
            raise RuntimeError(f"the parser process did not start (exit code {process.exitcode}; it has {STARTUP_SECONDS} s)")
        self.process, self.connection = process, parent_end
        return parent_end

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
        if self.connection is not None:
            self.connection.close()
        self.process, self.connection = None, None


def exit_with_parent() -> None:
    """End this worker process soon after the ``ingest`` that started it is gone.

    A killed parent (even by SIGKILL) would otherwise leave its workers waiting for work
    forever, each holding a database connection. A batch being written when the parent dies
    is rolled back with the dropped connection: whole letters or nothing, as always.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def serve(connection: Connection, parse: ParseFunction) -> None:
    """The child: parse each chunk it is sent, answering letter by letter, until the parent goes."""
    exit_with_parent()
    connection.send(READY)
    while True:
        try:
            payloads: list[Payload] = connection.recv()
        except EOFError:
            return
        for payload in payloads:
            connection.send(parse(*payload))


_process_parser = ParserProcess(0)
# One chunk at a time through the child: threads of one process (a threaded server) take turns.
_process_parser_lock = threading.Lock()


def parse_within_limit(payloads: Sequence[Payload], seconds: float) -> list[ParseOutcome]:
    """Parse in this process's parser child with the limit; with no limit (0), right here."""
    if seconds <= 0:
        return parse_payloads(list(payloads))
    with _process_parser_lock:
        _process_parser.seconds = seconds
        return _process_parser.parse(payloads)


def stop_parser_process() -> None:
    """End this process's parser child, if it has one (a command run inside a longer-lived process, e.g. a test)."""
    with _process_parser_lock:
        _process_parser.stop()


Handler = TypeVar("Handler", bound=Callable[..., Any])


def stops_parser_process(handle: Handler) -> Handler:
    """For a command's ``handle``: the parser child it started ends with it, not with the process."""

    @functools.wraps(handle)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return handle(*args, **kwargs)
        finally:
            stop_parser_process()

    return wrapped  # type: ignore[return-value]
