"""Each stored item keeps its drug ingredients, body region and side; reparse fills them in."""

from __future__ import annotations

import pytest

from decisions import parsing
from decisions.models import DisputedItem, SourceDocument
from decisions.services import ingest_document
from tests.ingest.conftest import run_command
from tests.ingest.letters import Item, letter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("parser_in_this_process")]

ITEMS = [Item(request="Norco 10/325mg #60"), Item(request="Right knee arthroscopy with partial meniscectomy")]


def stored_values() -> list[tuple[list[str], str, str, str, str]]:
    return [
        (item.ingredients, item.body_region, item.laterality, item.treatment_category, item.treatment_subcategory)
        for item in DisputedItem.objects.order_by("position")
    ]


def test_ingest_stores_ingredients_region_and_side() -> None:
    ingest_document(data=letter(31, items=ITEMS).text().encode(), filename="drugs.txt")

    assert stored_values() == [
        (["hydrocodone", "acetaminophen"], "", "", "medication", "opioid"),
        ([], "knee", "right", "surgery", "knee"),
    ]


def test_items_are_found_by_ingredient() -> None:
    ingest_document(data=letter(32, items=ITEMS).text().encode(), filename="drugs.txt")

    found = DisputedItem.objects.filter(ingredients__contains=["hydrocodone"])
    assert [item.position for item in found] == [1]


def test_reparse_outdated_fills_the_new_fields_of_letters_read_by_an_older_parser() -> None:
    ingest_document(data=letter(33, items=ITEMS).text().encode(), filename="drugs.txt")
    # As a letter stored before these fields existed: no values, an older parser version.
    DisputedItem.objects.update(ingredients=[], body_region="", laterality="")
    SourceDocument.objects.update(parser_version="1.2.0")

    run = run_command("reparse", "--outdated")

    assert run.status == 0
    assert stored_values()[0][0] == ["hydrocodone", "acetaminophen"]
    assert stored_values()[1][1:3] == ("knee", "right")
    assert SourceDocument.objects.get().parser_version == parsing.PARSER_VERSION


def test_the_item_serializer_shows_ingredients_region_and_side() -> None:
    from decisions.serializers import ItemSerializer

    ingest_document(data=letter(34, items=ITEMS).text().encode(), filename="drugs.txt")

    shown = [ItemSerializer(item).data for item in DisputedItem.objects.order_by("position")]
    assert [(row["ingredients"], row["body_region"], row["laterality"]) for row in shown] == [
        (["hydrocodone", "acetaminophen"], "", ""),
        ([], "knee", "right"),
    ]
