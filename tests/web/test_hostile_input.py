"""Hostile input never breaks a page: every URL pattern and every search parameter, sent NUL bytes,
lone surrogates, very long strings, huge numbers and negative pages, answers 4xx (or the page), never 500.

PostgreSQL refuses text with a NUL byte, so a NUL that reaches a query is a server error; a search
parameter carrying one is a 400 naming the field, a path carrying one is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from decisions.filters import SEARCH_PARAMS

NUL_VALUES = ("%00", "a%00b", "%00%00%00")
HOSTILE_VALUES = (
    *NUL_VALUES,
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded: not valid UTF-8
    "%ED%A0%80%ED%B0%80",  # a surrogate pair written as two three-byte sequences
    "%FF%FE",
    "x" * 5000,
    "9" * 400,  # beyond int64 and beyond Python's 4300-digit int() limit when repeated
    "9" * 5000,
    "-1",
    "-99999999999999999999",
    "0",
    "1e400",
    "nan",
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%27%20OR%201%3D1%20--",
    "2016-02-30",
    "99999-01-01",
)
SEARCH_PAGES = ("/decisions/", "/api/decisions/", "/decisions/export.csv")
# Pages that read no search parameter but must not break on one either.
OTHER_PAGES = (
    "/decisions/CM16-0000001/",
    "/api/decisions/CM16-0000001/",
    "/guidelines/",
    "/guidelines/odg-pain/",
    "/api/guidelines/",
)
PLACEHOLDER = re.compile(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)")


def route_templates(patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "") -> Iterator[str]:
    """Every URL pattern of the site as a template with ``{}`` where a path parameter goes."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern).removeprefix("^").removesuffix("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from route_templates(entry.url_patterns, prefix + route)
        else:
            yield "/" + prefix + PLACEHOLDER.sub("{}", route)


def hostile_urls() -> list[str]:
    urls = []
    for template in sorted(set(route_templates())):
        count = template.count("{}")
        values = HOSTILE_VALUES if count else ("",)
        urls.extend(template.format(*([value] * count)) for value in values)
    return urls


@pytest.fixture
def staff_client(db) -> Client:
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "not-a-real-password-42")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_the_sweep_covers_every_page_of_the_site() -> None:
    templates = set(route_templates())
    for page in ("/decisions/{}/", "/decisions/{}/original", "/api/decisions/{}/", "/guidelines/{}/", "/decisions/export.csv"):
        assert page in templates
    assert any(template.startswith("/admin/decisions/case/") for template in templates)


def test_every_url_pattern_answers_hostile_path_values_without_a_server_error(archive, staff_client: Client) -> None:
    failures = []
    for url in hostile_urls():
        response = staff_client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url[:120]} -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "url",
    ["/decisions/%00/", "/decisions/a%00b/original", "/api/decisions/%00/", "/decisions/CM16-0000001%00/", "/guidelines/%00/"],
)
def test_a_nul_byte_in_a_path_is_not_found(archive, url: str) -> None:
    client = Client(raise_request_exception=False)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("page", [*SEARCH_PAGES, *OTHER_PAGES])
def test_a_nul_byte_in_any_parameter_is_refused_naming_it(archive, page: str) -> None:
    client = Client(raise_request_exception=False)
    for param in (*SEARCH_PARAMS, "page", "from", "format"):
        for value in NUL_VALUES:
            response = client.get(f"{page}?{param}={value}")
            assert response.status_code == 400, (param, value, response.status_code)
            assert param in response.content.decode(errors="replace"), (param, value)
    response = client.get(f"{page}?a%00b=1")
    assert response.status_code == 400 and "a%00b" in response.content.decode()


@pytest.mark.parametrize("page", [*SEARCH_PAGES, *OTHER_PAGES])
def test_every_search_parameter_answers_hostile_values_without_a_server_error(archive, page: str) -> None:
    client = Client(raise_request_exception=False)
    failures = []
    for param in (*SEARCH_PARAMS, "page", "from"):
        for value in HOSTILE_VALUES:
            response = client.get(f"{page}?{param}={value}")
            if response.status_code >= 500:
                failures.append(f"{param}={value[:40]} -> {response.status_code}")
            elif response.status_code == 400:
                assert param in response.content.decode(errors="replace"), (param, value)
    assert not failures, "\n".join(failures)


def test_a_letter_opened_from_a_hostile_search_still_shows(archive) -> None:
    client = Client(raise_request_exception=False)
    for value in HOSTILE_VALUES:
        response = client.get(f"/decisions/CM16-0000001/?from=q%3D{value.replace('%', '%25')}")
        assert response.status_code == 200, (value, response.status_code)


def test_the_admin_answers_hostile_query_parameters_without_a_server_error(archive, staff_client: Client) -> None:
    changelists = [url for url in hostile_urls() if re.fullmatch(r"/admin/decisions/\w+/", url)]
    assert changelists
    failures = []
    for url in changelists:
        for param in ("q", "o", "p", "key", "decision_date__gte", "_to_field"):
            for value in HOSTILE_VALUES:
                response = staff_client.get(f"{url}?{param}={value}")
                if response.status_code >= 500:
                    failures.append(f"{url}?{param}={value[:40]} -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_api_refuses_a_nul_byte_in_its_own_error_shape(archive, client) -> None:
    response = client.get("/api/decisions/?q=gabapentin%00&outcome=overturned")
    assert response.status_code == 400
    assert response.json() == {"errors": {"q": ["contains a NUL byte (%00), which no value here can hold"]}}
