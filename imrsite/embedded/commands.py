"""What management commands that work on the archive's tables share.

- ``DatabaseCommand``: refuses in one line, before any work, when the database is not migrated
  (``run `python manage.py migrate` first``) instead of failing deep inside with a traceback.
- The embedded server such a command starts on demand is stopped when the command's process
  exits (``server.start_on_demand``), unless another program is connected to it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from imrsite.embedded.server import EmbeddedServer, start_on_demand


def has_unapplied_migrations(alias: str = DEFAULT_DB_ALIAS) -> bool:
    executor = MigrationExecutor(connections[alias])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class DatabaseCommand(BaseCommand):
    """A command that needs the archive's tables."""

    requires_migrations_checks = True

    def check_migrations(self) -> None:
        if has_unapplied_migrations():
            raise CommandError("the database is not ready (migrations not applied): run `python manage.py migrate` first")


def start_embedded_server_for_subprocesses() -> None:
    """Start the embedded server (when it is used) for programs this command runs; stopped at exit."""
    if settings.EMBEDDED_DATABASE:
        start_on_demand(EmbeddedServer(settings.DATA_DIR))
