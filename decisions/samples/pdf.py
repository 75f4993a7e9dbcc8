"""A minimal PDF writer for sample letters: one Helvetica text line per `Tj`, no dependency.

The output is a plain, uncompressed PDF 1.4 that text extractors (pypdfium2 among them) read
back line by line in order. It exists so the ingestion benchmark can measure PDF ingestion.
"""

from __future__ import annotations

from decisions.samples.layout import wrap

LINES_PER_PAGE = 55
MAX_LINE = 100  # characters; longer lines are wrapped so they stay on the page
FONT_SIZE = 9
LEADING = 12
LEFT = 54
TOP = 738

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
_ESCAPES = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)", "\r": None, "\t": " "})


def _page_lines(text: str) -> list[str]:
    """The text's lines, long ones wrapped, trailing blank lines dropped."""
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) > MAX_LINE:
            lines.extend(wrap(line, MAX_LINE))
        else:
            lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines or [""]


def _content_stream(lines: list[str]) -> bytes:
    """Text operators for one page: the first line placed, each next one on the next line."""
    ops = [f"BT /F1 {FONT_SIZE} Tf {LEADING} TL {LEFT} {TOP} Td"]
    first = True
    for line in lines:
        escaped = line.translate(_ESCAPES)
        if first:
            ops.append(f"({escaped}) Tj")
            first = False
        else:
            ops.append(f"T* ({escaped}) Tj" if escaped else "T*")
    ops.append("ET")
    return "\n".join(ops).encode("cp1252", errors="replace")


def render_pdf(text: str) -> bytes:
    """Render `text` as a PDF: US Letter pages of `LINES_PER_PAGE` lines in Helvetica.

    Characters outside Windows-1252 become "?". Parentheses and backslashes are escaped.
    """
    lines = _page_lines(text)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    # Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
    page_ids = [4 + 2 * i for i in range(len(pages))]
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        _FONT,
    ]
    for pid, page in zip(page_ids, pages, strict=True):
        stream = _content_stream(page)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {pid + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    """Header, numbered objects, cross-reference table and trailer."""
    out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    offsets: list[int] = []
    position = len(out[0])
    for number, body in enumerate(objects, start=1):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        offsets.append(position)
        position += len(chunk)
        out.append(chunk)
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)]
    xref.extend(b"%010d 00000 n \n" % offset for offset in offsets)
    out.extend(xref)
    out.append(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, position))
    return b"".join(out)
