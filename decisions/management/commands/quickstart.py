"""``python manage.py quickstart``: a working archive on a laptop with one command.

Migrates, fills an empty archive with generated sample letters through the real ingest path,
gives admin access without a guessable password, and serves the site with gunicorn until
Ctrl-C.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from decisions.ingestion.prepare import prepare_document
from decisions.models import Case
from decisions.samples import generate_letters
from decisions.services import ingest_parsed_batch
from imrsite.embedded.server import EmbeddedServer

SAMPLE_SEED = 2013
SAMPLE_BATCH = 100  # letters written per transaction, as the ingest command does
ADMIN_USERNAME = "admin"
WORKER_CHECK_SECONDS = 1
WORKER_RESTART_SECONDS = 5  # at most one restart of the task worker (or the scheduler) in this time


class Command(BaseCommand):
    help = "Create the database, load a sample archive when it is empty, and serve the site with gunicorn."
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--samples", type=int, default=400, help="Sample letters to load into an empty archive.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2).")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the archive and exit without serving.")

    def handle(self, *args: Any, host: str, port: int, samples: int, workers: int, no_serve: bool, **options: Any) -> None:
        started_database = self.start_embedded_database()
        try:
            call_command("migrate", interactive=False, verbosity=0)
            self.load_samples_if_empty(samples)
            self.ensure_admin_access()
            if not no_serve:
                self.serve(host, port, workers)
        finally:
            if started_database:
                self.stop_embedded_database()

    def start_embedded_database(self) -> bool:
        if not settings.EMBEDDED_DATABASE:
            return False
        self.stdout.write(f"Using the embedded PostgreSQL server in {settings.DATA_DIR / 'pg'}")
        return EmbeddedServer(settings.DATA_DIR).ensure_running()

    def stop_embedded_database(self) -> None:
        """Stop the server this command started, unless another program (an ingest) still uses it."""
        connections.close_all()
        if EmbeddedServer(settings.DATA_DIR).stop_unless_in_use():
            self.stdout.write("Stopping the embedded PostgreSQL server: stopped.")
        else:
            self.stdout.write("The embedded PostgreSQL server is left running: another program is connected to it.")

    def load_samples_if_empty(self, count: int) -> None:
        if Case.objects.exists():
            self.stdout.write(f"The archive holds {Case.objects.count()} letters; loading no samples.")
            return
        self.stdout.write(f"Loading {count} generated sample letters through the ingest path...")
        started = time.monotonic()
        letters = [
            prepare_document(letter.text.encode(), f"{letter.case_number or f'sample-{number:06d}'}.txt")
            for number, letter in enumerate(generate_letters(count, seed=SAMPLE_SEED), start=1)
        ]
        outcomes: Counter[str] = Counter()
        for batch in range(0, len(letters), SAMPLE_BATCH):
            for result in ingest_parsed_batch(letters[batch : batch + SAMPLE_BATCH]):
                outcomes[result.status] += 1
                if result.status == "failed":
                    self.stderr.write(f"sample {result.filename} failed: {result.message}")
        summary = ", ".join(f"{status} {n}" for status, n in sorted(outcomes.items()))
        self.stdout.write(f"Sample archive ready in {time.monotonic() - started:.1f} s ({summary}).")

    def ensure_admin_access(self) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "Admin: sign in at /admin/ with your existing superuser "
                f"(reset a password with: python manage.py changepassword {ADMIN_USERNAME})."
            )
            return
        password = secrets.token_urlsafe(15)
        users.objects.create_superuser(username=ADMIN_USERNAME, email="", password=password)
        self.stdout.write(
            self.style.WARNING(f"Admin created. Sign in at /admin/ as '{ADMIN_USERNAME}' with password: {password}")
        )
        self.stdout.write("This password is shown only now; change it with: python manage.py changepassword admin")

    def serve(self, host: str, port: int, workers: int) -> None:
        """gunicorn for the site, one task worker for large uploads and the scheduler of periodic
        jobs (alerts), until Ctrl-C."""
        web = [
            sys.executable, "-m", "gunicorn", "imrsite.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(workers),
            "--access-logfile", "-",
            "--graceful-timeout", "5",
        ]  # fmt: skip
        services = {
            "worker": [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "2"],
            "scheduler": [sys.executable, "manage.py", "run_scheduler"],
            # This machine's word index (decisions/word_index.py): built when absent, then kept current.
            "word index": [sys.executable, "manage.py", "index_words", "--follow"],
        }
        url = f"http://{host}:{port}/decisions/"
        self.describe_mail()
        self.stdout.write(self.style.SUCCESS(f"Serving the IMR decision archive at {url} (Ctrl-C to stop)"))
        self.stdout.flush()
        processes = {"web": start_process(web), **{name: start_process(command) for name, command in services.items()}}
        signal.signal(signal.SIGTERM, interrupt)
        try:
            self.keep_services_running(processes, services)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the web server, the worker, the scheduler and the word index...")
        finally:
            for process in processes.values():
                stop_process(process)

    def keep_services_running(self, processes: dict[str, subprocess.Popen[bytes]], services: dict[str, list[str]]) -> None:
        """Until the web server ends: a task worker or scheduler that stopped (the database was stopped)
        is started again."""
        last_start = dict.fromkeys(services, time.monotonic())
        while processes["web"].poll() is None:
            time.sleep(WORKER_CHECK_SECONDS)
            for name, command in services.items():
                exit_status = processes[name].poll()
                restart_due = time.monotonic() - last_start[name] > WORKER_RESTART_SECONDS
                if exit_status is not None and restart_due and self.database_is_up():
                    self.stderr.write(f"The {name} stopped (exit {exit_status}); starting it again.")
                    processes[name], last_start[name] = start_process(command), time.monotonic()

    def describe_mail(self) -> None:
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                f"E-mail (sign-up links, alerts) is written as files to {settings.EMAIL_FILE_PATH}/ "
                "(set EMAIL_URL to send it by SMTP)."
            )
        else:
            self.stdout.write(f"E-mail is sent through {settings.EMAIL_HOST}:{settings.EMAIL_PORT}.")

    def database_is_up(self) -> bool:
        return not settings.EMBEDDED_DATABASE or EmbeddedServer(settings.DATA_DIR).is_running()


def start_process(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=Path(settings.BASE_DIR), env=os.environ.copy())


def interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C, so a supervisor's stop also shuts down cleanly."""
    raise KeyboardInterrupt


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
