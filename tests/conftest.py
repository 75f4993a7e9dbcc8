"""Shared test helpers. Tests run on real PostgreSQL: the embedded server, or DATABASE_URL.

Processes: every process a test starts inherits two environment variables, this run's id and
the test's id. When the run ends (after the embedded server it started is stopped), any
process still carrying this run's id was leaked by a test: it is named with its test, ended,
and the run fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
RUN_VARIABLE = "IMR_TEST_RUN"
TEST_VARIABLE = "IMR_TEST_NODE"
# Started by multiprocessing for the test process itself; it lives as long as pytest does.
HARMLESS_COMMANDS = ("multiprocessing.resource_tracker",)


@pytest.fixture
def shared_dir() -> Path:
    """../shared next to the repository (CI has it); tests that need it skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: the real letters are not available on this machine")
    return SHARED_DIR


@pytest.fixture
def data_root() -> Iterator[Path]:
    """A fresh folder for an embedded server's data, outside pytest's own temporary folder.

    Run as root, the server's user must walk down to its data; pytest makes its folder
    (/tmp/pytest-of-root) 0700 again whenever any pytest session starts, which would lock a
    running server out of its files.
    """
    folder = Path(tempfile.mkdtemp(prefix="imr-test-data-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class LeakedProcess:
    pid: int
    test: str
    command: str


def pytest_configure(config: pytest.Config) -> None:
    # A fresh id even inside another test run: an inner run must not count its parent as a leak.
    os.environ[RUN_VARIABLE] = uuid.uuid4().hex
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        start_embedded_server_for_the_workers()


def start_embedded_server_for_the_workers() -> None:
    """Run in parallel (pytest-xdist), the controller starts the embedded server before its workers
    do: they share it, none of them stops it under the others, and the controller stops it at the end."""
    from django.conf import settings

    from imrsite.embedded.server import EmbeddedServer

    if settings.configured and getattr(settings, "EMBEDDED_DATABASE", False):
        EmbeddedServer(settings.DATA_DIR).ensure_running()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    os.environ[TEST_VARIABLE] = item.nodeid


def processes_of_this_run(run_id: str | None = None) -> list[LeakedProcess]:
    """Live processes (other than this one) that inherited this run's id."""
    needle = f"{RUN_VARIABLE}={run_id or os.environ[RUN_VARIABLE]}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            variables = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle not in variables or any(name in command for name in HARMLESS_COMMANDS):
            continue
        test = next((v.split(b"=", 1)[1].decode() for v in variables if v.startswith(f"{TEST_VARIABLE}=".encode())), "?")
        found.append(LeakedProcess(int(entry.name), test, command[:160]))
    return found


def end_processes(pids: list[int], grace_seconds: float = 5) -> None:
    """SIGTERM, then SIGKILL for whatever is still alive after the grace period."""
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal_number)
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in pids):
            time.sleep(0.1)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def stop_process_group(process: subprocess.Popen[str] | subprocess.Popen[bytes], grace_seconds: float = 15) -> None:
    """End a process started with ``start_new_session=True`` and every process of its group."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_seconds)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stop_embedded_server_started_by_this_run()
    leaked = processes_of_this_run()
    if not leaked:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(leaked)} process(es) left running by tests (now ended):"]
    lines += [f"  pid {process.pid} from {process.test}: {process.command}" for process in leaked]
    if reporter is not None:
        reporter.write_line("\n".join(lines), red=True)
    end_processes([process.pid for process in leaked])
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def stop_embedded_server_started_by_this_run() -> None:
    from django.conf import settings

    from imrsite.embedded.server import STARTED_BY_THIS_PROCESS, EmbeddedServer

    if not settings.configured:  # run with -p no:django: no database was used
        return
    if getattr(settings, "EMBEDDED_DATABASE", False) and settings.DATA_DIR in STARTED_BY_THIS_PROCESS:
        from django.db import connections

        connections.close_all()
        EmbeddedServer(settings.DATA_DIR).stop()
