"""``manage.py parse FILE... --json``: a JSON array on stdout, failures on stderr, no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from decisions.samples import generate_letters, render_pdf
from tests.conftest import REPO_ROOT, SHARED_DIR


def run_parse(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["IMR_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "manage.py", "parse", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def letters(tmp_path: Path) -> list[Path]:
    text_letter, pdf_letter = list(generate_letters(2, seed=31, layouts=("A",)))
    good_txt = tmp_path / "good.txt"
    good_txt.write_text(text_letter.text)
    good_pdf = tmp_path / "good.pdf"
    good_pdf.write_bytes(render_pdf(pdf_letter.text))
    bad = tmp_path / "shopping-list.txt"
    bad.write_text("eggs, milk, bread\n")
    return [good_txt, good_pdf, bad]


def test_it_prints_one_object_per_readable_file_and_names_the_failure(letters: list[Path], tmp_path: Path) -> None:
    completed = run_parse(*map(str, letters), "--json", data_dir=tmp_path / "data")

    printed = json.loads(completed.stdout)
    assert completed.returncode == 1
    assert [item["source"]["filename"] for item in printed] == ["good.txt", "good.pdf"]
    assert "shopping-list.txt" in completed.stderr
    assert not (tmp_path / "data" / "pg").exists(), "parse must not start the embedded database"


def test_every_printed_object_follows_the_schema(letters: list[Path], tmp_path: Path) -> None:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: the schema lives in ../shared")
    schema = json.loads((SHARED_DIR / "parsed-decision.schema.json").read_text())
    completed = run_parse(*map(str, letters[:2]), "--json", data_dir=tmp_path / "data")
    assert completed.returncode == 0, completed.stderr
    for item in json.loads(completed.stdout):
        jsonschema.validate(item, schema)
