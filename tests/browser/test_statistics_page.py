"""The statistics page as people use it: a bar opens the letters it counted, it reads well (axe), and
a letter's "requests like this" is there; screenshots are kept as artifacts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AXE, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def matching_items(page) -> int:  # type: ignore[no-untyped-def]
    text = page.locator(".results-count .muted").inner_text()
    return int(re.search(r"([\d,]+) matching disputed item", text).group(1).replace(",", ""))  # type: ignore[union-attr]


def test_a_bar_of_the_chart_opens_the_letters_it_counted(page, live_server, letters, artifacts) -> None:
    page.context.add_init_script(path=AXE)
    page.goto(f"{live_server.url}/decisions/?treatment=medication")
    page.get_by_role("link", name="Statistics", exact=True).last.click()  # the search's statistics, the search kept
    page.wait_for_url("**/statistics/?treatment=medication")
    expect(page.get_by_test_id("items")).to_have_text("7")
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=str(artifacts / "statistics-page.png"), full_page=True)
    bar = page.locator("#chart-months a").first
    shown = int(bar.get_attribute("data-count") or 0)
    assert shown == 7
    bar.click()
    page.wait_for_url("**/decisions/?treatment=medication&decided_from=2016-12-01&decided_to=2016-12-31")
    assert matching_items(page) == shown


def test_a_table_count_opens_the_letters_it_counted(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/statistics/")
    link = page.locator('table[data-dimension="treatment"] a[data-count]').first
    shown = int(link.get_attribute("data-count") or 0)
    link.click()
    page.wait_for_url("**/decisions/?treatment=**")
    assert matching_items(page) == shown


def test_a_letter_shows_requests_like_each_item(page, live_server, letters, artifacts) -> None:
    page.context.add_init_script(path=AXE)
    page.goto(f"{live_server.url}/decisions/CM16-0010003/")
    like = page.get_by_test_id("like-this").first
    expect(like).to_contain_text("7 decided")
    assert serious_accessibility_violations(page) == []
    like.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "statistics-letter.png"), full_page=False)
