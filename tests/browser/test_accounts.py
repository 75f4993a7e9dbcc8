"""Sign up, confirm from the mail file, save a search from the list, see it in My searches; axe on each page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AXE, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/work/notes/shots")
PASSWORD = "lumbar fusion 2017 denials"


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"alerts-{name}.png"), full_page=True)
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"alerts-{name}.png"), full_page=True)


def confirmation_link(mail_dir: Path) -> str:
    [message] = list(mail_dir.glob("*.log"))
    return re.findall(r"https?://\S+/accounts/signup/confirm/\S+/", message.read_text())[0]


def test_sign_up_confirm_save_a_search_and_see_it_listed(
    page, live_server, letters, artifacts: Path, settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    page.context.add_init_script(path=str(AXE))

    page.goto(f"{live_server.url}/decisions/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create one").click()
    page.get_by_label("E-mail address").fill("attorney@example.org")
    assert serious_accessibility_violations(page) == []
    shot(page, artifacts, "signup")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.locator("h1")).to_have_text("Check your e-mail")

    page.goto(confirmation_link(Path(settings.EMAIL_FILE_PATH)))
    expect(page.locator("h1")).to_have_text("Choose your password")
    page.get_by_label("New password:", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    assert serious_accessibility_violations(page) == []
    shot(page, artifacts, "choose-password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("h1")).to_have_text("My searches")

    page.goto(f"{live_server.url}/decisions/?q=gabapentin&outcome=overturned")
    page.get_by_text("Save this search").click()
    page.get_by_label("Name").fill("Gabapentin overturned")
    page.get_by_label("E-mail me new letters").select_option("weekly")
    assert serious_accessibility_violations(page) == []
    shot(page, artifacts, "save-search")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator("h1")).to_have_text("My searches")
    saved = page.locator(".saved-search")
    expect(saved).to_have_count(1)
    expect(saved.locator("h2")).to_have_text("Gabapentin overturned")
    expect(saved).to_contain_text("Words: gabapentin")
    expect(saved).to_contain_text("Weekly")
    assert serious_accessibility_violations(page) == []
    shot(page, artifacts, "my-searches")

    saved.get_by_role("link", name=re.compile("Edit")).click()
    expect(page.get_by_label("Search (query string)")).to_have_value("q=gabapentin&outcome=overturned")
    assert serious_accessibility_violations(page) == []
    shot(page, artifacts, "edit-search")
