"""Small readers for settings from the environment that fail loudly on bad values."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off")


def envint(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


EMAIL_URL_SCHEMES = {"smtp": (25, False, False), "smtp+tls": (587, True, False), "smtp+ssl": (465, False, True)}


def email_url(name: str) -> dict[str, object] | None:
    """Django's SMTP settings from a URL: ``smtp://user:password@host:port`` (plain), ``smtp+tls://``
    (STARTTLS, port 587 by default) or ``smtp+ssl://`` (TLS from the start, port 465). User and
    password are percent-decoded. None when the variable is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    url = urlsplit(raw)
    if url.scheme not in EMAIL_URL_SCHEMES:
        raise ImproperlyConfigured(f"{name} must start with one of {', '.join(s + '://' for s in EMAIL_URL_SCHEMES)}")
    if not url.hostname:
        raise ImproperlyConfigured(f"{name} names no host: use {url.scheme}://user:password@host:port")
    default_port, use_tls, use_ssl = EMAIL_URL_SCHEMES[url.scheme]
    try:
        port = url.port or default_port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": url.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(url.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(url.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }
