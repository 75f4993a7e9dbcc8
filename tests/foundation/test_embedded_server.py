"""The embedded PostgreSQL server starts once, is reused, and stops cleanly."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from imrsite.embedded.server import MAX_SOCKET_PATH, EmbeddedServer


@pytest.fixture
def server(tmp_path: Path):
    embedded = EmbeddedServer(tmp_path / "data")
    yield embedded
    embedded.stop()


def test_it_starts_once_and_is_reused(server: EmbeddedServer) -> None:
    assert server.ensure_running() is True
    assert server.ensure_running() is False
    with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="imr") as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("imr",)


def test_it_stops_and_starts_again_with_its_data(server: EmbeddedServer) -> None:
    server.ensure_running()
    with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="imr", autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (value text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    server.stop()
    assert not server.is_running()
    assert server.ensure_running() is True
    with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="imr") as conn:
        assert conn.execute("SELECT value FROM kept").fetchone() == ("still here",)


def test_a_long_data_path_moves_the_socket_to_a_short_folder(tmp_path: Path) -> None:
    deep = tmp_path / ("very-long-folder-name-" * 6)
    server = EmbeddedServer(deep)
    assert len(str(server.socket_dir / ".s.PGSQL.5432")) <= MAX_SOCKET_PATH
    assert str(server.socket_dir).startswith("/tmp/imr-pg-")
    assert server.socket_dir == EmbeddedServer(deep).socket_dir


def test_a_relative_data_folder_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert EmbeddedServer(Path("data")).pgdata == tmp_path / "data" / "pg"
