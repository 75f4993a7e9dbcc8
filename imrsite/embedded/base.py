"""PostgreSQL backend for the embedded server: starts it on demand, logs in with its password.

Commands that never touch the database (``parse``, ``check``) therefore never start it, and the
web services never start it at all (see ``server.may_start_on_demand``): while it is stopped
their connections fail at once with an OperationalError naming the data folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS
from django.db.backends.postgresql import base as postgresql

from imrsite.embedded.server import EmbeddedDatabaseError, EmbeddedServer, start_on_demand


class EmbeddedServerUnavailable(psycopg.OperationalError):
    """The embedded server is stopped and this process may not start it (Django wraps it)."""


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def __init__(self, settings_dict: dict[str, Any], alias: str = DEFAULT_DB_ALIAS) -> None:
        super().__init__(settings_dict, alias)
        self.embedded_server = EmbeddedServer(Path(settings_dict["EMBEDDED_DATA_DIR"]))
        if not settings_dict.get("PASSWORD"):
            # Read when first needed, so settings stay free of file access; shared with the
            # settings dict so subprocesses handed these settings log in too.
            settings_dict["PASSWORD"] = self.embedded_server.password()

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        try:
            start_on_demand(self.embedded_server)
        except EmbeddedDatabaseError as error:
            raise EmbeddedServerUnavailable(str(error)) from error
        return super().get_new_connection(conn_params)
