"""``core.db.prepared_cursor``: parameters bound on the server and the statement prepared (the default connection
prepares nothing), Django's error wrapping and execute wrappers kept."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.db.utils import ProgrammingError

from geo_portal.core.db import prepared_cursor


@pytest.mark.django_db
def test_binds_on_the_server_and_prepares_the_statement_once():
    with prepared_cursor() as cursor:
        assert isinstance(cursor.cursor, psycopg.Cursor) and not isinstance(cursor.cursor, psycopg.ClientCursor)
        for n in range(3):
            cursor.execute("SELECT %s::int + 1", [n])
            assert cursor.fetchone() == (n + 1,)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%%::int + 1'")
        assert cursor.fetchall() == [("SELECT $1::int + 1",)]


@pytest.mark.django_db
def test_errors_are_django_errors_and_execute_wrappers_see_the_statement():
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper), prepared_cursor() as cursor:
        cursor.execute("SELECT 2")
        with pytest.raises(ProgrammingError) as caught:
            cursor.execute("SELECT no_such_column")
    assert seen == ["SELECT 2", "SELECT no_such_column"]
    assert isinstance(caught.value.__cause__, psycopg.errors.UndefinedColumn)
