"""The e-mails the archive sends: sign-up links and saved-search digests (plain text + HTML)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.alerts import DigestContent
from accounts.models import SavedSearch
from accounts.tokens import signup_token, unsubscribe_token


def site_url(path: str) -> str:
    return settings.IMR_SITE_URL + path


def send_signup_mail(email: str, *, base_url: str, already_registered: bool) -> None:
    """The same page answers either way; only the owner of the address learns which it was."""
    context = {
        "email": email,
        "confirm_url": base_url + reverse("accounts:signup_confirm", args=[signup_token(email)]),
        "reset_url": base_url + reverse("accounts:password_reset"),
        "login_url": base_url + reverse("accounts:login"),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    template = "accounts/email/signup_existing.txt" if already_registered else "accounts/email/signup_confirm.txt"
    subject = "Your IMR archive account" if already_registered else "Confirm your e-mail address for the IMR archive"
    EmailMultiAlternatives(subject, render_to_string(template, context), to=[email]).send()


def send_digest_mail(search: SavedSearch, content: DigestContent, message_id: str) -> None:
    unsubscribe = site_url(reverse("accounts:unsubscribe", args=[unsubscribe_token(search.pk)]))
    context = {
        "search": search,
        "content": content,
        "more": content.total - len(content.letters),
        "site_url": settings.IMR_SITE_URL,
        "search_url": site_url(search.search_url),
        "manage_url": site_url(search.get_absolute_url()),
        "unsubscribe_url": unsubscribe,
    }
    noun = "letter" if content.total == 1 else "letters"
    message = EmailMultiAlternatives(
        f"{content.total} new {noun}: {search.name}",
        render_to_string("accounts/email/digest.txt", context),
        to=[search.owner.email],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("accounts/email/digest.html", context), "text/html")
    message.send()
