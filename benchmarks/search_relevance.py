"""Recall and precision of word searches on the real letters, judged by their blind labels.

    python manage.py benchmark search_relevance [--database imr_relevance]

The 89 real letters in ../shared/imr-letters are ingested into a database of their own (created
when missing; letters already there are duplicates). ``categories.jsonl`` labels each disputed
item blind: treatment category and subcategory, and a medication's generic ingredients. Each
query below names what it is after — letters with an item of an ingredient, of a drug class or
of a treatment subcategory — and is judged against those labels: recall is the share of those
letters the search finds, precision the share of found letters that are among them (a letter
that only mentions the word in passing counts against precision). Each query runs twice: with
the words only (``exact``) and with the other names of the same thing (the default), so the
figures show what the vocabulary of ``decisions.query`` adds. At the item level, the items the
search counts (those whose own request or rationale holds the words) are judged against the
labelled items, beside every item of the letters it finds (what a word search counted before).
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")
os.environ.setdefault("IMR_PARSE_TIMEOUT_SECONDS", "0")

from search_speed import use_database  # noqa: E402  (benchmarks/ is this script's folder)

LETTERS = Path(__file__).resolve().parent.parent.parent / "shared" / "imr-letters"

# (query, what a relevant letter has: ("ingredient" | "subcategory" | "category", value))
QUERIES: list[tuple[str, tuple[str, str]]] = [
    # generic drug names
    *((name, ("ingredient", name)) for name in (
        "cyclobenzaprine", "tramadol", "diclofenac", "hydrocodone", "lidocaine", "omeprazole", "pantoprazole",
        "ketoprofen", "naproxen", "ibuprofen", "celecoxib", "gabapentin", "baclofen", "sildenafil", "ranitidine",
    )),
    # brands, judged by their drug
    ("Norco", ("ingredient", "hydrocodone")), ("Vicodin", ("ingredient", "hydrocodone")),
    ("Ultram", ("ingredient", "tramadol")), ("Flexeril", ("ingredient", "cyclobenzaprine")),
    ("Voltaren", ("ingredient", "diclofenac")), ("Prilosec", ("ingredient", "omeprazole")),
    ("Protonix", ("ingredient", "pantoprazole")), ("Celebrex", ("ingredient", "celecoxib")),
    ("Neurontin", ("ingredient", "gabapentin")), ("Viagra", ("ingredient", "sildenafil")),
    ("Naprosyn", ("ingredient", "naproxen")), ("Motrin", ("ingredient", "ibuprofen")),
    # drug classes
    ("opioid", ("subcategory", "opioid")), ("muscle relaxant", ("subcategory", "muscle-relaxant")),
    ("NSAID", ("subcategory", "nsaid")), ("proton pump inhibitor", ("subcategory", "proton-pump-inhibitor")),
    ("PPI", ("subcategory", "proton-pump-inhibitor")),
    # treatments and their other names
    ("MRI", ("subcategory", "mri")), ("magnetic resonance imaging", ("subcategory", "mri")),
    ("EMG", ("subcategory", "emg-ncs")), ("nerve conduction", ("subcategory", "emg-ncs")),
    ("ESI", ("subcategory", "epidural-steroid")), ("epidural steroid injection", ("subcategory", "epidural-steroid")),
    ("TENS", ("subcategory", "tens")), ("PRP", ("subcategory", "prp")),
    ("platelet rich plasma", ("subcategory", "prp")), ("CT", ("subcategory", "ct")),
    ("computed tomography", ("subcategory", "ct")), ("FCE", ("subcategory", "functional-capacity")),
    ("functional capacity evaluation", ("subcategory", "functional-capacity")),
    ("acupuncture", ("category", "acupuncture")), ("chiropractic", ("category", "chiropractic")),
    ("physical therapy", ("category", "physical-therapy")), ("PT", ("category", "physical-therapy")),
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="imr_relevance", help="database of the real letters (created when missing)")
    return parser.parse_args()


def ingest_letters() -> None:
    from decisions.services import ingest_document

    for path in sorted(LETTERS.glob("*.pdf")):
        result = ingest_document(data=path.read_bytes(), filename=path.name)
        if result.status == "failed":
            print(f"{path.name}: {result.message}", file=sys.stderr)


def judged_items() -> dict[tuple[str, str], set[tuple[str, int]]]:
    """For each (kind, value): the (case key, position) of the items so labelled."""
    keys = {}
    for line in (LETTERS / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        keys[label["file"]] = label.get("case_number") or f"L-{label['sha256'][:12]}"
    relevant: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for line in (LETTERS / "categories.jsonl").read_text().splitlines():
        item = json.loads(line)
        at = (keys[item["file"]], item["position"])
        relevant[("category", item["category"])].add(at)
        relevant[("subcategory", item["subcategory"])].add(at)
        for ingredient in item.get("ingredients", []):
            relevant[("ingredient", ingredient)].add(at)
    return relevant


def letters_of(items: set[tuple[str, int]]) -> set[str]:
    return {key for key, _ in items}


def found(words: str, exact: bool) -> set[str]:
    from decisions.filters import cleaned_params, filter_cases
    from decisions.models import Case

    cleaned, errors = cleaned_params({"q": words, **({"exact": "true"} if exact else {})})
    if errors:
        raise SystemExit(f"{words!r} refused: {errors}")
    return set(filter_cases(Case.objects.all(), cleaned).values_list("key", flat=True))


def items_counted(words: str) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """The items a search (expanded) counts, and every item of the letters it finds (what it counted before
    a word search's items were the items holding the words)."""
    from decisions.filters import cleaned_params
    from decisions.models import DisputedItem
    from decisions.selectors import matching_items

    cleaned, _ = cleaned_params({"q": words})
    counted = set(matching_items(cleaned).values_list("case__key", "position"))
    letters = found(words, exact=False)
    every = set(DisputedItem.objects.filter(case__key__in=letters).values_list("case__key", "position"))
    return counted, every


def scores(retrieved: set[Any], relevant: set[Any]) -> dict[str, float | None]:
    hits = len(retrieved & relevant)
    return {
        "recall": round(hits / len(relevant), 3) if relevant else None,
        "precision": round(hits / len(retrieved), 3) if retrieved else None,
    }


def summary(rows: list[dict[str, Any]], mode: str) -> dict[str, float]:
    def mean(name: str) -> float:
        values = [row[mode][name] for row in rows if row[mode][name] is not None]
        return round(statistics.fmean(values), 3) if values else 0.0

    return {"recall": mean("recall"), "precision": mean("precision"), "queries_finding_nothing": sum(
        1 for row in rows if row[mode]["found"] == 0)}  # fmt: skip


def main() -> None:
    args = parse_args()
    if not LETTERS.is_dir():
        raise SystemExit(f"{LETTERS} is absent: the real letters are needed for this benchmark")
    use_database(args.database)
    ingest_letters()
    relevant_items = judged_items()
    rows = []
    for words, judged_by in QUERIES:
        wanted_items = relevant_items.get(judged_by, set())
        wanted = letters_of(wanted_items)
        row: dict[str, Any] = {"query": words, "relevant": len(wanted), "judged_by": "=".join(judged_by)}
        for mode, exact in (("words_only", True), ("expanded", False)):
            retrieved = found(words, exact)
            row[mode] = {"found": len(retrieved), **scores(retrieved, wanted)}
        counted, every = items_counted(words)
        row["items_holding_the_words"] = {"found": len(counted), **scores(counted, wanted_items)}
        row["every_item_of_the_letters"] = {"found": len(every), **scores(every, wanted_items)}
        rows.append(row)
    judged = [row for row in rows if row["relevant"]]
    print(json.dumps({
        "letters": len(letters_of(set().union(*relevant_items.values()))),
        "queries": len(rows),
        "queries_with_relevant_letters": len(judged),
        "words_only": summary(judged, "words_only"),
        "expanded": summary(judged, "expanded"),
        # Item level (expanded words): the items the search counts, against every item of its letters.
        "items_holding_the_words": summary(judged, "items_holding_the_words"),
        "every_item_of_the_letters": summary(judged, "every_item_of_the_letters"),
        "per_query": rows,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
