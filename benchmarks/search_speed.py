"""Server-side speed of the search, the facets, the letter page and the CSV export.

Usage (from the repository root, virtualenv active):

    python benchmarks/search_speed.py                       # 100,000 letters in database imr_bench
    python benchmarks/search_speed.py --letters 20000 --runs 30
    python benchmarks/search_speed.py --database imr --no-fill   # measure an existing archive as it is

It works on its own database (``--database``, default ``imr_bench``) on the same PostgreSQL server
as the site (the embedded one, or DATABASE_URL's), creating and migrating it when missing, so the
archive itself is never touched. When the database holds fewer than ``--letters`` letters it fills
it: ``--seed-letters`` distinct generated letters (decisions.samples; 20,000 by default, or the
target when smaller) go through the real ingest pipeline (parse and write in two worker processes,
as ``manage.py ingest --workers 2``), then those rows are copied in SQL (new case numbers, shifted
dates, same text) up to the target, which takes minutes instead of hours of parsing, then vacuums
and analyses the tables and checkpoints, as autovacuum would on a running server. With 20,000
distinct letters a 100,000-letter archive holds each text 5 times and a million 50 times (not 500
times, as with 2,000), so the words' frequencies are the generator's whole variety; the fill
prints how many distinct requests, summaries and words the archive holds.

After one untimed pass over the same searches (the server's steady state: tables in memory, the
facet index built), it times, over ``--runs`` varied queries each, with direct selector calls (what the views
call) and Django's test client for the letter page:
  - search: a full-text query plus one filter, the count, the first page with highlights and every
    facet count (target p95 < 150 ms at 100k letters);
  - search_html_page, search_api: the same searches as whole responses (view and template or
    serializer, through Django's test client);
  - search_counts_only: the same searches' totals and facets alone, without the page;
  - same_words: the search and the HTML page again with each process remembering what its searches'
    words matched (IMR_WORD_MEMORY_MB, as served), as when a user clicks filters and pages of words
    already searched; every other measure matches the words afresh each time;
  - word_matches: per word query, the letters' match pass alone (ids and ranks), from the word index
    (decisions/word_index.py; "word_index" says whether this database's is used: build it with
    ``manage.py index_words --rebuild --database NAME``) and from PostgreSQL;
  - filters: one or two item- and letter-level filters without words, count, page and facets (< 80 ms);
  - unfiltered: the list page's search with no parameters: count, page and facets;
  - index_build: reading the facet index (decisions.facets) whole, which the first search after a
    change other than added letters waits for (once per machine: decisions.shared_index), its size,
    and the time another process takes to open the snapshot written to disk instead;
  - index_freshness: with the index kept by its own thread (as in a web process), the time from a
    committed edit, an ingest of 200 letters and their deletion until searches count them;
  - index_growth: after 200 letters are ingested, bringing the index up to date by reading only
    them (what the first search after an ingest waits for), against a whole read;
  - detail: GET /decisions/<key>/, with "requests like this" and similar letters (< 40 ms);
  - statistics: the same searches' /statistics/ page (every table, chart, timing, the matrix; p95 <
    300 ms at 100k) and /api/statistics/ by treatment and by month (< 200 ms);
  - csv: rows per second of the export of a broad search and of the whole archive (>= 5,000 rows/s),
    and the time until its first rows;
and prints EXPLAIN (ANALYZE) summaries of the main queries, naming the indexes they use.
The machine may be shared: the load average and the CPU time stolen by the hypervisor during the
run are reported with the figures. Results are printed as JSON at the end.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")

QUERIES = ["gabapentin", "physical therapy", "acupuncture", '"low back"', "mri OR ct", "opioid -tramadol", "epidural", "knee"]
# One to three filters each, item- and letter-level (the list page always counts every facet too).
FILTERS = [
    {"outcome": "overturned"},
    {"source": "ODG"},
    {"treatment": "medication"},
    {"outcome": "overturned", "treatment": "physical-therapy"},
    {"state": "CA", "sex": "female"},
    {"decided_from": "2017-01-01", "decided_to": "2017-12-31"},
    {"source": "MTUS", "outcome": "upheld", "age_min": "40"},
]


def add_fill_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of every benchmark that works on a filled archive of its own (``fill``)."""
    parser.add_argument("--database", default="imr_bench", help="database to measure (created and filled when short)")
    parser.add_argument("--letters", type=int, default=100_000, help="letters the database should hold")
    parser.add_argument(
        "--seed-letters", type=int, default=20_000, help="distinct generated letters ingested (parsed and written) before copying"
    )
    parser.add_argument("--no-fill", action="store_true", help="use the database as it is")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_fill_arguments(parser)
    parser.add_argument("--runs", type=int, default=80, help="timed runs per measure")
    parser.add_argument(
        "--exact", action="store_true", help="search only the words typed (exact=true): what expanding them to other names costs"
    )
    return parser.parse_args()


def use_database(name: str) -> None:
    """Point Django at ``name`` on the configured server, creating and migrating it when missing."""
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = name
    settings.ALLOWED_HOSTS = ["testserver"]
    from rest_framework.throttling import AnonRateThrottle

    AnonRateThrottle.THROTTLE_RATES = {**AnonRateThrottle.THROTTLE_RATES, "anon": None}  # speed, not the throttle
    from django.db import connection

    connection.settings_dict["NAME"] = "postgres"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(target: int, seed_letters: int) -> dict[str, object]:
    """Fill the database up to ``target`` letters; what the fill took and how varied the archive is."""
    from decisions.models import Case

    have = Case.objects.count()
    started = time.perf_counter()
    if have < target:
        seed = min(seed_letters, target)
        if have < seed:
            ingest_generated(seed - have, start=have)
        copy_letters(target)
    figures = {"fill_seconds": round(time.perf_counter() - started, 1), **variety()}
    print(f"database holds {Case.objects.count()} letters; {figures}", file=sys.stderr)
    return figures


def ingest_generated(count: int, start: int, workers: int = 2) -> None:
    """``count`` new generated letters through the ingest pipeline (worker processes parse and write)."""
    from decisions.ingestion.candidate import Candidate
    from decisions.ingestion.pipeline import Ingester, Totals
    from decisions.samples import generate_letters

    def candidates() -> Iterator[Candidate]:
        letters = generate_letters(count, seed=start + 7, start_number=start * 3 + 1)
        for number, letter in enumerate(letters, start=start + 1):
            data = letter.text.encode()
            yield Candidate(f"bench-{number}.txt", lambda data=data: data)

    started = time.perf_counter()

    def progress(totals: Totals) -> None:
        if totals.processed % 2000 < 100:
            print(f"ingested {totals.processed}/{count} ({time.perf_counter() - started:.0f}s)", file=sys.stderr)

    totals = Ingester(workers=workers, on_batch=progress).run(candidates())
    if totals.failed:
        raise SystemExit(f"the fill could not ingest {totals.failed} generated letters: {totals.summary()}")
    print(f"ingested {totals.ingested} letters in {time.perf_counter() - started:.0f}s", file=sys.stderr)


def variety() -> dict[str, int]:
    """How varied the archive's texts are: distinct requests, summaries, and words of the summaries."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT request) FROM decisions_disputeditem")
        (requests,) = cursor.fetchone()
        cursor.execute("SELECT count(DISTINCT md5(clinical_summary)) FROM decisions_case")
        (summaries,) = cursor.fetchone()
        # Copies add no word: the words of the distinct summaries are the archive's.
        cursor.execute(
            "SELECT count(*) FROM ts_stat($$SELECT to_tsvector('simple', s) FROM"
            " (SELECT DISTINCT ON (md5(clinical_summary)) clinical_summary AS s FROM decisions_case) d$$)"
        )
        (words,) = cursor.fetchone()
    return {"distinct_requests": requests, "distinct_summaries": summaries, "distinct_summary_words": words}


def columns(table: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(table: str, copies: range, base_max: int, overrides: dict[str, str]) -> None:
    """Copy the first rows of ``table`` once per ``k`` in ``copies``; ``k`` names the copy in overrides."""
    from django.db import connection

    names = columns(table)
    select = ", ".join(overrides.get(name, f"t.{name}") for name in names)
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {select} FROM {table} t,"
        f" generate_series({copies.start}, {copies.stop - 1}) AS k WHERE t.id <= {base_max}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def copy_letters(target: int) -> None:
    """Grow the archive to ``target`` letters by copying the ingested ones (ids offset per copy)."""
    from django.db import connection

    from decisions.models import Case

    base = Case.objects.count()
    copies = max(0, -(-(target - base) // base))
    if not copies:
        return
    started = time.perf_counter()
    print(f"copying {base} letters {copies} times…", file=sys.stderr)
    copy_archive(copies)
    with connection.cursor() as cursor:
        # What autovacuum does within minutes on a real server: visibility map, hint bits, statistics;
        # then a checkpoint, so the fill's writes do not land in the middle of the timings.
        for table in ("decisions_sourcedocument", "decisions_case", "decisions_disputeditem", "decisions_citation"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("CHECKPOINT")
    print(f"copied in {time.perf_counter() - started:.0f}s; {Case.objects.count()} letters", file=sys.stderr)


LETTERS_PER_COPY_STATEMENT = 5000


def copy_archive(copies: int) -> None:
    """Add ``copies`` copies of every letter, its document, items and citations, in one transaction
    (new ids, keys and case numbers; decision dates shifted by up to 59 days; the same text)."""
    from django.db import transaction

    from decisions.models import Case, Citation, DisputedItem, SourceDocument

    doc_max = SourceDocument.objects.order_by("-id").values_list("id", flat=True).first() or 0
    case_max = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    item_max = DisputedItem.objects.order_by("-id").values_list("id", flat=True).first() or 0
    cit_max = Citation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # A few thousand letters a statement: the triggers that fill each letter's search text and counts
    # (migration 0012) look the new rows' letters up in one array per statement.
    per_statement = max(1, LETTERS_PER_COPY_STATEMENT // max(1, Case.objects.count()))
    with transaction.atomic():
        for first in range(1, copies + 1, per_statement):
            copy_once(range(first, min(first + per_statement, copies + 1)), doc_max, case_max, item_max, cit_max)


def copy_once(copies: range, doc_max: int, case_max: int, item_max: int, cit_max: int) -> None:
    """Copies ``copies`` of the letters up to ``case_max`` (ids offset by ``k`` times each table's highest)."""
    copy_rows(
        "decisions_sourcedocument",
        copies,
        doc_max,
        {
            "id": f"t.id + k * {doc_max}",
            "sha256": "md5(t.sha256 || k) || md5(k || t.sha256)",
            "filename": "t.filename || '-' || k",
        },
    )
    copy_rows(
        "decisions_case",
        copies,
        case_max,
        {
            "id": f"t.id + k * {case_max}",
            "document_id": f"t.document_id + k * {doc_max}",
            "key": "t.key || '-' || k",
            "case_number": "CASE WHEN t.case_number IS NULL THEN NULL ELSE t.case_number || '-' || k END",
            "decision_date": "t.decision_date + (k % 60)",
        },
    )
    copy_rows(
        "decisions_disputeditem", copies, item_max, {"id": f"t.id + k * {item_max}", "case_id": f"t.case_id + k * {case_max}"}
    )
    copy_rows("decisions_citation", copies, cit_max, {"id": f"t.id + k * {cit_max}", "item_id": f"t.item_id + k * {item_max}"})


def timed(runs: int, make_call: Callable[[int], Callable[[], object]]) -> dict[str, float]:
    samples = []
    for run in range(runs):
        call = make_call(run)
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
        "max_ms": round(samples[-1], 1),
    }


def full_search(params: dict[str, str]) -> Callable[[], object]:
    from decisions.selectors import search_cases

    def run() -> object:
        result = search_cases(params)  # the whole page: counts, facets, the page's rows, chips, form
        assert result.page is not None
        return result.total, result.item_total, len(result.page.rows), len(result.facets)

    return run


EXACT: dict[str, str] = {}  # {"exact": "true"} with --exact


def search_params(run: int) -> dict[str, str]:
    """The run-th full-text search: one of QUERIES with one of FILTERS (all pairs within 56 runs)."""
    return {"q": QUERIES[run % len(QUERIES)], **FILTERS[run % len(FILTERS)], **EXACT}


def warm_up(runs: int) -> None:
    """One untimed pass of every measured search: a server's steady state, with the tables and indexes
    in memory and the facet index built, rather than the first reads after a restart. Nothing the
    site computes is kept between searches except that index (rebuilt when the archive changes) and,
    only in the ``*_same_words`` measures, what the words matched (``remembering_words``)."""
    for run in range(runs):
        full_search(search_params(run))()
    for run in range(len(FILTERS)):
        full_search(dict(FILTERS[run]))()


def measure_search(runs: int) -> dict[str, float]:
    return timed(runs, lambda run: full_search(search_params(run)))


@contextmanager
def remembering_words(megabytes: int) -> Iterator[None]:
    """Each process remembers its searches' word matches (IMR_WORD_MEMORY_MB, per index) or not (0)."""
    from django.conf import settings

    from decisions import facets

    previous = settings.IMR_WORD_MEMORY_MB
    settings.IMR_WORD_MEMORY_MB = megabytes
    facets.current_index().__dict__.pop("recent_words", None)
    try:
        yield
    finally:
        settings.IMR_WORD_MEMORY_MB = previous
        facets.current_index().__dict__.pop("recent_words", None)


def measure_same_words(runs: int) -> dict[str, dict[str, float]]:
    """The searches again with the words' matches remembered, as when a user who searched goes on to
    click filters and pages of the same words (each word was searched once in the warm-up pass)."""
    with remembering_words(64):
        for run in range(len(QUERIES)):
            full_search(search_params(run))()
        return {
            "search_with_facets": timed(runs, lambda run: full_search(search_params(run))),
            "search_html_page": measure_http(runs, "/decisions/"),
        }


def measure_http(runs: int, path: str, extra: dict[str, str] | None = None) -> dict[str, float]:
    """The same full-text searches as whole responses (Django's test client: view, template or
    serializer, no network): ``/decisions/`` (HTML) or ``/api/decisions/`` (JSON), or their
    statistics (with ``extra`` parameters, e.g. ``by``)."""
    from urllib.parse import urlencode

    from django.test import Client

    client = Client()

    def make(run: int) -> Callable[[], object]:
        url = f"{path}?{urlencode({**search_params(run), **(extra or {})})}"

        def get() -> object:
            response = client.get(url)
            assert response.status_code == 200, url
            return response

        return get

    return timed(runs, make)


def measure_word_matches(runs: int) -> dict[str, dict[str, float]]:
    """The match pass alone, per word query (ranked, as a relevance search): the word index's letters
    (the tsquery round trip, the match set from bits and tantivy, the first page by BM25) against
    PostgreSQL's (every match with its ts_rank)."""
    from decisions import facets
    from decisions.filters import cleaned_params
    from decisions.search_params import search_query

    index = facets.current_index()
    figures: dict[str, dict[str, float]] = {}
    for words in QUERIES:
        cleaned = cleaned_params({"q": words})[0]
        query = search_query(cleaned)
        assert query is not None
        from_index = functools.partial(first_ranked_page, cleaned, index)
        from_postgresql = functools.partial(index.postgresql_matches, query, True, False)
        figure = {"letters": len(from_postgresql()[0])}
        if from_index() is not None:
            figure["word_index_p50_ms"] = timed(runs, lambda run, call=from_index: call)["p50_ms"]  # type: ignore[misc]
        figure["postgresql_p50_ms"] = timed(runs, lambda run, call=from_postgresql: call)["p50_ms"]  # type: ignore[misc]
        figures[words] = figure
    return figures


def first_ranked_page(cleaned: dict[str, Any], index: Any) -> object:
    """The word index's letters for a search's words (a mask over the index) and the first page of
    them by rank, as the list reads them (None: the word index did not answer)."""
    from decisions import word_index

    matches = index.text_matches(cleaned)
    if not isinstance(matches[1], word_index.Ranker):
        return None
    return index.in_page_order(cleaned, matches[0], matches)[:25]


def measure_search_counts(runs: int) -> dict[str, float]:
    """The totals and facets of the same searches alone (decisions.facets), without the page."""
    from decisions.selectors import validate_search

    return timed(runs, lambda run: lambda: validate_search(search_params(run)).counts())


def measure_filters(runs: int) -> dict[str, float]:
    return timed(runs, lambda run: full_search(dict(FILTERS[run % len(FILTERS)])))


def measure_unfiltered(runs: int) -> dict[str, float]:
    return timed(runs, lambda run: full_search({}))


def measure_index_build(runs: int) -> dict[str, Any]:
    """Reading the facet index whole from PostgreSQL (after an edit, done once per machine by the
    first process that needs the new version), and what every other process does instead: open the
    snapshot that process wrote (decisions.shared_index), as a worker that starts does."""
    from decisions import facets, shared_index

    figures: dict[str, Any] = timed(runs, lambda run: lambda: facets.read_consistently(None))
    figures["megabytes"] = round(facets.build_index()[1].nbytes / 1e6, 1)
    if shared_index.enabled():
        folder = shared_index.store_folder()
        figures["open_snapshot"] = timed(runs, lambda run: lambda: shared_index.load(folder))
        figures["snapshot_on_disk_megabytes"] = round(
            sum(path.stat().st_size for path in (folder / shared_index.CURRENT).resolve().iterdir()) / 1e6, 1
        )
    return figures


def measure_index_growth(letters: int = 200) -> dict[str, float]:
    """After an ingest of ``letters`` new letters: bringing the facet index up to date (only the new
    letters are read) against reading it whole. In a transaction rolled back after, so the archive
    keeps its size."""
    from django.db import transaction

    from decisions import facets
    from decisions.samples import generate_letters
    from decisions.services import ingest_document

    with transaction.atomic():
        previous = facets.build_index()
        for number, letter in enumerate(generate_letters(letters, seed=99, start_number=9_000_001), start=1):
            ingest_document(data=letter.text.encode(), filename=f"growth-{number}.txt")
        figures = grown_against_whole(previous, letters)
        transaction.set_rollback(True)
    return {"new_letters": letters, **figures}


def grown_against_whole(previous: Any, added: int) -> dict[str, float]:
    """The facet index brought up to date from ``previous`` (reading the ``added`` letters alone),
    against reading it whole, in ms."""
    from decisions import facets

    started = time.perf_counter()
    _, grown = facets.build_index(previous)
    grow_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    whole = facets.FacetIndex()
    whole_ms = (time.perf_counter() - started) * 1000
    assert grown.n == whole.n == previous[1].n + added
    return {"grow_ms": round(grow_ms, 1), "whole_read_ms": round(whole_ms, 1)}


def measure_freshness(letters: int = 200) -> dict[str, float]:
    """With the index kept by its thread, as in a web process: how long a search made right after a
    committed change waits until the index counts it — an edit (a reviewer's specialties: the index is read whole), an ingest of
    ``letters`` letters (grown), and their deletion (read whole), which leaves the archive as it was."""
    from django.db import connection

    from decisions import facets
    from decisions.models import Case, SourceDocument
    from decisions.samples import generate_letters
    from decisions.services import ingest_document

    def until_counted() -> float:
        """A search's wait right after the change: it wakes the thread and waits for its index."""
        started = time.perf_counter()
        facets.current_index()
        return round((time.perf_counter() - started) * 1000, 1)

    facets.keep_index_current()
    try:
        until_counted()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE decisions_reviewer SET specialties = specialties WHERE id = (SELECT min(id) FROM decisions_reviewer)"
            )
        edit_ms = until_counted()
        for number, letter in enumerate(generate_letters(letters, seed=98, start_number=9_100_001), start=1):
            ingest_document(data=letter.text.encode(), filename=f"freshness-{number}.txt")
        ingest_ms = until_counted()
        Case.objects.filter(document__filename__startswith="freshness-").delete()
        SourceDocument.objects.filter(filename__startswith="freshness-").delete()
        delete_ms = until_counted()
    finally:
        facets.stop_keeping_index_current()
    return {"after_an_edit_ms": edit_ms, f"after_ingesting_{letters}_letters_ms": ingest_ms, "after_deleting_them_ms": delete_ms}


def measure_detail(runs: int) -> dict[str, float]:
    from django.test import Client

    from decisions.models import Case

    client = Client()
    keys = list(Case.objects.order_by("?").values_list("key", flat=True)[:runs])
    client.get(f"/decisions/{keys[0]}/")  # template loading and the first connection

    def make(run: int) -> Callable[[], object]:
        def get() -> object:
            response = client.get(f"/decisions/{keys[run % len(keys)]}/")
            assert response.status_code == 200
            return response

        return get

    return timed(runs, make)


def measure_statistics(runs: int) -> dict[str, object]:
    """The statistics of the same searches (words and a filter): the whole page (every table, the
    charts, timing, the matrix), the API by treatment and by month."""
    return {
        "page": measure_http(runs, "/statistics/"),
        "api_by_treatment": measure_http(runs, "/api/statistics/", {"by": "treatment"}),
        "api_by_month": measure_http(runs, "/api/statistics/", {"by": "month"}),
    }


def measure_csv() -> dict[str, dict[str, float]]:
    """Rows per second of the export of a broad search and of the whole archive (uncapped), and how
    long the first rows take to leave (the count, then the first chunk of letters)."""
    return {"medication": export_speed({"treatment": "medication"}), "whole_archive": export_speed({})}


def export_speed(params: dict[str, str]) -> dict[str, float]:
    import csv
    import io
    import itertools

    from django.conf import settings

    from decisions.export import csv_lines, prepare_export
    from decisions.selectors import validate_search

    settings.IMR_EXPORT_MAX_ROWS = 10**9  # the whole search, however large
    started = time.perf_counter()
    export = prepare_export(validate_search(params))  # as the export view: the search and its count
    chunks = csv_lines(export, "http://localhost:8000")
    next(chunks)  # the header line
    first = next(chunks, "")
    first_rows = time.perf_counter() - started
    rows = sum(1 for chunk in itertools.chain([first], chunks) for _ in csv.reader(io.StringIO(chunk)))
    seconds = time.perf_counter() - started
    assert rows == export.rows, (rows, export.rows)
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "first_rows_ms": round(first_rows * 1000),
    }


def explain(label: str, sql: str, params: Sequence[Any], settings: dict[str, str] | None = None) -> None:
    """Print the plan's scans (with their indexes), joins, aggregates and time."""
    from django.db import connection, transaction

    from decisions.facets import planner_settings

    with transaction.atomic(), planner_settings(settings or {}), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    words = ("Index", "Scan", "Execution Time", "Join", "Aggregate", "Heap Fetches", "BitmapAnd")
    interesting = [line.strip() for line in lines if any(word in line for word in words)]
    indexes = sorted(
        {line.split(" using ")[1].split(" on ")[0] for line in lines if " using " in line}
        | {line.split("Bitmap Index Scan on ")[1].split()[0] for line in lines if "Bitmap Index Scan on " in line}
    )
    print(f"\n-- {label}\n   indexes used: {', '.join(indexes) or 'none'}", file=sys.stderr)
    for line in interesting[:16]:
        print(f"   {line}", file=sys.stderr)


def explain_main_queries() -> None:
    """The plans of the queries a search actually sends (see decisions.selectors and decisions.facets)."""
    from decisions import facets
    from decisions.models import Case
    from decisions.selectors import search_cases

    searched = search_cases({"q": "physical therapy", "outcome": "overturned"})
    index = facets.current_index()
    halves = index.id_halves()
    low, high = halves[1] if halves else (None, None)
    sql, params = facets.matches_sql(searched.query, True, low, high)
    explain(
        "full-text matches and ranks (the counting pass; one half on a large archive)", sql, params, facets.PLAN_BY_GIN_BITMAP
    )
    page_ids = [int(pk) for pk in searched.counts.ordered_ids[:25]]
    sql, params = searched.queryset.filter(pk__in=page_ids).query.sql_with_params()
    explain("relevance page: the 25 ranked letters, read through the search", sql, params)
    for params_ in ({"q": "gabapentin", "outcome": "overturned", "sort": "-decided"}, {"source": "ODG", "state": "CA"}, {}):
        result = search_cases(params_)
        label = "&".join(f"{k}={v}" for k, v in params_.items()) or "(unfiltered)"
        sql, sql_params = result.queryset.values("id")[:25].query.sql_with_params()
        explain(f"date-sorted page: {label}", sql, sql_params)
    key = Case.objects.values_list("key", flat=True).first()
    sql, sql_params = Case.objects.filter(key=key).values("id").query.sql_with_params()
    explain("detail lookup by key", sql, sql_params)
    print(
        "\n-- facet counts: no query; the in-memory index (index-only scans of case_facets_cover and item_facets_cover when built)",
        file=sys.stderr,
    )


def cpu_times() -> list[int]:
    with open("/proc/stat") as stat:
        return [int(value) for value in stat.readline().split()[1:]]


def machine_load(before: list[int]) -> dict[str, object]:
    """Load average, and the share of CPU time the hypervisor stole during the run (column 8)."""
    after = cpu_times()
    spent = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(spent, 0)
    steal = spent[7] / total if len(spent) > 7 and total else 0.0
    return {"load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(), "steal_share": round(steal, 2)}


def main() -> None:
    args = parse_args()
    if args.exact:
        EXACT["exact"] = "true"
    use_database(args.database)
    fill_figures = {} if args.no_fill else fill(args.letters, args.seed_letters)
    from decisions import word_index
    from decisions.models import Case, DisputedItem

    random.seed(1)
    stack = ExitStack()
    stack.enter_context(remembering_words(0))  # every measure but "same_words" matches the words afresh
    warm_up(args.runs)
    started = cpu_times()
    figures: dict[str, object] = {
        "word_index": word_index.status(),
        "letters": Case.objects.count(),
        "items": DisputedItem.objects.count(),
        "fill": fill_figures,
        "search_with_facets": measure_search(args.runs),  # every word matched afresh (IMR_WORD_MEMORY_MB=0)
        "search_html_page": measure_http(args.runs, "/decisions/"),
        "search_api": measure_http(args.runs, "/api/decisions/"),
        "search_counts_only": measure_search_counts(args.runs),
        "word_matches": measure_word_matches(max(3, args.runs // 4)),
        "filters_only": measure_filters(args.runs),
        "unfiltered": measure_unfiltered(args.runs),
        "index_build": measure_index_build(max(3, args.runs // 8)),
        "detail": measure_detail(args.runs),  # with "requests like this" and similar letters
        "statistics": measure_statistics(args.runs),
        "same_words": measure_same_words(args.runs),
        "csv": measure_csv(),
        # Last: they write (and undo) letters, after which the word index must be rebuilt (or followed)
        # before its figures count again.
        "index_growth": measure_index_growth(),
        "index_freshness": measure_freshness(),
    }
    stack.close()
    figures["machine"] = machine_load(started)
    explain_main_queries()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
