"""Item-level filters hold for one and the same disputed item, never for two different items."""

from __future__ import annotations

import pytest

from tests.web.helpers import csv_rows, keys

pytestmark = pytest.mark.django_db


def test_item_filters_match_the_same_item(client, archive):
    # CM16-0000001 has an overturned item (gabapentin) and an acupuncture item, but the acupuncture was upheld.
    assert keys(client, "outcome=overturned&treatment=acupuncture") == set()
    assert keys(client, "outcome=upheld&treatment=acupuncture") == {"CM16-0000001", "CM16-0000004"}


def test_source_and_outcome_combine_on_one_item(client, archive):
    # CM16-0000003 cites ODG on an upheld item and is overturned on another (MTUS) item.
    assert keys(client, "source=ODG&outcome=overturned") == {"CM16-0000002"}


def test_guideline_and_treatment_combine_on_one_item(client, archive):
    assert keys(client, "guideline=mtus-chronic-pain&treatment=medication&subcategory=opioid") == {"CM16-0000002", "CM16-0000003"}
    assert keys(client, "guideline=odg-low-back&treatment=medication") == set()


def test_claims_administrator_citations_combine_with_the_outcome_on_one_item(client, archive):
    assert keys(client, "source=ODG&cited_by=claims_administrator&outcome=overturned") == {"CM16-0000001", "CM16-0000005"}
    assert keys(client, "guideline=mtus-acupuncture&cited_by=claims_administrator&outcome=overturned") == set()


def test_export_lists_only_the_items_that_match(client, archive):
    rows = csv_rows(client, "source=ODG&outcome=overturned")
    assert [(row["case"], row["request"]) for row in rows] == [("CM16-0000002", "MRI of the lumbar spine")]
