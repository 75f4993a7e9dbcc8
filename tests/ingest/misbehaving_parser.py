"""A parse function that hangs or dies on request, to show what the parser process does then.

Imported by the spawned parser process, so no Django here. Any other file is parsed for real.
"""

from __future__ import annotations

import os
import time

from decisions.ingestion.prepare import ParseOutcome, parse_payload

HANG = b"HANG"
DIE = b"DIE"


def parse_or_misbehave(filename: str, data: bytes, sha256: str) -> ParseOutcome:
    if data.startswith(HANG):
        while True:  # a parse that never returns, as one stuck in C code would
            time.sleep(3600)
    if data.startswith(DIE):
        os._exit(70)  # the process ends at once, as on a crash in pdfium
    return parse_payload(filename, data, sha256)
