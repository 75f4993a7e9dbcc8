"""Adding letters to a filled archive: ingest speed at its size, and bringing the facet index and the
machine's word index up to date with them.

Usage (from the repository root, virtualenv active):

    python manage.py benchmark growth --database imr_bench_1m --add 10000

It grows the benchmark database (``--database``, filled by ``search_speed.py``; never the site's
own) for good by ``--add`` new generated letters, so run it after the measures that want the
archive at its round size. The word index must be current first (``manage.py index_words
--rebuild --database NAME``). Then it times:
  - ingest: the letters parsed and written through the real pipeline (``--workers`` processes, as
    ``manage.py ingest --workers``), letters per second at this size;
  - facet_index: reading only the added letters into the facet index (what the first search after an
    ingest waits for, once per machine) against reading it whole;
  - word_index: the machine's word index brought up to date by its follower, as ``index_words
    --follow`` does after an ingest: the added letters and items indexed and their bits set in the
    mapped files (a copy only when the ids outgrow them), against the files' sizes.
Printed as JSON, with the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")

import search_speed  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="imr_bench", help="a filled benchmark database (it grows)")
    parser.add_argument("--add", type=int, default=10_000, help="generated letters to add")
    parser.add_argument("--workers", type=int, default=2, help="ingest worker processes")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    search_speed.use_database(args.database)
    from decisions import facets, word_index
    from decisions.models import Case

    before = Case.objects.count()
    if not before:
        raise SystemExit(f"{args.database} holds no letters: fill it first (benchmark search_speed --database {args.database})")
    root = word_index.root_dir()
    follower = word_index.Follower(root)
    if follower.step() != "current":
        raise SystemExit("the word index was not current: it has been brought up to date now; run again")
    previous = facets.build_index()
    started_cpu = search_speed.cpu_times()

    started = time.perf_counter()
    search_speed.ingest_generated(args.add, start=before + 5_000_000, workers=args.workers)
    ingest_seconds = time.perf_counter() - started
    added = Case.objects.count() - before

    facet_index = search_speed.grown_against_whole(previous, added)

    started = time.perf_counter()
    done = follower.step()
    follow_seconds = time.perf_counter() - started
    assert follower.index is not None
    bits_mb = {kind: round(bits.rows.nbytes / 1e6, 1) for kind, bits in follower.index.bits.items()}
    figures = {
        "letters_before": before,
        "letters_added": added,
        "ingest": {"seconds": round(ingest_seconds, 1), "letters_per_second": round(added / ingest_seconds, 1), "workers": args.workers},
        "facet_index": facet_index,
        "word_index": {
            "follower_step": done,
            "seconds": round(follow_seconds, 1),
            "bits_in_place": all(bits.in_place for bits in follower.index.bits.values()),
            "bits_mb": bits_mb,
            "status": word_index.status(),
        },
        "machine": search_speed.machine_load(started_cpu),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
