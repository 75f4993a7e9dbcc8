"""A letter's citation copied with one click (or selected without JavaScript), its page on paper, and
the list's feed link following the search shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AXE, DESKTOP, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LETTER = "/decisions/CM16-0010003/"
CITATION = "Cal. IMR Case No. CM16-0010003 (Maximus Fed. Servs. Dec. 3, 2016)"


def test_the_copy_buttons_put_the_citation_and_the_permanent_link_on_the_clipboard(browser, live_server, letters) -> None:
    context = browser.new_context(**DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{LETTER}?from=q%3Dgabapentin")
        page.get_by_role("button", name="Copy citation").click()
        expect(page.get_by_role("status").filter(has_text="copied")).to_have_text("The citation is copied.")
        assert page.evaluate("navigator.clipboard.readText()") == CITATION
        page.get_by_role("button", name="Copy link").click()
        expect(page.locator(".copy-status")).to_have_text("The link is copied.")
        assert page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}{LETTER}"
        assert serious_accessibility_violations(page) == []
    finally:
        context.close()


def test_a_letter_opened_from_the_list_in_place_offers_the_copy_buttons_too(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    page.locator(".case-title a", has_text="CM16-0010003").click()  # htmx brings the letter in place
    expect(page.locator("h1")).to_have_text("CM16-0010003")
    expect(page.get_by_role("button", name="Copy citation")).to_be_visible()


def test_without_javascript_the_citation_is_text_to_select_and_no_button_shows(browser, live_server, letters) -> None:
    context = browser.new_context(**DESKTOP, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + LETTER)
        expect(page.locator("#citation")).to_have_text(CITATION)
        expect(page.locator("button[data-copy]")).to_have_count(2)
        expect(page.get_by_role("button", name="Copy citation")).to_be_hidden()
        page.locator("#citation").click()  # user-select: all
        assert page.evaluate("getSelection().toString()") == CITATION
    finally:
        context.close()


@pytest.fixture
def paper(browser):  # type: ignore[no-untyped-def]
    """A page the width of A4 at 96 dpi, with axe loaded (as an init script, which the site's policy allows)."""
    context = browser.new_context(viewport={"width": 794, "height": 1123})
    context.add_init_script(path=str(AXE))
    yield context.new_page()
    context.close()


def test_on_paper_the_letter_shows_its_items_citations_and_rationales_and_no_navigation_or_buttons(
    paper, live_server, letters, artifacts: Path
) -> None:
    page = paper
    page.goto(f"{live_server.url}{LETTER}?from=q%3Dgabapentin")
    page.locator("details.rationale").first.evaluate("details => { details.open = false; }")  # closed on screen
    page.emulate_media(media="print")
    for hidden in ("nav[aria-label='Main']", ".case-nav", ".downloads", "button", ".extracted", ".skip-link"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.locator(".citation")).to_have_text(CITATION)
    expect(page.locator(".permalink")).to_be_visible()
    expect(page.locator(".item-card")).to_have_count(2)
    expect(page.get_by_text("Gabapentin is recommended for neuropathic pain").first).to_be_visible()  # the closed one
    expect(page.get_by_text("No functional improvement after the prior trial").first).to_be_visible()
    expect(page.locator(".citations").first).to_contain_text("IMR reviewer relied on")
    page.screenshot(path=str(artifacts / "letter-print.png"), full_page=True)
    assert serious_accessibility_violations(page) == []


def test_the_feed_the_list_announces_follows_the_search_shown(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    announced = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    expect(announced).to_have_attribute("href", "/decisions/feed/?q=gabapentin")
    page.locator("summary", has_text="Filters").click()
    page.get_by_role("combobox", name="Outcome").select_option("overturned")  # a live search: the head is not replaced
    page.wait_for_url("**outcome=overturned**")
    expect(page.get_by_role("link", name="Feed")).to_have_attribute("href", "/decisions/feed/?q=gabapentin&outcome=overturned")
    expect(announced).to_have_attribute("href", f"{live_server.url}/decisions/feed/?q=gabapentin&outcome=overturned")
    feed = page.request.get(live_server.url + (page.get_by_role("link", name="Feed").get_attribute("href") or ""))
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert "<title>IMR decisions: Words: gabapentin · Outcome: Overturned</title>" in feed.text()
