"""Database helpers: streaming COPY into staging tables and advisory locks for importers.

Bulk loads go through psycopg 3 ``cursor.copy()`` (about 10× faster than ``bulk_create``) into an unlogged
staging table, then one set-based merge in SQL. Table and column names here come from code, never from input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

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


@contextmanager
def advisory_lock(key: int) -> Iterator[None]:
    """Hold a transaction-level advisory lock so two imports of the same kind never interleave.

    Must be used inside ``transaction.atomic``; the lock is released at commit or rollback.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    yield
