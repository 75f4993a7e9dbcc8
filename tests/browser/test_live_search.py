"""Live search keeps the address and the history true to the page: the newest action wins, no search
is sent twice, and keys that step through a closed list do not search at every press."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW_SECONDS = 1.2


@pytest.fixture
def slow_searches_without_outcome(monkeypatch):  # type: ignore[no-untyped-def]
    """The server answers searches with no outcome filter late, so an older request still in flight
    answers after a newer one: the order in which a busy server can answer."""
    import decisions.views

    search_cases: Callable[..., Any] = decisions.views.search_cases

    def slow_search_cases(params):  # type: ignore[no-untyped-def]
        if "outcome" not in params:
            time.sleep(SLOW_SECONDS)
        return search_cases(params)

    monkeypatch.setattr(decisions.views, "search_cases", slow_search_cases)


def test_a_facet_chosen_after_typing_wins_over_the_words_box_and_the_address_follows(
    page, live_server, letters, slow_searches_without_outcome
) -> None:
    page.goto(f"{live_server.url}/decisions/")
    search = page.get_by_label("Search the letters")
    search.press_sequentially("gabapentin")
    page.wait_for_url("**q=gabapentin**", timeout=10_000)
    expect(page.get_by_test_id("total")).to_have_text("7")
    # The focus is still in the words box: clicking a facet leaves it.
    page.locator('a.facet-link[data-facet="outcome"][data-value="overturned"]').click()
    expect(page.get_by_test_id("total")).to_have_text("2")
    page.wait_for_timeout(SLOW_SECONDS * 1000 + 500)  # anything older still on its way has answered by now
    expect(page.get_by_test_id("total")).to_have_text("2")
    assert "outcome=overturned" in page.url and "q=gabapentin" in page.url
    page.reload()  # the address, shared, opens the same letters
    expect(page.get_by_test_id("total")).to_have_text("2")
    page.go_back()
    expect(page.get_by_test_id("total")).to_have_text("7")
    assert "outcome" not in page.url
    page.go_forward()
    expect(page.get_by_test_id("total")).to_have_text("2")


def test_a_choice_made_while_typed_words_are_on_their_way_is_what_stays(
    page, live_server, letters, slow_searches_without_outcome
) -> None:
    page.goto(f"{live_server.url}/decisions/")
    page.get_by_label("Search the letters").press_sequentially("gabapentin")
    page.wait_for_timeout(700)  # the pause sent the words; their answer is slow
    page.locator("summary", has_text="Filters").click()
    page.get_by_role("combobox", name="Outcome").select_option("overturned")
    expect(page.get_by_test_id("total")).to_have_text("2")
    page.wait_for_timeout(SLOW_SECONDS * 1000 + 500)
    expect(page.get_by_test_id("total")).to_have_text("2")
    assert "outcome=overturned" in page.url and "q=gabapentin" in page.url


def test_leaving_the_words_box_or_pressing_enter_sends_no_second_search(page, live_server, letters, list_requests) -> None:
    page.goto(f"{live_server.url}/decisions/")
    entries = page.evaluate("history.length")
    search = page.get_by_label("Search the letters")
    search.press_sequentially("acupuncture")
    page.wait_for_url("**q=acupuncture**")
    expect(page.get_by_test_id("total")).to_have_text("7")
    sent = len(list_requests)
    search.press("Enter")
    search.press("Tab")
    page.wait_for_timeout(800)
    assert list_requests[sent:] == []
    assert page.evaluate("history.length") == entries


def test_enter_before_the_pause_searches_at_once_and_only_once(page, live_server, letters, list_requests) -> None:
    page.goto(f"{live_server.url}/decisions/")
    entries = page.evaluate("history.length")
    sent = len(list_requests)
    search = page.get_by_label("Search the letters")
    search.fill("acupuncture")
    search.press("Enter")
    page.wait_for_url("**q=acupuncture**")
    page.wait_for_timeout(800)  # longer than the typing pause
    assert len(list_requests[sent:]) == 1
    assert page.evaluate("history.length") == entries


def test_arrow_keys_on_a_closed_select_search_on_enter_not_at_every_press(page, live_server, letters, list_requests) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    page.locator("summary", has_text="Filters").click()
    outcome = page.get_by_role("combobox", name="Outcome")
    outcome.focus()
    sent = len(list_requests)
    outcome.press("ArrowDown")
    outcome.press("ArrowDown")
    page.wait_for_timeout(600)
    assert list_requests[sent:] == []
    assert "outcome" not in page.url
    outcome.press("Enter")
    page.wait_for_url("**outcome=**")
    assert len(list_requests[sent:]) == 1
    assert page.url.endswith(f"outcome={outcome.input_value()}")


def test_a_select_stepped_with_arrow_keys_applies_on_leaving_it(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    page.locator("summary", has_text="Filters").click()
    outcome = page.get_by_role("combobox", name="Outcome")
    outcome.focus()
    outcome.press("ArrowDown")
    outcome.press("Tab")
    page.wait_for_url("**outcome=**")
    chosen = outcome.input_value()
    expected = Client().get(f"/api/decisions/?q=gabapentin&outcome={chosen}").json()["count"]
    assert chosen in ("upheld", "overturned") and expected > 0
    expect(page.get_by_test_id("total")).to_have_text(str(expected))


def test_the_first_result_is_a_few_keys_from_the_words_box(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    page.get_by_label("Search the letters").focus()
    presses = 0
    while presses < 60 and not page.evaluate("!!document.activeElement.closest('.case-title')"):
        on_skip_link = page.evaluate("document.activeElement.textContent.trim() === 'Skip to the results'")
        page.keyboard.press("Enter" if on_skip_link else "Tab")
        presses += 1
    assert presses <= 5, f"{presses} key presses from the words box to the first result"
