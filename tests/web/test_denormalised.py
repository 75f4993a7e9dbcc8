"""The items' copies of their citations, which the filters and facets read instead of Citation."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from decisions.models import Citation, CitedBy, DisputedItem
from decisions.samples import generate_letters
from decisions.services import ingest_document

pytestmark = pytest.mark.django_db(transaction=False)

ARRAYS = ("reviewer_guideline_ids", "reviewer_sources", "claims_guideline_ids", "claims_sources")


def copies_from_citations(item: DisputedItem) -> dict[str, list[object]]:
    """What the arrays must hold: the distinct guideline ids and sources of each role, sorted."""
    expected: dict[str, list[object]] = {}
    for role, prefix in ((CitedBy.REVIEWER, "reviewer"), (CitedBy.CLAIMS_ADMINISTRATOR, "claims")):
        citations = Citation.objects.filter(item=item, role=role).select_related("guideline")
        expected[f"{prefix}_guideline_ids"] = sorted({c.guideline_id for c in citations})
        expected[f"{prefix}_sources"] = sorted({c.guideline.source for c in citations})
    return expected


def stored_copies(item: DisputedItem) -> dict[str, list[object]]:
    return {name: list(getattr(item, name)) for name in ARRAYS}


@pytest.fixture
def ingested(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for number, letter in enumerate(generate_letters(12, seed=5), start=1):
        result = ingest_document(data=letter.text.encode(), filename=f"letter-{number}.txt")
        assert result.status == "ingested", result.message
    return list(DisputedItem.objects.all())


def test_ingest_writes_each_items_citations_onto_the_item(ingested):
    assert any(item.reviewer_guideline_ids for item in ingested)
    assert any(item.claims_guideline_ids for item in ingested)
    for item in ingested:
        assert stored_copies(item) == copies_from_citations(item), item


def test_the_migration_backfill_gives_the_same_arrays_as_ingest(ingested):
    written = {item.id: stored_copies(item) for item in ingested}
    DisputedItem.objects.update(reviewer_guideline_ids=[], reviewer_sources=[], claims_guideline_ids=[], claims_sources=[])
    backfill = importlib.import_module("decisions.migrations.0004_search_item_guideline_arrays").BACKFILL
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert {item.id: stored_copies(item) for item in DisputedItem.objects.all()} == written
