"""The original file of a letter: opened in the browser, saved with ?download=1, never sniffed."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile

from decisions.models import Case
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def with_original(case: Case, data: bytes, filename: str, content_type: str) -> Case:
    document = case.document
    document.filename, document.content_type, document.size = filename, content_type, len(data)
    document.sha256 = hashlib.sha256(data).hexdigest()  # originals are stored under their hash
    document.original.save(filename, ContentFile(data), save=False)
    document.save()
    return case


@pytest.fixture
def pdf_letter() -> Case:
    return with_original(make_case([Item("MRI")], case_number="CM17-0005418"), MINIMAL_PDF, "CM17-0005418.pdf", "application/pdf")


def test_a_pdf_opens_in_the_browser(client, pdf_letter):
    response = client.get("/decisions/CM17-0005418/original")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="CM17-0005418.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == MINIMAL_PDF


@pytest.mark.parametrize("url", ["/decisions/CM17-0005418/original?download=1", "/decisions/cm17-0005418/original?download=1"])
def test_download_saves_the_pdf_instead(client, pdf_letter, url):
    response = client.get(url, follow=True)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="CM17-0005418.pdf"'
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_a_text_original_is_plain_text_with_its_charset_shown_inline(client):
    case = make_case([Item("Physical therapy")], case_number="CM17-0000001")
    with_original(case, "Case Number: CM17-0000001 — naïve café\n".encode(), "letter.txt", "text/plain")
    response = client.get("/decisions/CM17-0000001/original")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="letter.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode("utf-8").endswith("naïve café\n")


def test_a_windows_1252_text_original_says_so(client):
    case = make_case([Item("Physical therapy")], case_number="CM17-0000002")
    with_original(case, "Case Number: CM17-0000002 – naïve\n".encode("cp1252"), "letter.txt", "text/plain")
    response = client.get("/decisions/CM17-0000002/original")
    assert response["Content-Type"] == "text/plain; charset=windows-1252"
    assert response.content.decode("cp1252").endswith("– naïve\n")


def test_the_letter_page_offers_the_original_to_open_and_to_download(client, pdf_letter):
    html = client.get("/decisions/CM17-0005418/").content.decode()
    assert 'href="/decisions/CM17-0005418/original"' in html
    assert 'href="/decisions/CM17-0005418/original?download=1"' in html


def test_a_text_originals_name_is_its_own_not_the_servers_path(client, db):
    from tests.web.factories import Item, make_case

    case = make_case([Item("MRI", "upheld")])
    case.document.filename = "/srv/uploads/batch.zip!letters/CM16-0000099.txt"
    case.document.save()
    response = client.get(f"/decisions/{case.key}/original")
    assert response["Content-Disposition"] == 'inline; filename="CM16-0000099.txt"'


@pytest.mark.parametrize("path", ["/decisions/", "/guidelines/"])
def test_head_requests_are_answered_like_get(client, db, path):
    assert client.head(path).status_code == 200
