"""Guidelines as people read them: treatment guidelines apart from the web pages and articles
that letters also cite, and each guideline's overturned share as a bar without inline styles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django import template

from decisions.models import Guideline, Source

register = template.Library()

# The reference works the parser names when a letter cites them outside MTUS and ODG
# (decisions/parsing/citations.py, _OTHER_TITLES). Any other "other" source is the title the
# parser read from a web address or from a reference's first sentence: not a guideline.
NAMED_WORKS = frozenset(
    {
        "UpToDate",
        "ACOEM Occupational Medicine Practice Guidelines, 3rd Edition",
        "ACOEM Occupational Medicine Practice Guidelines, 2nd Edition",
        "MDGuidelines",
        "Physicians' Desk Reference",
        "Medscape",
        "Drugs.com",
        "FDA",
    }
)
WEB_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")

GUIDELINE = "Guideline"
WEB_PAGE = "Web page"
OTHER_REFERENCE = "Article or other reference"


def reference_kind(guideline: Guideline) -> str:
    """What a cited work is: a guideline (MTUS, ODG, a named reference work), a web page, or another reference."""
    if guideline.source != Source.OTHER or guideline.title in NAMED_WORKS:
        return GUIDELINE
    return WEB_PAGE if WEB_HOST.match(guideline.title) else OTHER_REFERENCE


@dataclass
class GuidelineGroups:
    guidelines: list[Guideline] = field(default_factory=list)
    references: list[Guideline] = field(default_factory=list)

    @property
    def reference_items(self) -> int:
        return sum(getattr(reference, "items", 0) for reference in self.references)


@register.simple_tag
def group_guidelines(guidelines: Iterable[Guideline]) -> GuidelineGroups:
    """Guidelines first; web pages and other references apart, each labelled with its kind."""
    groups = GuidelineGroups()
    for guideline in guidelines:
        kind = reference_kind(guideline)
        guideline.kind = kind  # type: ignore[attr-defined]
        (groups.guidelines if kind == GUIDELINE else groups.references).append(guideline)
    return groups


@register.filter
def kind_label(guideline: Guideline) -> str:
    return reference_kind(guideline)


@register.filter
def share(part: int, whole: int) -> int | None:
    """``part`` as a whole percentage of ``whole``; None when there is nothing to share."""
    return round(100 * part / whole) if whole else None
