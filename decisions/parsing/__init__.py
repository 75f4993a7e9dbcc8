"""The pure IMR letter parser: bytes or text in, dataclasses out. No Django here.

>>> decision = parse_bytes(pdf_bytes, "CM16-0213037.pdf")
>>> decision.to_dict()  # the JSON object of parsed-decision.schema.json
"""

from __future__ import annotations

import hashlib

from .extract import Extracted, extract_text
from .models import Citation, Dates, ParsedDecision, ParsedItem, ParseError, ReviewerInfo
from .parser import detect_layout, parse_text
from .taxonomy import CATEGORIES, SUBCATEGORIES, classify_request

# Bump when the output for the same input changes.
PARSER_VERSION = "1.3.0"

__all__ = [
    "CATEGORIES",
    "PARSER_VERSION",
    "SUBCATEGORIES",
    "Citation",
    "Dates",
    "Extracted",
    "ParseError",
    "ParsedDecision",
    "ParsedItem",
    "ReviewerInfo",
    "classify_request",
    "detect_layout",
    "extract_text",
    "parse_bytes",
    "parse_text",
]


def parse_bytes(data: bytes, filename: str) -> ParsedDecision:
    """Extract and parse one file; sha256 is of the bytes as given."""
    extracted = extract_text(data, filename)
    decision = parse_text(extracted.text, filename=filename, sha256=hashlib.sha256(data).hexdigest())
    if extracted.warnings:
        decision.warnings[:0] = extracted.warnings
    return decision
