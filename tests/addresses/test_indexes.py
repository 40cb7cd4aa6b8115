"""The hot-path indexes exist as declared (GeoDjango drops a GistIndex condition; migration 0004 restores it)."""

from __future__ import annotations

import pytest
from django.db import connection


def indexdef(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_plate_indexes_are_partial_on_active_plates():
    assert indexdef("doorplate_geom_active_gist") == (
        "CREATE INDEX doorplate_geom_active_gist ON public.addresses_doorplate USING gist (geom) "
        "WHERE ((status)::text = 'active'::text)"
    )
    assert indexdef("doorplate_street_key_idx").endswith("USING btree (street_key) WHERE ((status)::text = 'active'::text)")
