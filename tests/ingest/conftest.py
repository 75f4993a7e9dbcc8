"""Helpers for the ingest tests: letter folders, the command's outcome, subprocesses on the test database."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import REPO_ROOT
from tests.ingest.letters import Letter, letter

SUMMARY_PREFIX = "ingested "


@dataclass(frozen=True)
class CommandRun:
    status: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> str:
        return self.stdout.strip().splitlines()[-1]


def run_command(name: str, *args: str) -> CommandRun:
    """Run a management command in this process, as the command line would, catching its exit status."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return CommandRun(status, out.getvalue(), err.getvalue())


def write_letters(folder: Path, letters: Sequence[Letter], *, suffix: str = ".txt") -> list[Path]:
    from decisions.samples import render_pdf

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for one in letters:
        path = folder / f"{one.case_number}{suffix}"
        text = one.text()
        path.write_bytes(render_pdf(text) if suffix == ".pdf" else text.encode())
        paths.append(path)
    return paths


@pytest.fixture
def letter_folder(tmp_path: Path) -> Callable[..., Path]:
    def make(count: int, *, start: int = 1, suffix: str = ".txt", name: str = "letters") -> Path:
        folder = tmp_path / name
        write_letters(folder, [letter(n) for n in range(start, start + count)], suffix=suffix)
        return folder

    return make


def database_url() -> str:
    """A URL for the database this test runs on (pytest-django's test_<name>), for subprocesses."""
    conf = connection.settings_dict
    user = quote(conf.get("USER") or "")
    password = quote(conf.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    host = str(conf.get("HOST") or "")
    name = conf["NAME"]
    if host.startswith("/"):
        return f"postgresql://{credentials}/{name}?host={quote(host)}"
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{name}"


@pytest.fixture
def subprocess_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a `manage.py` subprocess that works on this test's (transactional) database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DJANGO_DEBUG": "1",
        "IMR_DATA_DIR": str(tmp_path / "subprocess-data"),
        "PYTHONPATH": str(REPO_ROOT),
    }


def manage(*args: str) -> list[str]:
    return [sys.executable, str(REPO_ROOT / "manage.py"), *args]


def run_manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(manage(*args), env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def parser_in_this_process(settings: object) -> None:
    """No parse time limit: letters are parsed in this process, where a test can patch the parser."""
    settings.IMR_PARSE_TIMEOUT_SECONDS = 0  # type: ignore[attr-defined]
