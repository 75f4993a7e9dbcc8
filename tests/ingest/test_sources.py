"""Finding letters in paths and zips: what is picked, what is refused and why."""

from __future__ import annotations

import zipfile
from pathlib import Path

from decisions.ingestion.archives import ZipLimits
from decisions.ingestion.sources import SourceLimits, candidates_for

LIMITS = SourceLimits(
    max_file_bytes=1024 * 1024,
    zip=ZipLimits(max_entries=50, max_total_bytes=5 * 1024 * 1024, max_entry_bytes=1024 * 1024, max_ratio=100),
)


def names(paths: list[Path], limits: SourceLimits = LIMITS) -> dict[str, str | None]:
    return {candidate.name: candidate.refusal for candidate in candidates_for(paths, limits)}


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_folder_yields_letters_and_zips_recursively_and_skips_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "a" / "b" / "two.TXT").write_text("x")
    (tmp_path / "a" / "notes.docx").write_text("x")
    make_zip(tmp_path / "a" / "b" / "more.zip", {"inner/three.txt": b"x"})

    found = names([tmp_path / "a"])

    assert found == {
        str(tmp_path / "a" / "b" / "more.zip") + "!inner/three.txt": None,
        str(tmp_path / "a" / "b" / "two.TXT"): None,
        str(tmp_path / "a" / "one.pdf"): None,
    }


def test_a_file_named_with_an_unknown_suffix_is_refused_but_readable(tmp_path: Path) -> None:
    doc = tmp_path / "letter.docx"
    doc.write_bytes(b"PK...")

    [candidate] = candidates_for([doc], LIMITS)

    assert candidate.refusal == "unsupported file type '.docx': expected .pdf, .txt or .zip"
    assert candidate.read() == b"PK..."


def test_a_missing_path_is_reported(tmp_path: Path) -> None:
    assert names([tmp_path / "nowhere.pdf"]) == {str(tmp_path / "nowhere.pdf"): "no such file or folder"}


def test_zip_entries_that_escape_the_folder_are_refused(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "evil.zip", {"../outside.txt": b"x", "/etc/abs.txt": b"x", "ok/fine.txt": b"x", "C:/win.txt": b"x"}
    )

    found = names([archive])

    assert found[f"{archive}!ok/fine.txt"] is None
    assert "escapes the archive's folder through '..'" in (found[f"{archive}!../outside.txt"] or "")
    assert "absolute path '/etc/abs.txt' escapes" in (found[f"{archive}!/etc/abs.txt"] or "")
    assert "absolute path 'C:/win.txt' escapes" in (found[f"{archive}!C:/win.txt"] or "")


def test_a_zip_bomb_entry_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bomb.zip", {"bomb.txt": b"0" * (1024 * 1024), "ok.txt": b"letter"})

    found = names([archive])

    assert "compression ratio" in (found[f"{archive}!bomb.txt"] or "") and "zip bomb" in (found[f"{archive}!bomb.txt"] or "")
    assert found[f"{archive}!ok.txt"] is None


def test_a_zip_that_expands_past_the_total_limit_is_refused_whole(tmp_path: Path) -> None:
    limits = SourceLimits(
        LIMITS.max_file_bytes, ZipLimits(max_entries=50, max_total_bytes=1000, max_entry_bytes=10_000, max_ratio=100)
    )
    archive = make_zip(tmp_path / "big.zip", {f"{n}.txt": b"a" * 600 for n in range(3)})

    found = names([archive], limits)

    assert list(found) == [str(archive)]
    assert found[str(archive)] == "archive refused: it expands to 1,800 bytes, over the limit of 1,000 (a zip bomb?)"


def test_a_zip_with_too_many_entries_is_refused_whole(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "many.zip", {f"{n}.txt": b"x" for n in range(51)})

    assert names([archive]) == {str(archive): "archive refused: it holds 51 files, more than the limit of 50"}


def test_an_entry_over_the_per_file_limit_is_refused(tmp_path: Path) -> None:
    limits = SourceLimits(
        LIMITS.max_file_bytes, ZipLimits(max_entries=50, max_total_bytes=10**9, max_entry_bytes=100, max_ratio=10**6)
    )
    archive = make_zip(tmp_path / "large.zip", {"large.txt": b"a" * 101})

    assert "over the per-file limit of 100" in (names([archive], limits)[f"{archive}!large.txt"] or "")


def test_a_broken_zip_is_reported_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip at all")

    assert (names([broken])[str(broken)] or "").startswith("not a readable .zip archive")
