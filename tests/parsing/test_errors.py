"""Bad input: ParseError, and nothing else, with the file's name in the message."""

from __future__ import annotations

import pytest

from decisions.parsing import ParseError, extract_text, parse_bytes, parse_text


def test_text_in_no_known_layout_names_the_file() -> None:
    with pytest.raises(ParseError) as caught:
        parse_text("Dear customer, your parcel is on its way.", filename="parcel.txt")
    assert caught.value.filename == "parcel.txt"
    assert str(caught.value).startswith("parcel.txt: ")
    assert "layout" in caught.value.reason


def test_pdf_name_without_pdf_bytes_is_not_a_pdf() -> None:
    with pytest.raises(ParseError, match="not a PDF file"):
        extract_text(b"just some words", "letter.pdf")


def test_broken_pdf_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unreadable PDF"):
        parse_bytes(b"%PDF-1.7\n garbage that is no PDF", "broken.pdf")


def test_binary_bytes_are_refused() -> None:
    with pytest.raises(ParseError, match="binary"):
        extract_text(b"\x00\x01\x02 binary", "blob.bin")


def test_utf8_bom_is_stripped_and_cp1252_falls_back_with_warning() -> None:
    assert extract_text("\ufeffcaf\u00e9".encode(), "a.txt").text == "caf\u00e9"
    extracted = extract_text("caf\u00e9 \u2013 ok".encode("cp1252"), "b.txt")
    assert extracted.text == "caf\u00e9 \u2013 ok"
    assert extracted.warnings == ["text was not UTF-8; read as Windows-1252"]


def test_parse_bytes_hashes_the_bytes_and_carries_extraction_warnings() -> None:
    from hashlib import sha256

    from tests.parsing.letters import LAYOUT_C

    data = LAYOUT_C.replace("\u2013", "-").encode("cp1252") + b"\x96"
    decision = parse_bytes(data, "c.txt")
    assert decision.sha256 == sha256(data).hexdigest()
    assert decision.warnings[0] == "text was not UTF-8; read as Windows-1252"


def test_private_use_characters_are_removed_from_the_text() -> None:
    from tests.parsing.letters import LAYOUT_A

    decision = parse_text(LAYOUT_A.replace("CLINICAL CASE SUMMARY", "CLINICAL CASE SUMMARY\ue000\ue001\uf8ff"))
    assert not any("\ue000" <= character <= "\uf8ff" for character in decision.text)
    assert decision.layout == "A"


def image_only_pdf() -> bytes:
    """A one-page PDF holding a grey image and no text at all, as a scanner makes them."""
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    page = document.new_page(200, 200)
    bitmap = pypdfium2.PdfBitmap.new_native(20, 20, pypdfium2.raw.FPDFBitmap_BGR)
    bitmap.fill_rect((90, 90, 90, 255), 0, 0, 20, 20)
    image = pypdfium2.PdfImage.new(document)
    image.set_bitmap(bitmap)
    image.set_matrix(pypdfium2.PdfMatrix().scale(100, 100))
    page.insert_obj(image)
    page.gen_content()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_image_only_pdf_is_reported_as_having_no_text_layer() -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(image_only_pdf(), "scan.pdf")
    assert caught.value.filename == "scan.pdf"
    assert caught.value.reason == "the PDF has no text layer (scanned?)"


def test_pdf_of_blank_pages_is_reported_as_having_no_text_layer() -> None:
    from decisions.samples import render_pdf

    with pytest.raises(ParseError, match=r"no text layer \(scanned\?\)"):
        extract_text(render_pdf("\n\n"), "blank.pdf")
