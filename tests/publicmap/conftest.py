"""A small mapped district: three plates (two share an entrance), one building, the two villages of ``areas``."""

from __future__ import annotations

import math

import pytest
from pyproj import Transformer

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.services import import_doorplates
from geo_portal.buildings.models import Building
from geo_portal.buildings.services import link_plates_to_buildings
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


@pytest.fixture
def mapped(areas, tmp_path):
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
    return {**areas, "building": building, "plates": plates}
