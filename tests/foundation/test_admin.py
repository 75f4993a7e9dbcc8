"""Every model has a working admin: list columns, filters, search, inlines, read-only source text."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from decisions.models import Case, Citation, DisputedItem, Guideline, Reviewer, SourceDocument
from decisions.samples import generate_letters
from decisions.services import ingest_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "not-a-real-password-42")
    client.force_login(user)
    return client


@pytest.fixture
def archive() -> list[Case]:
    for letter in generate_letters(5, seed=77, layouts=("A",)):
        ingest_document(data=letter.text.encode(), filename=f"{letter.case_number}.txt")
    return list(Case.objects.all())


@pytest.mark.parametrize("model", [Case, DisputedItem, Citation, Guideline, Reviewer, SourceDocument])
def test_every_model_lists_and_opens_in_the_admin(admin_client: Client, archive: list[Case], model: type) -> None:
    opts = model._meta
    listing = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert listing.status_code == 200
    first = model.objects.first()
    page = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    assert page.status_code == 200


def test_a_case_shows_its_items_inline(admin_client: Client, archive: list[Case]) -> None:
    case = archive[0]
    page = admin_client.get(reverse("admin:decisions_case_change", args=[case.pk]))
    for item in case.items.all():
        assert item.request[:40] in page.content.decode()


def test_the_case_list_searches_by_case_number(admin_client: Client, archive: list[Case]) -> None:
    wanted = archive[0].case_number
    listing = admin_client.get(reverse("admin:decisions_case_changelist"), {"q": wanted})
    assert wanted in listing.content.decode()
    assert all(case.case_number not in listing.content.decode() for case in archive[1:])


def test_the_source_text_is_read_only(admin_client: Client, archive: list[Case]) -> None:
    document = archive[0].document
    page = admin_client.get(reverse("admin:decisions_sourcedocument_change", args=[document.pk]))
    assert 'name="text"' not in page.content.decode()
    assert document.text.splitlines()[0] in page.content.decode()


def test_a_reviewers_specialties_edited_in_the_admin_are_what_the_search_finds(admin_client: Client, archive: list[Case]) -> None:
    case = archive[0]
    reviewer = case.reviewer
    form = {
        "credentials_key": reviewer.credentials_key,
        "specialties": "Occupational Medicine,Toxicology",
        "licensed_states": ",".join(reviewer.licensed_states),
        "board_certified": "unknown" if reviewer.board_certified is None else str(reviewer.board_certified).lower(),
    }
    response = admin_client.post(reverse("admin:decisions_reviewer_change", args=[reviewer.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    letters = reviewer.cases.count()
    listing = admin_client.get("/api/decisions/", {"specialty": "toxicology"})
    assert listing.json()["count"] == letters == len(listing.json()["results"])
    assert listing.json()["facets"]["specialty"]["toxicology"] == letters
    assert admin_client.get("/api/decisions/", {"specialty": reviewer.specialty_slugs[0]}).json()["count"] == 0


def test_values_the_database_derives_are_not_offered_for_editing(admin_client: Client, archive: list[Case]) -> None:
    pages = {
        "admin:decisions_case_change": (archive[0].pk, ["item_count", "overturned_count"]),
        "admin:decisions_disputeditem_change": (archive[0].items.first().pk, ["reviewer_guideline_ids", "reviewer_sources"]),
        "admin:decisions_reviewer_change": (archive[0].reviewer.pk, ["specialty_slugs"]),
    }
    for name, (pk, fields) in pages.items():
        html = admin_client.get(reverse(name, args=[pk])).content.decode()
        for field in fields:
            assert f'name="{field}"' not in html, (name, field)
