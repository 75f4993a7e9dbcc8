"""docker-compose.yml describes the production stack (no Docker engine runs here to start it)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_it_has_the_database_web_worker_scheduler_and_word_index_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"db", "web", "worker", "scheduler", "word-index"}


def test_the_word_index_is_followed_in_the_data_volume_the_web_reads(compose: dict[str, Any]) -> None:
    follower, web = compose["services"]["word-index"], compose["services"]["web"]
    assert follower["command"] == "python manage.py index_words --follow"
    assert follower["environment"] == web["environment"] and follower["volumes"] == web["volumes"]


def test_the_scheduler_runs_the_periodic_jobs_against_the_same_database(compose: dict[str, Any]) -> None:
    scheduler, web = compose["services"]["scheduler"], compose["services"]["web"]
    assert scheduler["command"] == "python manage.py run_scheduler"
    assert scheduler["environment"] == web["environment"]


def test_the_database_is_official_postgres_with_a_volume_and_healthcheck(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "pgdata" in compose["volumes"]


def test_web_migrates_then_serves_with_gunicorn(compose: dict[str, Any]) -> None:
    command = compose["services"]["web"]["command"]
    assert command.index("manage.py migrate") < command.index("gunicorn imrsite.wsgi")
    assert compose["services"]["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_worker_runs_the_task_worker_against_the_same_database(compose: dict[str, Any]) -> None:
    worker, web = compose["services"]["worker"], compose["services"]["web"]
    assert "manage.py db_worker" in worker["command"]
    assert worker["environment"]["DATABASE_URL"] == web["environment"]["DATABASE_URL"]
    assert worker["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_the_image_installs_the_pinned_requirements() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
