"""Time the parser on one core and print the figures as JSON.

    python benchmarks/parser_speed.py [--letters DIR] [--repeat N]

- extract_and_parse_seconds: extract + parse all the PDFs in DIR once.
- real_letters_per_cpu_second: parse_text over the extracted texts, repeated N times.
- generated_letters_per_cpu_second: parse_text over --generated letters from
  decisions.samples.generate_letters(seed=1), once each.
Rates are per CPU (process) second, best of --rounds: the machine is shared and busy, and
wall-clock figures there measure the neighbours. Wall-clock time is given for reference.
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
    parser.add_argument("--generated", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
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

    real = [text for _name, text in ((name, extract_text(data, name).text) for name, data in blobs)]
    real_wall, real_cpu = _best_of(args.rounds, real * args.repeat)
    from decisions.samples import generate_letters

    generated = [letter.text for letter in generate_letters(args.generated, seed=1)]
    generated_wall, generated_cpu = _best_of(args.rounds, generated)
    print(
        json.dumps(
            {
                "letters": len(blobs),
                "extract_and_parse_seconds": round(full, 3),
                "extract_and_parse_cpu_seconds": round(full_cpu, 3),
                "real_text_parses": len(real) * args.repeat,
                "real_letters_per_cpu_second": round(len(real) * args.repeat / real_cpu, 1),
                "real_letters_per_second": round(len(real) * args.repeat / real_wall, 1),
                "generated_text_parses": len(generated),
                "generated_letters_per_cpu_second": round(len(generated) / generated_cpu, 1),
                "generated_letters_per_second": round(len(generated) / generated_wall, 1),
            },
            indent=2,
        )
    )
    return 0


def _best_of(rounds: int, texts: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of `rounds` passes of parse_text over `texts`."""
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(max(1, rounds)):
        started, cpu_started = time.perf_counter(), time.process_time()
        for text in texts:
            parse_text(text)
        best_wall = min(best_wall, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu_started)
    return best_wall, best_cpu


if __name__ == "__main__":
    sys.exit(main())
