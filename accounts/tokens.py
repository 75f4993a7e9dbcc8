"""Signed links sent by e-mail: sign-up confirmation (expires) and one-click unsubscribe (does not)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SIGNUP_SALT = "accounts.signup"
UNSUBSCRIBE_SALT = "accounts.unsubscribe"


def signup_token(email: str) -> str:
    return signing.dumps({"email": email}, salt=SIGNUP_SALT, compress=True)


def signup_email(token: str) -> str | None:
    """The address a sign-up link was sent to, or None when the link is forged or older than the limit."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return str(data["email"]) if isinstance(data, dict) and "email" in data else None


def unsubscribe_token(search_id: int) -> str:
    return signing.dumps(search_id, salt=UNSUBSCRIBE_SALT)


def unsubscribed_search_id(token: str) -> int | None:
    """RFC 8058 links must keep working: no expiry; a forged or altered token gives None."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
