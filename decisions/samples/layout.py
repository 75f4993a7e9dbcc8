"""Turning a letter's paragraphs into text as a PDF text extractor would give it."""

from __future__ import annotations


def wrap(paragraph: str, width: int) -> list[str]:
    """Break a paragraph into lines of at most `width` characters at spaces.

    Each broken line keeps its trailing space, as text extracted from these PDFs does. A word
    longer than the width stays whole. Cheaper than textwrap, which matters at a million letters.
    """
    if len(paragraph) <= width:
        return [paragraph]
    lines: list[str] = []
    start = 0
    end = len(paragraph)
    while end - start > width:
        cut = paragraph.rfind(" ", start, start + width)
        if cut <= start:
            cut = paragraph.find(" ", start + width)
            if cut < 0:
                break
        lines.append(paragraph[start : cut + 1])
        start = cut + 1
    lines.append(paragraph[start:])
    return lines


def layout_a(header: list[str], paragraphs: list[str], width: int) -> str:
    """Layout A: header lines, then wrapped paragraphs with no blank line between them."""
    lines = list(header)
    for paragraph in paragraphs:
        if len(paragraph) <= width:  # headings and labels: skip the call
            lines.append(paragraph)
        else:
            lines.extend(wrap(paragraph, width))
    return "\n".join(lines) + "\n"


SEED_PAGE_LINES = 46  # text lines per page in the seed extractions


def layout_s_extracted(paragraphs: list[str], width: int) -> str:
    """Layout S as the seeds were extracted: a blank line after every line.

    Every line ends with a space, paragraphs are parted by a line holding one space, the text
    begins with a space, and each page break adds two more blank lines, as in the seed files.
    """
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(wrap(paragraph, width))
        lines[-1] += " "
        lines.append(" ")
    for at in range(len(lines) - len(lines) % SEED_PAGE_LINES, 0, -SEED_PAGE_LINES):
        if at < len(lines):
            lines.insert(at, "")
    return " " + "\n\n".join(lines) + "\n\n"


def layout_s_clean(paragraphs: list[str]) -> str:
    """Layout S as plain text: one paragraph per line, a blank line between paragraphs."""
    return "\n\n".join(paragraphs) + "\n"
