"""render_pdf: a minimal PDF that text extractors read back line by line, in order."""

from __future__ import annotations

import pypdfium2 as pdfium

from decisions.samples import generate_letters, render_pdf


def extracted_lines(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def test_it_round_trips_a_letter_through_pypdfium2() -> None:
    letter = next(generate_letters(1, seed=9, layouts=("A",)))
    lines = [line.strip() for line in letter.text.split("\n") if line.strip()]
    assert extracted_lines(render_pdf(letter.text)) == lines


def test_it_breaks_pages_every_fifty_five_lines() -> None:
    text = "\n".join(f"line {n}" for n in range(120))
    document = pdfium.PdfDocument(render_pdf(text))
    assert len(document) == 3
    assert extracted_lines(render_pdf(text)) == [f"line {n}" for n in range(120)]


def test_it_escapes_parentheses_and_backslashes() -> None:
    text = "Eight (8) acupuncture sessions\nC:\\path (with) \\ slashes"
    assert extracted_lines(render_pdf(text)) == text.split("\n")


def test_it_replaces_characters_outside_windows_1252() -> None:
    lines = extracted_lines(render_pdf("caf\u00e9 \u2013 ok \u4e2d"))
    assert lines == ["caf\u00e9 \u2013 ok ?"]


def test_it_writes_a_valid_pdf_for_empty_text() -> None:
    assert pdfium.PdfDocument(render_pdf("")).__len__() == 1


def test_it_keeps_layout_s_letters_readable() -> None:
    letter = next(generate_letters(1, seed=4, layouts=("S",)))
    joined = " ".join(extracted_lines(render_pdf(letter.text)))
    assert " ".join(letter.text.split()) == " ".join(joined.split())
