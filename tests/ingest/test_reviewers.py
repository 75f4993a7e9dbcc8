"""Reviewers are credentials profiles: equal credentials are one reviewer, different ones never."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from decisions.models import Case, Reviewer
from decisions.services import ingest_document
from tests.ingest.letters import letter

pytestmark = pytest.mark.django_db

# Fifteen long specialty names (under the parser's cap of 20): their credentials run past the key
# column's 500 characters.
LONG_LIST = [f"Occupational and Environmental Medicine Subspecialty {chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(15)]


def ingest_with_specialties(number: int, specialties: list[str]) -> Case:
    result = ingest_document(data=letter(number, specialties=", ".join(specialties)).text().encode(), filename=f"{number}.txt")
    assert result.status == "ingested", result.message
    assert result.case is not None
    return result.case


def test_long_credential_lists_that_differ_only_at_the_end_are_two_reviewers() -> None:
    pain = ingest_with_specialties(1, [*LONG_LIST, "Pain Medicine"])
    sports = ingest_with_specialties(2, [*LONG_LIST, "Sports Medicine"])
    pain_again = ingest_with_specialties(3, [*LONG_LIST, "Pain Medicine"])

    assert Reviewer.objects.count() == 2
    assert pain.reviewer_id == pain_again.reviewer_id != sports.reviewer_id
    assert Reviewer.objects.get(pk=sports.reviewer_id).specialties[-1] == "Sports Medicine"
    assert all(len(key) <= 500 for key in Reviewer.objects.values_list("credentials_key", flat=True))


def test_migration_0010_gives_keys_cut_at_500_characters_their_digest() -> None:
    migration = importlib.import_module("decisions.migrations.0010_reviewer_credentials_key_digest")
    long_case = ingest_with_specialties(4, [*LONG_LIST, "Pain Medicine"])
    short_case = ingest_with_specialties(5, ["Internal Medicine"])
    long_key = Reviewer.objects.get(pk=long_case.reviewer_id).credentials_key
    short_key = Reviewer.objects.get(pk=short_case.reviewer_id).credentials_key
    # The key as the code before 0010 stored it: the credentials cut at the column's length.
    cut_key = migration.stored_credentials(Reviewer.objects.get(pk=long_case.reviewer_id))[:500]
    Reviewer.objects.filter(pk=long_case.reviewer_id).update(credentials_key=cut_key)

    migration.recompute_keys(apps, None)

    assert Reviewer.objects.get(pk=long_case.reviewer_id).credentials_key == long_key != cut_key
    assert Reviewer.objects.get(pk=short_case.reviewer_id).credentials_key == short_key
    assert ingest_with_specialties(6, [*LONG_LIST, "Pain Medicine"]).reviewer_id == long_case.reviewer_id
