"""Real processes: two ingests racing on one zip, and an ingest killed halfway and run again."""

from __future__ import annotations

import signal
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from decisions.models import Case, DisputedItem, SourceDocument
from tests.conftest import REPO_ROOT
from tests.ingest.conftest import manage, run_manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.iterdir()):
            out.write(path, f"letters/{path.name}")
    return archive


def summary_counts(output: str) -> tuple[int, int, int]:
    last = output.strip().splitlines()[-1]
    ingested, duplicates, failed = (int(part.split()[-1]) for part in last.split(", "))
    return ingested, duplicates, failed


def test_two_processes_ingesting_one_zip_at_once_store_each_letter_once(
    letter_folder: Callable[..., Path], tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    archive = zip_folder(letter_folder(120), tmp_path / "same.zip")
    command = manage("ingest", "--batch-size", "10", str(archive))

    racers = [
        subprocess.Popen(command, env=subprocess_env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=180) for racer in racers]

    for racer, (_stdout, stderr) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, stderr
        assert "Traceback" not in stderr
    counts = [summary_counts(stdout) for stdout, _ in outputs]
    assert sum(ingested for ingested, _, _ in counts) == 120
    assert all(ingested + duplicates == 120 and failed == 0 for ingested, duplicates, failed in counts)
    assert (SourceDocument.objects.count(), Case.objects.count(), DisputedItem.objects.count()) == (120, 120, 120)


@pytest.mark.parametrize(
    ("workers", "letters", "kill_after"),
    [((), 600, 40), (("--workers", "2"), 900, 60)],
    ids=["one-process", "parallel-writers"],
)
def test_an_ingest_killed_midway_and_run_again_leaves_every_letter_once(
    letter_folder: Callable[..., Path], subprocess_env: dict[str, str], workers: tuple[str, ...], letters: int, kill_after: int
) -> None:
    folder = letter_folder(letters)
    victim = subprocess.Popen(
        manage("ingest", *workers, "--batch-size", "20", str(folder)),
        env=subprocess_env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while SourceDocument.objects.count() < kill_after and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    stored_before = settled_count()
    assert 0 < stored_before < letters, "the kill should land midway; make the folder larger if this machine is fast"
    assert Case.objects.count() == stored_before, "a killed batch leaves whole letters or nothing"

    again = run_manage(subprocess_env, "ingest", *workers, str(folder))

    assert again.returncode == 0, again.stderr
    assert summary_counts(again.stdout) == (letters - stored_before, stored_before, 0)
    assert (SourceDocument.objects.count(), Case.objects.count()) == (letters, letters)
    assert Case.objects.values("case_number").distinct().count() == letters


def settled_count(seconds: float = 10) -> int:
    """The stored count once the killed command's workers have gone (they exit with their parent)."""
    deadline = time.monotonic() + seconds
    count = SourceDocument.objects.count()
    while time.monotonic() < deadline:
        time.sleep(1.5)
        now = SourceDocument.objects.count()
        if now == count:
            return count
        count = now
    raise AssertionError("workers kept writing after their parent was killed")
