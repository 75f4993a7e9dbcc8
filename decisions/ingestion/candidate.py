"""One file to ingest, read lazily, possibly refused before it is read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class SourceError(Exception):
    """A file could not be read; the message says why and names it."""


@dataclass(frozen=True)
class Candidate:
    name: str
    reader: Callable[[], bytes] | None
    refusal: str | None = None

    def read(self) -> bytes:
        if self.reader is None:
            raise SourceError(self.refusal or "nothing to read")
        return self.reader()
