"""The project's periodic jobs, run by ``python manage.py run_scheduler``.

Adding a job is one line in ``JOBS``. Each job is a management command run in a child process of
its own (its memory and its failures stay there), every ``every``; a job still running when it is
due again is not started twice. Only one scheduler is effective across all machines: the one that
holds the PostgreSQL advisory lock ``SCHEDULER_LOCK``; the others wait to take over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from decisions.throttling import LOCK_NAMESPACE


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    command: tuple[str, ...]  # manage.py arguments
    description: str = field(default="", compare=False)


JOBS: tuple[Job, ...] = (
    Job("send_alerts", timedelta(minutes=5), ("send_alerts",), "e-mail the due saved-search digests"),
    Job("build_downloads", timedelta(days=1), ("build_downloads",), "rebuild the whole-archive bulk files"),
)

# The two keys of the session-level advisory lock that makes one scheduler the active one.
SCHEDULER_LOCK = (LOCK_NAMESPACE, 0x5343)  # "SC"
