"""A person's path through the archive: search, refine by a facet, open a letter, step to the next, export."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_facet_detail_next_and_csv(page, live_server, letters, artifacts: Path) -> None:
    page.goto(f"{live_server.url}/decisions/")
    page.get_by_label("Search the letters").fill("gabapentin")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("total")).to_have_text("7")
    expect(page.locator("mark").first).to_have_text("Gabapentin", ignore_case=True)
    page.screenshot(path=str(artifacts / "list.png"), full_page=True)

    facet = page.locator('a.facet-link[data-facet="outcome"][data-value="overturned"]')
    promised = facet.get_attribute("data-count")
    facet.click()
    assert promised == "2"
    expect(page.get_by_test_id("total")).to_have_text(promised)

    page.locator(".case-title a").first.click()
    expect(page.locator("h1")).to_have_text(re.compile("CM16-"))
    first = page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "detail.png"), full_page=True)
    page.get_by_role("link", name="Next letter →").click()
    expect(page.locator("h1")).not_to_have_text(first)
    page.get_by_role("link", name="Back to results").click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert len(rows) == 2
    assert {row["outcome"] for row in rows} == {"overturned"}


def test_list_works_with_the_keyboard_alone(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_label("Search the letters").focus()
    page.keyboard.type("acupuncture")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=acupuncture**")
    expect(page.get_by_test_id("total")).to_have_text("7")


def test_choosing_a_filter_refines_the_results_in_place_and_the_address_keeps_it(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    expect(page.get_by_test_id("total")).to_have_text("7")
    page.evaluate("window.notReloaded = true")
    page.locator("summary", has_text="Filters").click()
    page.get_by_role("combobox", name="Outcome").select_option("overturned")
    expect(page.get_by_test_id("total")).to_have_text("2")
    assert page.evaluate("window.notReloaded === true")  # the page stayed; only the results changed
    page.wait_for_url("**outcome=overturned**")
    assert "treatment=" not in page.url  # the address names only the filters in use
    page.reload()  # the address is the search: a colleague opening it sees the same letters
    expect(page.get_by_test_id("total")).to_have_text("2")


def test_typing_words_searches_after_a_pause(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/")
    page.get_by_label("Search the letters").press_sequentially("acupuncture")
    expect(page.get_by_test_id("total")).to_have_text("7")
    page.wait_for_url("**q=acupuncture**")
    expect(page.locator("mark").first).to_have_text("Acupuncture", ignore_case=True)


def test_a_refused_search_shows_its_errors_in_place(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Age from").fill("60")
    page.get_by_label("Age to").fill("20")
    page.get_by_label("Age to").press("Tab")  # the change is sent
    expect(page.get_by_role("alert")).to_contain_text("must not be before")
    expect(page.get_by_label("Age to")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Age to").fill("70")
    page.get_by_label("Age to").press("Tab")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("Age to")).not_to_have_attribute("aria-invalid", "true")


def test_back_shows_the_earlier_search_with_its_own_words_and_filters(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/")
    page.get_by_label("Search the letters").press_sequentially("gabapentin")
    page.wait_for_url("**q=gabapentin**")
    page.locator("summary", has_text="Filters").click()
    page.get_by_role("combobox", name="Outcome").select_option("overturned")
    expect(page.get_by_test_id("total")).to_have_text("2")
    page.go_back()
    expect(page.get_by_test_id("total")).to_have_text("7")
    expect(page.get_by_label("Search the letters")).to_have_value("gabapentin")
    expect(page.locator("#id_outcome")).to_have_value("")  # (inside the closed Filters panel)


def test_after_a_facet_the_keyboard_focus_is_on_the_new_results_heading(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    page.locator('a.facet-link[data-facet="outcome"][data-value="overturned"]').focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("total")).to_have_text("2")
    expect(page.locator("#results-heading")).to_be_focused()
    expect(page.locator("#live-status")).to_contain_text("2 letters")


def test_choosing_another_treatment_drops_the_subcategory_of_the_first(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?treatment=medication&subcategory=anticonvulsant")
    expect(page.get_by_test_id("total")).to_have_text("7")
    page.locator("summary", has_text="Filters").click()  # (closed: the chips show the filters in use)
    page.get_by_role("combobox", name="Treatment", exact=True).select_option("acupuncture")
    page.wait_for_url("**treatment=acupuncture**")
    expect(page.get_by_test_id("total")).to_have_text("7")
    assert "subcategory" not in page.url
    expect(page.get_by_role("alert")).to_have_count(0)


def test_choosing_a_treatment_offers_its_subcategories_in_place(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    page.locator("summary", has_text="Filters").click()
    expect(page.locator("#id_subcategory")).to_have_count(0)
    page.get_by_role("combobox", name="Treatment", exact=True).select_option("medication")
    expect(page.get_by_role("combobox", name="Subcategory")).to_be_visible()
    page.get_by_role("combobox", name="Subcategory").select_option("anticonvulsant")
    page.wait_for_url("**subcategory=anticonvulsant**")
    expect(page.get_by_test_id("total")).to_have_text("7")


def test_typing_replaces_the_address_instead_of_filling_the_history(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/")
    entries = page.evaluate("history.length")
    search = page.get_by_label("Search the letters")
    search.press_sequentially("acu")
    page.wait_for_url("**q=acu**")
    search.press_sequentially("puncture")
    page.wait_for_url("**q=acupuncture**")
    assert page.evaluate("history.length") == entries


def test_a_link_to_a_missing_page_shows_the_not_found_page_in_place(page, live_server, letters) -> None:
    from decisions.models import Case

    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    link = page.locator(".case-title a").first
    Case.objects.filter(key=link.inner_text()).delete()
    link.click()
    expect(page.locator("h1")).to_have_text("Not found")
