"""The pure half of ingestion: bytes in, a parsed letter (or the reason it is none) out.

No Django here: this runs in parser processes started with ``spawn``, and on the admin's and
the worker's own thread alike. Any exception the parser raises becomes a failure reason, so
one bad file can never stop a run or lose the other files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from decisions import parsing

# The payload a parser process receives: (filename, bytes, sha256).
Payload = tuple[str, bytes, str]


@dataclass(frozen=True)
class ParseOutcome:
    """What the parser made of one file: a decision, or the text it got and why it failed."""

    parsed: parsing.ParsedDecision | None
    text: str = ""
    error: str = ""


@dataclass(frozen=True)
class PreparedDocument:
    """One file ready for the writer: its bytes, its hash and the parser's outcome."""

    filename: str
    data: bytes
    sha256: str
    outcome: ParseOutcome

    @property
    def parsed(self) -> parsing.ParsedDecision | None:
        return self.outcome.parsed

    @property
    def error(self) -> str:
        return self.outcome.error


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_payload(filename: str, data: bytes, sha256: str) -> ParseOutcome:
    try:
        extracted = parsing.extract_text(data, filename)
    except parsing.ParseError as error:
        return ParseOutcome(None, "", error.reason)
    except Exception as error:  # a parser bug must fail this file, not the run
        return ParseOutcome(None, "", f"text extraction crashed: {type(error).__name__}: {error}")
    try:
        parsed = parsing.parse_text(extracted.text, filename=filename, sha256=sha256)
    except parsing.ParseError as error:
        return ParseOutcome(None, extracted.text, error.reason)
    except Exception as error:
        return ParseOutcome(None, extracted.text, f"parser crashed: {type(error).__name__}: {error}")
    parsed.warnings[:0] = extracted.warnings
    return ParseOutcome(parsed, extracted.text)


def parse_payloads(payloads: list[Payload]) -> list[ParseOutcome]:
    """Parse a chunk of files; the unit of work sent to a parser process."""
    return [parse_payload(*payload) for payload in payloads]


def prepare_document(data: bytes, filename: str, *, sha256: str | None = None) -> PreparedDocument:
    digest = sha256 or sha256_of(data)
    return PreparedDocument(filename, data, digest, parse_payload(filename, data, digest))


def refused_document(data: bytes, filename: str, reason: str, *, sha256: str | None = None) -> PreparedDocument:
    """A file kept as failed without being parsed (e.g. a type the archive does not read)."""
    return PreparedDocument(filename, data, sha256 or sha256_of(data), ParseOutcome(None, "", reason))
