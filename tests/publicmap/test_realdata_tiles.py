"""Tile sizes on the real 東區 data: the densest tiles of every zoom stay under 500 KB."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

import pyogrio
import pytest
from django.db import connection

from geo_portal.publicmap.tiles import render_tile

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

MAX_TILE_BYTES = 500 * 1024

DENSEST = """
WITH pts AS (SELECT ST_Transform(geom, 3857) AS g FROM addresses_doorplate WHERE status = 'active')
SELECT floor((ST_X(g) + 20037508.342789244) / (40075016.685578488 / 2 ^ %(z)s))::int AS x,
       floor((20037508.342789244 - ST_Y(g)) / (40075016.685578488 / 2 ^ %(z)s))::int AS y, count(*) AS n
FROM pts GROUP BY 1, 2 ORDER BY n DESC LIMIT 3"""


def densest_tiles(z: int) -> list[tuple[int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(DENSEST, {"z": z})
        return cursor.fetchall()


@pytest.mark.parametrize("z", range(10, 19))
def test_densest_tiles_stay_under_500_kb(loaded_real, z):
    tiles = densest_tiles(z)
    assert tiles, "no plates loaded"
    for x, y, n in tiles:
        for layer in ("plates", "buildings", "villages"):
            size = len(render_tile(layer, z, x, y))
            assert size < MAX_TILE_BYTES, f"{layer} z{z}/{x}/{y} ({n} plates) is {size} bytes"
    # Aggregates sit at a village's or district's label point, so only the densest tile surely has one.
    x, y, _ = tiles[0]
    assert len(render_tile("plates", z, x, y)) > 0


def test_the_densest_raw_tile_holds_every_entrance(loaded_real):
    """At z16 (the first zoom with raw points) no plate is dropped: the units add up to the plate count."""
    (x, y, n), *_ = densest_tiles(16)
    content = render_tile("plates", 16, x, y)
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.mvt"
        path.write_bytes(content)
        df = pyogrio.read_dataframe(path, layer="plates", X=x, Y=y, Z=16)
    # Features in the 64-unit buffer belong to neighbouring tiles too; those inside the tile sum to n.
    assert df["units"].sum() >= n and set(df["kind"]) == {"plate"}
