"""E-mail settings from the environment: EMAIL_URL, else DJANGO_EMAIL_*, else files in IMR_DATA_DIR/mail."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from imrsite.env import email_url
from tests.conftest import REPO_ROOT


def test_an_smtp_url_gives_host_port_user_and_a_decoded_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://alerts%40imr.org:p%40ss%2Fword@mail.example.org")
    assert email_url("EMAIL_URL") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "alerts@imr.org",
        "EMAIL_HOST_PASSWORD": "p@ss/word",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    monkeypatch.setenv("EMAIL_URL", "smtp+ssl://mail.example.org:2465")
    settings = email_url("EMAIL_URL")
    assert settings is not None and (settings["EMAIL_PORT"], settings["EMAIL_USE_SSL"]) == (2465, True)


@pytest.mark.parametrize("bad", ["http://mail.example.org", "smtp://", "smtp://host:port"])
def test_a_bad_url_names_the_variable(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("EMAIL_URL", bad)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_url("EMAIL_URL")


def settings_in_child(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_URL", "DJANGO_EMAIL_"))}
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_without_settings_mail_is_written_to_files_in_the_data_folder(tmp_path: object) -> None:
    backend, path, *_ = settings_in_child(IMR_DATA_DIR=str(tmp_path)).split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == f"{tmp_path}/mail"


def test_the_django_email_variables_configure_smtp(tmp_path: object) -> None:
    shown = settings_in_child(
        IMR_DATA_DIR=str(tmp_path), DJANGO_EMAIL_HOST="relay.local", DJANGO_EMAIL_PORT="2525", DJANGO_EMAIL_USE_TLS="1"
    )
    assert shown.split()[0] == "django.core.mail.backends.smtp.EmailBackend"
    assert shown.split()[2:] == ["relay.local", "2525", "True"]
