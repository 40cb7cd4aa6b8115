"""A small mapped district: three plates (two share an entrance), one building, the two villages of ``areas``.

The fixture's writes are numbered in the change log as if committed (``number_changes``), so the tile cache
treats them as published data and later writes in a test as new changes.
"""

from __future__ import annotations

import math

import pytest
from django.db import connection
from pyproj import Transformer

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate
from geo_portal.buildings.linking import link_plates_to_buildings
from geo_portal.buildings.models import Building
from tests.conftest import X0, Y0, square, write_csv

TO_WGS84 = Transformer.from_crs(3826, 4326, always_xy=True)
TO_MERCATOR = Transformer.from_crs(3826, 3857, always_xy=True)


def tile_of(x: float, y: float, z: int) -> tuple[int, int, int]:
    """The z/x/y tile that contains an EPSG:3826 point."""
    lon, lat = TO_WGS84.transform(x, y)
    n = 2**z
    tx = int((lon + 180) / 360 * n)
    ty = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, tx, ty


def number_changes() -> None:
    """Number this transaction's change-log events now (the deferred trigger fires as at commit).

    Inside a test's transaction nothing commits; this makes the writes so far one numbered txid, as a commit
    would, and later writes start a new one.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def change_log(db):
    """The public channel and the tile-cache state, as migrated (a transactional test's flush empties them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO changes_channel (name, last_txid, last_seq, horizon_txid) VALUES ('public', 0, 0, 0) "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            "INSERT INTO publicmap_tilestate (id, applied_txid) VALUES (1, changes_latest_txid('public')) "
            "ON CONFLICT DO NOTHING"
        )


@pytest.fixture
def mapped(change_log, areas, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y"],
        [
            ["新竹市東區光復路二段101之1號", X0 + 50, Y0 + 50],
            ["新竹市東區光復路二段101之1號5樓", X0 + 50, Y0 + 50],
            ["新竹市東區光復路二段103號", X0 + 56, Y0 + 50],
        ],
    )
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)
    building = Building.objects.create(geom=square(X0 + 40, Y0 + 40, 20), floors=5, source="test", source_id="b1")
    link_plates_to_buildings()
    plates = {p.address: p for p in DoorPlate.objects.all()}
    number_changes()
    return {**areas, "building": building, "plates": plates}
