"""The limit for anonymous clients of the API and the CSV export, one count for all servers.

DRF's AnonRateThrottle keeps each client's recent request times in Django's default cache, which
settings.CACHES makes the DatabaseCache table: every worker process and machine reads and writes
the same history, so the configured rate is the rate enforced (a per-process cache let each of N
workers allow the full rate). DRF reads the history, appends and writes it back; two workers doing
that at once for one client would each miss the other's request, so that read-modify-write holds a
transaction-level advisory lock on the client's cache key.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

# The first key of PostgreSQL's two-key advisory locks taken here ("IMR" in ASCII): the two-key
# space does not overlap the one-key locks other code may take.
LOCK_NAMESPACE = 0x494D52


def allowed_under_lock(throttle: SimpleRateThrottle, request: Any, view: Any) -> bool:
    """DRF's check-and-count, with the client's history locked while it is read and written back."""
    key = throttle.get_cache_key(request, view) if throttle.rate is not None else None
    if key is None:
        return True
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, key])
        return SimpleRateThrottle.allow_request(throttle, request, view)


class SharedAnonRateThrottle(AnonRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        return allowed_under_lock(self, request, view)


class AttemptThrottle(SimpleRateThrottle):
    """Attempts at one form (``scope``: sign-up, sign-in, reset) by one client or for one address."""

    def __init__(self, scope: str, rate: str, ident: str) -> None:
        self.scope, self.rate, self.ident = scope, rate, ident
        self.num_requests, self.duration = self.parse_rate(rate)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def attempt_throttles(request: HttpRequest, scope: str, rate: str, *, address: str = "") -> list[AttemptThrottle]:
    """One count per client (as the API tells clients apart) and, given, one per e-mail address (hashed,
    so the cache holds no addresses): a form cannot be hammered from one place nor against one person."""
    idents = [f"client:{AnonRateThrottle().get_ident(request)}"]  # type: ignore[arg-type]
    if address:
        idents.append("address:" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32])
    return [AttemptThrottle(scope, rate, ident) for ident in idents]


def attempt_allowed(request: HttpRequest, scope: str, rate: str, *, address: str = "") -> int | None:
    """Counts this attempt; None when every count allows it, else the seconds to wait."""
    for throttle in attempt_throttles(request, scope, rate, address=address):
        if not allowed_under_lock(throttle, request, None):
            return max(1, int(throttle.wait() or 1))
    return None
