"""Drops ``core_throttle_hit``: the one-request-at-a-time counter of 0002, replaced by the leases of
``core_throttle_take`` (0003); nothing calls it any more (``core.cache.SharedCache.hit_window`` takes leases). The
reverse recreates it as 0002 had it."""

import importlib

from django.db import migrations

THROTTLE_HIT = importlib.import_module("geo_portal.core.migrations.0002_cache_throttle_incidents").THROTTLE_HIT


class Migration(migrations.Migration):
    dependencies = [("core", "0003_throttle_leases")]

    operations = [
        migrations.RunSQL(
            "DROP FUNCTION IF EXISTS core_throttle_hit(text, text, integer, double precision, interval)",
            THROTTLE_HIT,
        )
    ]
