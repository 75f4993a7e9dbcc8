"""Time the parser on one core and print the figures as JSON.

    python benchmarks/parser_speed.py [--letters DIR] [--repeat N]

- extract_and_parse_seconds: extract + parse all the PDFs in DIR once.
- text_parse_letters_per_second: parse_text over the extracted texts, repeated N times.
Wall-clock and CPU (process) time are both given; on a busy machine trust the CPU figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from decisions.parsing import extract_text, parse_bytes, parse_text  # noqa: E402

DEFAULT_LETTERS = REPO / ".." / "shared" / "imr-letters"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    pdfs = sorted(args.letters.glob("*.pdf"))
    if not pdfs:
        print(f"no PDFs in {args.letters}", file=sys.stderr)
        return 2
    blobs = [(path.name, path.read_bytes()) for path in pdfs]
    parse_bytes(*reversed(blobs[0]))  # load pdfium and warm up outside the timing

    started, cpu_started = time.perf_counter(), time.process_time()
    for name, data in blobs:
        parse_bytes(data, name)
    full, full_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    texts = [(name, extract_text(data, name).text) for name, data in blobs]
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.repeat):
        for name, text in texts:
            parse_text(text, filename=name)
    text_only, text_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    parsed = len(texts) * args.repeat
    print(json.dumps({
        "letters": len(blobs),
        "extract_and_parse_seconds": round(full, 3),
        "extract_and_parse_cpu_seconds": round(full_cpu, 3),
        "text_parses": parsed,
        "text_parse_seconds": round(text_only, 3),
        "text_parse_letters_per_second": round(parsed / text_only, 1),
        # CPU time is the fairer figure on a shared machine.
        "text_parse_letters_per_cpu_second": round(parsed / text_cpu, 1),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
