"""A test run fails, naming the test, when a test leaves a process running; it ends the process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LEAKING_TEST = """
import subprocess
from pathlib import Path


def test_leaves_a_sleeper() -> None:
    sleeper = subprocess.Popen(["sleep", "300"], start_new_session=True)
    Path(__file__).with_suffix(".pid").write_text(str(sleeper.pid))
"""

TIDY_TEST = """
import subprocess


def test_waits_for_its_process() -> None:
    subprocess.run(["sleep", "0.1"], check=True)
"""


def run_inner_pytest(test_file: Path) -> subprocess.CompletedProcess[str]:
    """pytest on one file with this suite's conftest as a plugin (no Django: no database needed)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider", "-p", "tests.conftest",
         "--rootdir", str(test_file.parent), "-c", os.devnull, "-q", str(test_file)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize(("source", "fails"), [(LEAKING_TEST, True), (TIDY_TEST, False)], ids=["leaking", "tidy"])
def test_a_run_fails_when_a_test_leaves_a_process_running(tmp_path: Path, source: str, fails: bool) -> None:
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(source)

    completed = run_inner_pytest(test_file)

    output = completed.stdout + completed.stderr
    assert (completed.returncode != 0) is fails, output
    assert ("left running by tests" in output) is fails, output
    if fails:
        assert "test_inner.py::test_leaves_a_sleeper: sleep 300" in output
        assert not alive(int(test_file.with_suffix(".pid").read_text())), "the leaked process was not ended"
