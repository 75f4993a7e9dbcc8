"""Insert many new model instances with PostgreSQL's COPY, ids taken from the tables' sequences.

``bulk_create`` spends most of the writer's time building (and psycopg splitting) one huge
INSERT statement; COPY streams the same rows with no SQL text per value. Ids are allocated
from the sequence first, so children can name their parents without a RETURNING round trip.

The model instances stay the one place where field values are computed: the columns and the
row values come from the model's concrete fields (``pre_save`` then ``get_db_prep_save``, as
``bulk_create`` does), minus generated columns, which PostgreSQL computes itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, CharField, DateField, DateTimeField, Field, ForeignKey, IntegerField, Model, TextField

# The Python type each of these fields stores unchanged (get_db_prep_save is the identity for
# it on PostgreSQL): such values skip the per-value preparation, which is most of the writer's
# time per row otherwise. Any other value, and any other field, is prepared as Django would.
# DateTimeField is not here: preparing makes naive datetimes aware.
PLAIN_TYPE_OF: tuple[tuple[type[Field[Any, Any]], type], ...] = (
    (CharField, str),
    (TextField, str),
    (IntegerField, int),  # and the auto fields, its subclasses
    (ForeignKey, int),  # every key here points at an integer id
    (BooleanField, bool),
)


@dataclass(frozen=True)
class Column:
    """One copied field and how its value is read, decided once per model."""

    field: Field[Any, Any]
    attname: str
    plain_read: bool  # pre_save is a plain attribute read (no auto_now, no file to commit)
    plain_type: type | None  # values of this type (or None) need no preparation

    def value(self, instance: Model, connection: BaseDatabaseWrapper) -> Any:
        value = getattr(instance, self.attname) if self.plain_read else self.field.pre_save(instance, True)
        if value is None or type(value) is self.plain_type:
            return value
        return self.field.get_db_prep_save(value, connection)


def insert_rows(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert instances that have no id yet; afterwards each has its id, as after ``bulk_create``.

    Raises Django's IntegrityError (or OperationalError on a deadlock) like ``bulk_create``:
    a unique conflict fails the whole COPY, and with it the caller's transaction or savepoint.
    """
    if not instances:
        return
    # The connection itself, not the thread-local proxy: it is read for every value.
    connection = connections[DEFAULT_DB_ALIAS]
    for instance, pk in zip(instances, allocate_ids(connection, model, len(instances)), strict=True):
        instance.pk = pk
    columns = copied_columns(model)
    rows = [[column.value(instance, connection) for column in columns] for instance in instances]
    copy_rows(connection, copy_statement(connection, model), rows)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


def allocate_ids(connection: BaseDatabaseWrapper, model: type[Model], count: int) -> list[int]:
    """``count`` fresh ids from the table's own sequence (shared with every other writer)."""
    table = model._meta.db_table
    pk_column = model._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk_column, count])
        return [pk for (pk,) in cursor.fetchall()]


def copy_rows(connection: BaseDatabaseWrapper, statement: str, rows: list[list[Any]]) -> None:
    # The raw psycopg cursor has copy(); wrap_database_errors turns its errors into Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


@cache
def copied_columns(model: type[Model]) -> tuple[Column, ...]:
    """The columns a new row is written with: every concrete field but generated ones."""
    return tuple(column_for(field) for field in model._meta.concrete_fields if not field.generated)


def column_for(field: Field[Any, Any]) -> Column:
    plain_read = type(field).pre_save is Field.pre_save
    return Column(field, field.attname, plain_read, plain_type_of(field))


def plain_type_of(field: Field[Any, Any]) -> type | None:
    if isinstance(field, DateField):
        return None if isinstance(field, DateTimeField) else date
    return next((python_type for kind, python_type in PLAIN_TYPE_OF if isinstance(field, kind)), None)


def copy_statement(connection: BaseDatabaseWrapper, model: type[Model]) -> str:
    quote = connection.ops.quote_name
    # Concrete fields always have a column; the type says str | None for unsaved abstractions.
    columns = ", ".join(quote(str(column.field.column)) for column in copied_columns(model))
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
