"""Every page works under a strict Content-Security-Policy (no inline script, style or eval):
served here with the header added to each response, the browser must report no violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLICY = "default-src 'self'; frame-ancestors 'none'"
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`);
});
"""


@pytest.fixture
def strict_page(browser, live_server):  # type: ignore[no-untyped-def]
    """A page whose every response from the site carries the policy; CSP reports are collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)

    def with_policy(route):  # type: ignore[no-untyped-def]
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": POLICY})

    context.route(f"{live_server.url}/**", with_policy)
    page = context.new_page()
    page.console_reports = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: page.console_reports.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    # A request still on its way (a live search the test did not wait for) must not fail the teardown.
    context.unroute_all(behavior="ignoreErrors")
    context.close()


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.console_reports + page.evaluate("window.cspViolations")


def test_the_search_its_live_filters_and_links_work_under_the_policy(strict_page, live_server, letters) -> None:
    page = strict_page
    page.goto(f"{live_server.url}/decisions/?q=gabapentin")
    expect(page.get_by_test_id("total")).to_have_text("7")
    page.locator("summary", has_text="Filters").click()
    page.get_by_role("combobox", name="Outcome").select_option("overturned")  # live: htmx and site.js at work
    page.wait_for_url("**outcome=overturned**")
    expect(page.get_by_test_id("total")).to_have_text("2")
    assert violations(page) == []
    page.locator('a.facet-link[data-facet="outcome"][data-value="overturned"]').click()  # a boosted link
    expect(page.get_by_test_id("total")).to_have_text("7")
    page.get_by_label("Search the letters").fill("acupuncture")
    page.get_by_label("Search the letters").press("Enter")
    page.wait_for_url("**q=acupuncture**")
    page.locator(".case-title a").first.click()
    expect(page.locator("h1")).to_contain_text("CM16-")
    assert violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/decisions/",
        "/decisions/?q=gabapentin&age_min=60&age_max=20",  # a refused search
        "/decisions/CM16-0010003/?from=q%3Dgabapentin",
        "/guidelines/",
        "/guidelines/mtus-chronic-pain/",
        "/statistics/?treatment=medication",
        "/decisions/no-such-letter/",
    ],
)
def test_each_page_shows_with_no_violation_of_the_policy(strict_page, live_server, letters, path: str) -> None:
    strict_page.goto(live_server.url + path)
    strict_page.wait_for_load_state("networkidle")
    assert violations(strict_page) == []


def test_the_api_docs_work_under_the_policy(strict_page, live_server, letters) -> None:
    strict_page.goto(f"{live_server.url}/api/docs/")
    expect(strict_page.locator(".opblock").first).to_be_visible()  # Swagger UI ran and listed the endpoints
    # Only Swagger UI's stylesheet icons (data: images, which the policy's default-src refuses) are left out.
    icons = ("img-src blocked data ", "Loading the image 'data:")
    assert [report for report in violations(strict_page) if not report.startswith(icons)] == []


def test_a_letters_copy_button_works_under_the_policy(strict_page, live_server, letters) -> None:
    strict_page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    strict_page.goto(f"{live_server.url}/decisions/CM16-0010003/")
    strict_page.get_by_role("button", name="Copy citation").click()
    expect(strict_page.locator(".copy-status")).to_have_text("The citation is copied.")
    assert violations(strict_page) == []
