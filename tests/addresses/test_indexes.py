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


@pytest.mark.django_db
def test_retired_plates_are_found_by_address_without_a_scan_of_every_plate():
    """A re-import looks up each listed address among the retired plates (sql.CREATE_RETURNING)."""
    assert indexdef("doorplate_inactive_key_idx") == (
        "CREATE INDEX doorplate_inactive_key_idx ON public.addresses_doorplate USING btree (district_id, address_key) "
        "WHERE (NOT ((status)::text = 'active'::text))"
    )
