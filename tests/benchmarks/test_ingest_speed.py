"""benchmarks/ingest_speed.py measures, then leaves nothing behind: no folder of letters or originals, no database."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from tests.benchmarks.server import benchmark_environment, databases_named
from tests.conftest import REPO_ROOT


def test_it_ingests_the_letters_and_removes_its_temporary_folder_and_database(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    database = f"test_imr_bench_ingest_{uuid.uuid4().hex[:8]}"

    completed = subprocess.run(
        [sys.executable, "benchmarks/ingest_speed.py", "--letters", "30", "--pdf-letters", "3", "--workers", "2",
         "--batch-size", "10", "--database", database],
        cwd=REPO_ROOT, env=benchmark_environment(tmp), capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    figures = json.loads(completed.stdout)
    assert figures["txt"]["summary"] == "ingested 30, duplicates 0, failed 0"
    assert figures["pdf"]["summary"] == "ingested 3, duplicates 0, failed 0"
    assert list(tmp.iterdir()) == []
    assert databases_named(database) == 0
