"""The acceptance figures of the search on the 89 real letters in ../shared (skipped without them)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_archive(shared_dir: Path) -> None:
    call_command("ingest", str(shared_dir / "imr-letters"), stdout=io.StringIO(), stderr=io.StringIO())


def api_count(client: Client, query: str) -> int:
    return client.get(f"/api/decisions/?{query}").json()["count"]


def test_the_real_letters_give_the_published_counts(client: Client, real_archive: None) -> None:
    assert api_count(client, "outcome=overturned") == 16
    assert api_count(client, "source=ODG") == 31
    assert api_count(client, "source=ODG&outcome=overturned") == 2
    assert api_count(client, "q=tramadol&exact=true") == 7
    # Tramadol by any name: the letters that say tramadol or a product of it (Ultram, the Synapryn kit).
    assert api_count(client, "q=tramadol") == api_count(client, "q=tramadol OR ultram OR ultracet OR conzip OR synapryn&exact=true") > 7
    assert client.get("/api/decisions/").json()["facets"]["outcome"]["overturned"] == 16
    rows = list(
        csv.DictReader(io.StringIO(b"".join(client.get("/decisions/export.csv?outcome=overturned").streaming_content).decode()))
    )
    assert len(rows) == 16
    assert "<mark>" in client.get("/decisions/?q=tramadol").content.decode()
