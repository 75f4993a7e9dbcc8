"""What a test of a benchmark script needs: the script's environment, and the server's list of databases."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from django.conf import settings


def benchmark_environment(tmp: Path) -> dict[str, str]:
    """This run's server, the site's settings (as `manage.py benchmark` runs a script; the test
    settings make folders of their own), and a temporary folder of its own to watch."""
    env = {**os.environ, "TMPDIR": str(tmp), "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "imrsite.settings"}
    if not getattr(settings, "EMBEDDED_DATABASE", False):
        return env
    return {**env, "IMR_DATA_DIR": str(settings.DATA_DIR)}


def maintenance_connection() -> psycopg.Connection[tuple[object, ...]]:
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database["HOST"] or None, port=database["PORT"] or None, user=database["USER"],
        password=database["PASSWORD"] or None, dbname="postgres", autocommit=True,
    )  # fmt: skip


def databases_named(name: str) -> int:
    with maintenance_connection() as connection:
        row = connection.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name]).fetchone()
    assert row is not None
    return int(row[0])


def drop_database(name: str) -> None:
    with maintenance_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
