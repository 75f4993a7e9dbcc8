"""The embedded PostgreSQL server starts once, is reused, stops cleanly, and is private.

Private: only the password kept 0600 in the data folder opens it (never ``trust``), its socket
folder is 0700 and the server's own, and as root it runs as ``embedded_postgres`` in that
user's own group. A data folder made by an older version (trust, root's group) is upgraded on
its next start without losing data.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from imrsite.embedded.server import (
    MAX_SOCKET_PATH,
    SERVER_USER,
    EmbeddedDatabaseError,
    EmbeddedServer,
    _bin_dir,
    _make_prefixes_traversable,
    may_start_on_demand,
)

INTRUDER = "imr_test_intruder"
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the server then runs as another user")


@pytest.fixture
def server(data_root: Path) -> Iterator[EmbeddedServer]:
    embedded = EmbeddedServer(data_root / "data")
    yield embedded
    embedded.stop()


@pytest.fixture
def long_path_server(data_root: Path) -> Iterator[EmbeddedServer]:
    """A data folder too deep for a socket path: the socket moves to a folder in /tmp."""
    embedded = EmbeddedServer(data_root / ("very-long-folder-name-" * 6))
    shutil.rmtree(embedded.socket_dir, ignore_errors=True)
    yield embedded
    embedded.stop()
    shutil.rmtree(embedded.socket_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def intruder() -> Iterator[str]:
    """A throwaway local user with no business with the archive, removed afterwards."""
    subprocess.run(["useradd", "--system", "--no-create-home", INTRUDER], capture_output=True)
    pwd.getpwnam(INTRUDER)
    yield INTRUDER
    subprocess.run(["userdel", INTRUDER], capture_output=True)


def postmaster_pid(server: EmbeddedServer) -> int:
    return int((server.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])


def test_it_starts_once_and_is_reused(server: EmbeddedServer) -> None:
    assert server.ensure_running() is True
    assert server.ensure_running() is False
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("imr",)


def test_it_stops_and_starts_again_with_its_data(server: EmbeddedServer) -> None:
    server.ensure_running()
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (value text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    server.stop()
    assert not server.is_running()
    assert server.ensure_running() is True
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT value FROM kept").fetchone() == ("still here",)


def test_a_connection_without_the_password_is_refused(server: EmbeddedServer) -> None:
    server.ensure_running()
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="imr")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="imr", password="guess")
    assert "trust" not in server.hba_file.read_text()
    assert server.password_file.stat().st_mode & 0o777 == 0o600


def test_a_long_data_path_moves_the_socket_to_a_short_folder(tmp_path: Path) -> None:
    deep = tmp_path / ("very-long-folder-name-" * 6)
    server = EmbeddedServer(deep)
    assert len(str(server.socket_dir / ".s.PGSQL.5432")) <= MAX_SOCKET_PATH
    assert str(server.socket_dir).startswith("/tmp/imr-pg-")
    assert server.socket_dir == EmbeddedServer(deep).socket_dir


def test_the_short_socket_folder_is_private_to_the_servers_user(long_path_server: EmbeddedServer) -> None:
    long_path_server.ensure_running()
    folder = long_path_server.socket_dir.stat()
    server_uid = pwd.getpwnam(SERVER_USER).pw_uid if os.geteuid() == 0 else os.geteuid()
    assert folder.st_mode & 0o777 == 0o700
    assert folder.st_uid == server_uid
    assert (long_path_server.socket_dir / ".s.PGSQL.5432").stat().st_mode & 0o077 == 0


@as_root
def test_another_local_user_cannot_connect(long_path_server: EmbeddedServer, intruder: str) -> None:
    long_path_server.ensure_running()
    psql = str(_bin_dir() / "psql")
    attempt = subprocess.run(
        ["runuser", "-u", intruder, "--", psql, "-w", "-h", str(long_path_server.socket_dir), "-U", "postgres", "-d", "imr",
         "-c", "SELECT 1"],
        capture_output=True, text=True, timeout=30, cwd="/",
    )  # fmt: skip
    assert attempt.returncode != 0
    assert "Permission denied" in attempt.stderr


@as_root
def test_a_socket_folder_made_by_someone_else_is_refused(long_path_server: EmbeddedServer, intruder: str) -> None:
    long_path_server.socket_dir.mkdir(mode=0o777)
    os.chown(long_path_server.socket_dir, pwd.getpwnam(intruder).pw_uid, -1)
    with pytest.raises(EmbeddedDatabaseError, match=f"{long_path_server.socket_dir} belongs to another user"):
        long_path_server.ensure_running()
    assert not long_path_server.is_running()


@as_root
def test_as_root_the_server_runs_in_its_own_group_without_roots_groups(server: EmbeddedServer) -> None:
    server.ensure_running()
    account = pwd.getpwnam(SERVER_USER)
    status = dict(line.split(":", 1) for line in Path(f"/proc/{postmaster_pid(server)}/status").read_text().splitlines())
    assert status["Uid"].split()[0] == str(account.pw_uid)
    assert set(status["Gid"].split()) == {str(account.pw_gid)}
    assert status["Groups"].split() == []
    groups = {(Path(folder) / name).stat().st_gid for folder, _, files in os.walk(server.pgdata) for name in files}
    assert groups == {account.pw_gid}


def make_data_folder_as_older_versions_did(server: EmbeddedServer) -> None:
    """initdb with trust, the server run in root's group, a table with a row, then stopped."""
    server.pgdata.mkdir(parents=True)
    user = None
    if os.geteuid() == 0:
        user = SERVER_USER
        _make_prefixes_traversable(server.pgdata)
        os.chown(server.pgdata, pwd.getpwnam(SERVER_USER).pw_uid, pwd.getpwnam(SERVER_USER).pw_gid)

    def tool(*args: str) -> None:
        subprocess.run([str(_bin_dir() / args[0]), *args[1:]], user=user, cwd="/", check=True, capture_output=True)

    tool("initdb", "-D", str(server.pgdata), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
    tool("pg_ctl", "-D", str(server.pgdata), "-l", str(server.log_file), "-o", f"-h '' -k {server.socket_dir}", "-w", "start")
    try:
        with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE imr")
        with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="imr", autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (value text)")
            conn.execute("INSERT INTO kept VALUES ('from the old version')")
    finally:
        tool("pg_ctl", "-D", str(server.pgdata), "-m", "fast", "-w", "stop")


def test_a_data_folder_made_with_trust_is_upgraded_on_its_next_start_keeping_its_data(server: EmbeddedServer) -> None:
    make_data_folder_as_older_versions_did(server)
    assert "trust" in server.hba_file.read_text()

    server.ensure_running()

    assert "trust" not in server.hba_file.read_text()
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="imr")
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT value FROM kept").fetchone() == ("from the old version",)
    if os.geteuid() == 0:
        assert (server.pgdata / "PG_VERSION").stat().st_gid == pwd.getpwnam(SERVER_USER).pw_gid


def test_a_replaced_password_file_takes_effect_on_the_next_start(server: EmbeddedServer) -> None:
    server.ensure_running()
    server.stop()
    server.password_file.unlink()
    server.ensure_running()
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_it_is_left_running_while_another_program_uses_it(server: EmbeddedServer) -> None:
    server.ensure_running()
    with psycopg.connect(server.url()):
        assert server.stop_unless_in_use() is False
        assert server.is_running()
    assert server.stop_unless_in_use() is True
    assert not server.is_running()


@pytest.mark.parametrize(
    ("argv", "may_start"),
    [
        (["manage.py", "migrate"], True),
        (["manage.py", "ingest", "letters/"], True),
        (["/usr/bin/pytest"], True),
        (["manage.py", "runserver"], True),  # its start-up checks; its requests go through imrsite.wsgi
        (["manage.py", "db_worker", "--no-reload"], False),
    ],
)
def test_only_programs_that_are_not_services_start_the_server_on_demand(argv: list[str], may_start: bool) -> None:
    assert may_start_on_demand(argv) is may_start


def test_a_relative_data_folder_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert EmbeddedServer(Path("data")).pgdata == tmp_path / "data" / "pg"
