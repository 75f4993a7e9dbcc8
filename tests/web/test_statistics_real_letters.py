"""The issue's figures of the statistics on the 89 real letters in ../shared (skipped without them)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_archive(shared_dir: Path) -> None:
    call_command("ingest", str(shared_dir / "imr-letters"), stdout=io.StringIO(), stderr=io.StringIO())


def groups_by_value(data: dict) -> dict[str, tuple[int, int]]:  # type: ignore[type-arg]
    return {group["value"]: (group["items"], group["overturned"]) for group in data["groups"]}


def test_the_real_letters_give_the_issues_statistics(client: Client, real_archive: None) -> None:
    by_year = client.get("/api/statistics/?by=year").json()
    assert (by_year["total"]["items"], by_year["total"]["overturned"], by_year["total"]["letters"]) == (187, 16, 89)
    assert groups_by_value(by_year) == {"2016": (5, 1), "2017": (182, 15)}
    by_specialty = groups_by_value(client.get("/api/statistics/?by=specialty").json())
    assert by_specialty["family-practice"] == (33, 5)
    assert by_specialty["physical-medicine-and-rehabilitation"] == (76, 4)
    overturned = client.get("/api/statistics/?outcome=overturned").json()
    assert (overturned["total"]["items"], overturned["total"]["overturned"]) == (16, 16)
    assert client.get("/statistics/").status_code == 200
