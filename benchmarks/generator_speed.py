"""Time the sample-letter generator and the PDF writer on one core; print the figures as JSON.

    python benchmarks/generator_speed.py [--letters N] [--pdfs M] [--seed S]

- letters_per_second: generate_letters(N), text included.
- pdf_per_second: render_pdf over M of those letters' texts.

Rates are per CPU second of this process (time.process_time), so they measure one core even
when other work shares the machine; "seconds" is the wall-clock time of the generation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from decisions.samples import generate_letters, render_pdf  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--letters", type=int, default=50_000)
    parser.add_argument("--pdfs", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    # Keep only what the PDF timing needs: holding every text would time the allocator too.
    sample: list[str] = []
    chars = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for letter in generate_letters(args.letters, seed=args.seed):
        chars += len(letter.text)
        if len(sample) < args.pdfs:
            sample.append(letter.text)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started

    cpu_started = time.process_time()
    pdf_bytes = sum(len(render_pdf(text)) for text in sample)
    pdf_seconds = time.process_time() - cpu_started

    print(
        json.dumps(
            {
                "letters": args.letters,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu_seconds, 3),
                "letters_per_second": round(args.letters / cpu_seconds, 1),
                "mean_letter_chars": round(chars / max(args.letters, 1)),
                "pdfs": len(sample),
                "pdf_cpu_seconds": round(pdf_seconds, 3),
                "pdf_per_second": round(len(sample) / pdf_seconds, 1) if pdf_seconds else None,
                "mean_pdf_bytes": round(pdf_bytes / max(len(sample), 1)),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
