"""``python manage.py run_scheduler``: run the periodic jobs of decisions/schedule.py until stopped.

Every process may run one; only the one holding the advisory lock runs jobs (the others check
every few seconds and take over when it goes away: its lock ends with its connection). Each job
runs as ``manage.py <command>`` in a child process; its output goes to this process's output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.utils import Error as DatabaseError

from decisions.schedule import JOBS, SCHEDULER_LOCK, Job

TICK_SECONDS = 5


@dataclass
class Running:
    job: Job
    next_start: float  # time.monotonic() at which it is due
    process: subprocess.Popen[bytes] | None = None


class Command(BaseCommand):
    help = "Run the periodic jobs (decisions/schedule.py); at most one scheduler is active at a time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run every job once (if this scheduler is the active one), then exit."
        )
        parser.add_argument("--tick", type=float, default=TICK_SECONDS, help="Seconds between checks (default 5).")

    def handle(self, *args: Any, once: bool, tick: float, **options: Any) -> None:
        signal.signal(signal.SIGTERM, stop)
        jobs = [Running(job, time.monotonic()) for job in JOBS]
        active: bool | None = None  # unknown until the first check, which is reported either way
        try:
            while True:
                active = self.hold_lock(was_active=active)
                if active:
                    self.start_due(jobs)
                if once and active:
                    self.wait_for(jobs)
                    return
                time.sleep(tick)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopping.")
        finally:
            for running in jobs:
                end_child(running.process)

    def hold_lock(self, *, was_active: bool | None) -> bool:
        """True while this process holds the lock (taking it when free). A lost connection loses it."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    " AND classid = %s AND objid = %s AND objsubid = 2) OR pg_try_advisory_lock(%s, %s)",
                    [*SCHEDULER_LOCK, *SCHEDULER_LOCK],
                )
                active = bool(cursor.fetchone()[0])
        except DatabaseError as error:
            connection.close()  # a fresh connection next time
            self.stderr.write(f"Scheduler: database unavailable ({error}); retrying.")
            return False
        if active != was_active:
            self.stdout.write(
                f"Scheduler active: running {', '.join(j.name for j in JOBS)}"
                if active
                else "Scheduler standing by: another is active."
            )
        return active

    def start_due(self, jobs: list[Running]) -> None:
        now = time.monotonic()
        for running in jobs:
            if running.process is not None and running.process.poll() is None:
                continue  # still running: not started twice
            if running.process is not None:
                self.report_end(running)
            if now >= running.next_start:
                running.process = start_job(running.job)
                running.next_start = now + running.job.every.total_seconds()

    def wait_for(self, jobs: list[Running]) -> None:
        for running in jobs:
            if running.process is not None:
                running.process.wait()
                self.report_end(running)

    def report_end(self, running: Running) -> None:
        status = running.process.returncode if running.process else None
        if status:
            self.stderr.write(f"Job {running.job.name} failed (exit {status}); it runs again when next due.")
        running.process = None


def start_job(job: Job) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *job.command]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=os.environ.copy())


def end_child(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
