"""An embedded server stopped on purpose stays stopped: the web answers 503 at once and
recovers within a second when it is back; commands say what to do in one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from imrsite.embedded.server import EmbeddedServer
from tests.conftest import REPO_ROOT, stop_process_group
from tests.foundation.test_quickstart import free_port

pytestmark = pytest.mark.slow


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["IMR_DATA_DIR"] = str(data_dir)
    return env


def timed_get(url: str) -> tuple[int, float, str]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, time.monotonic() - started, body


@pytest.fixture
def served_archive(data_root: Path) -> Iterator[tuple[EmbeddedServer, str]]:
    """A migrated embedded server (started here) and gunicorn serving it with two workers."""
    server = EmbeddedServer(data_root / "data")
    env = embedded_env(server.data_dir)
    server.ensure_running()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO_ROOT, env=env, check=True, timeout=300)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "imrsite.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/decisions/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if timed_get(url)[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server, url
    finally:
        stop_process_group(web)
        server.stop()


def test_the_web_never_restarts_a_stopped_server_and_recovers_within_a_second(served_archive: tuple[EmbeddedServer, str]) -> None:
    server, url = served_archive
    for _ in range(4):  # both workers hold a connection to the server about to stop
        assert timed_get(url)[0] == 200
    server.stop()

    while_stopped = [timed_get(url) for _ in range(6)]
    assert [status for status, _, _ in while_stopped] == [503] * 6
    assert max(seconds for _, seconds, _ in while_stopped) < 1
    assert "database is not running" in while_stopped[0][2]
    assert not server.is_running(), "a web request started the server an operator stopped"

    server.ensure_running()
    after = [timed_get(url) for _ in range(6)]
    assert [status for status, _, _ in after] == [200] * 6
    seconds = sorted(seconds for _, seconds, _ in after)
    # Typically 30-80 ms; the bound on the slowest leaves room for a busy test machine.
    assert seconds[len(seconds) // 2] < 1 and seconds[-1] < 2, f"requests after the restart took {seconds}"


def test_ingest_on_a_fresh_data_folder_says_migrate_first_and_leaves_no_server_running(data_root: Path) -> None:
    letters = data_root / "letters"
    letters.mkdir()
    (letters / "one.txt").write_text("not a letter, never read: the command stops before\n")
    env = embedded_env(data_root / "data")

    completed = subprocess.run(
        [sys.executable, "manage.py", "ingest", str(letters)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180
    )

    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == [
        "CommandError: the database is not ready (migrations not applied): run `python manage.py migrate` first"
    ]
    assert not EmbeddedServer(data_root / "data").is_running()
    assert not (data_root / "data" / "pg" / "postmaster.pid").exists()
