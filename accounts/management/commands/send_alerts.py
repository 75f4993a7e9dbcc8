"""``python manage.py send_alerts``: e-mail each due saved search its digest of new letters.

Safe to run from several places at once and to kill at any moment (accounts/alerts.py). The
scheduler (``run_scheduler``) runs it every few minutes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.alerts import Outcome, due_searches, send_digest


class Command(BaseCommand):
    help = "E-mail each due saved search the letters that entered the archive since its last digest."

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes: Counter[str] = Counter()
        for pk in list(due_searches().values_list("pk", flat=True)):
            try:
                outcomes[send_digest(pk).value] += 1
            except Exception as error:  # one search's mail failing must not hold back the others
                outcomes["failed"] += 1
                self.stderr.write(f"saved search {pk}: {type(error).__name__}: {error}")
        self.stdout.write(", ".join(f"{name} {outcomes[name]}" for name in (*(o.value for o in Outcome), "failed")))
        if outcomes["failed"]:
            raise CommandError(f"{outcomes['failed']} digest(s) failed; they are retried on the next run")
