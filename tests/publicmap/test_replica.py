"""The public reads on a real streaming replica: a hot standby made by ``scripts/replica.sh`` (``pg_basebackup -R``
of the test cluster, started on its own socket) serves the public geocode and encodes tiles, as the read-only role;
a plate change appears there after replay, and never before — with replay paused, the geocode still answers the
old position and the tile shows the old map, although the primary has the change; the tile cache (on the primary)
never serves the old tile once the replica has caught up.

Transactional: the replica sees only what the primary committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, connections

from geo_portal.addresses.models import DoorPlate
from geo_portal.core.dsn import connection_params
from geo_portal.core.geo import transform_point
from geo_portal.publicmap.services import apply_invalidations
from geo_portal.publicmap.tile_cache import get_tile
from geo_portal.publicmap.tiles import render_tile
from tests.conftest import X0, Y0
from tests.publicmap.conftest import tile_of
from tests.publicmap.test_read_only_search import committed_roles  # noqa: F401 (fixture)

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "replica.sh"
OLD = (X0 + 56, Y0 + 50)  # 103號 in the ``mapped`` fixture
NEW = (X0 + 600, Y0 + 620)
ADDRESS = "新竹市東區光復路二段103號"
REPLICA_PORT = "5436"  # a port names only the socket file, in a directory of this test's own

pytestmark = pytest.mark.skipif(not Path("/usr/lib/postgresql/15/bin/pg_basebackup").exists(), reason="no PG 15")


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = transform_point(Point(x, y, srid=3826), 4326)
    return round(p.x, 6), round(p.y, 6)


@pytest.fixture
def standby(mapped, committed_roles):  # noqa: F811 (the fixture)
    """A hot standby of the test cluster, caught up with everything committed so far (the reader role and its grants
    included), and a connection to it as ``geo_portal_reader`` (alias ``replica_live``, made by the test). Stopped
    and removed afterwards."""
    primary = connection_params(connection.settings_dict)
    base = Path(tempfile.mkdtemp(prefix="geo_portal_replica_", dir="/tmp"))
    base.chmod(0o755)  # the server's user (postgres, when the tests run as root) creates its folders inside
    env = {
        **os.environ,
        "PRIMARY_SOCK": primary["host"],
        "PRIMARY_PORT": primary["port"],
        "REPLICA_DATA": str(base / "data"),
        "REPLICA_SOCK": str(base / "run"),
        "REPLICA_PORT": REPLICA_PORT,
    }
    started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, check=False)
    try:
        assert started.returncode == 0, started.stderr
        assert started.stdout.splitlines()[-1] == (
            f"GEO_PORTAL_REPLICA_URL=postgis://geo_portal_reader@/geo_portal?host={base / 'run'}&port={REPLICA_PORT}"
        )
        admin = psycopg.connect(
            host=str(base / "run"), port=REPLICA_PORT, user="postgres", dbname=primary["dbname"], autocommit=True
        )
        wrapper = connections["default"].__class__(
            {
                **connection.settings_dict,
                "USER": "geo_portal_reader",
                "PASSWORD": "",
                "HOST": "",
                "PORT": "",
                "OPTIONS": {"host": str(base / "run"), "port": int(REPLICA_PORT)},
            },
            "replica_live",
        )
        setattr(connections._connections, "replica_live", wrapper)
        world = {**mapped, "admin": admin}
        caught_up(world)
        yield world
    finally:
        if hasattr(connections._connections, "replica_live"):
            connections["replica_live"].close()
            delattr(connections._connections, "replica_live")
        if "admin" in locals():
            admin.close()
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def caught_up(world, timeout_s: float = 30) -> None:
    """Wait until the replica has replayed everything the primary has written (its WAL insert position now).

    The insert position, not ``pg_current_wal_lsn()`` (the write position): the test cluster commits asynchronously
    (``synchronous_commit=off``), so a commit's record may still be in the WAL buffers, behind the write position,
    when this asks — and a replica "caught up" with the write position would not have the commit yet."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = (
            world["admin"]
            .execute("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", [target])
            .fetchone()[0]
        )
        if done:
            return
        time.sleep(0.05)
    pytest.fail(f"the replica did not replay up to {target} in {timeout_s} s")


def geocoded(client) -> list[tuple[str, float, float]]:
    data = client.get("/api/v1/geocode", {"q": ADDRESS}).json()
    return [(hit["address"], hit["lon"], hit["lat"]) for hit in data["hits"]]


@pytest.mark.django_db(transaction=True)
def test_public_geocode_and_tiles_from_a_streaming_replica_follow_the_primary_after_replay(client, standby, settings):
    apply_invalidations()
    address = ("plates", *tile_of(*OLD, 18))
    before = get_tile(*address).content  # encoded on the primary, for comparison
    settings.SEARCH_DB = "replica_live"  # the public reads (geocode, tile encoding); the tile cache stays on default

    with connections["replica_live"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_user")
        assert cursor.fetchone() == (True, "geo_portal_reader")
    assert geocoded(client) == [(ADDRESS, *_lonlat(*OLD))]

    # Replay paused: the primary moves the plate, the replica does not know yet — and the answers say so.
    standby["admin"].execute("SELECT pg_wal_replay_pause()")
    plate = standby["plates"][ADDRESS]
    DoorPlate.objects.filter(pk=plate.pk).update(geom=Point(*NEW, srid=3826))
    assert DoorPlate.objects.get(pk=plate.pk).geom.coords == NEW
    assert geocoded(client) == [(ADDRESS, *_lonlat(*OLD))]
    lagging = get_tile(*address)
    assert (lagging.source, lagging.content) == ("miss", before)  # the replica's map, never stored as current
    assert get_tile(*address).content == before

    # Replay resumed: the move arrives, in the geocode and in the tile (encoded afresh, then served from the cache).
    standby["admin"].execute("SELECT pg_wal_replay_resume()")
    caught_up(standby)
    assert geocoded(client) == [(ADDRESS, *_lonlat(*NEW))]
    moved = get_tile(*address)
    assert moved.source == "miss" and moved.content != before
    again = get_tile(*address)
    assert (again.source, again.content) == ("hit", moved.content)
    settings.SEARCH_DB = "default"
    assert render_tile(*address) == moved.content  # what the primary draws now
