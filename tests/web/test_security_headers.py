"""Every response carries the Content-Security-Policy: this site's own scripts only, no framing,
inline styles only under /api/ (DRF's browsable API and the Swagger UI)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

RESPONSES = [
    "/decisions/",
    "/decisions/?age_min=old",  # a refused search (400)
    "/decisions/CM16-0000001/",
    "/decisions/CM16-0000001/original",
    "/decisions/CM00-0000000/",  # not found
    "/decisions/%00/",  # refused before any view
    "/decisions/export.csv?outcome=overturned",
    "/guidelines/",
    "/guidelines/odg-pain/",
    "/api/decisions/",
    "/api/decisions/CM16-0000001/",
    "/api/docs/",
    "/admin/login/",
    "/static/css/site.css",
]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("url", RESPONSES)
def test_every_response_carries_the_policy(archive, url: str) -> None:
    response = Client(raise_request_exception=False).get(url)
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # no inline script, no eval, anywhere
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]


@pytest.mark.parametrize("url", ["/decisions/", "/decisions/CM16-0000001/", "/guidelines/", "/admin/login/"])
def test_the_sites_pages_and_the_admin_allow_no_inline_style(archive, client, url: str) -> None:
    directives = policy(client.get(url))
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'"]


def test_the_api_pages_allow_inline_styles_and_data_icons_only(archive, client) -> None:
    directives = policy(client.get("/api/docs/"))
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["script-src"] == ["'self'"]


def test_the_api_docs_load_their_script_from_the_site(archive, client) -> None:
    html = client.get("/api/docs/").content.decode()
    scripts = SCRIPT_TAG.findall(html)
    assert scripts and all("src=" in attributes for attributes in scripts), scripts
    init = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html)
    assert init, html
    response = client.get(init.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/decisions/",
        "/decisions/?q=gabapentin",
        "/decisions/CM16-0000001/?from=q%3Dgabapentin",
        "/guidelines/",
        "/guidelines/odg-pain/",
        "/decisions/nope/",
    ],
)
def test_the_sites_pages_hold_no_inline_script(archive, client, url: str) -> None:
    html = client.get(url).content.decode()
    inline = [attributes for attributes in SCRIPT_TAG.findall(html) if "src=" not in attributes]
    assert not inline
    assert not EVENT_HANDLER.search(html)


def test_pages_cannot_be_framed_by_any_site(archive, client) -> None:
    response = client.get("/decisions/")
    assert response["X-Frame-Options"] == "DENY"
    assert policy(response)["frame-ancestors"] == ["'none'"]
