"""Spike for the issue "Fast at the whole corpus": which read model answers a search at 1M letters.

Usage (from the repository root, virtualenv active, DATABASE_URL unset for the worktree's own server):

    python manage.py benchmark search_engine_spike --letters 1000000 --runs 24
    python benchmarks/search_engine_spike.py --letters 300000 --only tantivy --no-build

It fills its own database (``--database``, default ``imr_spike``) exactly as benchmarks/search_speed.py
does (generated letters copied in SQL), then measures, on search_speed's query mix (its QUERIES with
its FILTERS, all pairs; the filters alone; no parameters), for each candidate:

  pg       PostgreSQL tuned: today's read path (decisions.selectors.search_cases: GIN match pass in two
           halves + the in-memory numpy facet index) with the two measured fixes applied in this
           process only: the match pass reads a narrow table (id, vector) with a work_mem large enough
           for an exact bitmap, and distinct letters per facet value are counted in flag tables a few values
           at a time (no facet cliff). The page of 25 and its highlights come from PostgreSQL as today.
  tantivy  One tantivy document per letter (BM25 text fields, letter fields as fast fields) with the
           letter's items encoded as combined terms, so item-level filters hold on one item and every
           count is a count of documents, i.e. exact letters (see docs/search-engine.md). Count, top 25
           and every facet in two calls; the page's 25 letters and highlights then read from PostgreSQL.
  hybrid   tantivy for the text match only, its matches exported to the numpy facet index: measured as
           the export cost of the match sets alone.

It also reports the build time, the time to add 10,000 letters, sizes on disk and the process's
memory, checks that tantivy's counts equal the numpy index's for the filter-only searches (and how
far they differ for word searches, whose tokenisers differ), and prints everything as JSON.
Nothing in decisions/ is changed: the pg fixes are applied by replacing two functions in this process.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import re
import resource
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")

import search_speed  # noqa: E402  - the same fill, queries and filters as the main benchmark

QUERIES, FILTERS = search_speed.QUERIES, search_speed.FILTERS
EPOCH = date(1970, 1, 1)
PAGE = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="imr_spike")
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=24, help="timed runs per measure (all query x filter pairs at 56)")
    parser.add_argument("--index-dir", default=str(ROOT / "var" / "spike-tantivy"))
    parser.add_argument("--only", default="pg,tantivy,hybrid", help="comma-separated: pg, tantivy, hybrid")
    parser.add_argument("--no-build", action="store_true", help="reuse the tantivy index in --index-dir")
    parser.add_argument("--no-growth", action="store_true", help="skip adding 10,000 letters")
    return parser.parse_args()


# --- timing ------------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
        "max_ms": round(samples[-1], 1),
    }


def timed(runs: int, make_call: Callable[[int], Callable[[], object]]) -> dict[str, float]:
    samples = []
    for run in range(runs):
        call = make_call(run)
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def search_params(run: int) -> dict[str, str]:
    return search_speed.search_params(run)


def filter_params(run: int) -> dict[str, str]:
    return dict(FILTERS[run % len(FILTERS)])


def memory() -> dict[str, float]:
    """This process's resident memory: anonymous (its own) and file-backed (mmap'd, shared by processes)."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


# --- (a) PostgreSQL tuned ----------------------------------------------------------------------

NARROW_TABLE = "spike_search"


def prepare_narrow_table() -> dict[str, float]:
    """A narrow copy of the search vectors (id, vector): the match pass's rechecks read ~2 KB rows
    instead of the letters' wide ones. In a real design a trigger or generated column keeps it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [NARROW_TABLE])
        if cursor.fetchone()[0]:
            cursor.execute(f"SELECT count(*) FROM {NARROW_TABLE}")
            return {"reused_rows": cursor.fetchone()[0]}
        started = time.perf_counter()
        cursor.execute(f"CREATE TABLE {NARROW_TABLE} AS SELECT id, search_vector AS v FROM decisions_case")
        cursor.execute(f"ALTER TABLE {NARROW_TABLE} ADD PRIMARY KEY (id)")
        cursor.execute(f"CREATE INDEX {NARROW_TABLE}_gin ON {NARROW_TABLE} USING gin (v)")
        cursor.execute(f"VACUUM (ANALYZE) {NARROW_TABLE}")
        cursor.execute("SELECT pg_total_relation_size(%s)", [NARROW_TABLE])
        size = cursor.fetchone()[0]
    return {"build_s": round(time.perf_counter() - started, 1), "megabytes": round(size / 1e6, 1)}


def narrow_read_matches(query: Any, ranked: bool, low: int | None = None, high: int | None = None) -> Any:
    """decisions.facets.read_matches over the narrow table, with an exact (non-lossy) bitmap."""
    from django.db import transaction

    from decisions import facets

    text = query.get_source_expressions()[-1].value  # SearchQuery(text, search_type="websearch")
    tsquery = "websearch_to_tsquery('english'::regconfig, %s)"
    conditions, params = [f"v @@ {tsquery}"], [text]
    if low is not None:
        conditions.append("id >= %s")
        params.append(low)
    if high is not None:
        conditions.append("id < %s")
        params.append(high)
    rank = f", ts_rank(v, {tsquery})::float8" if ranked else ""
    rank_params = [text] if ranked else []
    sql = f"SELECT id::int4{rank} FROM {NARROW_TABLE} WHERE {' AND '.join(conditions)}"
    dtypes = [">i4", ">f8"] if ranked else [">i4"]
    with transaction.atomic(), facets.planner_settings({**facets.PLAN_BY_GIN_BITMAP, "work_mem": "256MB"}):
        columns = facets.fetch_columns(sql, rank_params + params, dtypes)
    return columns[0], (columns[1] if ranked else np.zeros(len(columns[0])))


def use_tuned_postgres() -> None:
    """The narrow table's match pass (the facet cliff the spike also fixed is gone from
    decisions.facets since: distinct letters are counted by chains, not flag tables)."""
    from decisions import facets

    facets.read_matches = narrow_read_matches


def full_search(params: dict[str, str]) -> Callable[[], object]:
    return search_speed.full_search(params)


def measure_pg(runs: int) -> dict[str, Any]:
    from decisions import facets

    figures: dict[str, Any] = {}
    original = facets.read_matches
    # Today's code first, on the same warm server, for a ratio within this run (text queries only).
    for params in [search_params(run) for run in range(len(QUERIES))]:
        full_search(params)()
    figures["today_search_with_facets"] = timed(max(8, runs // 3), lambda run: full_search(search_params(run)))
    figures["today_match_pass_only"] = measure_match_pass(runs)
    figures["narrow_table"] = prepare_narrow_table()
    use_tuned_postgres()
    for run in range(runs):
        full_search(search_params(run))()
    figures["search_with_facets"] = timed(runs, lambda run: full_search(search_params(run)))
    figures["filters_only"] = timed(runs, lambda run: full_search(filter_params(run)))
    figures["unfiltered"] = timed(runs, lambda run: full_search({}))
    figures["match_pass_only"] = measure_match_pass(runs)
    facets.read_matches = original
    figures["facet_index"] = {"megabytes_per_process": round(facets.current_index().nbytes / 1e6, 1)}
    return figures


def measure_match_pass(runs: int) -> dict[str, Any]:
    """Per query: the tuned match pass alone (ids and ranks of every match, two halves at once)."""
    from decisions.facets import current_index
    from decisions.filters import cleaned_params

    index = current_index()
    out = {}
    for text in QUERIES:
        cleaned, _ = cleaned_params({"q": text})
        samples = []
        for _ in range(max(3, runs // 8)):
            started = time.perf_counter()
            mask, _ranks = index.text_matches(cleaned)
            samples.append((time.perf_counter() - started) * 1000)
        out[text] = {"matches": int(mask.sum()), **percentiles(samples)}
    return out


# --- (b) tantivy -------------------------------------------------------------------------------

TEXT_FIELDS = {"req": 1.0, "sum": 0.4, "rat": 0.2}  # PostgreSQL's weights A, B, C (ts_rank's defaults)
ANALYZER = "imr_en"
ITEM_ATTRS = ("o", "t", "g", "u")  # outcome, treatment (category or category/subcategory), guideline, source
ROLES = {"reviewer": "R", "claims_administrator": "C"}


def analyzer() -> Any:
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("lid", fast=True, indexed=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=ANALYZER, index_option="position")
    # bi: every pair of adjacent words ("low back"), so a two-word phrase is one term, not a
    # positional check of every letter holding both words.
    builder.add_text_field("bi", tokenizer_name="raw", index_option="freq")
    for name in ("decided", "injured", "age"):
        builder.add_integer_field(name, fast=True, indexed=True)
    # sex/spec/state: the letter filters; lf: the letter facets' terms ("sex:female", "year:2017", ...);
    # ix: one term per combination of one item's attributes (the item filters, on one item);
    # fx: the item facets' terms "role!context#facet:value" and the item counts "role!context#n:k".
    for name in ("sex", "spec", "state", "lf", "ix", "fx"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    return builder.build()


def open_index(path: Path, create: bool = False) -> Any:
    import tantivy

    if create:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        index = tantivy.Index(tantivy_schema(), path=str(path))
    else:
        index = tantivy.Index.open(str(path))
    index.register_tokenizer(ANALYZER, analyzer())
    return index


def item_attributes(item: tuple[Any, ...], role: str) -> dict[str, list[str]]:
    outcome, category, subcategory, r_ids, r_sources, c_ids, c_sources = item
    ids, sources = (r_ids, r_sources) if role == "R" else (c_ids, c_sources)
    return {
        "o": [outcome] if outcome else [],
        "t": ([category] if category else []) + ([f"{category}/{subcategory}"] if category and subcategory else []),
        "g": sorted({str(g) for g in ids or ()}),
        "u": sorted(set(sources or ())),
    }


def context_key(context: Mapping[str, str]) -> str:
    return ",".join(f"{name}={context[name]}" for name in ITEM_ATTRS if name in context)


def contexts(attributes: Mapping[str, list[str]], names: Sequence[str]) -> Iterator[dict[str, str]]:
    """Every context over ``names``: each attribute absent or one of the item's values."""
    choices = [[None, *attributes[name]] for name in names]
    for picked in itertools.product(*choices):
        yield {name: value for name, value in zip(names, picked, strict=True) if value is not None}


# Each item facet: the attribute it counts and the attributes its context may hold (its own left
# out; the subcategory facet leaves the treatment out too and is narrowed by its value's prefix).
FACET_CONTEXTS = {"o": ("t", "g", "u"), "t": ("o", "g", "u"), "s": ("o", "g", "u"), "g": ("o", "t", "u"), "u": ("o", "t", "g")}


@functools.lru_cache(maxsize=200_000)
def one_item_terms(item: tuple[Any, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """(filter combinations, facet terms) of one item, for both roles. Items with equal attributes
    have equal terms, so they are made once (an archive has far fewer distinct items than items)."""
    combinations, facet_terms = set(), set()
    for role in ROLES.values():
        attributes = item_attributes(item, role)
        attributes_s = {**attributes, "s": [v for v in attributes["t"] if "/" in v]}
        attributes_s["t"] = [v for v in attributes["t"] if "/" not in v]
        for context in contexts(attributes, ITEM_ATTRS):
            combinations.add(f"{role}!{context_key(context)}")
        for facet, others in FACET_CONTEXTS.items():
            for value in attributes_s[facet]:
                for context in contexts(attributes, others):
                    facet_terms.add(f"{role}!{context_key(context)}#{facet}:{value}")
    return frozenset(combinations), frozenset(facet_terms)


def item_terms(items: Sequence[tuple[Any, ...]]) -> dict[str, set[str]]:
    """The letter's item terms: filter combinations, facet terms, and per combination how many items have it."""
    per_combination: Counter[str] = Counter()
    facet_terms: set[str] = set()
    for item in items:
        combinations, terms = one_item_terms(tuple(tuple(v) if isinstance(v, list) else v for v in item))
        per_combination.update(combinations)
        facet_terms |= terms
    facet_terms |= {f"{combination}#n:{count}" for combination, count in per_combination.items()}
    return {"ix": {c for c in per_combination if not c.endswith("!")}, "fx": facet_terms}


def days(value: date | None) -> int:
    return (value - EPOCH).days if value is not None else -(2**31)


LETTERS_SQL = """
SELECT c.id, coalesce(c.case_number, ''), c.search_requests, c.clinical_summary, c.search_rationales,
       coalesce(r.specialty_slugs, '{}'), coalesce(r.licensed_states, '{}'), c.patient_sex, c.decision_date,
       c.date_of_injury, coalesce(c.patient_age, -1), c.item_count
FROM decisions_case c LEFT JOIN decisions_reviewer r ON r.id = c.reviewer_id
WHERE c.id > %s ORDER BY c.id
"""
ITEMS_SQL = """
SELECT case_id, outcome, treatment_category, treatment_subcategory, reviewer_guideline_ids, reviewer_sources,
       claims_guideline_ids, claims_sources
FROM decisions_disputeditem WHERE case_id > %s ORDER BY case_id, position
"""


def letters_with_items(after_id: int = 0, limit: int | None = None) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Every letter (id order, above ``after_id``) with its items, from two server-side cursors merged."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    dsn = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"] or None}
    with (
        psycopg.connect(**{k: v for k, v in dsn.items() if v}) as letters_db,
        psycopg.connect(**{k: v for k, v in dsn.items() if v}) as items_db,
    ):
        letters = letters_db.cursor(name="letters")
        letters.itersize = 5000
        items = items_db.cursor(name="items")
        items.itersize = 20000
        letters.execute(LETTERS_SQL + (f" LIMIT {int(limit)}" if limit else ""), [after_id])
        items.execute(ITEMS_SQL, [after_id])
        pending = next(items, None)
        for letter in letters:
            own = []
            while pending is not None and pending[0] < letter[0]:
                pending = next(items, None)
            while pending is not None and pending[0] == letter[0]:
                own.append(pending[1:])
                pending = next(items, None)
            yield letter, own


_ANALYZER = None


def bigrams(*texts: str) -> list[str]:
    """Adjacent word pairs (as the analyzer places them: a removed stopword leaves a gap) of each text."""
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = analyzer()
    pairs = []
    for text in texts:
        tokens = [(token.position, token.text) for token in _ANALYZER.pre_tokenize(text).tokens]
        pairs += [f"{a} {b}" for (pa, a), (pb, b) in zip(tokens, tokens[1:], strict=False) if pb == pa + 1]
    return pairs


def letter_document(letter: tuple[Any, ...], items: list[tuple[Any, ...]], schema: Any, lid: int | None = None) -> Any:
    import tantivy

    (case_id, number, requests, summary, rationales, specs, states, sex, decided, injured, age, _item_count) = letter
    letter_facets = [f"spec:{v}" for v in specs] + [f"state:{v}" for v in states]
    letter_facets += ([f"sex:{sex}"] if sex else []) + ([f"year:{decided.year}"] if decided else [])
    fields: dict[str, Any] = {
        "lid": lid if lid is not None else case_id,
        "req": f"{number} {requests}",
        "sum": summary,
        "rat": rationales,
        "bi": bigrams(f"{number} {requests}", summary, rationales),
        "spec": list(specs),
        "state": list(states),
        "decided": days(decided),
        "injured": days(injured),
        "age": age,
        "lf": letter_facets,
    }
    if sex:
        fields["sex"] = sex
    for name, values in item_terms(items).items():
        if values:
            fields[name] = sorted(values)
    return tantivy.Document.from_dict(fields, schema)


def build_tantivy(path: Path) -> dict[str, Any]:
    index = open_index(path, create=True)
    schema = index.schema
    writer = index.writer(heap_size=1_000_000_000, num_threads=2)
    started = time.perf_counter()
    count = 0
    for letter, items in letters_with_items():
        writer.add_document(letter_document(letter, items, schema))
        count += 1
        if count % 100_000 == 0:
            print(f"tantivy: {count} letters ({time.perf_counter() - started:.0f}s)", file=sys.stderr)
    writer.commit()
    committed = time.perf_counter() - started
    writer.wait_merging_threads()
    index.reload()
    return {
        "letters": count,
        "build_s": round(committed, 1),
        "build_and_merge_s": round(time.perf_counter() - started, 1),
        "segments": index.searcher().num_segments,
        "disk_mb": disk_mb(path),
    }


def grow_tantivy(path: Path, letters: int = 10_000) -> dict[str, Any]:
    """Adding ``letters`` letters to the index (read from PostgreSQL as the newest letters would be,
    under new ids), committed; then removed again so the index keeps its size."""
    import tantivy

    index = open_index(path)
    schema = index.schema
    writer = index.writer(heap_size=300_000_000, num_threads=2)
    first_new = 10**12
    started = time.perf_counter()
    for offset, (letter, items) in enumerate(letters_with_items(limit=letters)):
        writer.add_document(letter_document(letter, items, schema, lid=first_new + offset))
    writer.commit()
    added_s = time.perf_counter() - started
    index.reload()
    added = (
        index.searcher().search(tantivy.Query.range_query(schema, "lid", tantivy.FieldType.Unsigned, first_new, None), 1).count
    )
    writer.delete_documents_by_query(tantivy.Query.range_query(schema, "lid", tantivy.FieldType.Unsigned, first_new, None))
    writer.commit()
    writer.wait_merging_threads()
    return {"letters": letters, "counted_after": added, "read_build_commit_s": round(added_s, 2)}


class TantivySearch:
    """A validated search (decisions.filters.cleaned_params) answered from the tantivy index."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.schema = index.schema
        self.analyzer = analyzer()

    # the words ------------------------------------------------------------------------------

    def text_query(self, text: str) -> Any:
        """websearch syntax: words (all must match), "phrases", OR between parts, -excluded, prefix*."""
        import tantivy

        must, must_not, alternatives = [], [], []
        for token in re.findall(r'-?"[^"]*"|\S+', text):
            if token == "OR":
                alternatives.append(must)
                must = []
                continue
            negative = token.startswith("-") and len(token) > 1
            part = self.part_query(token[1:] if negative else token)
            if part is not None:
                (must_not if negative else must).append(part)
        alternatives.append(must)
        groups = [group for group in alternatives if group]
        if len(groups) > 1:  # "a b OR c d": a AND (b OR c) AND d, as websearch_to_tsquery reads it
            merged = groups[0][:-1] + [self.either([groups[0][-1], groups[1][0]])] + groups[1][1:]
            for group in groups[2:]:
                merged = merged[:-1] + [self.either([merged[-1], group[0]])] + group[1:]
            groups = [merged]
        clauses = [(tantivy.Occur.Must, q) for q in (groups[0] if groups else [])]
        clauses += [(tantivy.Occur.MustNot, q) for q in must_not]
        if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    @staticmethod
    def either(queries: list[Any]) -> Any:
        import tantivy

        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])

    def part_query(self, token: str) -> Any | None:
        """One word, phrase or prefix, over the three text fields with PostgreSQL's weights as boosts."""
        import tantivy

        prefix = token.endswith("*") and not token.startswith('"')
        tokens = [(t.position, t.text) for t in self.analyzer.pre_tokenize(token.strip('"*')).tokens]
        if not tokens:
            return None
        words = [word for _, word in tokens]
        if len(words) > 1 and not prefix:
            pairs = [f"{a} {b}" for (pa, a), (pb, b) in zip(tokens, tokens[1:], strict=False) if pb == pa + 1]
            if len(pairs) == len(words) - 1:
                bigram_terms = [tantivy.Query.term_query(self.schema, "bi", pair) for pair in pairs]
                if len(bigram_terms) == 1:
                    return bigram_terms[0]  # a two-word phrase: exactly the letters holding the pair
                # Longer: the pairs narrow the candidates, the phrase (in any one field) decides.
                exact = [(tantivy.Occur.Should, tantivy.Query.phrase_query(self.schema, f, words)) for f in TEXT_FIELDS]
                return tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, q) for q in bigram_terms] + [(tantivy.Occur.Must, tantivy.Query.boolean_query(exact))]
                )
        first = tokens[0][0]
        per_field = []
        for field, boost in TEXT_FIELDS.items():
            if prefix:
                query = tantivy.Query.regex_query(self.schema, field, re.escape(words[-1]) + ".*")
            elif len(words) > 1:  # with a stopword's gap kept, as PostgreSQL's phrase <N> does
                query = tantivy.Query.phrase_query(self.schema, field, [(pos - first, word) for pos, word in tokens])
            else:
                query = tantivy.Query.term_query(self.schema, field, words[0])
            per_field.append((tantivy.Occur.Should, tantivy.Query.boost_query(query, boost)))
        return tantivy.Query.boolean_query(per_field)

    # the filters ----------------------------------------------------------------------------

    @staticmethod
    def item_context(cleaned: Mapping[str, Any], leave_out: Sequence[str] = ()) -> dict[str, str]:
        context: dict[str, str] = {}
        if cleaned.get("outcome") and "outcome" not in leave_out:
            context["o"] = cleaned["outcome"]
        if cleaned.get("treatment") and "treatment" not in leave_out:
            sub = cleaned.get("subcategory") if "subcategory" not in leave_out else ""
            context["t"] = f"{cleaned['treatment']}/{sub}" if sub else cleaned["treatment"]
        if cleaned.get("guideline_id") is not None and cleaned.get("guideline") and "guideline" not in leave_out:
            context["g"] = str(cleaned["guideline_id"])
        if cleaned.get("source") and "source" not in leave_out:
            context["u"] = cleaned["source"]
        return context

    @staticmethod
    def role(cleaned: Mapping[str, Any]) -> str:
        return ROLES[str(cleaned.get("cited_by") or "reviewer")]

    def filter_strings(self, cleaned: Mapping[str, Any], leave_out: Sequence[str] = ()) -> list[str]:
        """The filters as tantivy query-language clauses (for the facets' filter aggregations)."""
        value = {name: v for name, v in cleaned.items() if name not in leave_out}
        clauses = []
        for param, field in (("sex", "sex"), ("specialty", "spec"), ("state", "state")):
            if value.get(param):
                clauses.append(f'{field}:"{value[param]}"')
        for low_name, high_name, field, convert, lowest in (
            ("age_min", "age_max", "age", int, 0),
            ("decided_from", "decided_to", "decided", days, -(2**31) + 1),
            ("injured_from", "injured_to", "injured", days, -(2**31) + 1),
        ):
            low, high = value.get(low_name), value.get(high_name)
            if low is not None or high is not None:
                lower = convert(low) if low is not None else lowest  # a missing value fails every bound
                upper = convert(high) if high is not None else 2**31
                clauses.append(f"{field}:[{lower} TO {upper}]")
        context = self.item_context(cleaned, leave_out)
        if context:
            clauses.append(f'ix:"{self.role(cleaned)}!{context_key(context)}"')
        return clauses

    def filtered(self, text: Any | None, cleaned: Mapping[str, Any], leave_out: Sequence[str] = ()) -> Any:
        import tantivy

        clauses = [(tantivy.Occur.Must, text)] if text is not None else []
        strings = self.filter_strings(cleaned, leave_out)
        if strings:
            clauses.append((tantivy.Occur.Must, self.index.parse_query(" AND ".join(strings), [])))
        if not clauses:
            return tantivy.Query.all_query()
        return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    # the search -----------------------------------------------------------------------------

    def run(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        import tantivy

        searcher = self.index.searcher()
        text = self.text_query(cleaned["q"]) if cleaned.get("q") else None
        query = self.filtered(text, cleaned)
        # The page and the facet walks run at once (tantivy releases the GIL): two cores, two threads.
        if cleaned.get("sort") == "relevance" and text is not None:
            hits = WALKERS.submit(searcher.search, query, PAGE, count=True)
        else:
            order = tantivy.Order.Asc if cleaned.get("sort") == "decided" else tantivy.Order.Desc
            hits = WALKERS.submit(searcher.search, query, PAGE, count=True, order_by_field="decided", order=order)
        facets, item_total = self.facets(searcher, text, cleaned)
        hits = hits.result()
        page_ids = searcher.fast_field_values("lid", [address for _, address in hits.hits])
        return {"letters": hits.count, "items": item_total, "page_ids": page_ids, "facets": facets}

    def facets(self, searcher: Any, text: Any | None, cleaned: Mapping[str, Any]) -> tuple[dict[str, Counter[str]], int]:
        """Every facet (each on the search without its own filters) and the item total.

        Facets whose own filters are unset share the search's own query: the letter facets in one
        walk of the "lf" terms, the item facets and the item counts in one walk of the "fx" terms
        with the search's item context as prefix. A facet whose filter is set gets its own walk.
        """
        from decisions.facets import FACETS

        role = self.role(cleaned)
        full_prefix = f"{role}!{context_key(self.item_context(cleaned))}#"
        walks: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
        for spec in FACETS:
            left_out = tuple(p for p in spec.own_params if cleaned.get(p) not in (None, ""))
            if spec.kind == "case":
                prefix = f"{LETTER_FACET_TERMS[spec.name]}:" if left_out else ""
                walks.setdefault(("lf", prefix, left_out), []).append(spec.name)
                continue
            # The subcategory facet's terms carry the treatment in their value (category/subcategory).
            context_left_out = (*left_out, "treatment") if spec.name == "subcategory" else left_out
            context = self.item_context(cleaned, context_left_out)
            prefix = f"{role}!{context_key(context)}#"
            if prefix != full_prefix or left_out:
                prefix += f"{ITEM_FACET_TERMS[spec.name]}:"
            walks.setdefault(("fx", prefix, left_out), []).append(spec.name)
        walks.setdefault(("fx", full_prefix, ()), [])  # the item counts ("#n:k" terms)
        counts: dict[str, Counter[str]] = {spec.name: Counter() for spec in FACETS}
        item_total = 0
        subcategory_prefix = f"s:{cleaned['treatment']}/" if cleaned.get("treatment") else "s:"

        def walk(key: tuple[str, str, tuple[str, ...]]) -> list[tuple[str, int]]:
            field, prefix, left_out = key
            return searcher.terms_with_prefix(field, prefix, filter_query=self.filtered(text, cleaned, left_out))

        for (field, prefix, left_out), terms in zip(walks, WALKERS.map(walk, list(walks)), strict=True):
            names = walks[(field, prefix, left_out)]
            for term, count in terms:
                key = term.rsplit("#", 1)[-1] if field == "fx" else term
                short, _, value = key.partition(":")
                if short == "n":
                    if prefix == full_prefix and not left_out:
                        item_total += int(value) * count
                    continue
                name = TERM_FACETS.get(short)
                if name in names and (name != "subcategory" or key.startswith(subcategory_prefix)):
                    counts[name][value] = count
        return counts, item_total


WALKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tantivy-walk")
LETTER_FACET_TERMS = {"sex": "sex", "specialty": "spec", "state": "state", "year": "year"}
ITEM_FACET_TERMS = {"outcome": "o", "treatment": "t", "subcategory": "s", "guideline": "g", "source": "u"}
TERM_FACETS = {short: name for name, short in (LETTER_FACET_TERMS | ITEM_FACET_TERMS).items()}


def page_rows(ids: Sequence[int], cleaned: Mapping[str, Any]) -> int:
    """The page's 25 letters, their items and highlights from PostgreSQL, as the app shows them."""
    from decisions.filters import search_query
    from decisions.models import Case
    from decisions.selectors import SEARCH_ONLY_FIELDS, attach_items

    found = Case.objects.select_related("reviewer").defer(*SEARCH_ONLY_FIELDS).in_bulk(list(ids))
    cases = [found[pk] for pk in ids if pk in found]
    return len(attach_items(cases, cleaned, search_query(cleaned)))


def measure_tantivy(path: Path, runs: int) -> dict[str, Any]:
    from decisions.filters import cleaned_params

    index = open_index(path)
    engine = TantivySearch(index)

    def search(params: dict[str, str], with_page: bool = True) -> Callable[[], object]:
        def run() -> object:
            cleaned, errors = cleaned_params(params)
            assert not errors, errors
            found = engine.run(cleaned)
            return page_rows(found["page_ids"], cleaned) if with_page else found

        return run

    for run in range(runs):  # warm: the index's pages in the page cache, as on a serving machine
        search(search_params(run))()
    figures: dict[str, Any] = {
        "search_with_facets": timed(runs, lambda run: search(search_params(run))),
        "search_engine_only": timed(runs, lambda run: search(search_params(run), with_page=False)),
        "filters_only": timed(runs, lambda run: search(filter_params(run))),
        "unfiltered": timed(runs, lambda run: search({})),
        "per_query_engine_only": {},
    }
    for text in QUERIES:
        samples = []
        for filters in FILTERS:
            started = time.perf_counter()
            search({"q": text, **filters}, with_page=False)()
            samples.append((time.perf_counter() - started) * 1000)
        figures["per_query_engine_only"][text] = percentiles(samples)
    figures["memory_after"] = memory()
    figures["disk_mb"] = disk_mb(path)
    return figures


def compare_counts(path: Path) -> dict[str, Any]:
    """tantivy's counts against the numpy facet index (the app's exact counts) on the same searches."""
    from decisions.facets import current_index
    from decisions.filters import cleaned_params

    engine = TantivySearch(open_index(path))
    index = current_index()
    report: dict[str, Any] = {"filters_equal": [], "words_total_ratio": {}}
    for params in [*[dict(f) for f in FILTERS], {}]:
        cleaned, _ = cleaned_params(params)
        ours, theirs = engine.run(cleaned), index.count(cleaned)
        differing = [spec for spec in theirs.facets if +ours["facets"].get(spec, Counter()) != theirs.facets[spec]]
        report["filters_equal"].append(
            {
                "params": params,
                "letters": [ours["letters"], theirs.letters],
                "items": [ours["items"], theirs.items],
                "facets_equal": not differing,
                "differing": differing,
            }
        )
    for text in QUERIES:
        for filters in (FILTERS[0], FILTERS[3]):
            cleaned, _ = cleaned_params({"q": text, **filters})
            ours, theirs = engine.run(cleaned), index.count(cleaned)
            label = f"{text} & {'&'.join(f'{k}={v}' for k, v in filters.items())}"
            report["words_total_ratio"][label] = [ours["letters"], theirs.letters]
    return report


# --- (c) hybrid: tantivy's matches exported into the numpy index --------------------------------


def measure_hybrid(path: Path) -> dict[str, Any]:
    """The cost of taking a word search's whole match set out of tantivy (hits, then letter ids)."""
    index = open_index(path)
    engine = TantivySearch(index)
    searcher = index.searcher()
    out = {}
    for text in QUERIES:
        query = engine.text_query(text)
        count = searcher.search(query, 1).count
        started = time.perf_counter()
        hits = searcher.search(query, max(count, 1), count=False).hits
        ids = np.asarray(searcher.fast_field_values("lid", [address for _, address in hits]), dtype=np.int64)
        out[text] = {"matches": len(ids), "export_ms": round((time.perf_counter() - started) * 1000, 1)}
    return out


# --- the run -----------------------------------------------------------------------------------


def load() -> dict[str, Any]:
    return {"load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}


def main() -> None:
    args = parse_args()
    search_speed.use_database(args.database)
    search_speed.fill(args.letters, 2000)
    from decisions.models import Case, DisputedItem

    only = set(args.only.split(","))
    path = Path(args.index_dir)
    figures: dict[str, Any] = {
        "letters": Case.objects.count(),
        "items": DisputedItem.objects.count(),
        "load_at_start": load(),
        "tantivy_version": __import__("tantivy").__version__,
    }
    if "tantivy" in only or "hybrid" in only:
        if not args.no_build or not path.exists():
            figures["tantivy_build"] = build_tantivy(path)
        if not args.no_growth:
            figures["tantivy_add_10000"] = grow_tantivy(path)
    if "tantivy" in only:
        figures["tantivy"] = measure_tantivy(path, args.runs)
        figures["load_after_tantivy"] = load()
    if "hybrid" in only:
        figures["hybrid_export"] = measure_hybrid(path)
    if "pg" in only:
        figures["pg"] = measure_pg(args.runs)
        figures["load_after_pg"] = load()
        figures["memory_after_pg"] = memory()
    if "tantivy" in only:
        figures["tantivy_counts_vs_numpy"] = compare_counts(path)
    figures["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
