"""Sign-up by a signed link, sign-in, reset and deletion; no page tells whether an address has an account."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.models import SavedSearch
from accounts.searches import save_search
from accounts.tokens import SIGNUP_SALT
from tests.accounts.conftest import Inbox

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery 42"
LINK = re.compile(r"https?://\S+")


def user(email: str = "ada@example.org") -> Any:
    return get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)


def link_in(inbox: Inbox, address: str) -> str:
    [message] = inbox.to(address)
    return LINK.findall(inbox.text(message))[0]


def test_it_signs_up_confirms_by_the_mailed_link_and_signs_in(client: Client, smtp: Inbox) -> None:
    response = client.post(reverse("accounts:signup"), {"email": "Ada@Example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_sent")
    link = link_in(smtp, "ada@example.org")
    assert get_user_model().objects.count() == 0  # nothing exists until the link is opened

    page = client.get(link)
    assert page.status_code == 200 and b"ada@example.org" in page.content
    response = client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:searches")
    created = get_user_model().objects.get()
    assert (created.username, created.email, created.is_active) == ("ada@example.org", "ada@example.org", True)
    assert client.get(reverse("accounts:searches")).status_code == 200

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:searches")).status_code == 302
    signed = client.post(reverse("accounts:login"), {"username": "ADA@example.org", "password": PASSWORD})
    assert signed.status_code == 302


def test_sign_up_answers_the_same_for_an_existing_address(client: Client, smtp: Inbox) -> None:
    user("known@example.org")
    known = client.post(reverse("accounts:signup"), {"email": "known@example.org"})
    unknown = client.post(reverse("accounts:signup"), {"email": "new@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    # Only the owner of the address learns it has an account, by a mail with no sign-up link.
    [existing] = smtp.to("known@example.org")
    assert "already have an account" in smtp.text(existing)
    assert "/signup/confirm/" not in smtp.text(existing)
    assert "/signup/confirm/" in smtp.text(smtp.to("new@example.org")[0])


def test_a_confirmation_link_for_an_address_that_now_has_an_account_creates_nothing(client: Client, smtp: Inbox) -> None:
    client.post(reverse("accounts:signup"), {"email": "twice@example.org"})
    link = link_in(smtp, "twice@example.org")
    user("twice@example.org")
    response = client.post(link, {"new_password1": "another pass 77", "new_password2": "another pass 77"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert get_user_model().objects.get().check_password(PASSWORD)


def test_a_forged_or_expired_link_is_refused(client: Client, settings: Any) -> None:
    forged = signing.dumps({"email": "eve@example.org"}, salt=SIGNUP_SALT, key="not-the-site-key-" * 4)
    assert client.get(reverse("accounts:signup_confirm", args=[forged])).status_code == 400
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is older than that
    real = signing.dumps({"email": "eve@example.org"}, salt=SIGNUP_SALT, compress=True)
    response = client.post(
        reverse("accounts:signup_confirm", args=[real]), {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 400
    assert not get_user_model().objects.exists()


def test_password_reset_answers_the_same_whether_or_not_the_address_has_an_account(client: Client, smtp: Inbox) -> None:
    user("ada@example.org")
    known = client.post(reverse("accounts:password_reset"), {"email": "ada@example.org"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert smtp.to("nobody@example.org") == []
    link = link_in(smtp, "ada@example.org")
    form_page = client.get(link, follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a new pass 2024", "new_password2": "a new pass 2024"})
    assert done.status_code == 302
    assert get_user_model().objects.get().check_password("a new pass 2024")


@pytest.mark.parametrize(
    ("name", "field"), [("accounts:signup", "email"), ("accounts:login", "username"), ("accounts:password_reset", "email")]
)
def test_sign_up_sign_in_and_reset_are_limited_per_client(client: Client, settings: Any, name: str, field: str) -> None:
    settings.IMR_ACCOUNT_RATE = "3/hour"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    codes = [client.post(reverse(name), {field: f"person{n}@example.org", "password": "x"}).status_code for n in range(4)]
    assert 429 not in codes[:3]
    assert codes[3] == 429
    response = client.post(reverse(name), {field: "other@example.org", "password": "x"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_sign_in_attempts_against_one_address_are_limited_from_any_client(settings: Any) -> None:
    settings.IMR_ACCOUNT_RATE = "3/hour"
    user("target@example.org")
    codes = [
        Client(REMOTE_ADDR=f"10.0.0.{n}")
        .post(reverse("accounts:login"), {"username": "target@example.org", "password": "guess"})
        .status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_forms_refuse_a_post_without_the_csrf_token(smtp: Inbox) -> None:
    client = Client(enforce_csrf_checks=True)
    for name, data in [("accounts:signup", {"email": "a@example.org"}), ("accounts:login", {"username": "a@example.org"})]:
        assert client.post(reverse(name), data).status_code == 403
    owner = user()
    client.force_login(owner)
    assert client.post(reverse("accounts:delete"), {"password": PASSWORD}).status_code == 403
    assert client.post(reverse("accounts:search_save"), {"name": "x", "frequency": "daily", "query": ""}).status_code == 403


def test_deleting_the_account_needs_its_password_and_deletes_its_searches(client: Client) -> None:
    owner, other = user(), user("other@example.org")
    save_search(owner=owner, name="mine", query={"q": "fusion"}, frequency="daily")
    save_search(owner=other, name="theirs", query={}, frequency="daily")
    client.force_login(owner)
    wrong = client.post(reverse("accounts:delete"), {"password": "not it"})
    assert wrong.status_code == 200 and b"not your password" in wrong.content
    assert client.post(reverse("accounts:delete"), {"password": PASSWORD}).status_code == 302
    assert list(get_user_model().objects.values_list("email", flat=True)) == ["other@example.org"]
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["theirs"]
    assert client.get(reverse("accounts:searches")).status_code == 302  # signed out
