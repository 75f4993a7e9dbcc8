"""Score the parser against the reference labels of the real letters, field by field.

    python benchmarks/parser_accuracy.py [--letters DIR] [--quiet]

Scoring follows ../shared/imr-letters/README.md. Prints each miss, then per-field and
overall accuracy (and exits 1 when overall accuracy is below --min, default 0.99).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from decisions.parsing import ParseError, parse_bytes  # noqa: E402

DEFAULT_LETTERS = REPO / ".." / "shared" / "imr-letters"
_WORD = re.compile(r"[a-z0-9]+")
DATE_FIELDS = ("assigned", "injury", "decision", "ur_denial", "application_received")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def fold_specialty(name: str) -> str:
    return " ".join(name.lower().replace("&", " and ").split())


def request_matches(parsed: str, label_header: str) -> bool:
    """At least two words (or all the label has) and 80% of them in the label's header."""
    parsed_words = words(parsed)
    label_words = set(words(label_header))
    if len(parsed_words) < min(2, len(label_words)):
        return False
    found = sum(1 for word in parsed_words if word in label_words)
    return bool(parsed_words) and found / len(parsed_words) >= 0.8


def score(parsed: dict[str, Any], label: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """(field, correct, detail) for every scored field of one letter."""
    results: list[tuple[str, bool, str]] = []

    def check(name: str, got: Any, want: Any) -> None:
        results.append((name, got == want, f"got {got!r}, want {want!r}"))

    check("case_number", parsed["case_number"], label["case_number"])
    for name in DATE_FIELDS:
        if name in label.get("dates", {}):
            check(f"date.{name}", parsed["dates"].get(name), label["dates"][name])
    patient = label.get("patient") or {}
    for name in ("age", "sex"):
        if name in patient:
            check(name, parsed["patient"][name], patient[name])
    check("licensed_states", sorted(parsed["reviewer"]["licensed_states"]), sorted(label["licensed_states"]))
    check(
        "specialties",
        sorted({fold_specialty(s) for s in parsed["reviewer"]["specialties"]}),
        sorted({fold_specialty(s) for s in label["specialties"]}),
    )
    items, labelled = parsed["items"], label["items"]
    check("item_count", len(items), len(labelled))
    for index, want in enumerate(labelled):
        got = items[index] if index < len(items) else None
        where = f"item {index + 1}"
        results.append(
            (
                "item.outcome",
                bool(got) and got["outcome"] == want["outcome"],
                f"{where}: got {got and got['outcome']!r}, want {want['outcome']!r}",
            )
        )
        results.append(
            (
                "item.request",
                bool(got) and request_matches(got["request"], want["request"]),
                f"{where}: got {got and got['request']!r}, label {want['request']!r}",
            )
        )
        reviewer = got["reviewer_guidelines"] if got else []
        for part in want["reviewer_mtus_parts"]:
            ok = any(c["source"] == "MTUS" and part.lower() in c["title"].lower() for c in reviewer)
            results.append(("item.mtus_part", ok, f"{where}: {part!r} not in {[c['title'] for c in reviewer]}"))
        if want["reviewer_odg"]:
            ok = any(c["source"] == "ODG" for c in reviewer)
            results.append(("item.odg", ok, f"{where}: no ODG citation in {[c['title'] for c in reviewer]}"))
        if want["reviewer_no_citation"]:
            results.append(
                (
                    "item.no_citation",
                    got is not None and not reviewer,
                    f"{where}: expected no citation, got {[c['title'] for c in reviewer]}",
                )
            )
    return results


def run(letters: Path, quiet: bool = False) -> dict[str, Any]:
    labels = [json.loads(line) for line in (letters / "labels.jsonl").read_text().splitlines() if line.strip()]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for label in labels:
        path = letters / label["file"]
        try:
            parsed = parse_bytes(path.read_bytes(), path.name).to_dict()
        except ParseError as error:
            totals["parsed"][1] += 1
            print(f"MISS {label['file']} parse: {error}")
            continue
        totals["parsed"][0] += 1
        totals["parsed"][1] += 1
        for name, ok, detail in score(parsed, label):
            totals[name][1] += 1
            totals[name][0] += ok
            if not ok and not quiet:
                print(f"MISS {label['file']} {name}: {detail}")
    correct = sum(c for name, (c, _) in totals.items() if name != "parsed")
    total = sum(t for name, (_, t) in totals.items() if name != "parsed")
    return {
        "letters": len(labels),
        "fields": {name: round(c / t, 4) for name, (c, t) in sorted(totals.items())},
        "counts": {name: [c, t] for name, (c, t) in sorted(totals.items())},
        "overall": round(correct / total, 4) if total else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    parser.add_argument("--quiet", action="store_true", help="do not print each miss")
    parser.add_argument("--min", type=float, default=0.99, help="exit 1 below this overall accuracy")
    args = parser.parse_args()
    if not (args.letters / "labels.jsonl").exists():
        print(f"no labels.jsonl in {args.letters}", file=sys.stderr)
        return 2
    report = run(args.letters, args.quiet)
    print(json.dumps(report, indent=2))
    return 0 if report["overall"] >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
