"""Letters' keys in URLs: matched whatever their case, so ``cm17-0005418`` finds CM17-0005418."""

from __future__ import annotations

import re

from django.urls import register_converter

# The two forms decisions.services.case_key gives: the case number as the parser writes it
# (upper case), or ``L-`` and the first 12 lower-case hex digits of the file's SHA-256.
CASE_NUMBER_KEY = re.compile(r"cm[0-9]{2}-[0-9]{7}", re.IGNORECASE)
LETTER_ID_KEY = re.compile(r"l-[0-9a-f]{12}", re.IGNORECASE)


def canonical_key(key: str) -> str:
    """The stored spelling of a key typed in any case; other keys are returned unchanged."""
    if CASE_NUMBER_KEY.fullmatch(key):
        return key.upper()
    if LETTER_ID_KEY.fullmatch(key):
        return "L-" + key[2:].lower()
    return key


class CaseKeyConverter:
    """One path segment no longer than Case.key can be: longer ones are not found without a query."""

    regex = r"[^/]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseKeyConverter, "casekey")
