"""``python manage.py index_words``: build or follow this machine's word index (decisions/word_index.py).

``--rebuild`` builds the whole index into a new directory from one snapshot and swaps it in;
``--follow`` keeps it at the archive's version until stopped (SIGTERM or Ctrl-C): it adds the
letters and items inserted since, rebuilds after updates or deletes, builds it when absent.
Without either it prints the index's state.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.utils import Error as DatabaseError

from decisions import word_index

FOLLOW_SECONDS = 1.0


class Command(BaseCommand):
    help = "Build (--rebuild) or keep current (--follow) this machine's word index; without options, show its state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Build the whole index anew and swap it in.")
        parser.add_argument("--follow", action="store_true", help="Keep the index current until stopped.")
        parser.add_argument("--database", help="Index this database on the configured server (benchmarks).")

    def handle(self, *args: Any, rebuild: bool, follow: bool, database: str | None, **options: Any) -> None:
        if database:
            connection.close()
            connection.settings_dict["NAME"] = database
        root = word_index.root_dir()
        if rebuild:
            started = time.monotonic()
            with word_index.writing(root, wait=True):
                index = word_index.rebuild_on_disk(root)
            self.stdout.write(
                f"Built the word index of version {index.version.number} in {time.monotonic() - started:.1f} s: "
                f"{len(index.held['letters'])} letters, {len(index.held['items'])} items "
                f"({', '.join(f'{len(bits.terms)} of {kind}' for kind, bits in index.bits.items())} lexemes and pairs as bits), "
                f"{size_mb(index):.1f} MB in {index.path}"
            )
        if follow:
            self.follow(word_index.Follower(root))
        if not rebuild and not follow:
            self.stdout.write(f"Word index: {word_index.status()}")

    def follow(self, follower: word_index.Follower) -> None:
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Following the archive into {follower.root}")
        last_error = ""
        try:
            while True:
                try:
                    done = follower.step()
                    last_error = ""
                    if done in ("added", "rebuilt") and follower.index is not None:
                        self.stdout.write(f"Word index {done}: version {follower.index.version.number}")
                except DatabaseError as error:  # the database restarting: try again next turn
                    if str(error) != last_error:
                        self.stderr.write(f"Word index: database unavailable ({error}); retrying.")
                    last_error = str(error)
                    connection.close()
                time.sleep(FOLLOW_SECONDS)
        except KeyboardInterrupt:
            self.stdout.write("Word index follower stopping.")


def size_mb(index: word_index.WordIndex) -> float:
    assert index.path is not None
    return sum(file.stat().st_size for file in index.path.rglob("*") if file.is_file()) / 1e6


def stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
