"""The downloads page: no serious accessibility violation on a desktop or a phone, nothing the
strict Content-Security-Policy blocks, and each listed file downloads with its listed size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from decisions.downloads import build_downloads, listed_files
from tests.browser.conftest import AXE, PHONE, serious_accessibility_violations
from tests.browser.test_content_security_policy import strict_page, violations  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def built(letters, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.IMR_DOWNLOADS_DIR = tmp_path / "downloads"
    build_downloads(now=datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    return listed_files(settings.IMR_DOWNLOADS_DIR)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_downloads_page_reads_well(browser, live_server, built, device: str) -> None:
    context = browser.new_context(**(PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}))
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/downloads/")
        assert page.locator("table.downloads tbody tr").count() == len(built) == 2
        assert serious_accessibility_violations(page) == []
    finally:
        context.close()


def test_the_downloads_page_needs_nothing_the_policy_blocks(strict_page, live_server, built) -> None:  # noqa: F811
    strict_page.goto(f"{live_server.url}/downloads/")
    strict_page.wait_for_load_state("networkidle")
    assert violations(strict_page) == []


def test_a_listed_file_downloads_whole(page, live_server, built) -> None:
    page.goto(f"{live_server.url}/downloads/")
    with page.expect_download() as download:
        page.locator(f'a[href="/downloads/{built[0].name}"]').click()
    assert download.value.suggested_filename == built[0].name
    with open(download.value.path(), "rb") as saved:
        assert len(saved.read()) == built[0].bytes
