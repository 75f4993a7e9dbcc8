"""The limit for anonymous clients of the API and the CSV export, one count for all servers.

DRF's AnonRateThrottle keeps each client's recent request times in Django's default cache, which
settings.CACHES makes the DatabaseCache table: every worker process and machine reads and writes
the same history, so the configured rate is the rate enforced (a per-process cache let each of N
workers allow the full rate). DRF reads the history, appends and writes it back; two workers doing
that at once for one client would each miss the other's request, so that read-modify-write holds a
transaction-level advisory lock on the client's cache key.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from rest_framework.throttling import AnonRateThrottle

# The first key of PostgreSQL's two-key advisory locks taken here ("IMR" in ASCII): the two-key
# space does not overlap the one-key locks other code may take.
LOCK_NAMESPACE = 0x494D52


class SharedAnonRateThrottle(AnonRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        key = self.get_cache_key(request, view) if self.rate is not None else None
        if key is None:
            return True
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, key])
            return super().allow_request(request, view)
