"""Load on a served archive: gunicorn as deployed, many concurrent clients (locust), on loopback.

Usage (from the repository root, virtualenv active):

    python benchmarks/load.py                                    # 100,000 letters in imr_bench; 50 then 200 clients, 60 s each
    python benchmarks/load.py --database imr_x --letters 20000 --clients 20 --duration 10    # a quick run
    python benchmarks/load.py --database imr --no-fill            # an existing archive as it is

The archive is the benchmark database of ``search_speed.py`` (``--database``, default ``imr_bench``;
created, migrated and filled the same way when it holds fewer than ``--letters`` letters). It is
served by gunicorn started as the Dockerfile and docker-compose start it: sync workers, the default
30 s worker timeout, production settings (no debug), ``--workers`` of them (default 2), bound to a
free port on 127.0.0.1. Only the API and export throttle is raised, since every simulated client
comes from the same address.

Each phase runs locust headless for ``--duration`` seconds with one of ``--clients`` counts of
concurrent clients (all started in the first second, or evenly over ``--arrival-seconds``, as readers
arriving rather than a thundering herd; each sends its next request as soon as its
last is answered, or after a pause around ``--think-seconds``: half to one and a half of it), with this mix: 40% word searches with filters,
25% filters only, 20% letter pages, 10% API searches, 5% a narrow CSV export. Words and filter
values are drawn from the archive's own items (a word of an item's request with that item's
outcome, treatment, body region or drug, its letter's sex or decision year), so searches find
letters. Requests time out after ``--request-timeout`` seconds (an error); requests still in flight
when a phase ends may finish within that time and are counted. Before the first phase, every
worker is warmed (its facet index built, its tables read), as on a server that has been running.

Printed as JSON: per phase and per kind of request (and overall) the requests, errors,
throughput, p50/p95/p99 and max in ms, the most frequent errors, the memory of the gunicorn
workers (resident, proportional: shared pages counted once, and mapped from files), and the load average of the machine (shared: the figures move with it).

Bounded: every phase has a hard time limit, and whatever happens (an error, Ctrl-C, SIGTERM) the
gunicorn and locust process groups are ended and the temporary folder removed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

import search_speed  # noqa: E402  (the same database, fill and machine figures)

ROOT = search_speed.ROOT
LOCUSTFILE = BENCHMARKS / "_locustfile.py"
KINDS = ("word search", "filters only", "letter page", "api search", "narrow csv export")
# Words of a request that find nearly every letter, or say nothing about the treatment.
COMMON_WORDS = frozenset(
    {"with", "without", "for", "and", "the", "times", "per", "week", "weeks", "day", "days", "month", "months", "session"}
    | {"sessions", "right", "left", "bilateral", "quantity", "unknown", "each", "one", "two", "three", "four", "six"}
    | {"eight", "twelve", "tablets", "tablet"}
)
# Locust's stats columns, read back from its CSV file.
STAT_COLUMNS = {
    "requests": "Request Count",
    "errors": "Failure Count",
    "requests_per_s": "Requests/s",
    "p50_ms": "50%",
    "p95_ms": "95%",
    "p99_ms": "99%",
    "max_ms": "Max Response Time",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    search_speed.add_fill_arguments(parser)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", default="50,200", help="concurrent clients of each phase, comma-separated")
    parser.add_argument("--duration", type=int, default=60, help="seconds each phase runs")
    parser.add_argument(
        "--think-seconds",
        type=float,
        default=0.0,
        help="each client's mean pause between its requests (drawn from half to 1.5 times it)",
    )
    parser.add_argument(
        "--arrival-seconds",
        type=float,
        default=1.0,
        help="the clients start evenly over this many seconds of the phase (default 1: all at once, a thundering herd)",
    )
    parser.add_argument("--request-timeout", type=float, default=60.0, help="seconds before a request counts as an error")
    parser.add_argument("--seed", type=int, default=1, help="seed of the searches drawn from the archive")
    return parser.parse_args()


# --- the plan: what the clients ask, drawn from the archive ----------------------------------


def draw_plan(size: int, seed: int) -> dict[str, list[str]]:
    """Addresses of each kind, from ``size`` random items of the archive and their letters."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [1 / (seed + 1)])
        cursor.execute(
            """SELECT i.request, i.outcome, i.treatment_category, i.body_region, i.ingredients,
                      c.key, c.patient_sex, c.decision_date
               FROM decisions_disputeditem i JOIN decisions_case c ON c.id = i.case_id
               ORDER BY random() LIMIT %s""",
            [size],
        )
        rows = cursor.fetchall()
    rng = random.Random(seed)
    plan: dict[str, list[str]] = {kind: [] for kind in ("word_search", "filters_only", "letter_page", "api", "csv")}
    for request, outcome, treatment, region, ingredients, key, sex, decided in rows:
        item_filters = [("outcome", outcome), ("treatment", treatment), ("body_region", region)]
        item_filters += [("drug", name) for name in ingredients or []]
        item_filters = [(name, value) for name, value in item_filters if value]
        letter_filters = [("sex", sex)] if sex else []
        if decided is not None:
            letter_filters.append(("decided_from", f"{decided.year}-01-01"))
        words = request_words(request)
        plan["letter_page"].append(f"/decisions/{key}/")
        plan["filters_only"].append(
            urlencode(rng.sample(item_filters + letter_filters, min(2, len(item_filters + letter_filters))))
        )
        if not words:
            continue
        searched = " ".join(rng.sample(words, min(len(words), rng.choice((1, 1, 2)))))
        search = urlencode([("q", searched), *rng.sample(item_filters + letter_filters, 1)])
        plan["word_search"].append(search)
        plan["api"].append(search)
        if decided is not None and item_filters:
            window = [("decided_from", decided.replace(day=1).isoformat()), ("decided_to", decided.isoformat())]
            plan["csv"].append(urlencode([("request", rng.choice(words)), rng.choice(item_filters), *window]))
    return {kind: [search for search in searches if is_valid(search)] for kind, searches in plan.items()}


def is_valid(search: str) -> bool:
    """Whether the archive takes this search (a request's word can be one it does not search, e.g. "under")."""
    from decisions.selectors import validate_search

    return search.startswith("/") or not validate_search(dict(parse_qsl(search))).errors


def request_words(request: str) -> list[str]:
    """The telling words of an item's request: letters only, four or more, not the commonest."""
    words = {word.lower() for word in re.findall(r"[A-Za-z]{4,}", request)}
    return sorted(words - COMMON_WORDS)


# --- the server ----------------------------------------------------------------------------


def database_url(name: str) -> str:
    """The URL the served site connects with: DATABASE_URL's server, or the embedded one."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    from django.conf import settings

    from imrsite.embedded.server import EmbeddedServer

    return EmbeddedServer(settings.DATA_DIR).url(name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_gunicorn(database: str, workers: int, port: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn as deployed (sync workers, default timeout, production settings) in a process group of its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "imrsite.settings",
        # Every client of the test comes from 127.0.0.1: one address, far above the throttle for one reader.
        "IMR_API_ANON_RATE": "1000000/minute",
    }
    command = [sys.executable, "-m", "gunicorn", "imrsite.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    with log.open("ab") as output:
        return subprocess.Popen(
            [*command, "--workers", str(workers)], cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True
        )


def stop_group(process: subprocess.Popen[bytes] | None, first_signal: int) -> None:
    """End a process started in a session of its own, and everything in its group."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, first_signal)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def fetch(url: str, timeout: float) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, b"", time.perf_counter() - started


def wait_until_served(base: str, server: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        with contextlib.suppress(OSError):
            if fetch(f"{base}/decisions/", 30)[0] == 200:
                return
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer in time")


def warm_up(base: str, plan: dict[str, list[str]], workers: int, deadline: float) -> None:
    """Ask every kind of request from as many clients as workers at once, until every worker answers a search quickly."""
    paths = [f"/decisions/?{plan['word_search'][0]}", f"/decisions/?{plan['filters_only'][0]}", plan["letter_page"][0]]
    paths += [f"/api/decisions/?{plan['api'][0]}", f"/decisions/export.csv?{plan['csv'][0]}"]
    with concurrent.futures.ThreadPoolExecutor(workers * 2) as pool:
        while time.monotonic() < deadline:
            answers = list(pool.map(lambda path: fetch(base + path, 60), paths * workers))
            if all(status == 200 for status, _, _ in answers) and max(seconds for _, _, seconds in answers) < 2:
                return
    raise SystemExit("the served archive did not settle to answering within 2 s")


def csv_header(base: str, plan: dict[str, list[str]]) -> str:
    status, body, _ = fetch(f"{base}/decisions/export.csv?{plan['csv'][0]}", 60)
    assert status == 200, status
    return body.decode().splitlines()[0]


# --- a phase -------------------------------------------------------------------------------


def run_phase(base: str, folder: Path, clients: int, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Locust headless for ``args.duration`` seconds with ``clients`` clients; its CSV stats read back."""
    prefix = folder / f"phase-{clients}"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base]
    spawn_rate = clients / max(args.arrival_seconds, 1e-3)
    command += ["--users", str(clients), "--spawn-rate", f"{spawn_rate:g}", "--run-time", f"{args.duration}s"]
    command += ["--stop-timeout", f"{args.request_timeout:g}", "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR"]
    hard_limit = args.duration + args.request_timeout + 60
    before = search_speed.cpu_times()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    locust = None
    with (folder / f"locust-{clients}.log").open("wb") as log:
        try:
            locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
            locust.wait(timeout=hard_limit)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"locust ran past its hard limit of {hard_limit:g} s; ended") from None
        finally:
            stop_group(locust, signal.SIGTERM)
    stats = read_stats(Path(f"{prefix}_stats.csv"))
    if "overall" not in stats:
        tail = (folder / f"locust-{clients}.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"locust wrote no statistics (exit status {locust.returncode if locust else '?'}):\n{tail}")
    return {
        "clients": clients,
        "seconds": args.duration,
        "think_seconds": args.think_seconds,
        "arrival_seconds": args.arrival_seconds,
        "by_kind": {kind: stats.get(kind, {}) for kind in KINDS},
        "overall": stats["overall"],
        "errors": read_errors(Path(f"{prefix}_failures.csv")),
        "machine": {"load_average_at_start": load_at_start, **search_speed.machine_load(before)},
    }


def read_stats(path: Path) -> dict[str, dict[str, float]]:
    """Locust's per-name rows (and 'Aggregated' as 'overall') in this benchmark's names and units."""
    stats = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            name = "overall" if row["Name"] == "Aggregated" else row["Name"]
            stats[name] = {figure: number(row[column]) for figure, column in STAT_COLUMNS.items()}
    return stats


def number(text: str) -> float:
    value = float(text) if text not in ("", "N/A") else 0.0
    return int(value) if value.is_integer() else round(value, 2)


def read_errors(path: Path) -> list[dict[str, object]]:
    """The five most frequent errors: kind, message, how many."""
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        rows = [
            {"kind": row["Name"], "error": row["Error"][:200], "count": int(row["Occurrences"])} for row in csv.DictReader(handle)
        ]
    return sorted(rows, key=lambda row: -int(str(row["count"])))[:5]


def workers_memory_mb(server: subprocess.Popen[bytes]) -> list[dict[str, float]]:
    """Memory of each gunicorn worker (the master's children), in MB: resident (``rss``), its share
    of pages mapped by several processes counted once (``pss``), and the part mapped from files
    (``file``: the facet index's snapshot and the libraries, shared through the page cache)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError, KeyError):
            status = fields_of(entry / "status")
            if int(status["PPid"]) == server.pid:
                rollup = fields_of(entry / "smaps_rollup")
                sizes.append(
                    {
                        "rss": megabytes(status["VmRSS"]),
                        "pss": megabytes(rollup["Pss"]),
                        "file": megabytes(status["RssFile"]),
                    }
                )
    return sorted(sizes, key=lambda size: size["rss"])


def fields_of(path: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)


def megabytes(field: str) -> float:
    return round(int(field.split()[0]) / 1024, 1)


# --- the run -------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    clients = [int(count) for count in args.clients.split(",") if count.strip()]
    # A SIGTERM (a time limit, a supervisor) ends the run through the ``finally`` below, like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    search_speed.use_database(args.database)
    fill = {} if args.no_fill else search_speed.fill(args.letters, args.seed_letters)
    from django.db import connection

    from decisions.models import Case

    plan: dict[str, Any] = draw_plan(2000, args.seed)
    letters = Case.objects.count()
    connection.close()
    folder = Path(tempfile.mkdtemp(prefix="imr-bench-load-"))
    server = None
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(args.database, args.workers, port, folder / "gunicorn.log")
        wait_until_served(base, server, time.monotonic() + 120)
        plan["csv_header"] = csv_header(base, plan)
        (folder / "plan.json").write_text(json.dumps(plan))
        warm_up(base, plan, args.workers, time.monotonic() + 300)
        env = {
            **os.environ,
            "IMR_LOAD_PLAN": str(folder / "plan.json"),
            "IMR_LOAD_THINK_SECONDS": str(args.think_seconds),
            "IMR_LOAD_REQUEST_TIMEOUT": str(args.request_timeout),
        }
        figures: dict[str, Any] = {"letters": letters, "fill": fill, "gunicorn_workers": args.workers, "phases": []}
        figures["plan_sizes"] = {kind: len(values) for kind, values in plan.items() if isinstance(values, list)}
        for count in clients:
            phase = run_phase(base, folder, count, args, env)
            phase["gunicorn_workers_memory_mb"] = workers_memory_mb(server)
            figures["phases"].append(phase)
            print(f"{count} clients: {json.dumps(phase['overall'])}", file=sys.stderr)
    except BaseException:
        if server is not None and (folder / "gunicorn.log").exists():
            print((folder / "gunicorn.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop_group(server, signal.SIGINT)  # gunicorn's quick shutdown
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
