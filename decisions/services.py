"""The one write path: every letter enters the archive through ``ingest_document``.

The ``ingest`` command, the admin upload and the background worker all call it. The original
bytes are stored first (by content hash); the document row, the case, its reviewer, items and
citations are then written in one transaction, so a letter is stored whole or not at all.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from decisions import parsing
from decisions.models import Case, Citation, CitedBy, DisputedItem, Guideline, Reviewer, SourceDocument

logger = logging.getLogger(__name__)

IngestStatus = Literal["ingested", "duplicate", "failed"]


@dataclass(frozen=True)
class IngestResult:
    """What became of one file."""

    status: IngestStatus
    filename: str
    message: str = ""
    document: SourceDocument | None = None
    case: Case | None = None


class ReissuedLetterError(Exception):
    """A letter whose case number is already in the archive from other bytes."""


def sniff_content_type(data: bytes) -> str:
    return "application/pdf" if data[:1024].lstrip().startswith(b"%PDF-") else "text/plain"


def ingest_document(*, data: bytes, filename: str, uploaded_by: AbstractBaseUser | None = None) -> IngestResult:
    """Store one file and the letter it holds. The same bytes twice create nothing new."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = SourceDocument.objects.filter(sha256=sha256).select_related("case").first()
    if existing is not None:
        return duplicate_result(filename, existing)
    try:
        extracted = parsing.extract_text(data, filename)
    except parsing.ParseError as error:
        return store_failed(data=data, sha256=sha256, filename=filename, text="", reason=error.reason, uploaded_by=uploaded_by)
    try:
        parsed = parsing.parse_text(extracted.text, filename=filename, sha256=sha256)
    except parsing.ParseError as error:
        return store_failed(data=data, sha256=sha256, filename=filename, text=extracted.text, reason=error.reason, uploaded_by=uploaded_by)
    parsed.warnings[:0] = extracted.warnings
    document = SourceDocument(
        filename=filename[:500],
        sha256=sha256,
        size=len(data),
        content_type=sniff_content_type(data),
        uploaded_by=uploaded_by,
    )
    try:
        case = store_parsed(document=document, data=data, parsed=parsed)
    except IntegrityError:
        # Lost a race: another process stored the same bytes between our check and our insert.
        winner = SourceDocument.objects.filter(sha256=sha256).select_related("case").first()
        if winner is None:
            raise
        return duplicate_result(filename, winner)
    except ReissuedLetterError as error:
        return store_failed(data=data, sha256=sha256, filename=filename, text=extracted.text, reason=str(error), uploaded_by=uploaded_by)
    return IngestResult("ingested", filename, f"ingested as {case.key}", document, case)


def duplicate_result(filename: str, existing: SourceDocument) -> IngestResult:
    case = getattr(existing, "case", None)
    target = case.key if case is not None else f"failed document {existing.filename}"
    return IngestResult("duplicate", filename, f"duplicate of {target}", existing, case)


@transaction.atomic
def store_parsed(*, document: SourceDocument, data: bytes, parsed: parsing.ParsedDecision) -> Case:
    """Write the document and its case in one transaction."""
    if parsed.case_number and Case.objects.filter(case_number=parsed.case_number).exists():
        other = Case.objects.select_related("document").get(case_number=parsed.case_number)
        raise ReissuedLetterError(
            f"re-issued letter: case {parsed.case_number} is already in the archive from {other.document.filename}; "
            "not merged"
        )
    fill_document_result(document, parsed)
    document.original.save(document.filename, ContentFile(data), save=False)
    document.save()
    case = Case(document=document, key=case_key(parsed))
    write_case(case, parsed)
    return case


@transaction.atomic
def replace_case_content(*, case: Case, parsed: parsing.ParsedDecision) -> Case:
    """Re-write a stored case from a new parse, keeping its id and URL (used by reparse)."""
    fill_document_result(case.document, parsed)
    case.document.save()
    case.items.all().delete()
    write_case(case, parsed)
    return case


def write_case(case: Case, parsed: parsing.ParsedDecision) -> None:
    fill_case_fields(case, parsed)
    case.save()
    for item in parsed.items:
        write_item(case, item)


def fill_document_result(document: SourceDocument, parsed: parsing.ParsedDecision) -> None:
    document.text = parsed.text
    document.status = SourceDocument.Status.PARSED
    document.error = ""
    document.warnings = list(parsed.warnings)
    document.parser_version = parsing.PARSER_VERSION
    document.parsed_at = timezone.now()


def case_key(parsed: parsing.ParsedDecision) -> str:
    """The case number where the letter has one, else a stable id from its bytes."""
    return parsed.case_number or f"L-{parsed.sha256[:12]}"


def fill_case_fields(case: Case, parsed: parsing.ParsedDecision) -> None:
    sections = dict(parsed.sections)
    case.case_number = parsed.case_number
    case.layout = parsed.layout
    case.reviewer = reviewer_for(parsed.reviewer)
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
    case.search_requests = "\n".join([*(item.request for item in parsed.items), *parsed.diagnoses])
    case.search_rationales = "\n".join(item.rationale for item in parsed.items)


def write_item(case: Case, parsed_item: parsing.ParsedItem) -> DisputedItem:
    item = DisputedItem.objects.create(
        case=case,
        position=parsed_item.position,
        request=parsed_item.request,
        header=parsed_item.header,
        outcome=parsed_item.outcome,
        treatment_category=parsed_item.treatment_category or "",
        treatment_subcategory=parsed_item.treatment_subcategory or "",
        quantity=parsed_item.quantity,
        rationale=parsed_item.rationale,
    )
    citations = [
        *citation_rows(item, parsed_item.reviewer_guidelines, CitedBy.REVIEWER),
        *citation_rows(item, parsed_item.claims_administrator_guidelines, CitedBy.CLAIMS_ADMINISTRATOR),
    ]
    Citation.objects.bulk_create(citations)
    return item


def citation_rows(item: DisputedItem, citations: list[parsing.Citation], role: str) -> list[Citation]:
    return [
        Citation(
            item=item,
            guideline=guideline_for(citation),
            role=role,
            position=position,
            edition=citation.edition,
            topic=(citation.topic or "")[:500],
            pages=(citation.pages or "")[:100],
            text=citation.text,
        )
        for position, citation in enumerate(citations, start=1)
    ]


def guideline_for(citation: parsing.Citation) -> Guideline:
    """The canonical guideline row, created on first sight; the slug decides identity."""
    guideline, _ = Guideline.objects.get_or_create(
        slug=citation.slug[:200],
        defaults={"source": citation.source, "title": citation.title[:300], "chapter": citation.chapter},
    )
    return guideline


def reviewer_for(info: parsing.ReviewerInfo) -> Reviewer | None:
    """The same credentials are one reviewer, shared by many cases."""
    if not info.specialties and not info.licensed_states:
        return None
    reviewer, _ = Reviewer.objects.get_or_create(
        credentials_key=credentials_key(info),
        defaults={
            "specialties": list(info.specialties),
            "specialty_slugs": [slugify(name) for name in info.specialties],
            "licensed_states": sorted(info.licensed_states),
            "board_certified": info.board_certified,
        },
    )
    return reviewer


def credentials_key(info: parsing.ReviewerInfo) -> str:
    specialties = ";".join(sorted(slugify(name) for name in info.specialties))
    states = ",".join(sorted(info.licensed_states))
    certified = {True: "bc", False: "not-bc", None: "bc-unknown"}[info.board_certified]
    return f"{specialties}|{states}|{certified}"[:500]


def store_failed(
    *, data: bytes, sha256: str, filename: str, text: str, reason: str, uploaded_by: AbstractBaseUser | None
) -> IngestResult:
    """Keep a file the parser could not read, with its reason, so it can be retried later."""
    document = SourceDocument(
        filename=filename[:500],
        sha256=sha256,
        size=len(data),
        content_type=sniff_content_type(data),
        text=text,
        status=SourceDocument.Status.FAILED,
        error=reason,
        parser_version=parsing.PARSER_VERSION,
        parsed_at=timezone.now(),
        uploaded_by=uploaded_by,
    )
    try:
        with transaction.atomic():
            document.original.save(document.filename, ContentFile(data), save=False)
            document.save()
    except IntegrityError:
        winner = SourceDocument.objects.filter(sha256=sha256).select_related("case").first()
        if winner is None:
            raise
        return duplicate_result(filename, winner)
    return IngestResult("failed", filename, reason, document, None)
