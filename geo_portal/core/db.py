"""Database helpers: streaming COPY into staging tables and advisory locks for importers; a prepared cursor on the
default connection for a hot statement.

Bulk loads go through psycopg 3 ``cursor.copy()`` (about 10× faster than ``bulk_create``) into an unlogged
staging table, then one set-based merge in SQL. Table and column names here come from code, never from input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def check_identifier(name: str) -> str:
    """Allow only plain lower-case SQL identifiers (table and column names are whitelisted by shape)."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into ``table`` on the default connection; returns the number of rows written."""
    cols = ", ".join(check_identifier(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY {check_identifier(table)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


class _PreparingCursor(ServerBindingCursor):
    """psycopg's server-binding cursor (Django's) with ``prepare=True`` unless a call says otherwise."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


def prepared_cursor(alias: str = "default") -> CursorWrapper:
    """A cursor on ``alias`` that binds parameters on the server and prepares every statement it runs, so PostgreSQL
    plans a repeated statement once per connection. Django's default connection binds on the client (importers send
    multi-statement SQL; pghistory prepends its context), so it prepares nothing unless asked (its
    ``prepare_threshold`` is 2³¹−1 in the settings; Django's None would refuse even this cursor's statements);
    a hot statement whose planning costs as much as its run (the tile cache's lookup, encoding and store in one)
    takes this cursor instead. Opened as Django opens its own (connection, error wrapping, execute wrappers and
    query logging) but without the health check's extra round trip (``SELECT 1``, ~0.15 ms), as the search
    connection: a connection that broke fails this one statement, and Django closes it at the request's end."""
    db = connections[alias]
    db.ensure_connection()
    with db.wrap_database_errors:
        return db._prepare_cursor(_PreparingCursor(db.connection))


@contextmanager
def advisory_lock(key: int) -> Iterator[None]:
    """Hold a transaction-level advisory lock so two imports of the same kind never interleave.

    Must be used inside ``transaction.atomic``; the lock is released at commit or rollback.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    yield


@contextmanager
def bulk_load_mode(table: str) -> Iterator[None]:
    """Drop the secondary indexes and foreign keys of ``table``; afterwards recreate them as they were.

    For bulk loads that add more rows than the table holds. Maintaining indexes row by row and running one
    foreign-key trigger per row and key cost ~1.5 s per 100,000 plates; one sorted index build and one
    set-based foreign-key validation cost a tenth of that. Unique indexes and foreign keys are recreated with
    validation, so a violation still fails the transaction. Holds an ACCESS EXCLUSIVE lock on the table until
    commit; use inside ``transaction.atomic``.
    """
    name = check_identifier(table)
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred; DDL on this table and the tables its keys reference needs their queued
        # checks run first. Foreign keys only, by name: ALL would also fire other deferred triggers early (the change
        # log numbers its transaction at commit, and would then hold its counter through the rest of the load).
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND c.condeferred"
        )
        deferred = [row[0] for row in cursor.fetchall()]
        if deferred:
            cursor.execute(f"SET CONSTRAINTS {', '.join(deferred)} IMMEDIATE")
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid
               WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
            [name],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [name],
        )
        foreign_keys = cursor.fetchall()
        for constraint, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {name} DROP CONSTRAINT "{check_identifier(constraint.lower())}"')
        for index, _ in indexes:
            cursor.execute(f'DROP INDEX "{check_identifier(index)}"')
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for constraint, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {name} ADD CONSTRAINT "{check_identifier(constraint.lower())}" {definition}')
        if deferred:
            cursor.execute(f"SET CONSTRAINTS {', '.join(deferred)} DEFERRED")
