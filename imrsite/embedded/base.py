"""PostgreSQL backend that starts the embedded server on the first connection.

Commands that never touch the database (``parse``, ``check``) therefore never start it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base as postgresql

from imrsite.embedded.server import EmbeddedServer


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        EmbeddedServer(Path(self.settings_dict["EMBEDDED_DATA_DIR"])).ensure_running()
        return super().get_new_connection(conn_params)
