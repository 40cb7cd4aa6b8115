"""The core app's SQL functions as migrated: the throttle's lease function exists, the one-request counter it
replaced (``core_throttle_hit``, called by nothing) is gone."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_only_the_lease_function_of_the_throttle_is_left():
    with connection.cursor() as cursor:
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'core\\_throttle\\_%%' ORDER BY proname")
        assert cursor.fetchall() == [("core_throttle_take",)]
