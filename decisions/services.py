"""The one write path: every letter enters the archive through this module.

``ingest_document`` (one file) and ``ingest_parsed_batch`` (many parsed files: the ``ingest``
command, the background worker that ingests admin uploads) share every function that
creates documents, cases, reviewers, guidelines, items and citations; ``reparse_document``
re-uses them to rewrite a case in place.

Guarantees:
- A letter is stored whole or not at all: its document row, case, items and citations are
  written in one transaction (one per batch; a batch the database refuses, for a conflict or
  a value it cannot store, is rolled back and written again in halves down to single letters,
  so a refused letter fails alone, kept as a failed document with the database's reason).
- Idempotent by content: the unique constraint on ``SourceDocument.sha256`` decides which of
  two racing writers stores a file; the other reports "duplicate of <case>".
- A re-issued letter (a case number already stored from other bytes) is kept as a failed
  document that says so, never merged into the existing case.
- Originals are written to content-addressed storage before any row refers to them, so a
  process killed at any moment leaves either nothing or a whole letter in the database.

Rows are inserted in one global order (reviewers, guidelines, documents by sha256, cases by
case number, each sorted) so concurrent writers block on each other instead of deadlocking.
Documents, cases, items and citations are written with COPY (decisions/ingestion/rows.py),
which raises the same IntegrityError as an INSERT on a conflict.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from decisions import parsing, query
from decisions.ingestion.originals import save_original
from decisions.ingestion.parser_process import parse_within_limit
from decisions.ingestion.prepare import ParseOutcome, PreparedDocument, sha256_of
from decisions.ingestion.rows import insert_rows
from decisions.models import SEARCHED_CHARS, Case, Citation, CitedBy, DisputedItem, Guideline, Reviewer, SourceDocument

logger = logging.getLogger(__name__)

IngestStatus = Literal["ingested", "duplicate", "failed", "updated"]
Uploader = User | AnonymousUser | None
# How often a single letter is written again after losing a race before giving up.
SINGLE_WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class IngestResult:
    """What became of one file."""

    status: IngestStatus
    filename: str
    message: str = ""
    document: SourceDocument | None = None
    case: Case | None = None

    @property
    def case_key(self) -> str | None:
        return self.case.key if self.case is not None else None

    def as_row(self) -> dict[str, str | None]:
        """The JSON-safe form kept in an upload batch's results."""
        return {"filename": self.filename, "status": self.status, "message": self.message, "case_key": self.case_key}


@dataclass
class Lookups:
    """Ids of reviewers and guidelines already in the database, cached for a whole run.

    Ids learnt inside a transaction stay ``pending`` until it commits: a rolled-back batch
    must not leave ids of rows that no longer exist in the cache.
    """

    reviewers: dict[str, int] = field(default_factory=dict)
    guidelines: dict[str, int] = field(default_factory=dict)
    pending_reviewers: dict[str, int] = field(default_factory=dict)
    pending_guidelines: dict[str, int] = field(default_factory=dict)

    def reviewer_id(self, key: str) -> int | None:
        return self.reviewers.get(key) or self.pending_reviewers.get(key)

    def guideline_id(self, slug: str) -> int | None:
        return self.guidelines.get(slug) or self.pending_guidelines.get(slug)

    def commit(self) -> None:
        self.reviewers.update(self.pending_reviewers)
        self.guidelines.update(self.pending_guidelines)
        self.forget_pending()

    def forget_pending(self) -> None:
        self.pending_reviewers.clear()
        self.pending_guidelines.clear()


# --- entry points ---------------------------------------------------------------------------


def ingest_document(*, data: bytes, filename: str, uploaded_by: Uploader = None) -> IngestResult:
    """Store one file and the letter it holds. The same bytes twice create nothing new."""
    sha256 = sha256_of(data)
    existing = existing_documents([sha256]).get(sha256)
    if existing is not None:
        return duplicate_result(filename, existing)
    save_original_bytes(sha256, filename, data)
    prepared = prepare_within_limit(data, filename, sha256)
    return ingest_parsed_batch([prepared], uploaded_by=uploaded_by)[0]


def ingest_parsed_batch(
    prepared: Sequence[PreparedDocument], *, uploaded_by: Uploader = None, lookups: Lookups | None = None
) -> list[IngestResult]:
    """Write many parsed files, one transaction for the batch; results in the order given."""
    lookups = lookups if lookups is not None else Lookups()
    existing = existing_documents(item.sha256 for item in prepared)
    fresh = unique_by_sha(item for item in prepared if item.sha256 not in existing)
    for item in fresh:
        save_original_bytes(item.sha256, item.filename, item.data)
    results = write_fresh(fresh, uploader(uploaded_by), lookups)
    written = {id(item): result for item, result in zip(fresh, results, strict=True)}
    first_of = {item.sha256: item for item in fresh}
    return [result_for(item, existing, first_of, written) for item in prepared]


def reparse_document(*, document: SourceDocument, lookups: Lookups | None = None) -> IngestResult:
    """Run the current parser on a stored original; update its case in place or create it."""
    lookups = lookups if lookups is not None else Lookups()
    try:
        data = read_original(document)
    except OSError as error:
        return IngestResult("failed", document.filename, f"original missing from storage: {error}", document)
    prepared = prepare_within_limit(data, document.filename, document.sha256)
    case = Case.objects.filter(document=document).first()
    if prepared.parsed is None:
        return record_reparse_failure(document, case, prepared)
    try:
        if case is not None:
            return replace_case_content(case=case, parsed=prepared.parsed, lookups=lookups)
        return promote_failed_document(document=document, parsed=prepared.parsed, lookups=lookups)
    except IntegrityError as error:
        lookups.forget_pending()
        return IngestResult("failed", document.filename, f"could not store the new parse: {error}".strip(), document, case)


def prepare_within_limit(data: bytes, filename: str, sha256: str) -> PreparedDocument:
    """One file parsed within IMR_PARSE_TIMEOUT_SECONDS, as every ingest parses."""
    [outcome] = parse_within_limit([(filename, data, sha256)], float(settings.IMR_PARSE_TIMEOUT_SECONDS))
    return PreparedDocument(filename, data, sha256, outcome)


# --- batches --------------------------------------------------------------------------------


def existing_documents(sha256s: Iterable[str]) -> dict[str, SourceDocument]:
    wanted = set(sha256s)
    if not wanted:
        return {}
    documents = (
        SourceDocument.objects.filter(sha256__in=wanted)
        .select_related("case")
        .only("id", "filename", "sha256", "status", "case__id", "case__key")
    )
    return {document.sha256: document for document in documents}


def unique_by_sha(items: Iterable[PreparedDocument]) -> list[PreparedDocument]:
    """The first of each set of identical files, sorted by hash (the order rows are locked in)."""
    first: dict[str, PreparedDocument] = {}
    for item in items:
        first.setdefault(item.sha256, item)
    return sorted(first.values(), key=lambda item: item.sha256)


def write_fresh(fresh: list[PreparedDocument], uploaded_by: User | None, lookups: Lookups) -> list[IngestResult]:
    """Write the batch in one transaction; when the database refuses it, each half again, down to single letters.

    A conflict with another writer, or a letter the database refuses (a value it cannot
    store), then costs only that letter: its neighbours are written without it.
    """
    if not fresh:
        return []
    try:
        return write_batch(fresh, uploaded_by, lookups)
    except DatabaseError as error:
        if not is_about_the_letters(error):
            raise
        if len(fresh) == 1:
            return [write_single(fresh[0], uploaded_by, lookups)]
        middle = len(fresh) // 2
        return [*write_fresh(fresh[:middle], uploaded_by, lookups), *write_fresh(fresh[middle:], uploaded_by, lookups)]


def write_single(item: PreparedDocument, uploaded_by: User | None, lookups: Lookups) -> IngestResult:
    error: DatabaseError | None = None
    for _attempt in range(SINGLE_WRITE_ATTEMPTS):
        try:
            return write_batch([item], uploaded_by, lookups)[0]
        except DatabaseError as caught:
            if not is_about_the_letters(caught):
                raise
            error = caught
            winner = existing_documents([item.sha256]).get(item.sha256)
            if winner is not None:
                return duplicate_result(item.filename, winner)
            if not is_race(caught):
                break  # the database refuses this letter itself: trying again changes nothing
            # A racing writer stored the same case number from other bytes; the next attempt
            # sees its committed case and keeps this file as a re-issued letter.
    assert error is not None
    return store_refused(item, error, uploaded_by, lookups)


def store_refused(item: PreparedDocument, error: DatabaseError, uploaded_by: User | None, lookups: Lookups) -> IngestResult:
    """Keep a letter the database refused as a failed document that gives the database's reason."""
    reason = f"the database refused to store this letter: {database_message(error)}"
    logger.warning("%s: %s", item.filename, reason)
    text = item.parsed.text if item.parsed is not None else item.outcome.text
    for kept_text in (text, ""):  # without the text too, should the text be what it refuses
        failed = PreparedDocument(item.filename, item.data, item.sha256, ParseOutcome(None, kept_text, reason))
        try:
            return write_batch([failed], uploaded_by, lookups)[0]
        except DatabaseError as again:
            if not is_about_the_letters(again):
                raise
            winner = existing_documents([item.sha256]).get(item.sha256)
            if winner is not None:
                return duplicate_result(item.filename, winner)
    return IngestResult("failed", item.filename, f"{reason} (not stored; its original is kept in storage)")


# SQLSTATE classes of a failing server or connection rather than of the rows written: connection
# (08), resources such as a full disk (53), shutdown (57), system (58), internal (XX). Writing
# letter by letter would fail every one of them the same way, so the run stops instead.
SERVER_TROUBLE_CLASSES = ("08", "53", "57", "58", "XX")
# A unique key another writer took first, a deadlock, a serialization failure: worth a retry.
RACE_SQLSTATES = frozenset({"23505", "40P01", "40001"})


def is_about_the_letters(error: DatabaseError) -> bool:
    """Whether the database refused the rows written (a conflict, a value it cannot store), not its own trouble."""
    if isinstance(error, DataError | IntegrityError):  # includes psycopg's own checks, which have no SQLSTATE
        return True
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate is not None and not sqlstate.startswith(SERVER_TROUBLE_CLASSES)


def is_race(error: DatabaseError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in RACE_SQLSTATES


def database_message(error: DatabaseError) -> str:
    """The database's own one-line reason, without the COPY context that quotes the whole row."""
    diagnostic = getattr(error.__cause__, "diag", None)
    primary = getattr(diagnostic, "message_primary", None)
    return primary or (str(error).strip().splitlines() or [type(error).__name__])[0]


def write_batch(items: list[PreparedDocument], uploaded_by: User | None, lookups: Lookups) -> list[IngestResult]:
    """Insert documents and their cases in one transaction; raises IntegrityError on any conflict."""
    owns_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if owns_transaction:
                commit_without_waiting_for_disk()
            reissued = reissue_reasons(item.parsed for item in items)
            documents = [new_document(item, uploaded_by, reissued) for item in items]
            insert_rows(SourceDocument, documents)
            letters = [(document, item.parsed) for document, item in zip(documents, items, strict=True) if item.parsed]
            cases = create_cases(
                [(document, parsed) for document, parsed in letters if document.status == SourceDocument.Status.PARSED], lookups
            )
    except BaseException:
        lookups.forget_pending()
        raise
    lookups.commit()
    return [written_result(document, cases.get(document.sha256)) for document in documents]


def commit_without_waiting_for_disk() -> None:
    """Let this transaction's commit return before its WAL reaches the disk.

    It saves each batch a wait for the disk (small on a fast local disk, more on slow or
    network storage) during which the writer could already parse its next batch. If
    PostgreSQL itself crashes, at most the last few committed batches are lost (never part of
    a letter: the transaction stays atomic); a rerun stores them again, as ingestion is
    idempotent by content. Only for a transaction this module owns, never a caller's.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def reissue_reasons(parsed_letters: Iterable[parsing.ParsedDecision | None]) -> dict[str, str]:
    """sha256 -> reason, for letters whose case number is already taken by other bytes."""
    letters = [parsed for parsed in parsed_letters if parsed is not None and parsed.case_number]
    taken = dict(
        Case.objects.filter(case_number__in={parsed.case_number for parsed in letters}).values_list(
            "case_number", "document__filename"
        )
    )
    reasons: dict[str, str] = {}
    for parsed in letters:
        number = parsed.case_number
        if number in taken:
            reasons[parsed.sha256] = f"re-issued letter: case {number} is already in the archive from {taken[number]}; not merged"
        else:
            taken[number] = parsed.filename  # a second copy in this same batch is re-issued too
    return reasons


def new_document(item: PreparedDocument, uploaded_by: User | None, reissued: dict[str, str]) -> SourceDocument:
    document = SourceDocument(
        filename=item.filename[:500],
        sha256=item.sha256,
        size=len(item.data),
        content_type=sniff_content_type(item.data),
        uploaded_by=uploaded_by,
    )
    document.original.name = original_name(item.sha256, item.filename)
    failure = item.error or reissued.get(item.sha256, "")
    if item.parsed is not None and not failure:
        fill_document_result(document, item.parsed)
    else:
        fill_document_failure(document, text=item.parsed.text if item.parsed else item.outcome.text, reason=failure)
    return document


def create_cases(letters: list[tuple[SourceDocument, parsing.ParsedDecision]], lookups: Lookups) -> dict[str, Case]:
    """Insert the cases of newly stored documents (by case number order), then their items."""
    letters = sorted(letters, key=lambda letter: letter[1].case_number or "")
    reviewer_ids = resolve_reviewers([parsed.reviewer for _, parsed in letters], lookups)
    cases = []
    for document, parsed in letters:
        case = Case(document=document, key=case_key(parsed))
        fill_case_fields(case, parsed, reviewer_ids)
        cases.append(case)
    insert_rows(Case, cases)
    create_items([(case, parsed) for case, (_, parsed) in zip(cases, letters, strict=True)], lookups)
    return {document.sha256: case for case, (document, _) in zip(cases, letters, strict=True)}


def create_items(letters: list[tuple[Case, parsing.ParsedDecision]], lookups: Lookups) -> None:
    """Insert the disputed items and their citations of cases already saved."""
    guideline_ids = resolve_guidelines(
        (citation for _, parsed in letters for item in parsed.items for citation in item_citations(item)), lookups
    )
    sources = guideline_sources(guideline_ids.values())
    pairs = [
        (new_item(case, parsed_item, guideline_ids, sources), parsed_item)
        for case, parsed in letters
        for parsed_item in parsed.items
    ]
    insert_rows(DisputedItem, [item for item, _ in pairs])
    insert_rows(
        Citation, [citation for item, parsed_item in pairs for citation in new_citations(item, parsed_item, guideline_ids)]
    )


def written_result(document: SourceDocument, case: Case | None) -> IngestResult:
    if case is None:
        return IngestResult("failed", document.filename, document.error, document)
    return IngestResult("ingested", document.filename, f"ingested as {case.key}", document, case)


def result_for(
    item: PreparedDocument,
    existing: dict[str, SourceDocument],
    first_of: dict[str, PreparedDocument],
    written: dict[int, IngestResult],
) -> IngestResult:
    """The result of this very file: written, or a duplicate of what was there or came first."""
    if item.sha256 in existing:
        return duplicate_result(item.filename, existing[item.sha256])
    first_item = first_of[item.sha256]
    first = written[id(first_item)]
    if item is first_item:
        return first
    assert first.document is not None, "a written file always has its document"
    return duplicate_result(item.filename, first.document, first.case)


def duplicate_result(filename: str, existing: SourceDocument, case: Case | None = None) -> IngestResult:
    case = case or getattr(existing, "case", None)
    target = case.key if case is not None else f"failed document {existing.filename}"
    return IngestResult("duplicate", filename, f"duplicate of {target}", existing, case)


# --- documents and originals ----------------------------------------------------------------


def sniff_content_type(data: bytes) -> str:
    return "application/pdf" if data[:1024].lstrip().startswith(b"%PDF-") else "text/plain"


@lru_cache(maxsize=4096)  # asked twice per new letter: once to store the original, once for its row
def original_name(sha256: str, filename: str) -> str:
    """Where the original lives in storage: decided by its content (see models.document_path)."""
    field = SourceDocument._meta.get_field("original")
    return field.generate_filename(SourceDocument(sha256=sha256), filename)


def save_original_bytes(sha256: str, filename: str, data: bytes) -> None:
    """Write the original before any row names it; the same bytes land on the same path once."""
    field = SourceDocument._meta.get_field("original")
    save_original(field.storage, original_name(sha256, filename), data)


def read_original(document: SourceDocument) -> bytes:
    with document.original.open("rb") as handle:
        data: bytes = handle.read()
    return data


def fill_document_result(document: SourceDocument, parsed: parsing.ParsedDecision) -> None:
    document.text = parsed.text
    document.status = SourceDocument.Status.PARSED
    document.error = ""
    document.warnings = [*parsed.warnings, *search_text_warnings(parsed)]
    document.parser_version = parsing.PARSER_VERSION
    document.parsed_at = timezone.now()


def fill_document_failure(document: SourceDocument, *, text: str, reason: str) -> None:
    document.text = text
    document.status = SourceDocument.Status.FAILED
    document.error = reason
    document.warnings = []
    document.parser_version = parsing.PARSER_VERSION
    document.parsed_at = timezone.now()


def uploader(user: Uploader) -> User | None:
    """The user to record as uploader: nobody for the command line or an anonymous request."""
    return user if isinstance(user, User) else None


# --- cases, items, citations -----------------------------------------------------------------


def case_key(parsed: parsing.ParsedDecision) -> str:
    """The case number where the letter has one, else a stable id from its bytes."""
    return parsed.case_number or f"L-{parsed.sha256[:12]}"


def fill_case_fields(case: Case, parsed: parsing.ParsedDecision, reviewer_ids: dict[str, int]) -> None:
    sections = dict(parsed.sections)
    case.case_number = parsed.case_number
    case.layout = parsed.layout
    case.reviewer_id = reviewer_ids.get(credentials_key(parsed.reviewer))
    case.date_of_injury = parsed.dates.injury
    case.date_assigned = parsed.dates.assigned
    case.ur_denial_date = parsed.dates.ur_denial
    case.decision_date = parsed.dates.decision
    case.application_received = parsed.dates.application_received
    case.patient_age = parsed.patient_age
    case.patient_sex = parsed.patient_sex or ""
    case.diagnoses = list(parsed.diagnoses)
    case.determination_method = sections.pop("determination_method", None) or ""
    case.documents_reviewed = sections.pop("documents_reviewed", None) or ""
    case.clinical_summary = sections.pop("clinical_summary", None) or ""
    case.other_sections = {name: text for name, text in sections.items() if text}
    case.item_count = len(parsed.items)
    case.overturned_count = sum(1 for item in parsed.items if item.outcome == "overturned")
    # The database derives these from the items (migration 0012); written here too so that its
    # triggers, comparing, find nothing to rewrite on the ingest path.
    texts = search_texts(parsed)
    case.search_requests, case.search_rationales = texts["requests"], texts["rationales"]


def item_class_words(parsed: parsing.ParsedDecision) -> list[str]:
    pairs = ((item.treatment_category or "", (item.treatment_subcategory or "")[:40]) for item in parsed.items)
    return [words for category, subcategory in pairs if (words := query.class_words(category, subcategory))]


def search_texts(parsed: parsing.ParsedDecision) -> dict[str, str]:
    """The texts a letter's search vector reads, by their names in ``SEARCHED_CHARS``."""
    return {
        # Requests, diagnoses, then each medication item's class words (as imr_case_requests writes them).
        "requests": "\n".join([*(item.request for item in parsed.items), *parsed.diagnoses, *item_class_words(parsed)]),
        "clinical_summary": parsed.sections.get("clinical_summary") or "",
        "rationales": "\n".join(item.rationale for item in parsed.items),
    }


def search_text_warnings(parsed: parsing.ParsedDecision) -> list[str]:
    """A warning for each text longer than the search vector reads (its words past the cap are not found)."""
    return [
        f"search text trimmed: only the first {SEARCHED_CHARS[name]:,} of the {len(text):,} characters of the"
        f" {name.replace('_', ' ')} are searched (PostgreSQL's search vector holds at most 1 MB); the letter keeps the whole text"
        for name, text in search_texts(parsed).items()
        if len(text) > SEARCHED_CHARS[name]
    ]


def new_item(case: Case, parsed_item: parsing.ParsedItem, guideline_ids: dict[str, int], sources: dict[int, str]) -> DisputedItem:
    reviewer_ids = cited_guideline_ids(parsed_item.reviewer_guidelines, guideline_ids)
    claims_ids = cited_guideline_ids(parsed_item.claims_administrator_guidelines, guideline_ids)
    return DisputedItem(
        case=case,
        position=parsed_item.position,
        request=parsed_item.request,
        header=parsed_item.header,
        outcome=parsed_item.outcome,
        treatment_category=(parsed_item.treatment_category or "")[:40],
        treatment_subcategory=(parsed_item.treatment_subcategory or "")[:40],
        quantity=parsed_item.quantity,
        rationale=parsed_item.rationale,
        ingredients=[name[:100] for name in parsed_item.ingredients],
        body_region=parsed_item.body_region or "",
        laterality=parsed_item.laterality or "",
        # Copies of the citations written below, in the same form as migration 0004's backfill.
        reviewer_guideline_ids=reviewer_ids,
        reviewer_sources=sorted({sources[guideline_id] for guideline_id in reviewer_ids}),
        claims_guideline_ids=claims_ids,
        claims_sources=sorted({sources[guideline_id] for guideline_id in claims_ids}),
    )


def cited_guideline_ids(citations: Iterable[parsing.Citation], guideline_ids: dict[str, int]) -> list[int]:
    return sorted({guideline_ids[guideline_slug(citation)] for citation in citations})


def guideline_sources(ids: Iterable[int]) -> dict[int, str]:
    """The stored source of each guideline (the first letter citing it decided it, as on Guideline)."""
    return dict(Guideline.objects.filter(id__in=set(ids)).values_list("id", "source"))


def item_citations(parsed_item: parsing.ParsedItem) -> list[parsing.Citation]:
    return [*parsed_item.reviewer_guidelines, *parsed_item.claims_administrator_guidelines]


def new_citations(item: DisputedItem, parsed_item: parsing.ParsedItem, guideline_ids: dict[str, int]) -> list[Citation]:
    roles = (
        (parsed_item.reviewer_guidelines, CitedBy.REVIEWER),
        (parsed_item.claims_administrator_guidelines, CitedBy.CLAIMS_ADMINISTRATOR),
    )
    return [
        Citation(
            item=item,
            guideline_id=guideline_ids[guideline_slug(citation)],
            role=role,
            position=position,
            edition=citation.edition,
            topic=(citation.topic or "")[:500],
            pages=(citation.pages or "")[:100],
            text=citation.text,
        )
        for citations, role in roles
        for position, citation in enumerate(citations, start=1)
    ]


# --- reviewers and guidelines: de-duplicated by their unique keys -----------------------------


def resolve_reviewers(infos: Iterable[parsing.ReviewerInfo], lookups: Lookups) -> dict[str, int]:
    """credentials_key -> Reviewer id, creating missing reviewers; the same credentials are one reviewer."""
    wanted = {credentials_key(info): info for info in infos if has_credentials(info)}
    missing = sorted(key for key in wanted if lookups.reviewer_id(key) is None)
    if missing:
        # ON CONFLICT DO NOTHING, then read back: safe when another writer creates the same row.
        Reviewer.objects.bulk_create([new_reviewer(key, wanted[key]) for key in missing], ignore_conflicts=True)
        lookups.pending_reviewers.update(
            Reviewer.objects.filter(credentials_key__in=missing).values_list("credentials_key", "id")
        )
    return {key: reviewer_id for key in wanted if (reviewer_id := lookups.reviewer_id(key)) is not None}


def has_credentials(info: parsing.ReviewerInfo) -> bool:
    return bool(info.specialties or info.licensed_states)


def new_reviewer(key: str, info: parsing.ReviewerInfo) -> Reviewer:
    return Reviewer(
        credentials_key=key,
        specialties=list(info.specialties),
        specialty_slugs=[slugify(name) for name in info.specialties],
        licensed_states=sorted(info.licensed_states),
        board_certified=info.board_certified,
    )


def credentials_key(info: parsing.ReviewerInfo) -> str:
    specialties = ";".join(sorted(slugify(name) for name in info.specialties))
    states = ",".join(sorted(info.licensed_states))
    certified = {True: "bc", False: "not-bc", None: "bc-unknown"}[info.board_certified]
    return fitted_credentials_key(f"{specialties}|{states}|{certified}")


def fitted_credentials_key(credentials: str) -> str:
    """The credentials as written when they fit the column, else their start and a digest of the whole.

    Cutting them at the column's length made two long lists that differ only at the end one
    reviewer. Migration 0010 keeps a copy of this rule for the rows stored before it.
    """
    limit = Reviewer._meta.get_field("credentials_key").max_length or 0
    if len(credentials) <= limit:
        return credentials
    digest = hashlib.sha256(credentials.encode()).hexdigest()
    return f"{credentials[: limit - len(digest) - 1]}#{digest}"


def resolve_guidelines(citations: Iterable[parsing.Citation], lookups: Lookups) -> dict[str, int]:
    """slug -> Guideline id, creating missing guidelines; the slug is a guideline's identity."""
    wanted = {guideline_slug(citation): citation for citation in citations}
    missing = sorted(slug for slug in wanted if lookups.guideline_id(slug) is None)
    if missing:
        Guideline.objects.bulk_create([new_guideline(slug, wanted[slug]) for slug in missing], ignore_conflicts=True)
        lookups.pending_guidelines.update(Guideline.objects.filter(slug__in=missing).values_list("slug", "id"))
    return {slug: guideline_id for slug in wanted if (guideline_id := lookups.guideline_id(slug)) is not None}


def guideline_slug(citation: parsing.Citation) -> str:
    return citation.slug[:200]


def new_guideline(slug: str, citation: parsing.Citation) -> Guideline:
    return Guideline(slug=slug, source=citation.source, title=citation.title[:300], chapter=citation.chapter)


# --- reparse ----------------------------------------------------------------------------------


def replace_case_content(*, case: Case, parsed: parsing.ParsedDecision, lookups: Lookups) -> IngestResult:
    """Re-write a stored case from a new parse, keeping its id and URL (its key)."""
    document = case.document
    try:
        with transaction.atomic():
            fill_document_result(document, parsed)
            document.save()
            case.items.all().delete()
            fill_case_fields(case, parsed, resolve_reviewers([parsed.reviewer], lookups))
            case.save()
            create_items([(case, parsed)], lookups)
    except BaseException:
        lookups.forget_pending()
        raise
    lookups.commit()
    return IngestResult("updated", document.filename, f"updated {case.key}", document, case)


def promote_failed_document(*, document: SourceDocument, parsed: parsing.ParsedDecision, lookups: Lookups) -> IngestResult:
    """A failed document that the current parser reads becomes a case (unless it is re-issued)."""
    try:
        with transaction.atomic():
            reason = reissue_reasons([parsed]).get(parsed.sha256)
            if reason:
                fill_document_failure(document, text=parsed.text, reason=reason)
                document.save()
                return IngestResult("failed", document.filename, reason, document)
            fill_document_result(document, parsed)
            document.save()
            case = create_cases([(document, parsed)], lookups)[document.sha256]
    except BaseException:
        lookups.forget_pending()
        raise
    lookups.commit()
    return IngestResult("ingested", document.filename, f"ingested as {case.key}", document, case)


def reparse_summary(results: list[IngestResult]) -> str:
    """The last line of ``reparse`` and of the admin's retry action."""
    updated = sum(1 for result in results if result.status == "updated")
    created = sum(1 for result in results if result.status == "ingested")
    failed = sum(1 for result in results if result.status == "failed")
    return f"reparsed {updated}, new cases {created}, failed {failed}"


def record_reparse_failure(document: SourceDocument, case: Case | None, prepared: PreparedDocument) -> IngestResult:
    """A failed document keeps its newest reason; a parsed one keeps its case untouched."""
    if case is not None:
        message = f"{prepared.error} (case {case.key} kept as parsed by parser {document.parser_version or 'unknown'})"
        return IngestResult("failed", document.filename, message, document, case)
    fill_document_failure(document, text=prepared.outcome.text, reason=prepared.error)
    document.save(update_fields=["text", "status", "error", "warnings", "parser_version", "parsed_at"])
    return IngestResult("failed", document.filename, prepared.error, document)
