"""`manage.py generate_letters`: sample letters written to a folder, no database needed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.management import CommandError, call_command


def run(*args: str) -> str:
    out = StringIO()
    call_command("generate_letters", *args, stdout=out)
    return out.getvalue()


def test_it_writes_text_files_named_for_their_case_numbers(tmp_path: Path) -> None:
    output = run(str(tmp_path), "--count", "25", "--seed", "3", "--layouts", "A")
    files = sorted(tmp_path.iterdir())
    assert len(files) == 25
    assert all(f.name.startswith("CM") and f.suffix == ".txt" for f in files)
    assert files[0].read_text().startswith(f"Case Number: {files[0].stem}\n")
    assert "wrote 25 letters" in output
    assert "letters/s" in output


def test_it_names_layout_s_letters_by_their_position(tmp_path: Path) -> None:
    run(str(tmp_path), "--count", "3", "--layouts", "S")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["sample-000001.txt", "sample-000002.txt", "sample-000003.txt"]


def test_it_writes_pdfs_that_open(tmp_path: Path) -> None:
    run(str(tmp_path / "new"), "--count", "4", "--format", "pdf")
    files = list((tmp_path / "new").iterdir())
    assert len(files) == 4
    for path in files:
        assert path.suffix == ".pdf"
        assert len(pdfium.PdfDocument(path.read_bytes())) >= 1


def test_it_writes_the_same_files_for_the_same_seed(tmp_path: Path) -> None:
    run(str(tmp_path / "one"), "--count", "5", "--seed", "8")
    run(str(tmp_path / "two"), "--count", "5", "--seed", "8")
    one = {f.name: f.read_bytes() for f in (tmp_path / "one").iterdir()}
    two = {f.name: f.read_bytes() for f in (tmp_path / "two").iterdir()}
    assert one == two


def test_it_refuses_an_unknown_layout(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--layouts"):
        run(str(tmp_path), "--count", "1", "--layouts", "A,X")
