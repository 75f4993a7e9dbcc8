"""The CSV export as gunicorn serves it (the deployed sync worker and its 30 s timeout): a whole
export ends cleanly with the rows its header announced; one whose database connection is lost
midway ends the connection without the closing chunk, so no client takes it for complete."""

from __future__ import annotations

import csv
import http.client
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from benchmarks.search_speed import copy_archive
from tests.conftest import REPO_ROOT, stop_process_group
from tests.foundation.test_quickstart import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

APPLICATION_NAME = "imr-export-served-test"


@dataclass
class Served:
    port: int

    def get(self, path: str) -> http.client.HTTPResponse:
        link = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        # A small receive buffer: the server is held at the client's pace, not done before it reads.
        link.sock = socket.socket()
        link.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        link.sock.settimeout(60)
        link.sock.connect(("127.0.0.1", self.port))
        link.request("GET", path)
        return link.getresponse()


def database_url() -> str:
    """This run's test database as a URL, for a server in another process."""
    s = connection.settings_dict
    credentials = quote(str(s["USER"]), safe="") + (":" + quote(str(s["PASSWORD"]), safe="") if s["PASSWORD"] else "")
    host = quote(str(s["HOST"] or "localhost"), safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{credentials}@{host}{port}/{s['NAME']}?application_name={APPLICATION_NAME}"


@pytest.fixture
def served(archive, tmp_path: Path) -> Iterator[Served]:
    copy_archive(999)  # 6,000 letters, 9,000 items (~6 MB of CSV): more than the sockets buffer
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "IMR_"))},
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "imrsite.settings",
        "DJANGO_SECRET_KEY": "export-served-test-only-" + "s3cr3t" * 8,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "IMR_DATA_DIR": str(tmp_path),
        "IMR_API_ANON_RATE": "100000/minute",
        "IMR_EXPORT_CHUNK_LETTERS": "50",
    }
    # The deployed command (Dockerfile, docker-compose): sync workers, gunicorn's default 30 s timeout.
    command = [sys.executable, "-m", "gunicorn", "imrsite.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    web = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_until_served(port, web)
        yield Served(port)
    finally:
        stop_process_group(web)


def wait_until_served(port: int, web: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert web.poll() is None, "gunicorn exited"
        try:
            if Served(port).get("/guidelines/").status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not serve within a minute")


def end_the_exports_database_connection() -> None:
    with psycopg.connect(database_url().split("?")[0], autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s AND xact_start IS NOT NULL",
            [APPLICATION_NAME],
        ).fetchall()
    assert ended == [(True,)]


def test_an_export_ends_cleanly_when_whole_and_abruptly_when_its_database_connection_is_lost(served):
    response = served.get("/decisions/export.csv")
    assert response.getheader("Transfer-Encoding") == "chunked"
    rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    assert len(rows) == int(response.getheader("X-Total-Rows")) == 9_000

    response = served.get("/decisions/export.csv")
    first = response.read(1000)  # the rows are flowing: the worker is in its snapshot's transaction
    assert first.startswith(b"case,decision_date,")
    end_the_exports_database_connection()
    with pytest.raises(http.client.IncompleteRead) as raised:
        response.read()
    received = first + raised.value.partial
    assert len(list(csv.reader(io.StringIO(received.decode(errors="replace"))))) - 1 < 9_000
