"""Digests of saved searches: the letters that entered the archive since a search's last digest.

Order of entry. Each letter carries the id of the transaction that inserted it
(``Case.entered_xact``, set by the database). A digest covers the letters with an id from the
search's ``digest_point`` up to the *horizon*: the oldest transaction of this database still
running (or, when none runs, the next id to be given). Every transaction below the horizon has
ended, so its letters are all visible: a letter whose ingest commits after a digest, whatever its
decision date, falls into the next window, never behind one already sent. (A timestamp would not
do: an ingest that started before a digest and committed after it would carry an earlier time.)

Sending. A search is locked (``SELECT ... FOR UPDATE SKIP LOCKED``) for its digest; the e-mail is
sent while the lock is held, and the ``Digest`` record and the moved ``digest_point`` commit in that
same transaction. Two runs at once never take the same search; a run killed before the commit
leaves the window as it was, and the next run sends it (then with any newer letters): at least
once, never skipped, a duplicate only if the process dies between the mail server's acceptance and
the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Digest, Frequency, SavedSearch
from decisions.models import Case
from decisions.selectors import validate_search

logger = logging.getLogger(__name__)

LISTED_MAX = 50
# In-progress transactions of the snapshot, less those known to belong to another database of the
# server (their transaction-id lock is held by a session connected elsewhere; pg_locks and the
# database of each session are readable without privileges). A transaction not yet seen in pg_locks
# counts as this database's: the horizon can only be lower, never too high.
HORIZON_SQL = """
SELECT coalesce(
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s.snap) AS x
     WHERE (x::text::bigint % 4294967296) NOT IN (
         SELECT l.transactionid::text::bigint FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'transactionid' AND l.transactionid IS NOT NULL
           AND a.datname IS NOT NULL AND a.datname <> current_database())),
    pg_snapshot_xmax(s.snap)::text::bigint)
FROM (SELECT pg_current_snapshot() AS snap) AS s
"""


def archive_horizon() -> int:
    """Letters with ``entered_xact`` below this are all committed (or never will be)."""
    with connection.cursor() as cursor:
        cursor.execute(HORIZON_SQL)
        return int(cursor.fetchone()[0])


class Outcome(Enum):
    SENT = "sent"
    NOTHING_NEW = "nothing new"
    NOT_DUE = "not due"  # another run has it, or made it meanwhile


@dataclass
class DigestContent:
    total: int
    letters: list[Case]
    from_point: int
    to_point: int


def due_searches(now: datetime | None = None) -> QuerySet[SavedSearch]:
    now = now or timezone.now()
    return (
        SavedSearch.objects.exclude(frequency=Frequency.OFF)
        .filter(Q(next_digest_at__isnull=True) | Q(next_digest_at__lte=now), owner__is_active=True)
        .order_by("next_digest_at", "id")
    )


def new_letters(query: str, from_point: int, to_point: int) -> QuerySet[Case]:
    """The search's letters (the archive's one read path) that entered in [from_point, to_point)."""
    search = validate_search(QueryDict(query))
    return search.letters().filter(entered_xact__gte=from_point, entered_xact__lt=to_point)


def digest_content(query: str, from_point: int, to_point: int) -> DigestContent:
    letters = new_letters(query, from_point, to_point)
    listed = list(letters.prefetch_related("items")[:LISTED_MAX])
    total = len(listed) if len(listed) < LISTED_MAX else letters.count()
    return DigestContent(total, listed, from_point, to_point)


@transaction.atomic
def send_digest(pk: int) -> Outcome:
    from accounts.mail import send_digest_mail  # the mail module formats this module's DigestContent

    search = due_searches().select_for_update(skip_locked=True, of=("self",)).select_related("owner").filter(pk=pk).first()
    if search is None:
        return Outcome.NOT_DUE
    to_point = max(archive_horizon(), search.digest_point)
    content = digest_content(search.query, search.digest_point, to_point)
    outcome = Outcome.NOTHING_NEW
    if content.total:
        message_id = message_id_for(search.pk, content)
        send_digest_mail(search, content, message_id)
        Digest.objects.create(
            saved_search=search,
            from_point=content.from_point,
            to_point=content.to_point,
            letters=content.total,
            listed=len(content.letters),
            message_id=message_id,
        )
        outcome = Outcome.SENT
    search.digest_point, search.last_digest_at = to_point, timezone.now()
    search.schedule_next()
    search.save(update_fields=["digest_point", "last_digest_at", "next_digest_at", "updated_at"])
    return outcome


def message_id_for(pk: int, content: DigestContent) -> str:
    domain = urlsplit(settings.IMR_SITE_URL).hostname or "localhost"
    return f"<digest.{pk}.{content.from_point}.{content.to_point}@{domain}>"
