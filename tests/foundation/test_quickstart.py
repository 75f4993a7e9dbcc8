"""``quickstart`` fills an empty archive once, gives admin access once, and serves the site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from decisions.models import Case, SourceDocument
from imrsite.embedded.server import EmbeddedServer
from tests.conftest import REPO_ROOT, stop_process_group


@pytest.mark.django_db
def test_a_second_run_reuses_the_data_and_adds_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("quickstart", no_serve=True, samples=25)
    first_output = capsys.readouterr().out
    cases, documents = Case.objects.count(), SourceDocument.objects.count()

    call_command("quickstart", no_serve=True, samples=25)
    second_output = capsys.readouterr().out

    assert cases == 25
    assert (Case.objects.count(), SourceDocument.objects.count()) == (cases, documents)
    assert "with password:" in first_output
    assert "with password:" not in second_output
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


@pytest.mark.django_db
def test_the_admin_password_is_random_and_not_guessable(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("quickstart", no_serve=True, samples=1)
    password = capsys.readouterr().out.split("with password:")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert len(password) >= 16
    assert admin.check_password(password)
    assert not admin.check_password("admin")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_page(url: str, process: subprocess.Popen[str], timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"quickstart exited early: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} was not served within {timeout} s")


def processes_in_session(session_id: int) -> list[int]:
    """Live (not zombie) processes of a session: a process started with start_new_session leads one."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, session = fields[0], int(fields[3])  # after the name: state, ppid, pgrp, session
        if session == session_id and state != "Z":
            found.append(int(entry.name))
    return found


def task_worker_in_session(session_id: int) -> int | None:
    for pid in processes_in_session(session_id):
        try:
            if b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return None


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.mark.slow
def test_it_serves_the_archive_from_an_empty_data_folder_restarts_its_task_worker_and_stops_on_ctrl_c(data_root: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    data_dir = data_root / "data"
    env["IMR_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "quickstart", "--port", str(port), "--samples", "30"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        page = wait_for_page(f"http://127.0.0.1:{port}/decisions/", process)
        assert '<span data-testid="total">30</span> letters' in page
        # The word index's follower builds this machine's index (then keeps it current).
        assert wait_for(lambda: any((data_dir / "word-index").glob("*/current/word-index.json")), seconds=60)
        first_worker = task_worker_in_session(process.pid)
        os.kill(first_worker, signal.SIGKILL)  # as when it fails while the database is stopped
        assert wait_for(lambda: task_worker_in_session(process.pid) not in (None, first_worker), seconds=30)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        output, _ = process.communicate(timeout=60)
        left_behind = processes_in_session(process.pid)
    finally:
        stop_process_group(process)
        EmbeddedServer(data_dir).stop()
    assert process.returncode == 0, output
    assert "Stopping the embedded PostgreSQL server" in output
    assert left_behind == [], "gunicorn or the task worker outlived quickstart"
    assert not (data_dir / "pg" / "postmaster.pid").exists()
