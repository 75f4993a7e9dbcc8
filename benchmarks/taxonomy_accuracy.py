"""Score what the parser reads of each disputed item: category, subcategory, drug ingredients,
body region and side, on the 89 real letters and on the project's own held-out requests.

    python benchmarks/taxonomy_accuracy.py [--letters DIR] [--misses]
    python manage.py benchmark taxonomy_accuracy

The letters' categories and ingredients are ../shared/imr-letters/categories.jsonl (scored on
its high-confidence rows, as its README says; all rows are given too); their body regions are
tests/parsing/letters_body_regions.jsonl. The held-out sets are hand-written requests labelled
blind (tests/parsing/heldout_requests*.jsonl). Prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from decisions.parsing import classify_request, parse_bytes  # noqa: E402
from decisions.parsing.body import region_and_side  # noqa: E402
from decisions.parsing.items import ingredients_of  # noqa: E402

DEFAULT_LETTERS = REPO / ".." / "shared" / "imr-letters"
LETTER_REGIONS = REPO / "tests" / "parsing" / "letters_body_regions.jsonl"
HELDOUT_SETS = {
    "heldout_1": REPO / "tests" / "parsing" / "heldout_requests.jsonl",
    "heldout_2": REPO / "tests" / "parsing" / "heldout_requests_2.jsonl",
}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


class Tally:
    """Right/total per field, with the misses."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}
        self.misses: list[str] = []

    def check(self, field: str, got: Any, want: Any, where: str) -> None:
        right, total = self.counts.setdefault(field, [0, 0])
        self.counts[field] = [right + (got == want), total + 1]
        if got != want:
            self.misses.append(f"{field} {where}: got {got!r}, want {want!r}")

    def figures(self) -> dict[str, Any]:
        return {
            field: {"accuracy": round(right / total, 4), "right": right, "of": total}
            for field, (right, total) in sorted(self.counts.items())
        }


def score_letters(letters: Path) -> Tally:
    labels = read_jsonl(letters / "categories.jsonl")
    regions = {(row["file"], row["position"]): row for row in read_jsonl(LETTER_REGIONS)}
    parsed: dict[str, list[dict[str, Any]]] = {}
    tally = Tally()
    for label in labels:
        name = label["file"]
        if name not in parsed:
            parsed[name] = parse_bytes((letters / name).read_bytes(), name).to_dict()["items"]
        items = parsed[name]
        got = items[label["position"] - 1] if label["position"] <= len(items) else {}
        where = f"{name}#{label['position']}"
        suffix = "" if label["confidence"] == "high" else "_low_confidence"
        tally.check("category" + suffix, got.get("treatment_category"), label["category"], where)
        pair = (got.get("treatment_category"), got.get("treatment_subcategory"))
        tally.check("subcategory" + suffix, pair, (label["category"], label["subcategory"]), where)
        if "ingredients" in label:
            tally.check("ingredients" + suffix, sorted(got.get("ingredients", [])), sorted(label["ingredients"]), where)
        region = regions.get((name, label["position"]))
        if region is not None:
            tally.check("body_region", got.get("body_region"), region["body_region"], where)
            tally.check("laterality", got.get("laterality"), region["laterality"], where)
    return tally


def score_requests(rows: Iterable[dict[str, Any]], ingredients: Callable[[str], tuple[str, ...]]) -> Tally:
    tally = Tally()
    for row in rows:
        request = row["request"]
        category, subcategory = classify_request(request)
        tally.check("category", category, row["category"], request)
        tally.check("subcategory", (category, subcategory), (row["category"], row["subcategory"]), request)
        if "ingredients" in row:
            tally.check("ingredients", sorted(ingredients(request)), sorted(row["ingredients"]), request)
        region, side = region_and_side(request)
        tally.check("body_region", region, row["body_region"], request)
        tally.check("laterality", side, row["laterality"], request)
    return tally


def run(letters: Path) -> dict[str, Any]:
    """Figures per set; the letters are skipped when their folder is absent."""
    tallies: dict[str, Tally] = {}
    if (letters / "categories.jsonl").exists():
        tallies["letters"] = score_letters(letters)
    for name, path in HELDOUT_SETS.items():
        tallies[name] = score_requests(read_jsonl(path), ingredients_of)
    return {name: {"figures": tally.figures(), "misses": tally.misses} for name, tally in tallies.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=Path, default=DEFAULT_LETTERS)
    parser.add_argument("--misses", action="store_true", help="list each miss too")
    args = parser.parse_args()
    report = run(args.letters)
    if not args.misses:
        report = {name: {"figures": part["figures"], "misses": len(part["misses"])} for name, part in report.items()}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
