"""run_scheduler: runs the jobs of decisions/schedule.py; one scheduler is active at a time."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

from decisions.schedule import JOBS, SCHEDULER_LOCK, Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_alerts_are_a_job_every_five_minutes() -> None:
    assert Job("send_alerts", timedelta(minutes=5), ("send_alerts",)) in JOBS


def test_it_runs_each_job_once_as_a_child_process(monkeypatch: Any, tmp_path: Any) -> None:
    marker = tmp_path / "ran"
    job = Job("probe", timedelta(hours=1), ("shell", "-c", f"open({str(marker)!r}, 'a').write('x')"))
    monkeypatch.setattr("decisions.management.commands.run_scheduler.JOBS", (job,))
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert marker.read_text() == "x"
    assert "Scheduler active" in out.getvalue()


def test_a_second_scheduler_stands_by_while_the_lock_is_held(monkeypatch: Any, tmp_path: Any) -> None:
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", list(SCHEDULER_LOCK))
        marker = tmp_path / "ran"
        job = Job("probe", timedelta(hours=1), ("shell", "-c", f"open({str(marker)!r}, 'a').write('x')"))
        monkeypatch.setattr("decisions.management.commands.run_scheduler.JOBS", (job,))
        ticks = iter(range(3))  # three checks, then the loop is ended by StopIteration
        monkeypatch.setattr("decisions.management.commands.run_scheduler.time.sleep", lambda _: next(ticks))
        out = io.StringIO()
        with pytest.raises(StopIteration):
            call_command("run_scheduler", "--once", stdout=out)
        assert not marker.exists()
        assert "standing by" in out.getvalue()
    finally:
        holder.close()
