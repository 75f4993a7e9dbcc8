"""End-to-end ingest speed: generated letters on disk -> the ``ingest`` command -> a fresh database.

    python benchmarks/ingest_speed.py [--letters N] [--pdf-letters M] [--workers W] [--batch-size B]

Prints JSON: letters/s from .txt files and from PDFs (reading, hashing, parsing and writing in
W worker processes, storing originals; everything the command does), plus the counts, the CPU
seconds of the main process and of its workers, and the load average when each phase started
(the figures mean little on a busy machine).

Database: each phase runs in a database created fresh for it (``--database``, default
``imr_bench_ingest``), dropped afterwards. With DATABASE_URL set, that database is created on the same server (the role
needs CREATEDB); without it, on the embedded server under IMR_DATA_DIR (default var/), which
is started if needed. Your own database is never touched. The letters written for it and the
originals the ingest stores go to a temporary folder, removed at the end whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_DATABASE = "imr_bench_ingest"


def server_url() -> str:
    """A URL for the server to benchmark on, pointing at its maintenance database."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from imrsite.embedded.server import EmbeddedServer

    data_dir = Path(os.environ.get("IMR_DATA_DIR", REPO / "var")).resolve()
    server = EmbeddedServer(data_dir)
    server.ensure_running()
    return server.url("postgres")  # the embedded server wants its password


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_letters(folder: Path, count: int, *, pdf: bool, seed: int) -> None:
    from decisions.samples import generate_letters, render_pdf

    folder.mkdir(parents=True)
    for index, letter in enumerate(generate_letters(count, seed=seed)):
        name = f"{index:07d}"
        if pdf:
            (folder / f"{name}.pdf").write_bytes(render_pdf(letter.text))
        else:
            (folder / f"{name}.txt").write_text(letter.text, encoding="utf-8")


def timed_ingest(url: str, database: str, folder: Path, *, workers: int, batch_size: int) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import connections

    recreate_database(url, database)
    connections.close_all()
    call_command("migrate", verbosity=0)
    out, err = io.StringIO(), io.StringIO()
    load_average = os.getloadavg()
    started, cpu_started, workers_cpu_started = time.perf_counter(), time.process_time(), children_cpu_seconds()
    # Failures are in the summary: the benchmark reports them rather than stopping.
    with contextlib.suppress(SystemExit):
        call_command("ingest", str(folder), "--workers", str(workers), "--batch-size", str(batch_size), stdout=out, stderr=err)
    seconds = time.perf_counter() - started
    files = sum(1 for _ in folder.iterdir())
    connections.close_all()
    return {
        "files": files,
        "summary": out.getvalue().strip().splitlines()[-1],
        "seconds": round(seconds, 3),
        "letters_per_second": round(files / seconds, 1),
        "main_cpu_seconds": round(time.process_time() - cpu_started, 3),
        "workers_cpu_seconds": round(children_cpu_seconds() - workers_cpu_started, 3),
        "load_average_at_start": [round(load, 2) for load in load_average],
        "first_failures": err.getvalue().splitlines()[:3],
    }


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children: the worker processes of past ingests."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=5000, help="Text letters to ingest.")
    parser.add_argument("--pdf-letters", type=int, default=2000, help="PDF letters to ingest.")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Worker processes (parse and write).")
    parser.add_argument("--batch-size", type=int, default=100, help="Letters per transaction (the command's default).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="Database created, used and dropped for each phase.")
    args = parser.parse_args()

    # A SIGTERM (a time limit, a supervisor) ends it through the ``finally`` below, like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data_dir = Path(tempfile.mkdtemp(prefix="imr-bench-ingest-"))
    try:
        figures = run_phases(args, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(figures, indent=2))
    return 0


def run_phases(args: argparse.Namespace, data_dir: Path) -> dict[str, object]:
    """Write the letters into ``data_dir``, ingest them phase by phase, drop the database at the end."""
    url = server_url()
    bench_url = with_database(url, args.database)
    os.environ.update({"DATABASE_URL": bench_url, "DJANGO_DEBUG": "1", "IMR_DATA_DIR": str(data_dir)})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")
    import django

    django.setup()

    figures: dict[str, object] = {"cpu_count": os.cpu_count(), "workers": args.workers, "batch_size": args.batch_size}
    try:
        if args.letters:
            write_letters(data_dir / "txt", args.letters, pdf=False, seed=args.seed)
            figures["txt"] = timed_ingest(url, args.database, data_dir / "txt", workers=args.workers, batch_size=args.batch_size)
        if args.pdf_letters:
            write_letters(data_dir / "pdf", args.pdf_letters, pdf=True, seed=args.seed)
            figures["pdf"] = timed_ingest(url, args.database, data_dir / "pdf", workers=args.workers, batch_size=args.batch_size)
    finally:
        drop_database(url, args.database)
    return figures


if __name__ == "__main__":
    sys.exit(main())
