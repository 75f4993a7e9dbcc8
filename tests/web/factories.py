"""Small helpers that build letters directly in the database, the way the ingest service stores them."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import date

from django.core.files.base import ContentFile
from django.utils.text import slugify

from decisions import query
from decisions.models import Case, Citation, CitedBy, DisputedItem, Guideline, Reviewer, SourceDocument

_counter = itertools.count(1)


@dataclass
class Item:
    request: str
    outcome: str = "upheld"
    category: str = ""
    subcategory: str = ""
    rationale: str = ""
    quantity: int | None = None
    reviewer: list[str] = field(default_factory=list)  # guideline slugs the IMR reviewer relied on
    claims_administrator: list[str] = field(default_factory=list)
    ingredients: list[str] = field(default_factory=list)
    body_region: str = ""
    laterality: str = ""


GUIDELINES = {
    "mtus-chronic-pain": ("MTUS", "MTUS Chronic Pain Medical Treatment Guidelines"),
    "mtus-acoem-low-back": ("MTUS", "MTUS ACOEM Chapter 12 Low Back Complaints"),
    "mtus-acupuncture": ("MTUS", "MTUS Acupuncture Medical Treatment Guidelines"),
    "odg-pain": ("ODG", "Official Disability Guidelines (ODG) Pain"),
    "odg-low-back": ("ODG", "Official Disability Guidelines (ODG) Low Back"),
    "uptodate": ("other", "UpToDate"),
}


def guideline(slug: str) -> Guideline:
    source, title = GUIDELINES.get(slug, ("other", slug.replace("-", " ").title()))
    found, _ = Guideline.objects.get_or_create(slug=slug, defaults={"source": source, "title": title})
    return found


def reviewer(specialties: list[str], states: list[str]) -> Reviewer:
    key = ";".join(slugify(s) for s in specialties) + "|" + ",".join(states)
    found, _ = Reviewer.objects.get_or_create(
        credentials_key=key,
        defaults={
            "specialties": specialties,
            "specialty_slugs": [slugify(s) for s in specialties],
            "licensed_states": states,
            "board_certified": True,
        },
    )
    return found


def make_case(
    items: list[Item],
    *,
    case_number: str | None = None,
    decided: date | None = date(2016, 12, 9),
    injured: date | None = date(2015, 3, 1),
    specialties: tuple[str, ...] = ("Orthopaedic Surgery",),
    states: tuple[str, ...] = ("CA",),
    age: int | None = 48,
    sex: str = "male",
    summary: str = "The injured worker reports chronic low back pain.",
    diagnoses: tuple[str, ...] = ("Lumbar strain",),
) -> Case:
    number = next(_counter)
    case_number = case_number or f"CM16-{number:07d}"
    text = f"Case Number: {case_number}\n{summary}\n" + "\n".join(f"{i.request}: {i.outcome.title()}" for i in items)
    data = text.encode()
    document = SourceDocument(
        filename=f"{case_number}.txt",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type="text/plain",
        text=text,
        status=SourceDocument.Status.PARSED,
    )
    document.original.save(document.filename, ContentFile(data), save=False)
    document.save()
    case = Case.objects.create(
        key=case_number,
        case_number=case_number,
        layout="A",
        document=document,
        reviewer=reviewer(list(specialties), list(states)) if specialties or states else None,
        date_of_injury=injured,
        decision_date=decided,
        patient_age=age,
        patient_sex=sex,
        diagnoses=list(diagnoses),
        clinical_summary=summary,
        item_count=len(items),
        overturned_count=sum(1 for i in items if i.outcome == "overturned"),
        search_requests="\n".join(
            [*(i.request for i in items), *diagnoses, *(w for i in items if (w := query.class_words(i.category, i.subcategory)))]
        ),
        search_rationales="\n".join(i.rationale for i in items),
    )
    # Items, then citations, each in one statement, as the ingest service writes them: the
    # database's triggers then find the letter's copies already right and rewrite nothing.
    stored = DisputedItem.objects.bulk_create(
        [new_item(case, position, item) for position, item in enumerate(items, start=1)]
    )
    Citation.objects.bulk_create([citation for row, item in zip(stored, items, strict=True) for citation in new_citations(row, item)])
    return case


def new_item(case: Case, position: int, item: Item) -> DisputedItem:
    return DisputedItem(
        case=case,
        position=position,
        request=item.request,
        outcome=item.outcome,
        treatment_category=item.category,
        treatment_subcategory=item.subcategory,
        quantity=item.quantity,
        rationale=item.rationale,
        ingredients=item.ingredients,
        body_region=item.body_region,
        laterality=item.laterality,
        **citation_copies(item),
    )


def new_citations(stored: DisputedItem, item: Item) -> list[Citation]:
    return [
        Citation(item=stored, guideline=guideline(slug), role=role, position=order, text=slug)
        for role, slugs in ((CitedBy.REVIEWER, item.reviewer), (CitedBy.CLAIMS_ADMINISTRATOR, item.claims_administrator))
        for order, slug in enumerate(slugs, start=1)
    ]


def add_item(case: Case, position: int, item: Item) -> DisputedItem:
    """One item added to a stored letter (as the admin's item page would), then its citations."""
    stored = new_item(case, position, item)
    stored.save()
    Citation.objects.bulk_create(new_citations(stored, item))
    return stored


def citation_copies(item: Item) -> dict[str, list[int] | list[str]]:
    """The item's copies of its citations, as the ingest service writes them."""
    reviewer = [guideline(slug) for slug in item.reviewer]
    claims = [guideline(slug) for slug in item.claims_administrator]
    return {
        "reviewer_guideline_ids": sorted({g.id for g in reviewer}),
        "reviewer_sources": sorted({g.source for g in reviewer}),
        "claims_guideline_ids": sorted({g.id for g in claims}),
        "claims_sources": sorted({g.source for g in claims}),
    }
