"""The pages as people see them: results near the top on a phone, facets one tap away, names rather
than slugs, guidelines apart from web pages, and no serious accessibility violation (axe-core)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AXE, PHONE, serious_accessibility_violations
from tests.web.factories import Item, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def first_result_top(page) -> float:  # type: ignore[no-untyped-def]
    return page.evaluate("document.querySelector('.case').getBoundingClientRect().top + scrollY")


def test_with_filters_in_use_the_first_result_is_within_the_first_screen_on_a_desktop(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin&outcome=overturned&treatment=medication&sex=male")
    expect(page.get_by_test_id("total")).to_have_text("2")
    assert first_result_top(page) < 900
    expect(page.locator('a.facet-link[data-facet="outcome"]').first).to_be_visible()  # the facets stand beside


def test_on_a_phone_the_first_result_is_within_a_screen_and_a_half_and_the_facets_one_tap_away(
    phone, live_server, letters
) -> None:
    phone.goto(f"{live_server.url}/decisions/?q=gabapentin&outcome=overturned&treatment=medication&sex=male")
    expect(phone.get_by_test_id("total")).to_have_text("2")
    assert first_result_top(phone) < 1.5 * PHONE["viewport"]["height"]
    facet = phone.locator('a.facet-link[data-facet="outcome"][data-value="overturned"]')
    expect(facet).to_be_hidden()
    phone.get_by_text("Refine", exact=False).first.tap()
    expect(facet).to_be_in_viewport()
    facet.tap()  # the selected outcome: removes it
    expect(phone.get_by_test_id("total")).to_have_text("7")


def test_the_filters_and_chips_name_the_guideline_and_the_specialty_and_the_address_keeps_slugs(
    page, live_server, letters
) -> None:
    make_case(
        [Item("Tramadol 50mg", "upheld", "medication", "opioid", reviewer=["mtus-chronic-pain"])],
        specialties=("Family Practice",),
    )
    page.goto(f"{live_server.url}/decisions/?specialty=family-practice")
    expect(page.get_by_test_id("total")).to_have_text("1")
    expect(page.locator(".chip")).to_contain_text("Specialty: Family Practice")
    expect(page.locator(".chip")).not_to_contain_text("family-practice")
    page.locator("summary", has_text="Filters").click()
    expect(page.get_by_text("(slug)")).to_have_count(0)
    page.get_by_role("combobox", name="Guideline", exact=True).select_option(
        label="MTUS Chronic Pain Medical Treatment Guidelines"
    )
    page.wait_for_url("**guideline=mtus-chronic-pain**")
    expect(page.locator(".chip", has_text="Guideline:")).to_contain_text(
        "Guideline: MTUS Chronic Pain Medical Treatment Guidelines"
    )
    expect(page.get_by_role("combobox", name="Reviewer specialty")).to_have_value("family-practice")
    assert page.get_by_role("combobox", name="Reviewer specialty").evaluate("s => s.selectedOptions[0].text") == "Family Practice"


def test_an_empty_result_offers_no_csv(page, live_server, letters) -> None:
    page.goto(f"{live_server.url}/decisions/?q=gabapentin&outcome=overturned&sex=female")
    expect(page.get_by_test_id("total")).to_have_text("0")
    expect(page.get_by_role("link", name="Download CSV")).to_have_count(0)


@pytest.fixture
def cited_web_pages(letters):  # type: ignore[no-untyped-def]
    from decisions.models import Guideline

    Guideline.objects.create(source="other", title="slideshare.net", slug="slideshare-net")
    Guideline.objects.create(source="other", title="Hyperstimulation analgesia", slug="hyperstimulation-analgesia")
    Guideline.objects.create(source="MTUS", title="ACOEM Chapter 15: Stress-Related Conditions", slug="acoem-chapter-15")
    items = [
        Item("Spinal cord stimulator trial", "overturned", "surgery", reviewer=["slideshare-net", "hyperstimulation-analgesia"])
    ]
    make_case(items, decided=date(2017, 1, 5))


def test_the_guidelines_table_keeps_web_pages_apart_and_draws_no_bar_for_no_items(page, live_server, cited_web_pages) -> None:
    page.goto(f"{live_server.url}/guidelines/")
    main_table = page.locator("table").first
    expect(main_table.get_by_role("link", name="slideshare.net")).to_have_count(0)
    row = main_table.get_by_role("row", name="ACOEM Chapter 15")
    expect(row).to_contain_text("no items")
    expect(row.locator(".bar")).to_have_count(0)
    page.get_by_text("Other references: web pages and articles").click()
    references = page.locator("#other-references table")
    expect(references.get_by_role("row", name="slideshare.net")).to_contain_text("Web page")
    expect(references.get_by_role("row", name="Hyperstimulation analgesia")).to_contain_text("Article or other reference")
    chronic_pain = main_table.get_by_role("row", name="MTUS Chronic Pain")
    expect(chronic_pain.locator(".bar-fill")).to_have_attribute("width", "29")  # 2 of 7 items overturned


def test_the_guideline_page_of_a_web_page_says_it_is_not_a_guideline(page, live_server, cited_web_pages) -> None:
    page.goto(f"{live_server.url}/guidelines/slideshare-net/")
    expect(page.locator(".facts")).to_contain_text("Web page, not a treatment guideline")


@pytest.mark.parametrize(
    "path",
    [
        "/decisions/",
        "/decisions/?q=gabapentin",  # items that do not match the words are shown too
        "/decisions/?q=gabapentin&outcome=overturned&treatment=medication",
        "/decisions/CM16-0010003/?from=q%3Dgabapentin",
        "/guidelines/",
        "/guidelines/mtus-chronic-pain/",
    ],
)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_pages_have_no_serious_accessibility_violation(browser, live_server, letters, path: str, device: str) -> None:
    context = browser.new_context(**(PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}))
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        if page.locator("details.refine").count():  # on a phone, the facets are checked opened too
            page.locator("details.refine").evaluate("details => { details.open = true; }")
        assert serious_accessibility_violations(page) == []
    finally:
        context.close()
