"""Building the bulk downloads: time, sizes and peak memory, and that the files load back.

Usage (from the repository root, virtualenv active):

    python benchmarks/downloads_build.py                        # 100,000 letters in database imr_bench
    python benchmarks/downloads_build.py --letters 5000 --database imr_small

The database is filled as ``search_speed`` fills it (generated letters through the ingest service,
then copied in SQL). The build runs in a fresh child process, into a temporary folder, so its
peak resident memory (``ru_maxrss``) is the build's alone: compared with the same process's memory
just before the build, it shows what the build added, which should not grow with the archive.
Then the files are read back: the letters file has one line per letter of the archive, the items
file one CSV row per disputed item, and each file's sha256 is the manifest's.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search_speed import add_fill_arguments, fill, use_database  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_fill_arguments(parser)
    parser.add_argument("--build-into", help=argparse.SUPPRESS)  # the child process: build and report
    return parser.parse_args()


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def build_into(folder: Path) -> dict[str, object]:
    from decisions.downloads import build_downloads

    before = rss_kb()
    started = time.perf_counter()
    build = build_downloads(folder=folder)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": round(seconds, 1),
        "rss_before_build_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "added_by_build_mb": round((peak - before) / 1024, 1),
        "files": [
            {"name": f.name, "kind": f.kind, "rows": f.rows, "mb": round(f.bytes / 1e6, 1), "sha256": f.sha256}
            for f in build.files
        ],
    }


def loads_back(folder: Path, report: dict[str, object]) -> dict[str, object]:
    from decisions.models import Case, DisputedItem

    checks: dict[str, object] = {}
    for file in report["files"]:  # type: ignore[attr-defined]
        path = folder / file["name"]
        checks[f"{file['kind']}_sha256_matches"] = hashlib.sha256(path.read_bytes()).hexdigest() == file["sha256"]
        with gzip.open(path, "rt", newline="") as text:
            if file["kind"] == "letters":
                lines = sum(1 for _ in text)
                checks["letters_lines"], checks["archive_letters"] = lines, Case.objects.count()
            else:
                rows = sum(1 for _ in csv.reader(text)) - 1
                checks["items_rows"], checks["archive_items"] = rows, DisputedItem.objects.count()
    return checks


def main() -> None:
    args = parse_args()
    use_database(args.database)
    if args.build_into:
        print(json.dumps(build_into(Path(args.build_into))))
        return
    if not args.no_fill:
        fill(args.letters, args.seed_letters)
    with tempfile.TemporaryDirectory(prefix="imr-downloads-bench-") as folder:
        child = [sys.executable, __file__, "--database", args.database, "--build-into", folder]
        completed = subprocess.run(child, capture_output=True, text=True, check=True)
        report = json.loads(completed.stdout.strip().splitlines()[-1])
        report["loads_back"] = loads_back(Path(folder), report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
