"""benchmarks/load.py serves a small archive, loads it with locust, reports every kind of request, and leaves no process behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.benchmarks.server import benchmark_environment, drop_database
from tests.conftest import REPO_ROOT, TEST_VARIABLE, processes_of_this_run

KINDS = {"word search", "filters only", "letter page", "api search", "narrow csv export"}


@pytest.fixture
def database() -> Iterator[str]:
    name = f"test_imr_bench_load_{uuid.uuid4().hex[:8]}"
    yield name
    drop_database(name)


def test_it_reports_each_kind_of_request_from_a_served_archive_and_ends_its_processes(tmp_path: Path, database: str) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()

    completed = subprocess.run(
        [sys.executable, "benchmarks/load.py", "--database", database, "--letters", "80", "--seed-letters", "80",
         "--workers", "1", "--clients", "3", "--duration", "4", "--request-timeout", "20"],
        cwd=REPO_ROOT, env=benchmark_environment(tmp), capture_output=True, text=True, timeout=400,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr[-3000:]
    figures = json.loads(completed.stdout)
    assert figures["letters"] == 80
    assert all(size > 0 for size in figures["plan_sizes"].values()), figures["plan_sizes"]
    [phase] = figures["phases"]
    assert phase["clients"] == 3
    assert set(phase["by_kind"]) == KINDS
    assert phase["overall"]["requests"] > 0
    assert phase["by_kind"]["word search"]["requests"] > 0
    assert phase["overall"]["errors"] == 0, phase["errors"]
    assert phase["overall"]["p50_ms"] <= phase["overall"]["p99_ms"]
    assert len(phase["gunicorn_workers_memory_mb"]) == 1
    assert [p for p in processes_of_this_run() if p.test == os.environ[TEST_VARIABLE]] == []
    assert list(tmp.iterdir()) == []
