"""Settings come from the environment, fail loudly, and choose the embedded server or DATABASE_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PRINT_DATABASE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({k: str(db.get(k)) for k in ('ENGINE', 'NAME', 'HOST', 'PORT', 'USER')}))"
)


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL", "IMR_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "imrsite.settings", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=clean, capture_output=True, text=True, timeout=60)


def database_settings(env: dict[str, str]) -> dict[str, str]:
    completed = run_python(PRINT_DATABASE, env)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_it_uses_the_embedded_server_when_database_url_is_unset(tmp_path: Path) -> None:
    db = database_settings({"IMR_DATA_DIR": str(tmp_path)})
    assert db["ENGINE"] == "imrsite.embedded"
    assert db["HOST"] == str(tmp_path / "pg")
    assert db["NAME"] == "imr"


def test_it_uses_database_url_when_set(tmp_path: Path) -> None:
    db = database_settings(
        {
            "DATABASE_URL": "postgresql://archive:pw@db.example.internal:6543/imrprod",
            "DJANGO_SECRET_KEY": "a-real-production-secret-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "imr.example.org",
        }
    )
    assert db == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "imrprod",
        "HOST": "db.example.internal",
        "PORT": "6543",
        "USER": "archive",
    }


def test_production_refuses_to_start_without_a_secret_key() -> None:
    completed = run_python(PRINT_DATABASE, {"DATABASE_URL": "postgresql://u@h/d", "DJANGO_ALLOWED_HOSTS": "imr.example.org"})
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in completed.stderr


def test_production_refuses_an_insecure_default_key() -> None:
    completed = run_python(
        PRINT_DATABASE,
        {
            "DATABASE_URL": "postgresql://u@h/d",
            "DJANGO_ALLOWED_HOSTS": "x.org",
            "DJANGO_SECRET_KEY": "django-insecure-" + "a" * 40,
        },
    )
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY is too short or a default key" in completed.stderr


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ab" * 40, "DJANGO_SECRET_KEY has fewer than 5 distinct characters"),
        ("abcd" * 20, "DJANGO_SECRET_KEY has fewer than 5 distinct characters"),
        ("a-real-production-secret-" + "q7Zp" * 6, "DJANGO_SECRET_KEY is too short"),  # 49 characters
    ],
)
def test_production_refuses_a_key_django_would_call_weak(key: str, message: str) -> None:
    completed = run_python(
        PRINT_DATABASE, {"DATABASE_URL": "postgresql://u@h/d", "DJANGO_ALLOWED_HOSTS": "x.org", "DJANGO_SECRET_KEY": key}
    )
    assert completed.returncode != 0
    assert message in completed.stderr


def test_production_accepts_a_key_just_strong_enough() -> None:
    key = "abcde" * 10  # 50 characters, 5 distinct: the least Django's deploy check accepts
    completed = run_python(
        PRINT_DATABASE, {"DATABASE_URL": "postgresql://u@h/d", "DJANGO_ALLOWED_HOSTS": "x.org", "DJANGO_SECRET_KEY": key}
    )
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a boolean"),
        ({"IMR_MAX_FILE_MB": "lots"}, "IMR_MAX_FILE_MB='lots' is not an integer"),
        (
            {
                "DATABASE_URL": "mysql://u@h/d",
                "DJANGO_SECRET_KEY": "a-real-production-secret-" + "s" * 40,
                "DJANGO_ALLOWED_HOSTS": "x.org",
            },
            "DATABASE_URL must point to PostgreSQL",
        ),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(tmp_path: Path, env: dict[str, str], message: str) -> None:
    completed = run_python(PRINT_DATABASE, {"IMR_DATA_DIR": str(tmp_path), **env})
    assert completed.returncode != 0
    assert message in completed.stderr


def test_local_mode_keeps_one_random_secret_key_in_the_data_folder(tmp_path: Path) -> None:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_python(code, {"IMR_DATA_DIR": str(tmp_path)})
    second = run_python(code, {"IMR_DATA_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql://u@127.0.0.1:1/none",
        "DJANGO_SECRET_KEY": "a-real-production-secret-" + "q7Zp" * 12,
        "DJANGO_ALLOWED_HOSTS": "imr.example.org",
    }
    code = "import sys; from django.core.management import execute_from_command_line; execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    completed = run_python(code, env)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_check_does_not_start_the_embedded_server(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO_ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "IMR_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "imrsite.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert not (tmp_path / "pg").exists()
