"""Dataclasses the parser returns, and their JSON shape (parsed-decision.schema.json)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Source = Literal["MTUS", "ODG", "other"]
Outcome = Literal["upheld", "overturned"]

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slugify(value: str) -> str:
    """Lower-case ASCII slug: 'ACOEM Chapter 12: Low Back' -> 'acoem-chapter-12-low-back'."""
    return _SLUG_JUNK.sub("-", value.lower()).strip("-")


class ParseError(Exception):
    """The one exception the parser raises for input it cannot read."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason


@dataclass(frozen=True)
class Citation:
    """One guideline cited on a guideline line, under its canonical title."""

    source: Source
    title: str
    text: str
    chapter: int | None = None
    topic: str | None = None
    pages: str | None = None
    edition: int | None = None

    @property
    def slug(self) -> str:
        """Stable identity of the guideline (not of the topic or edition)."""
        if self.source == "MTUS" and not self.title.startswith("ACOEM"):
            return slugify(f"MTUS {self.title}")
        return slugify(self.title)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "title": self.title,
            "slug": self.slug,
            "chapter": self.chapter,
            "topic": self.topic,
            "pages": self.pages,
            "edition": self.edition,
            "text": self.text,
        }


@dataclass(frozen=True)
class ParsedItem:
    """One disputed item/service and its decision."""

    position: int
    request: str
    header: str
    outcome: Outcome
    treatment_category: str | None
    treatment_subcategory: str | None
    quantity: int | None
    claims_administrator_guidelines: list[Citation]
    reviewer_guidelines: list[Citation]
    rationale: str
    ingredients: tuple[str, ...] = ()  # generic names, lower case; empty for items that are not drugs
    body_region: str | None = None  # a slug of the schema's body regions
    laterality: str | None = None  # left, right or bilateral

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "request": self.request,
            "header": self.header,
            "outcome": self.outcome,
            "treatment_category": self.treatment_category,
            "treatment_subcategory": self.treatment_subcategory,
            "quantity": self.quantity,
            "claims_administrator_guidelines": [c.to_dict() for c in self.claims_administrator_guidelines],
            "reviewer_guidelines": [c.to_dict() for c in self.reviewer_guidelines],
            "rationale": self.rationale,
            "ingredients": list(self.ingredients),
            "body_region": self.body_region,
            "laterality": self.laterality,
        }


@dataclass(frozen=True)
class Dates:
    injury: date | None = None
    assigned: date | None = None
    ur_denial: date | None = None
    decision: date | None = None
    application_received: date | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            name: (value.isoformat() if value else None)
            for name, value in (
                ("injury", self.injury),
                ("assigned", self.assigned),
                ("ur_denial", self.ur_denial),
                ("decision", self.decision),
                ("application_received", self.application_received),
            )
        }


@dataclass(frozen=True)
class ReviewerInfo:
    specialties: list[str] = field(default_factory=list)
    licensed_states: list[str] = field(default_factory=list)
    board_certified: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "specialties": list(self.specialties),
            "licensed_states": list(self.licensed_states),
            "board_certified": self.board_certified,
        }


@dataclass(frozen=True)
class ParsedDecision:
    """Everything read from one letter; `to_dict()` is the schema's JSON object."""

    filename: str
    sha256: str
    layout: str
    case_number: str | None
    patient_age: int | None
    patient_sex: Literal["male", "female"] | None
    dates: Dates
    reviewer: ReviewerInfo
    diagnoses: list[str]
    sections: dict[str, str | None]
    items: list[ParsedItem]
    warnings: list[str]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": {"filename": self.filename, "sha256": self.sha256},
            "layout": self.layout,
            "case_number": self.case_number,
            "patient": {"age": self.patient_age, "sex": self.patient_sex},
            "dates": self.dates.to_dict(),
            "reviewer": self.reviewer.to_dict(),
            "diagnoses": list(self.diagnoses),
            "sections": dict(self.sections),
            "items": [item.to_dict() for item in self.items],
            "warnings": list(self.warnings),
        }
