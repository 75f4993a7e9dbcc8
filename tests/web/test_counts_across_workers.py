"""Every number equals the letters listed, on every web process, after any kind of write.

A real archive (an embedded server of its own) is served by gunicorn with two workers, each
holding its own facet index. After each kind of write — a reviewer's specialties saved as the
admin form saves them, a guideline's source changed in plain SQL, a reparse, a letter deleted,
an ingest — the next requests, answered by both workers (told apart by gunicorn's access log),
must give: a total equal to the letters listed, and for every facet value a count equal to the
total of the search that selects it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from decisions.selectors import facet_params
from imrsite.embedded.server import EmbeddedServer
from tests.conftest import REPO_ROOT, stop_process_group
from tests.foundation.test_quickstart import free_port
from tests.foundation.test_stopped_database import embedded_env

pytestmark = pytest.mark.slow


@dataclass
class ServedArchive:
    server: EmbeddedServer
    env: dict[str, str]
    base: str
    access_log: Path

    def manage(self, *args: str) -> str:
        completed = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert completed.returncode == 0, completed.stderr
        return completed.stdout

    def sql(self, statement: str) -> None:
        with psycopg.connect(self.server.url(), autocommit=True) as connection:
            connection.execute(statement)

    def api(self, params: dict[str, str]) -> dict[str, object]:
        url = f"{self.base}/api/decisions/?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)

    def workers_seen(self) -> set[str]:
        return {line.split()[0] for line in self.access_log.read_text().splitlines() if line.strip()}


@pytest.fixture
def archive(data_root: Path) -> Iterator[ServedArchive]:
    server = EmbeddedServer(data_root / "data")
    env = {**embedded_env(server.data_dir), "IMR_PARSE_TIMEOUT_SECONDS": "0", "IMR_API_ANON_RATE": "100000/minute"}
    port = free_port()
    served = ServedArchive(server, env, f"http://127.0.0.1:{port}", data_root / "access.log")
    server.ensure_running()  # started here, so the commands below leave it running for the web
    served.manage("migrate", "-v", "0")
    # 52 letters of one seed (distinct case numbers): 40 now, 12 held back for the ingest below.
    served.manage("generate_letters", str(data_root / "letters"), "--count", "52", "--seed", "3")
    (data_root / "more").mkdir()
    for held_back in sorted((data_root / "letters").iterdir())[40:]:
        held_back.rename(data_root / "more" / held_back.name)
    served.manage("ingest", str(data_root / "letters"))
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "imrsite.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--access-logfile", str(served.access_log), "--access-logformat", "%(p)s %(U)s"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_until_served(served)
        yield served
    finally:
        stop_process_group(web)
        server.stop()


def wait_until_served(served: ServedArchive) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            served.api({})
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def assert_every_number_is_the_letters_listed(served: ServedArchive, search: dict[str, str] | None = None) -> None:
    """Asked of both workers: total = rows listed; each facet value's count = the total it selects."""
    search = search or {}
    served.access_log.write_text("")
    answered: list[dict[str, object]] = []
    # Requests at once, so that one busy worker leaves the next to the other.
    with ThreadPoolExecutor(max_workers=4) as pool:
        while len(served.workers_seen()) < 2 and len(answered) < 40:
            answered.extend(pool.map(lambda _: served.api(search), range(4)))
    assert len(served.workers_seen()) == 2, "one worker answered every request"
    assert all(answer["count"] == answered[0]["count"] and answer["facets"] == answered[0]["facets"] for answer in answered)
    listed, page = [], 1
    while True:
        answer = served.api({**search, "page": str(page)})
        listed.extend(answer["results"])
        if not answer["next"]:
            break
        page += 1
    assert answered[0]["count"] == len(listed) == len({letter["key"] for letter in listed})
    for name, counts in answered[0]["facets"].items():
        for value, count in counts.items():
            selected = served.api({**search, **facet_params(name, value)})
            assert selected["count"] == count, (name, value)


def a_letter_with_items(served: ServedArchive) -> dict[str, object]:
    return served.api({"sort": "-decided"})["results"][0]


def test_counts_equal_the_letters_listed_on_both_workers_after_every_kind_of_write(archive: ServedArchive) -> None:
    assert_every_number_is_the_letters_listed(archive)

    # (a) a reviewer's specialties, saved as the admin form saves the model
    archive.manage(
        "shell", "-c",
        "from decisions.models import Reviewer; r = Reviewer.objects.order_by('id').first();"
        " r.specialties = ['Hand Surgery']; r.save()",
    )  # fmt: skip
    assert archive.api({"specialty": "hand-surgery"})["count"] > 0
    assert_every_number_is_the_letters_listed(archive)

    # (b) a guideline's source, changed in plain SQL
    archive.sql(
        "UPDATE decisions_guideline SET source = 'other' WHERE id = "
        "(SELECT guideline_id FROM decisions_citation WHERE role = 'reviewer' ORDER BY id LIMIT 1)"
    )
    assert_every_number_is_the_letters_listed(archive, {"source": "other"})

    # (c) a reparse of every letter
    archive.manage("reparse", "--all")
    assert_every_number_is_the_letters_listed(archive)

    # (d) a letter deleted
    gone = a_letter_with_items(archive)["key"]
    archive.manage(
        "shell", "-c",
        f"from decisions.models import Case; c = Case.objects.get(key='{gone}'); d = c.document; c.delete(); d.delete()",
    )  # fmt: skip
    assert gone not in {letter["key"] for letter in archive.api({"q": gone})["results"]}
    assert_every_number_is_the_letters_listed(archive)

    # (e) an ingest of new letters
    before = archive.api({})["count"]
    archive.manage("ingest", str(archive.access_log.parent / "more"))
    assert archive.api({})["count"] == before + 12
    assert_every_number_is_the_letters_listed(archive)
    assert_every_number_is_the_letters_listed(archive, {"outcome": "overturned"})
