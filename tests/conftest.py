"""Shared test helpers. Tests run on real PostgreSQL: the embedded server, or DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """../shared next to the repository (CI has it); tests that need it skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: the real letters are not available on this machine")
    return SHARED_DIR


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the embedded PostgreSQL server when this test run was the one that started it."""
    from django.conf import settings

    from imrsite.embedded.server import STARTED_BY_THIS_PROCESS, EmbeddedServer

    if not settings.configured:  # run with -p no:django: no database was used
        return
    if getattr(settings, "EMBEDDED_DATABASE", False) and settings.DATA_DIR in STARTED_BY_THIS_PROCESS:
        EmbeddedServer(settings.DATA_DIR).stop()
