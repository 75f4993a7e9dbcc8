"""Small readers of the API and the CSV export, shared by the web tests."""

from __future__ import annotations

import csv
import io
from typing import Any


def api(client: Any, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/decisions/?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def keys(client: Any, query: str = "") -> set[str]:
    return {row["key"] for row in api(client, query)["results"]}


def csv_rows(client: Any, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/decisions/export.csv?{query}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
