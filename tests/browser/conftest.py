"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.factories import Item, make_case

# Playwright's sync API runs an event loop in this thread; Django refuses DB access there without this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: install it with `apt-get install -y chromium` to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def letters(transactional_db):  # type: ignore[no-untyped-def]
    from datetime import date

    for day in range(1, 8):
        outcome = "overturned" if day % 3 == 0 else "upheld"
        make_case(
            [
                Item(
                    f"Gabapentin 600mg #{day * 30}",
                    outcome,
                    "medication",
                    "anticonvulsant",
                    "Gabapentin is recommended for neuropathic pain after documented failure of first-line care.",
                    day * 30,
                    ["mtus-chronic-pain"],
                    ["odg-pain"],
                ),
                Item(
                    "Acupuncture 6 sessions",
                    "upheld",
                    "acupuncture",
                    "acupuncture",
                    "No functional improvement after the prior trial of acupuncture.",
                    6,
                    ["mtus-acupuncture"],
                ),
            ],
            case_number=f"CM16-00100{day:02d}",
            decided=date(2016, 12, day),
            summary="The injured worker is a 48 year old male with chronic low back pain radiating to the left leg.",
        )


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def list_requests(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The addresses of the search requests the page sends (full loads and live ones), as it sends them."""
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url) if "/decisions/?" in request.url or request.url.endswith("/decisions/") else None
        ),
    )
    return sent


# axe-core, vendored from npm (tests/browser/vendor, MPL-2.0): the pages are checked, not served with it.
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"


def serious_accessibility_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page as shown now, one line per element.
    The page's context must have loaded axe with ``page.context.add_init_script(path=AXE)``."""
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]
