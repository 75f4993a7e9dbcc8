"""The anonymous rate limit is one count for every server process: N workers do not allow N times the rate.

Each test runs real separate Python processes with the production settings (IMR_API_ANON_RATE read
from the environment) against this run's test database, as two gunicorn workers would.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from ipaddress import IPv6Address

import pytest
from django.db import connection

from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# One "worker": makes `count` anonymous API requests from `address` from `start` on (a Unix time,
# so that concurrent workers begin together) and prints their status codes.
WORKER = """
import json, sys, time
import django
django.setup()
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[1]
from django.test import Client
database, address, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
client = Client(REMOTE_ADDR=address)
client.get("/guidelines/")  # an unthrottled page: connects and warms up, uncounted
time.sleep(max(0.0, start - time.time()))
print(json.dumps([client.get("/api/guidelines/").status_code for _ in range(count)]))
"""


def worker_env(rate: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="imrsite.settings",
        IMR_API_ANON_RATE=rate,
        DJANGO_SECRET_KEY="throttle-test-only-" + "r4nd0m" * 8,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    return env


def start_worker(rate: str, address: str, count: int, start: float) -> subprocess.Popen[str]:
    database = str(connection.settings_dict["NAME"])
    command = [sys.executable, "-c", WORKER, database, address, str(count), str(start)]
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=worker_env(rate), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def statuses(worker: subprocess.Popen[str]) -> list[int]:
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def a_new_client() -> str:
    """An address no earlier run counted (the cache table outlives a test's transaction)."""
    return str(IPv6Address(0x20010DB8 << 96 | random.getrandbits(96)))


def test_a_second_process_continues_the_count_of_the_first() -> None:
    address = a_new_client()
    first = statuses(start_worker("3/minute", address, 2, 0))
    second = statuses(start_worker("3/minute", address, 2, 0))
    assert first == [200, 200]
    assert second == [200, 429]


def test_concurrent_processes_together_allow_exactly_the_rate() -> None:
    address, begin = a_new_client(), time.time() + 4
    workers = [start_worker("10/minute", address, 12, begin) for _ in range(2)]
    codes = [code for worker in workers for code in statuses(worker)]
    assert codes.count(200) == 10
    assert codes.count(429) == 14


def test_clients_are_counted_apart() -> None:
    first, second = a_new_client(), a_new_client()
    assert statuses(start_worker("2/minute", first, 3, 0)) == [200, 200, 429]
    assert statuses(start_worker("2/minute", second, 2, 0)) == [200, 200]
