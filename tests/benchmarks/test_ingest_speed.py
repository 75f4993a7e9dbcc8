"""benchmarks/ingest_speed.py measures, then leaves nothing behind: no folder of letters or originals, no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
from django.conf import settings

from tests.conftest import REPO_ROOT


def server_environment(tmp: Path) -> dict[str, str]:
    """The benchmark's environment: this run's server, and a temporary folder of its own to watch."""
    # The site's settings, as `manage.py benchmark` runs it (the test settings make folders of their own).
    env = {**os.environ, "TMPDIR": str(tmp), "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "imrsite.settings"}
    if not getattr(settings, "EMBEDDED_DATABASE", False):
        return env
    return {**env, "IMR_DATA_DIR": str(settings.DATA_DIR)}


def databases_named(name: str) -> int:
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"] or None, port=database["PORT"] or None, user=database["USER"],
        password=database["PASSWORD"] or None, dbname="postgres",
    ) as connection:  # fmt: skip
        row = connection.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name]).fetchone()
    assert row is not None
    return int(row[0])


def test_it_ingests_the_letters_and_removes_its_temporary_folder_and_database(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    database = f"test_imr_bench_ingest_{uuid.uuid4().hex[:8]}"

    completed = subprocess.run(
        [sys.executable, "benchmarks/ingest_speed.py", "--letters", "30", "--pdf-letters", "3", "--workers", "2",
         "--batch-size", "10", "--database", database],
        cwd=REPO_ROOT, env=server_environment(tmp), capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    figures = json.loads(completed.stdout)
    assert figures["txt"]["summary"] == "ingested 30, duplicates 0, failed 0"
    assert figures["pdf"]["summary"] == "ingested 3, duplicates 0, failed 0"
    assert list(tmp.iterdir()) == []
    assert databases_named(database) == 0
