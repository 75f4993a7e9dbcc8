"""A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal."""

from __future__ import annotations

import time
from typing import Protocol

BAR_WIDTH = 30
# Redrawing more often than this costs more than it tells.
MIN_REDRAW_SECONDS = 0.1


class Terminal(Protocol):
    def write(self, text: str) -> object: ...
    def flush(self) -> object: ...
    def isatty(self) -> bool: ...


class ProgressBar:
    def __init__(self, stream: Terminal, total: int, *, label: str = "ingest") -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.enabled = stream.isatty()
        self.started = time.monotonic()
        self.last_drawn = 0.0

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last_drawn < MIN_REDRAW_SECONDS):
            return
        self.last_drawn = now
        fraction = done / self.total if self.total else 1.0
        filled = int(BAR_WIDTH * fraction)
        rate = done / max(now - self.started, 1e-6)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total} files, {rate:,.0f}/s ")
        self.stream.flush()

    def clear(self) -> None:
        """Wipe the bar so that messages and the summary start on a clean line."""
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
