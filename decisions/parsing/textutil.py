"""Text normalisation shared by every layout: clean lines, reflow, and dates.

Extracted letters have no reliable blank lines (layout A has none, layout S has one after
every line), so structure is never read from blank lines: the parser works on the list of
non-blank lines and finds paragraphs by the letters' own markers.
"""

from __future__ import annotations

import re
from datetime import date

# pdfium reports a hyphen at a line end as U+FFFE; Word only breaks at real hyphens.
_CHAR_FIXES = (("\ufffe", "-"), ("\u00ad", ""), ("\ufeff", ""), ("\u2010", "-"), ("\u2011", "-"))
# Page furniture some extractors keep: "Page 2 of 5", a bare page number.
_PAGE_FURNITURE = re.compile(r"^(?:page\s+\d+(?:\s+of\s+\d+)?|-?\s*\d{1,3}\s*-?)$", re.I)
# Words that PDF extraction of 2013 letters glues together ("notmedically").
_GLUED = re.compile(r"\b(is|not|be|and)(medically|necessary|appropriate)\b", re.I)
_GLUED_MED = re.compile(r"\b(medically)(necessary)\b", re.I)
# A glued word: one of these right after a lower-case letter, with a word boundary after it.
_GLUED_WORDS = ("medically", "necessary", "appropriate")


def clean_lines(text: str) -> list[str]:
    """Non-blank, whitespace-folded lines; page breaks and CR/LF variants become line ends."""
    for char, replacement in _CHAR_FIXES:  # str.translate is slower for so few characters
        if char in text:
            text = text.replace(char, replacement)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    if _has_glued_words(text):
        text = _GLUED_MED.sub(r"\1 \2", _GLUED.sub(r"\1 \2", text))
    if "\u200b" in text:
        text = text.replace("\u200b", "")
    # str.split() folds every Unicode space (NBSP, em space...) and is much faster than a regex.
    return [
        line
        for line in (" ".join(raw.split()) for raw in text.split("\n"))
        if line and not (len(line) < 16 and _PAGE_FURNITURE.match(line))
    ]


# IGNORECASE matches these to ASCII letters ("ſ" to "s"), but str.lower() leaves them alone.
_IGNORECASE_TWINS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def keyword_view(text: str) -> str:
    """`text` lower-cased for cheap `word in view` checks before running a regex.

    Any ASCII word that a case-insensitive regex can match in `text` is a substring of the
    view, so `word not in view` safely skips the regex. Not for positions: lengths may differ.
    For the same reason, a word such a regex matched is looked up in a table of lower-case
    words by its view: "ſix" matches "six" but str.lower() leaves it "ſix".
    """
    if not text.isascii():
        text = text.translate(_IGNORECASE_TWINS)
    return text.lower()


def _has_glued_words(text: str) -> bool:
    """Whether re.search(r"[a-z](?:medically|necessary|appropriate)\\b", text) would match.

    str.find skips through a whole letter about ten times faster than that regex, which
    tries its alternation at every character.
    """
    for word in _GLUED_WORDS:
        start = text.find(word, 1)
        while start != -1:
            end = start + len(word)
            if "a" <= text[start - 1] <= "z" and not (end < len(text) and _is_word_char(text[end])):
                return True
            start = text.find(word, start + 1)
    return False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches in a str pattern


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines into one run of text (a line-end hyphen joins without a space)."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].endswith("-") and line[:1].isalpha() and out[-1][-2:-1].isalpha():
            out[-1] = out[-1] + line
        else:
            out.append(line)
    return " ".join(out).strip()


def reflow(text: str) -> str:
    """Reflow a block of wrapped text (with \\n line ends) into one paragraph."""
    return join_lines([" ".join(line.split()) for line in text.split("\n") if line.strip()])


# ----------------------------------------------------------------- linear searches


class InOrder:
    """A pattern whose top-level '.*' means "and later on", searched in linear time.

    re tries `A.*B` from every match of A, and each try runs to the end of the text: a text
    with many A's and no B costs the square of its length. "A then B anywhere after" needs
    only the first A (these patterns' A's are whole words, so the first to start is the first
    to end) and one search for B from there. Top-level alternatives are tried one by one.
    `.*` is read as matching any character (re.S): the texts searched are single lines.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.sequences = [
            [re.compile(part, flags) for part in _split_top_level(alternative, ".*")]
            for alternative in _split_top_level(pattern, "|")
        ]

    def search(self, text: str) -> bool:
        return any(_found_in_order(parts, text) for parts in self.sequences)


def _found_in_order(parts: list[re.Pattern[str]], text: str) -> bool:
    position = 0
    for part in parts:
        match = part.search(text, position)
        if match is None:
            return False
        position = match.end()
    return True


def _split_top_level(pattern: str, separator: str) -> list[str]:
    """`pattern` cut at each `separator` outside groups, character classes and escapes."""
    pieces: list[str] = []
    depth, start, index, in_class = 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1
            index += pattern.startswith("^", index)
            index += pattern.startswith("]", index)  # a "]" first in a class is a literal
            continue
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif depth == 0 and pattern.startswith(separator, index):
            pieces.append(pattern[start:index])
            start = index + len(separator)
            index = start
            continue
        index += 1
    pieces.append(pattern[start:])
    return pieces


# ---------------------------------------------------------------------------- dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
NUMERIC_DATE = r"\d{1,2}\s?[/-]\s?\d{1,2}\s?[/-]\s?(?:\d{4}|\d{2})(?!\d)"
WORDY_DATE = rf"(?:{_MONTH_NAMES})\.?\s+\d{{1,2}},?\s+\d{{4}}"
# The look-ahead on the first characters (a digit or a month's initial, case folded as the
# rest) rejects most positions with one test instead of trying two dozen month names.
DATE_PATTERN = rf"(?=[\dadfjmnos])(?:{NUMERIC_DATE}|{WORDY_DATE})"
_NUMERIC = re.compile(r"(\d{1,2})\s?[/-]\s?(\d{1,2})\s?[/-]\s?(\d{4}|\d{2})")
_WORDY = re.compile(rf"({_MONTH_NAMES})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})", re.I)
DATE_RE = re.compile(DATE_PATTERN, re.I)


def parse_date(value: str) -> date | None:
    """'11/03/2016', '1/3/16', '10-13-16', 'October 20, 2016' -> date; None when invalid."""
    match = _NUMERIC.search(value)
    if match:
        month, day, year = (int(group) for group in match.groups())
        if len(match.group(3)) == 2:
            # IMR began in 2013: two-digit years are this century unless that is in the future.
            year += 2000 if year <= (date.today().year % 100) else 1900
    else:
        match = _WORDY.search(value)
        if not match:
            return None
        month = _MONTHS[keyword_view(match.group(1))]
        day, year = int(match.group(2)), int(match.group(3))
    try:
        return date(year, month, day)
    except ValueError:
        return None
