"""Fuzz the parser with damaged letters and print crashes, the slowest input and throughput as JSON.

    python benchmarks/parser_fuzz.py [--count N] [--seed S] [--sources N] [--timeout SECONDS]
    python manage.py benchmark parser_fuzz --count 100000

Each input is a mutant of a letter (tests/parsing/mutations.py: byte flips, lines doubled,
dropped, shuffled or repeated a thousand times, truncation, huge lines, Unicode oddities,
NULs and control characters, parser keywords, splices of other letters). The parser must
return a decision or raise ParseError; anything else is a crash. Every input is rebuilt by
`mutant(source_letters(N, ...), seed, index)` from the index printed with it.

- crashes: count and a few examples (exception type, message, where it was raised).
- slowest_per_mb: the input with the most CPU seconds per MB, among inputs of --min-size
  bytes or more (on tiny inputs the fixed cost of a parse dominates).
- slow_inputs: inputs over --max-seconds-per-mb (plus 0.25 s for the fixed cost), or over
  --timeout.
- throughput: inputs and MB per CPU second (the machine is shared; wall figures given too).
Exits 1 when there is a crash or a slow input.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.parsing.mutations import Mutant, mutant, parse_mutant, source_letters  # noqa: E402

FIXED_COST_SECONDS = 0.25


class InputTimedOut(Exception):
    pass


def _time_out(_signal: int, _frame: FrameType | None) -> None:
    raise InputTimedOut


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="inputs to parse (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sources", type=int, default=40, help="generated letters to mutate, besides the test letters")
    parser.add_argument("--examples", type=int, default=5, help="crash and slow examples to print")
    parser.add_argument("--min-size", type=int, default=50_000, help="smallest input (bytes) ranked per MB")
    parser.add_argument("--max-seconds-per-mb", type=float, default=2.0)
    parser.add_argument("--timeout", type=int, default=20, help="seconds before one input counts as hung")
    parser.add_argument("--progress", action="store_true", help="report progress on stderr")
    args = parser.parse_args()
    sources = source_letters(args.sources, seed=args.seed)
    signal.signal(signal.SIGALRM, _time_out)
    report = Run(args)
    for index in range(args.count):
        report.parse(index, mutant(sources, args.seed, index))
        if args.progress and (index + 1) % 10_000 == 0:
            print(f"{index + 1} inputs, {report.crash_count} crashes", file=sys.stderr)
    print(json.dumps(report.figures(len(sources)), indent=2))
    return 1 if report.crash_count or report.slow else 0


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.outcomes: Counter[str] = Counter()
        self.crash_count = 0
        self.crashes: list[dict[str, Any]] = []
        self.slow: list[dict[str, Any]] = []
        self.slowest: dict[str, Any] | None = None
        self.slowest_per_mb: dict[str, Any] | None = None
        self.kinds: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"inputs": 0, "cpu_seconds": 0.0, "largest_bytes": 0, "max_seconds_per_mb": None}
        )
        self.cpu = self.wall = 0.0
        self.size = 0

    def parse(self, index: int, item: Mutant) -> None:
        signal.alarm(self.args.timeout)
        wall_started, cpu_started = time.perf_counter(), time.process_time()
        try:
            self.outcomes["parsed" if parse_mutant(item) is not None else "refused_with_parse_error"] += 1
        except InputTimedOut:
            self.outcomes["timed_out"] += 1
            self.slow.append(self._describe(index, item, seconds=float(self.args.timeout), timed_out=True))
        except Exception as exc:  # anything but ParseError is a parser bug
            self.outcomes["crashed"] += 1
            self._crashed(index, item, exc)
        finally:
            signal.alarm(0)
        cpu = time.process_time() - cpu_started
        self.wall += time.perf_counter() - wall_started
        self.cpu += cpu
        self.size += item.size
        self._timed(index, item, cpu)

    def _crashed(self, index: int, item: Mutant, exc: Exception) -> None:
        self.crash_count += 1
        if len(self.crashes) < self.args.examples:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
            self.crashes.append(self._describe(index, item, exception=type(exc).__name__, message=str(exc)[:200], where=where))

    def _timed(self, index: int, item: Mutant, cpu: float) -> None:
        megabytes = max(item.size, 1) / 1e6
        per_mb = cpu / megabytes
        kind = self.kinds[item.kind]
        kind["inputs"] += 1
        kind["cpu_seconds"] = round(kind["cpu_seconds"] + cpu, 3)
        kind["largest_bytes"] = max(kind["largest_bytes"], item.size)
        if item.size >= self.args.min_size:  # None when the kind made no input this large
            kind["max_seconds_per_mb"] = round(max(kind["max_seconds_per_mb"] or 0.0, per_mb), 3)
            if self.slowest_per_mb is None or per_mb > self.slowest_per_mb["seconds_per_mb"]:
                self.slowest_per_mb = self._describe(index, item, seconds=round(cpu, 4), seconds_per_mb=round(per_mb, 3))
        if self.slowest is None or cpu > self.slowest["seconds"]:
            self.slowest = self._describe(index, item, seconds=round(cpu, 4), seconds_per_mb=round(per_mb, 3))
        if cpu > FIXED_COST_SECONDS + self.args.max_seconds_per_mb * megabytes:
            self.slow.append(self._describe(index, item, seconds=round(cpu, 3)))

    @staticmethod
    def _describe(index: int, item: Mutant, **figures: Any) -> dict[str, Any]:
        return {"index": index, "kind": item.kind, "steps": item.steps, "source": item.source, "size_bytes": item.size, **figures}

    def figures(self, source_count: int) -> dict[str, Any]:
        inputs = sum(self.outcomes.values())
        megabytes = self.size / 1e6
        return {
            "seed": self.args.seed,
            "inputs": inputs,
            "source_letters": source_count,
            "outcomes": dict(self.outcomes),
            "crashes": {"count": self.crash_count, "examples": self.crashes},
            "slow_inputs": {
                "threshold": f"{FIXED_COST_SECONDS} s + {self.args.max_seconds_per_mb} s/MB, or {self.args.timeout} s",
                "count": len(self.slow),
                "examples": self.slow[: self.args.examples],
            },
            "slowest_per_mb": self.slowest_per_mb and {**self.slowest_per_mb, "min_size_bytes": self.args.min_size},
            "slowest": self.slowest,
            "throughput": {
                "megabytes": round(megabytes, 1),
                "cpu_seconds": round(self.cpu, 1),
                "wall_seconds": round(self.wall, 1),
                "inputs_per_cpu_second": round(inputs / self.cpu, 1) if self.cpu else None,
                "mb_per_cpu_second": round(megabytes / self.cpu, 2) if self.cpu else None,
                "inputs_per_second": round(inputs / self.wall, 1) if self.wall else None,
                "mb_per_second": round(megabytes / self.wall, 2) if self.wall else None,
            },
            "by_kind": dict(sorted(self.kinds.items())),
        }


if __name__ == "__main__":
    sys.exit(main())
