"""What a layout reader found, before parse_text turns it into a ParsedDecision."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .models import ParsedItem

CASE_NUMBER = re.compile(r"\bCM\s?(\d{2})\s?-\s?(\d{7})\b")
# No letter disputes more than a dozen or so items. Text that seems to hold thousands is not
# a letter's item list, and reading each (classification, citations) would cost seconds.
MAX_ITEMS = 100


@dataclass
class Reading:
    case_number: str | None = None
    dates: dict[str, date | None] = field(default_factory=dict)
    summary: str | None = None
    credentials: str = ""
    sections: dict[str, str | None] = field(default_factory=dict)
    items: list[ParsedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Layouts with a header table should give every date; the seeds' layout gives none.
    header_expected: bool = True


def case_number_in(text: str) -> str | None:
    match = CASE_NUMBER.search(text)
    return f"CM{match.group(1)}-{match.group(2)}" if match else None


def items_beyond_limit(count: int) -> str:
    """The warning for a letter whose items past MAX_ITEMS were not read."""
    return f"{count} disputed items found: only the first {MAX_ITEMS} were read"
