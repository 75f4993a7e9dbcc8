"""The words of a search matched by tantivy over PostgreSQL's own lexemes (docs/search-engine.md, step 2a).

PostgreSQL stays the judge of what a word is: the index holds, per letter (``decisions_case``) and
per disputed item, the lexemes of its stored ``search_vector`` at their positions, read in SQL (and,
per item, those of its request alone: the ``request`` filter's vector), and a
search's query is PostgreSQL's own normalised ``tsquery`` (``SELECT <query>::text``) translated into
tantivy terms, phrases with explicit offsets, prefixes and boolean clauses. The match sets are
therefore those of ``search_vector @@ query``; the counting after them (``decisions.facets``) is
unchanged. A query form with no exact translation (a phrase over an OR or a negation, weights)
returns None and the caller asks PostgreSQL, as it does when the index is off, absent or at a
version it cannot use.

Layout of a document: one text field of whitespace-separated tokens in position order, position p
holding its lexeme and gaps (stopwords) a filler token, so that phrase offsets (``<->``, ``<N>``)
mean what they mean in PostgreSQL. A vector that cannot be written so (two lexemes at one position:
PostgreSQL caps positions at 16,383; a lexeme holding whitespace) is given as tokens with their
positions (``PreTokenizedString``). Relevance is tantivy's BM25 on that field, not ``ts_rank``. A
second field holds each pair of lexemes at adjacent positions; the lexemes and pairs many rows hold
are kept beside the index as bits (``decisions.word_bits``), and a query is evaluated over them,
tantivy reading only the rarer leaves (``MatchSets``) and a ranked page's best hits (``Ranker``).

One index per machine and database (``IMR_WORD_INDEX_DIR/<archive id>/current``, a symlink to a
build with a sidecar JSON naming its archive version), built and kept current by
``manage.py index_words``; every process opens it read-only (memory-mapped, shared through the page
cache) and opens it again when the sidecar changes. ``IMR_WORD_INDEX_IN_PROCESS`` builds a RAM index per
archive version through the process's own connection instead (tests: it sees their own rows).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import tantivy
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.db.models.sql import Query

from decisions import facets, shared_index, word_bits
from decisions.models import Case, DisputedItem
from decisions.search_params import REQUEST_VECTOR, items_whose_request_holds
from decisions.word_bits import Mask, WordBits

Ids = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float64]
T = TypeVar("T")

LETTERS, ITEMS, REQUESTS = "letters", "items", "requests"  # requests: the items' requests alone (the ``request`` filter)
KINDS = (LETTERS, ITEMS, REQUESTS)
SCHEMA_KEY = "lexemes-3"  # changes when the fields or the document layout change: a rebuild
WORDS, PAIRS, LEXEMES = "words", "pairs", "lexemes"
FILLER = "\x01"  # a position holding no lexeme; PostgreSQL's parser never keeps a control character
JOINER = "\x02"  # between the two lexemes of a pair (one at a position, the other at the next)
SIDECAR = "word-index.json"
READ_WINDOW = 20_000  # rows read from PostgreSQL at a time
logger = logging.getLogger("decisions.word_index")


# --- the index ------------------------------------------------------------------------------------


def schema_of(kind: str) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", indexed=True, fast=True)
    if kind != LETTERS:
        builder.add_unsigned_field("case_id", indexed=True, fast=True)
    builder.add_text_field(WORDS, tokenizer_name=LEXEMES, index_option="position")
    builder.add_text_field(PAIRS, tokenizer_name=LEXEMES, index_option="basic")  # "a<JOINER>b": b at the position after a
    return builder.build()


def opened(kind: str, path: Path | None) -> tantivy.Index:
    """The index of ``kind`` in ``path`` (created when missing), or in RAM."""
    if path is None:
        index = tantivy.Index(schema_of(kind))
    else:
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(schema_of(kind), path=str(path))
    index.register_tokenizer(LEXEMES, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    return index


@dataclass
class WordIndex:
    """The word indexes of one archive version (``KINDS``: the letters, the items, the items' requests),
    the ids each holds and the bits of its frequent lexemes and pairs (``decisions.word_bits``)."""

    version: facets.Version
    indexes: dict[str, tantivy.Index]
    held: dict[str, Ids]  # per kind, sorted
    bits: dict[str, WordBits]
    path: Path | None = None  # the build directory; None in RAM
    # In RAM: the transactions whose uncommitted rows it was read with (their ids, as text).
    writers: tuple[str, ...] = ()

    def matching(self, kind: str, translated: Translated) -> Mask:
        """The ids the query matches, as a mask over the id space (every held id is inside it)."""
        index = self.indexes[kind]
        return MatchSets(index.searcher(), index.schema, self.bits[kind]).of(translated.node)

    def ranker(self, translated: Translated) -> Ranker:
        index = self.indexes[LETTERS]
        return Ranker(index.searcher(), translated.query(index.schema))


@dataclass(frozen=True)
class MatchSets:
    """A query's matches over the id space: a frequent lexeme's or pair's from its bits, any other
    leaf's from tantivy's (short) hit list, combined as the query combines them."""

    searcher: tantivy.Searcher
    schema: tantivy.Schema
    bits: WordBits

    def of(self, node: Node | None) -> Mask:
        if node is None:
            return np.zeros(self.bits.width, dtype=np.bool_)
        kind = node[0]
        if kind == "term":
            return self.prefixed(node[1]) if node[2] else self.term(WORDS, node[1])
        if kind == "phrase":
            return self.phrase(node[1])
        if kind == "not":
            return ~self.of(node[1])
        parts = [self.of(part) for part in node[1]]
        combine = np.logical_and if kind == "and" else np.logical_or
        result = parts[0]
        for part in parts[1:]:
            combine(result, part, out=result)
        return result

    def term(self, field: str, lexeme: str) -> Mask:
        held = self.bits.holding(lexeme)  # a pair holds JOINER, which no lexeme does
        if held is not None:
            return held  # unpacked afresh: the caller's own
        return self.read(tantivy.Query.term_query(self.schema, field, lexeme))

    def phrase(self, terms: tuple[tuple[int, str], ...]) -> Mask:
        """Two adjacent lexemes are a pair (exactly the phrase's matches); longer phrases or wider
        gaps are asked of tantivy's positions."""
        if len(terms) == 2 and terms[1][0] - terms[0][0] == 1:
            return self.term(PAIRS, terms[0][1] + JOINER + terms[1][1])
        return self.read(tantivy.Query.phrase_query(self.schema, WORDS, list(terms)))

    def prefixed(self, prefix: str) -> Mask:
        """Every lexeme starting with ``prefix``: the frequent ones' bits, the others in one term set."""
        result = np.zeros(self.bits.width, dtype=np.bool_)
        rare = []
        for lexeme, _ in self.searcher.terms_with_prefix(WORDS, prefix):
            held = self.bits.holding(lexeme)
            if held is None:
                rare.append(lexeme)
            else:
                result |= held
        if rare:
            result |= self.read(tantivy.Query.term_set_query(self.schema, WORDS, rare))
        return result

    def read(self, query: tantivy.Query) -> Mask:
        mask = np.zeros(self.bits.width, dtype=np.bool_)
        mask[matched_ids(self.searcher, query)] = True
        return mask


@dataclass(frozen=True)
class Ranker:
    """The letters a query matches, best first by BM25, read only as far as a page needs."""

    searcher: tantivy.Searcher
    query: tantivy.Query

    def top(self, limit: int) -> tuple[Ids, Scores, bool]:
        """Ids and scores of the ``limit`` best matches (ties in no set order), and whether they are all."""
        hits = self.searcher.search(self.query, limit=max(limit, 1), count=False).hits
        if not hits:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), True
        scores = np.fromiter(map(itemgetter(0), hits), dtype=np.float64, count=len(hits))
        ids = np.array(self.searcher.fast_field_values("id", list(map(itemgetter(1), hits))), dtype=np.int64)
        return ids, scores, len(hits) < limit


def matched_ids(searcher: tantivy.Searcher, query: tantivy.Query) -> Ids:
    """The ids of every match of ``query``, as the order key of an id-ordered search: the hit list is
    the only bulk read tantivy-py offers (~0.4 µs a hit), so it is kept for what few rows hold."""
    count: int = searcher.search(query, limit=1, count=True).count  # type: ignore[attr-defined]  # missing from 0.27's stub
    if not count:  # search(limit=0) panics in tantivy-py 0.27
        return np.zeros(0, dtype=np.int64)
    hits = searcher.search(query, limit=count, count=False, order_by_field="id").hits
    return np.fromiter(map(itemgetter(0), hits), dtype=np.int64, count=len(hits))


# --- documents from PostgreSQL's vectors ----------------------------------------------------------

# Per kind: the table, the letter of a row, and the vector indexed (``d`` is the row).
SOURCES = {
    LETTERS: ("decisions_case", "d.id", "d.search_vector"),
    ITEMS: ("decisions_disputeditem", "d.case_id", "d.search_vector"),
    REQUESTS: ("decisions_disputeditem", "d.case_id", REQUEST_VECTOR),  # its bare ``request`` is the row d's (only d has the column)
}

# Per row: its lexemes joined in position order, each gap filled with fillers; ``odd`` when the
# vector cannot be written so (a position shared by two lexemes, a lexeme without positions).
DOCUMENTS_SQL = """
SELECT d.id::int8, {letter}::int8, w.words, coalesce(w.last, 0), coalesce(w.shared, false) OR coalesce(w.unplaced, false),
       w.pairs
FROM {table} d
CROSS JOIN LATERAL (SELECT {vector} AS vector) v
LEFT JOIN LATERAL (
    SELECT string_agg(repeat(%(gap)s, l.gap) || l.lexeme, ' ' ORDER BY l.pos) AS words, max(l.pos) AS last,
           bool_or(l.gap < 0) AS shared,
           (SELECT bool_or(u.positions IS NULL) FROM unnest(v.vector) u) AS unplaced,
           string_agg(l.previous || %(joiner)s || l.lexeme, ' ' ORDER BY l.pos) FILTER (WHERE l.gap = 0) AS pairs
    FROM (
        SELECT u.lexeme, p AS pos, p - coalesce(lag(p) OVER (ORDER BY p), 0) - 1 AS gap,
               lag(u.lexeme) OVER (ORDER BY p) AS previous
        FROM unnest(v.vector) u, unnest(u.positions) p
    ) l
) w ON true
WHERE {where}
"""

TOKENS_SQL = """
SELECT u.lexeme, coalesce(p, 0) FROM {table} d, unnest({vector}) u LEFT JOIN unnest(u.positions) p ON true
WHERE d.id = %s ORDER BY 2
"""


@dataclass(frozen=True)
class Row:
    id: int
    case_id: int
    words: str | None
    last: int  # the last position
    odd: bool
    pairs: str | None  # each lexeme JOINER the next position's, space-separated (unless ``odd``)


def rows_of(kind: str, only: Ids | None = None) -> Iterator[Row]:
    """Every row of ``kind`` (or just the ids ``only``) as documents to index, a window at a time."""
    table, letter, vector = SOURCES[kind]
    with connection.cursor() as cursor:
        for where, params in windows(kind, only):
            sql = DOCUMENTS_SQL.format(table=table, letter=letter, vector=vector, where=where)
            cursor.execute(sql, {**params, "gap": FILLER + " ", "joiner": JOINER})
            for row in cursor.fetchall():
                yield Row(*row)


def windows(kind: str, only: Ids | None) -> Iterator[tuple[str, dict[str, Any]]]:
    if only is not None:
        for start in range(0, len(only), READ_WINDOW):
            yield "d.id = ANY(%(only)s::int8[])", {"only": only[start : start + READ_WINDOW].tolist()}
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM {SOURCES[kind][0]}")
        lowest, highest = cursor.fetchone()
    for low in range(lowest, highest + 1, READ_WINDOW):
        yield "d.id >= %(low)s AND d.id < %(high)s", {"low": low, "high": low + READ_WINDOW}


def document(kind: str, row: Row, placed: list[tuple[str, int]] | None) -> tantivy.Document:
    """The row as a document; ``placed``: its exact tokens when it is not plain (``exact_tokens``)."""
    doc = tantivy.Document()
    doc.add_unsigned("id", row.id)
    if kind != LETTERS:
        doc.add_unsigned("case_id", row.case_id)
    if row.words is None:
        return doc  # an empty vector: a document all the same, which a lone negation matches
    if is_plain(row):
        doc.add_text(WORDS, row.words)
        if row.pairs:
            doc.add_text(PAIRS, row.pairs)
        return doc
    # A token holding whitespace, or positions the sequence cannot express: each at its position.
    assert placed is not None
    doc.add_pre_tokenized_text(WORDS, tantivy.PreTokenizedString("", [tantivy.Token(text, at, 0, 0) for text, at in placed]))
    pairs = [tantivy.Token(pair, 0, 0, 0) for pair in pairs_of(placed)]
    if pairs:
        doc.add_pre_tokenized_text(PAIRS, tantivy.PreTokenizedString("", pairs))
    return doc


def is_plain(row: Row) -> bool:
    """Whether the row's words are one lexeme per position, written as space-separated tokens."""
    return row.words is not None and not row.odd and len(row.words.split()) == row.last


def exact_tokens(kind: str, pk: int) -> list[tuple[str, int]]:
    """The row's lexemes at their own positions (a lexeme without positions at 0: its words match,
    its phrases may not as PostgreSQL's would; a generated vector always has positions)."""
    with connection.cursor() as cursor:
        table, _, vector = SOURCES[kind]
        cursor.execute(TOKENS_SQL.format(table=table, vector=vector), [pk])
        return [(lexeme, position) for lexeme, position in cursor.fetchall()]


def pairs_of(placed: Sequence[tuple[str, int]]) -> set[str]:
    """Each lexeme JOINER each lexeme at the next position."""
    at: dict[int, list[str]] = {}
    for lexeme, position in placed:
        at.setdefault(position, []).append(lexeme)
    return {first + JOINER + second for position, firsts in at.items() for first in firsts for second in at.get(position + 1, ())}


def lexemes_of(row: Row, placed: list[tuple[str, int]] | None) -> set[str]:
    """What a row's bits are set for: its lexemes and pairs (``placed`` as for ``document``)."""
    if row.words is None:
        return set()
    if placed is None:
        return set(row.words.split()) - {FILLER} | set((row.pairs or "").split())
    return {lexeme for lexeme, _ in placed} | pairs_of(placed)


def add_rows(index: tantivy.Index, kind: str, only: Ids | None = None, lexemes: list[tuple[int, set[str]]] | None = None) -> Ids:
    """Index the rows of ``kind`` (all, or ``only``), commit; the ids added, sorted. Each row's
    lexemes and pairs are appended to ``lexemes`` when given (for its bits)."""
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    added = []
    for row in rows_of(kind, only):
        placed = None if row.words is None or is_plain(row) else exact_tokens(kind, row.id)
        writer.add_document(document(kind, row, placed))
        added.append(row.id)
        if lexemes is not None:
            lexemes.append((row.id, lexemes_of(row, placed)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return np.sort(np.array(added, dtype=np.int64))


def row_ids(kind: str) -> Ids:
    return np.sort(facets.fetch_columns(f"SELECT id::int4 FROM {SOURCES[kind][0]}", [], [">i4"])[0].astype(np.int64))


# --- building and catching up, each in one snapshot ------------------------------------------------


def built(path: Path | None) -> WordIndex:
    """A new index of the whole archive (in ``path``, or in RAM), read in the caller's snapshot."""
    version = facets.archive_version()
    indexes = {kind: opened(kind, None if path is None else path / kind) for kind in KINDS}
    held = {kind: add_rows(indexes[kind], kind) for kind in KINDS}
    bits = {kind: bits_from(indexes[kind], highest(held[kind])) for kind in KINDS}
    return WordIndex(version, indexes, held, bits, path)


def bits_from(index: tantivy.Index, highest_id: int) -> WordBits:
    """The bits of the lexemes and pairs many documents hold, read from tantivy's postings."""
    searcher = index.searcher()
    # The most held of each field only (tantivy walks its term dictionary, Python sees these few).
    top = word_bits.MAX_ROWS
    counts = [*searcher.terms_with_prefix(WORDS, "", limit=top), *searcher.terms_with_prefix(PAIRS, "", limit=top)]
    terms = word_bits.frequent(counts, searcher.num_docs, settings.IMR_WORD_BITS_MIN_DOCS, skip=FILLER)
    return word_bits.bits_of(((term, term_ids(searcher, index.schema, term)) for term in terms), highest_id)


def term_ids(searcher: tantivy.Searcher, schema: tantivy.Schema, term: str) -> Ids:
    field = PAIRS if JOINER in term else WORDS
    return matched_ids(searcher, tantivy.Query.term_query(schema, field, term))


def highest(ids: Ids) -> int:
    return int(ids[-1]) if len(ids) else 0


def caught_up(index: WordIndex) -> WordIndex | None:
    """``index`` plus the letters and items added since its version (read in the caller's snapshot);
    None when rows were updated or deleted since (a rebuild), like ``facets.grown_index``."""
    version = facets.archive_version()
    if version == index.version:
        return index
    if not version.only_added_to(index.version):
        return None
    held, bits = {}, {}
    for kind in KINDS:
        ids = row_ids(kind)
        if not np.isin(index.held[kind], ids, assume_unique=True).all():
            return None  # a held row is gone with no delete counted: read in a transaction rolled back since
        new = np.setdiff1d(ids, index.held[kind], assume_unique=True)
        lexemes: list[tuple[int, set[str]]] = []
        added = add_rows(index.indexes[kind], kind, new, lexemes) if len(new) else new
        held[kind] = np.union1d(index.held[kind], added)
        bits[kind] = index.bits[kind].with_rows(lexemes, highest(held[kind])) if lexemes else index.bits[kind]
    return WordIndex(version, index.indexes, held, bits, index.path, index.writers)


def in_snapshot(read: Callable[[], T]) -> T:
    """``read()`` in one REPEATABLE READ snapshot, or in the caller's transaction (its own rows)."""
    if connection.in_atomic_block:
        return read()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return read()


# --- from PostgreSQL's tsquery to tantivy ------------------------------------------------------------


class Untranslatable(ValueError):
    """A tsquery form with no exact tantivy equivalent: PostgreSQL answers the search."""


# Nodes: ("term", lexeme, prefix), ("phrase", ((offset, lexeme), ...)), ("not", node), ("and" | "or", (node, ...))
Node = tuple[Any, ...]
_TSQUERY_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\\\)*)'(?::([*A-D]+))?|<(-|\d+)>|([&|!()]))")


def tsquery_tokens(text: str) -> list[tuple[str, Any]]:
    """(kind, value) tokens of a tsquery's text form: operands (lexeme, prefix), phrase distances, operators."""
    tokens: list[tuple[str, Any]] = []
    position, end = 0, len(text.rstrip())
    while position < end:
        match = _TSQUERY_TOKEN.match(text, position)
        if match is None:
            raise Untranslatable(f"unexpected tsquery text at {position}: {text[position:position + 20]!r}")
        lexeme, suffix, distance, operator = match.groups()
        if lexeme is not None:
            if suffix and suffix != "*":
                raise Untranslatable("weighted operand")
            tokens.append(("operand", (re.sub(r"''|\\\\", lambda m: m.group()[0], lexeme), suffix == "*")))
        elif distance is not None:
            tokens.append(("followed_by", 1 if distance == "-" else int(distance)))
        else:
            tokens.append(("operator", operator))
        position = match.end()
    return tokens


class TsqueryParser:
    """Recursive descent over PostgreSQL's precedence: ``!`` over ``<N>`` over ``&`` over ``|``."""

    def __init__(self, text: str) -> None:
        self.tokens = tsquery_tokens(text)
        self.at = 0

    def parsed(self) -> Node | None:
        if not self.tokens:
            return None  # an empty query (only stopwords): it matches nothing
        node = self.either()
        if self.at != len(self.tokens):
            raise Untranslatable("trailing tsquery text")
        return node

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise Untranslatable("tsquery ends early")
        self.at += 1
        return token

    def either(self) -> Node:
        nodes = [self.all_of()]
        while self.peek() == ("operator", "|"):
            self.take()
            nodes.append(self.all_of())
        return nodes[0] if len(nodes) == 1 else ("or", tuple(nodes))

    def all_of(self) -> Node:
        nodes = [self.sequence()]
        while self.peek() == ("operator", "&"):
            self.take()
            nodes.append(self.sequence())
        return nodes[0] if len(nodes) == 1 else ("and", tuple(nodes))

    def sequence(self) -> Node:
        node = self.unary()
        while (token := self.peek()) is not None and token[0] == "followed_by":
            self.take()
            node = followed_by(node, token[1], self.unary())
        return node

    def unary(self) -> Node:
        kind, value = self.take()
        if (kind, value) == ("operator", "!"):
            return ("not", self.unary())
        if (kind, value) == ("operator", "("):
            node = self.either()
            if self.take() != ("operator", ")"):
                raise Untranslatable("unbalanced parenthesis")
            return node
        if kind != "operand":
            raise Untranslatable(f"unexpected {value!r}")
        lexeme, prefix = value
        return ("term", lexeme, prefix)


def followed_by(left: Node, distance: int, right: Node) -> Node:
    """``left <distance> right`` as one phrase: PostgreSQL places the right operand's first lexeme
    ``distance`` after the left one's last. Only plain lexemes and phrases have exact offsets."""
    first, second = phrase_terms(left), phrase_terms(right)
    shift = first[-1][0] + distance
    return ("phrase", first + tuple((offset + shift, lexeme) for offset, lexeme in second))


def phrase_terms(node: Node) -> tuple[tuple[int, str], ...]:
    if node[0] == "term" and not node[2]:
        return ((0, node[1]),)
    if node[0] == "phrase":
        terms: tuple[tuple[int, str], ...] = node[1]
        return terms
    raise Untranslatable("a phrase over an OR, AND, negation or prefix")


@dataclass(frozen=True)
class Translated:
    """A tsquery as a tree that becomes a tantivy query for one index's schema (None: matches nothing)."""

    node: Node | None

    def query(self, schema: tantivy.Schema) -> tantivy.Query:
        return tantivy.Query.empty_query() if self.node is None else tantivy_query(self.node, schema)


def tantivy_query(node: Node, schema: tantivy.Schema) -> tantivy.Query:
    kind = node[0]
    if kind == "term":
        if node[2]:
            return tantivy.Query.regex_query(schema, WORDS, f"(?s){regex_literal(node[1])}.*")
        return tantivy.Query.term_query(schema, WORDS, node[1])
    if kind == "phrase":
        return tantivy.Query.phrase_query(schema, WORDS, list(node[1]))
    if kind == "not":
        return all_but(tantivy_query(node[1], schema))
    if kind == "or":
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy_query(part, schema)) for part in node[1]])
    return all_of(node[1], schema)


def all_of(parts: Sequence[Node], schema: tantivy.Schema) -> tantivy.Query:
    """An AND: its negated parts as MUST_NOT clauses (over every document when nothing else must match)."""
    clauses = [
        (tantivy.Occur.MustNot, tantivy_query(part[1], schema)) if part[0] == "not" else (tantivy.Occur.Must, tantivy_query(part, schema))
        for part in parts
    ]
    if all(occur == tantivy.Occur.MustNot for occur, _ in clauses):
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(clauses)


def all_but(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, query)])


def regex_literal(text: str) -> str:
    """``text`` matched literally by tantivy's regex (ASCII punctuation escaped, controls by code)."""
    if not text:
        raise Untranslatable("an empty prefix")
    return "".join(
        char if char.isalnum() or ord(char) > 127 else f"\\{char}" if char.isprintable() and char != " " else f"\\x{{{ord(char):x}}}"
        for char in text
    )


def translated(text: str) -> Translated | None:
    """A tsquery's text translated (None: no exact translation)."""
    try:
        return Translated(TsqueryParser(text).parsed())
    except Untranslatable as reason:
        logger.debug("PostgreSQL matches %r (%s)", text, reason)
        return None


def tsquery_texts(*queries: SearchQuery) -> list[str]:
    """``SELECT <query>::text, ...``: PostgreSQL's own normalised forms (stemming, stopword gaps,
    synonyms), all in one round trip."""
    sql_query = Query(Case)
    compiler = sql_query.get_compiler(connection=connection)
    selected, params = [], []
    for query in queries:
        sql, query_params = compiler.compile(query.resolve_expression(sql_query))
        selected.append(f"({sql})::text")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selected)}", params)
        row = cursor.fetchone()
    return [str(text or "") for text in row]


# --- on disk: one directory per database, a ``current`` symlink to a build with its sidecar -------


def root_dir() -> Path:
    """This database's index: under its random id (migration 0019), so that a database made again
    under the same name, whose version numbers start again, never finds the old one's index."""
    return Path(settings.IMR_WORD_INDEX_DIR) / shared_index.archive_id()


def sidecar_of(index: WordIndex) -> dict[str, Any]:
    ranges = {
        kind: {"count": len(ids), "min": int(ids[0]) if len(ids) else None, "max": int(ids[-1]) if len(ids) else None}
        for kind, ids in index.held.items()
    }
    return {"schema": SCHEMA_KEY, "database": connection.settings_dict["NAME"], "version": list(index.version), **ranges}


def write_held(index: WordIndex) -> None:
    """The held ids (.npy), then the sidecar that names the version: each replaced atomically, in that
    order, so a reader that finds a sidecar finds at least its ids."""
    assert index.path is not None
    for kind, ids in index.held.items():
        replace_atomically(index.path / f"held-{kind}.npy", saving(ids))
        if not index.bits[kind].stored_in(index.path / f"bits-{kind}.npy"):  # set in place: already there
            replace_atomically(index.path / f"bits-{kind}.json", writing_bytes(index.bits[kind].terms_json()))
            replace_atomically(index.path / f"bits-{kind}.npy", saving(index.bits[kind].rows))
    replace_atomically(index.path / SIDECAR, writing_bytes(json.dumps(sidecar_of(index), indent=1).encode()))


def saving(array: npt.NDArray[Any]) -> Callable[[Any], None]:
    return lambda file: np.save(file, array)


def writing_bytes(data: bytes) -> Callable[[Any], None]:
    return lambda file: file.write(data)


def replace_atomically(path: Path, write: Callable[[Any], None]) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:
        write(file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def rebuild_on_disk(root: Path) -> WordIndex:
    """A full build into a new directory from one snapshot, then the ``current`` symlink swapped to it
    (an atomic rename) and the previous build removed (open readers keep their mapped files)."""
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=builds))
    index = in_snapshot(lambda: built(path))
    write_held(index)
    previous = (root / "current").resolve() if (root / "current").is_symlink() else None
    link = root / "current.partial"
    link.unlink(missing_ok=True)
    link.symlink_to(path.relative_to(root))
    os.replace(link, root / "current")
    if previous is not None and previous != path.resolve() and previous.is_dir():
        shutil.rmtree(previous, ignore_errors=True)
    return mapped(index)  # its bits mapped from the files, not held in memory


def mapped(index: WordIndex) -> WordIndex:
    """``index`` with its bits mapped from its files for writing (after a copy was written: wider rows)."""
    if index.path is None or all(bits.in_place for bits in index.bits.values()):
        return index
    return open_on_disk(index.path, writable=True) or index


def open_on_disk(build: Path, writable: bool = False) -> WordIndex | None:
    """The build's indexes and held ids at its sidecar's version (None: not a complete build of this
    schema); its bits mapped for writing when ``writable`` (the follower, the one writer)."""
    try:
        sidecar = json.loads((build / SIDECAR).read_text())
        if sidecar.get("schema") != SCHEMA_KEY:
            return None
        held = {kind: np.load(build / f"held-{kind}.npy") for kind in KINDS}
        bits = {kind: WordBits.load(build / f"bits-{kind}.npy", build / f"bits-{kind}.json", writable) for kind in KINDS}
    except (OSError, ValueError):
        return None
    if any(len(held[kind]) < sidecar[kind]["count"] for kind in KINDS):
        return None  # the ids of a newer commit are being written: next time
    indexes = {}
    for kind in KINDS:
        indexes[kind] = tantivy.Index.open(str(build / kind))
        indexes[kind].register_tokenizer(LEXEMES, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    return WordIndex(facets.Version(*sidecar["version"]), indexes, held, bits, build)


class DiskReader:
    """This process's view of the machine's index: opened once, opened again when the sidecar changes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: tuple[int, int] | None = None
        self.index: WordIndex | None = None
        self.lock = threading.Lock()

    def current(self) -> WordIndex | None:
        sidecar = self.root / "current" / SIDECAR
        try:
            stat = sidecar.stat()
        except OSError:
            return None
        seen = (stat.st_ino, stat.st_mtime_ns)
        if seen == self.seen:
            return self.index
        with self.lock:
            if seen != self.seen:  # a new version or a new build: opening is a few memory maps
                self.index = open_on_disk(sidecar.resolve().parent)
                self.seen = seen if self.index is not None else None
            return self.index


@contextmanager
def writing(root: Path, wait: bool) -> Iterator[bool]:
    """Whether this process may write the machine's index (one writer per machine and database):
    ``wait`` for the lock (a rebuild) or give up at once (a follower's turn)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "lock", "a+b") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


class Follower:
    """Keeps the machine's index at the archive's version: adds the rows inserted since (the
    common case, an ingest), rebuilds after any update or delete, builds it when absent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index: WordIndex | None = None

    def step(self) -> str:
        """One turn; what it did: "current", "added", "rebuilt" or "busy" (another writer holds the lock)."""
        with writing(self.root, wait=False) as allowed:
            if not allowed:
                return "busy"
            if self.index is None or self.index.path is None or self.index.path.resolve() != (self.root / "current").resolve():
                self.index = self.opened_whole()
            if self.index is None:
                self.index = rebuild_on_disk(self.root)
                return "rebuilt"
            if facets.archive_version() == self.index.version:
                return "current"
            held = self.index
            updated = in_snapshot(lambda: caught_up(held))
            if updated is None:
                self.index = rebuild_on_disk(self.root)
                return "rebuilt"
            write_held(updated)
            self.index = mapped(updated)
            return "added"

    def opened_whole(self) -> WordIndex | None:
        """The current build, unless it holds documents its held ids do not list (a follower stopped
        between tantivy's commit and the sidecar): then None, a rebuild."""
        current = self.root / "current"
        index = open_on_disk(current.resolve(), writable=True) if current.exists() else None
        if index is None:
            return None
        if any(index.indexes[kind].searcher().num_docs != len(index.held[kind]) for kind in KINDS):
            return None
        return index


_readers: dict[Path, DiskReader] = {}
_in_process: WordIndex | None = None
_in_process_lock = threading.Lock()


def disk_index() -> WordIndex | None:
    root = root_dir()
    reader = _readers.get(root)
    if reader is None:
        reader = _readers.setdefault(root, DiskReader(root))
    return reader.current()


def in_process_index() -> WordIndex:
    """A RAM index at the archive's version as this connection sees it: caught up after inserts,
    rebuilt after anything else."""
    global _in_process
    with _in_process_lock:
        held = _in_process if _in_process is not None and still_true(_in_process) else None
        index = in_snapshot(lambda: read_in_process(held))
        _in_process = index
        return index


def in_process_at(version: facets.Version) -> WordIndex:
    """The RAM index, read again only when its version is not ``version``: a version number is never
    given twice (a sequence), so the same number means the same rows, even in a transaction since
    rolled back."""
    held = _in_process
    return held if held is not None and held.version == version else in_process_index()


def follow_in_process() -> None:
    """In the in-process mode, bring the RAM index to the archive's version (with the facet index)."""
    if settings.IMR_WORD_INDEX and settings.IMR_WORD_INDEX_IN_PROCESS:
        in_process_index()


def read_in_process(held: WordIndex | None) -> WordIndex:
    index = (caught_up(held) if held is not None else None) or built(None)
    writer = writing_transaction()
    return index if writer is None or writer in index.writers else replace(index, writers=(*index.writers, writer))


def writing_transaction() -> str | None:
    """This connection's transaction id when it has written (its rows are visible to it alone)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned()::text")
        row = cursor.fetchone()
    return None if row is None or row[0] is None else str(row[0])


def still_true(index: WordIndex) -> bool:
    """Whether the rows a RAM index was read with still hold: each writing transaction committed, or
    is this connection's own. A rolled-back one (a test's) leaves rows behind that ids may be reused for
    (tests reset sequences), which no version comparison can tell."""
    if not index.writers:
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_xact_id_if_assigned()::text, array(SELECT pg_xact_status(x::xid8) FROM unnest(%s::text[]) x)",
            [list(index.writers)],
        )
        own, states = cursor.fetchone()
    return all(state == "committed" or writer == own for writer, state in zip(index.writers, states, strict=True))


# --- what a search asks --------------------------------------------------------------------------


def usable_index(version: facets.Version) -> WordIndex | None:
    """The word index if it may answer for an archive at ``version``: the same version, or one that
    differs from it by inserted rows only (the rows the index lacks are asked of PostgreSQL)."""
    if not settings.IMR_WORD_INDEX:
        return None
    index = in_process_at(version) if settings.IMR_WORD_INDEX_IN_PROCESS else disk_index()
    if index is None:
        return None
    if index.version == version or version.only_added_to(index.version) or index.version.only_added_to(version):
        return index
    return None


@dataclass(frozen=True)
class Matches:
    """The rows a query matches: those the index holds as a mask over the id space (``over_ids``),
    and the ids PostgreSQL found (``extra``) among the counted rows the index does not hold yet
    (``unheld``, sorted; the mask says nothing of them)."""

    over_ids: Mask
    unheld: Ids
    extra: Ids

    def holds(self, ids: npt.NDArray[Any]) -> Mask:
        """For each of ``ids`` (the counted rows), whether the query matches it."""
        found = word_bits.ids_in(self.over_ids, ids)
        if len(self.unheld):
            newer = np.isin(ids, self.unheld)
            found[newer] = np.isin(ids[newer], self.extra)
        return found

    def ids(self, counted: npt.NDArray[Any]) -> Ids:
        """The matching ids among ``counted``, sorted."""
        return np.sort(counted[self.holds(counted)].astype(np.int64))


def word_matches(
    letters_query: SearchQuery, items_query: SearchQuery, ranked: bool, version: facets.Version | None,
    letter_ids: npt.NDArray[Any], item_ids: npt.NDArray[Any],
) -> tuple[tuple[Matches, Ranker | None], Matches] | None:
    """``letter_matches`` and ``item_matches`` at once (one round trip for both queries' texts)."""
    ready = prepared(version, letters_query, items_query)
    if ready is None:
        return None
    found, (for_letters, for_items) = ready
    letters = letters_from(found, for_letters, letters_query, ranked, letter_ids)
    if letters is None:
        return None
    return letters, rows_from(found, ITEMS, for_items, items_query, item_ids)


def letter_matches(
    query: SearchQuery, ranked: bool, version: facets.Version | None, letter_ids: npt.NDArray[Any]
) -> tuple[Matches, Ranker | None] | None:
    """The letters ``query`` matches among those of an archive at ``version`` holding ``letter_ids``
    (sorted), with their ranker (BM25) when ``ranked``; None: PostgreSQL must answer (the index
    unusable, the query untranslatable, or a ranked search matching letters the index does not hold yet)."""
    ready = prepared(version, query)
    return None if ready is None else letters_from(ready[0], ready[1][0], query, ranked, letter_ids)


def item_matches(query: SearchQuery, version: facets.Version | None, item_ids: npt.NDArray[Any]) -> Matches | None:
    """The items whose own ``search_vector`` ``query`` matches, among ``item_ids`` at ``version``."""
    ready = prepared(version, query)
    return None if ready is None else rows_from(ready[0], ITEMS, ready[1][0], query, item_ids)


def request_matches(query: SearchQuery, version: facets.Version | None, item_ids: npt.NDArray[Any]) -> Matches | None:
    """The items whose request alone ``query`` matches (the ``request`` filter), among ``item_ids``."""
    ready = prepared(version, query)
    return None if ready is None else rows_from(ready[0], REQUESTS, ready[1][0], query, item_ids)


@dataclass(frozen=True)
class Found:
    """The index answering a search, and the version of the archive being counted."""

    index: WordIndex
    version: facets.Version


def prepared(version: facets.Version | None, *queries: SearchQuery) -> tuple[Found, list[Translated]] | None:
    """The index that may answer for ``version`` and the queries translated, or None."""
    index = usable_index(version) if version is not None else None
    if version is None or index is None:
        return None
    translations = [translated(text) for text in tsquery_texts(*queries)]
    if any(translation is None for translation in translations):
        return None
    return Found(index, version), [translation for translation in translations if translation is not None]


def letters_from(
    found: Found, translation: Translated, query: SearchQuery, ranked: bool, letter_ids: npt.NDArray[Any]
) -> tuple[Matches, Ranker | None] | None:
    unheld = unheld_ids(found, LETTERS, letter_ids)
    extra = matches_among(LETTERS, query, unheld) if len(unheld) else unheld
    if ranked and len(extra):
        return None  # their BM25 scores are not known yet
    matches = Matches(found.index.matching(LETTERS, translation), unheld, extra)
    return matches, (found.index.ranker(translation) if ranked else None)


def rows_from(found: Found, kind: str, translation: Translated, query: SearchQuery, ids: npt.NDArray[Any]) -> Matches:
    unheld = unheld_ids(found, kind, ids)
    extra = matches_among(kind, query, unheld) if len(unheld) else unheld
    return Matches(found.index.matching(kind, translation), unheld, extra)


def unheld_ids(found: Found, kind: str, ids: npt.NDArray[Any]) -> Ids:
    """Of the counted rows ``ids`` (unique), those the index does not hold (none at the same version)."""
    if found.index.version == found.version:
        return np.zeros(0, dtype=np.int64)
    return np.setdiff1d(ids.astype(np.int64), found.index.held[kind], assume_unique=True)


def matches_among(kind: str, query: SearchQuery, ids: Ids) -> Ids:
    """The rows of ``ids`` whose vector PostgreSQL finds ``query`` in (by primary key: a few rows)."""
    found = {
        LETTERS: Case.objects.filter(search_vector=query),
        ITEMS: DisputedItem.objects.filter(search_vector=query),
        REQUESTS: items_whose_request_holds(query),
    }[kind]
    sql, params = found.filter(id__in=ids.tolist()).values("id").query.sql_with_params()
    return facets.fetch_columns(f"SELECT id::int4 FROM ({sql}) m", params, [">i4"])[0].astype(np.int64)


def status() -> str:
    """How searches of this process and database match words: "off", "absent", or "on, version N"."""
    if not settings.IMR_WORD_INDEX:
        return "off"
    index = in_process_index() if settings.IMR_WORD_INDEX_IN_PROCESS else disk_index()
    if index is None:
        return f"absent (build it: python manage.py index_words --rebuild; looked in {root_dir()})"
    mode = "in process" if index.path is None else str(index.path)
    held = f"{len(index.held[LETTERS])} letters, {len(index.held[ITEMS])} items"
    bits = ", ".join(f"{len(index.bits[kind].terms)} of {kind}" for kind in KINDS) + " lexemes and pairs as bits"
    return f"on, version {index.version.number} ({mode}; {held}; {bits})"
