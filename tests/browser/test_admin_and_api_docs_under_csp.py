"""The admin and the Swagger UI work under the site's Content-Security-Policy: nothing is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.web.factories import Item, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "not-a-real-password-42"


def refusals(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Console messages of this page that report a Content-Security-Policy refusal."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None)
    return found


@pytest.fixture
def archive(transactional_db):  # type: ignore[no-untyped-def]
    get_user_model().objects.create_superuser("boss", "boss@example.org", PASSWORD)
    return make_case([Item("MRI of the lumbar spine", "overturned", "imaging", "mri", "Red flags.", None, ["odg-low-back"])])


def test_the_swagger_ui_renders_and_runs_a_request(page, live_server, archive) -> None:  # type: ignore[no-untyped-def]
    refused = refusals(page)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")
    page.click(".opblock-summary-path >> text=/api/decisions/{key}/")
    page.click("button.try-out__btn")
    page.fill("input[placeholder=key]", archive.key)
    page.click("button.execute")
    page.wait_for_selector(".live-responses-table tbody .response-col_status")
    assert page.locator(".live-responses-table tbody .response-col_status").first.inner_text().strip() == "200"
    assert not refused


def test_the_admin_works(page, live_server, archive) -> None:  # type: ignore[no-untyped-def]
    refused = refusals(page)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    for path in ("/admin/decisions/case/", "/admin/decisions/sourcedocument/upload/", "/admin/decisions/guideline/add/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/decisions/case/")
    page.click("#result_list tbody th a")
    page.wait_for_selector("#case_form")
    page.click("#toggle-nav-sidebar")  # the admin's own script runs
    assert not refused
