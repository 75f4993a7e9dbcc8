"""Small readers of the API and the CSV export, shared by the web tests."""

from __future__ import annotations

import csv
import io
from typing import Any

# The search parameters of ../shared/contract.md § Web, but `page`.
CONTRACT_FILTERS = (
    "q", "outcome", "treatment", "guideline", "source", "cited_by", "specialty", "state", "sex",
    "age_min", "age_max", "decided_from", "decided_to", "injured_from", "injured_to", "sort",
)  # fmt: skip


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


def keys_in_search_order(search: Any) -> list[str]:
    """The keys of a validated search's letters in its order: by relevance, the order its counting pass
    ranked them in (BM25 from the word index, else PostgreSQL's ts_rank); by date, the SQL order."""
    from decisions.models import Case

    if not search.ranked:
        return list(search.letters().values_list("key", flat=True))
    ids = search.counts().ordered_ids.tolist()
    keys = dict(Case.objects.filter(id__in=ids).values_list("id", "key"))
    return [keys[pk] for pk in ids]
