"""``python manage.py benchmark NAME [ARGS...]``: run one of the measurement scripts in benchmarks/.

Each script prints its figures as JSON; this command runs it with the same interpreter and
environment, so ``manage.py benchmark search_speed --no-fill`` and
``python benchmarks/search_speed.py --no-fill`` are the same measurement.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from imrsite.embedded.commands import start_embedded_server_for_subprocesses


def benchmark_scripts() -> dict[str, Path]:
    folder = Path(settings.BASE_DIR) / "benchmarks"
    return {path.stem: path for path in sorted(folder.glob("*.py")) if not path.name.startswith("_")}


class Command(BaseCommand):
    help = "Run a benchmark script from benchmarks/ and print its figures as JSON."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=f"one of: {', '.join(benchmark_scripts())}")
        parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        scripts = benchmark_scripts()
        if name not in scripts:
            raise CommandError(f"unknown benchmark {name!r}; choose one of: {', '.join(scripts)}")
        start_embedded_server_for_subprocesses()  # and stop it at the end when it was stopped before
        completed = subprocess.run(
            [sys.executable, str(scripts[name]), *options["script_args"]], cwd=settings.BASE_DIR, check=False
        )
        if completed.returncode != 0:
            raise CommandError(f"benchmark {name} exited with status {completed.returncode}")
