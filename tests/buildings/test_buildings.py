"""Building import (repair, rejects, upsert) and plate→building linking."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from geo_portal.addresses.imports import import_doorplates
from geo_portal.buildings.linking import link_plates_to_buildings
from geo_portal.buildings.models import Building, PlateBuilding
from geo_portal.buildings.services import BuildingFields, import_buildings
from geo_portal.ingest.errors import ImportRefused
from tests.conftest import X0, Y0, write_csv


def rect(x, y, w, h):
    return [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]


def write_buildings(path, features):
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3826"}},
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


FIELDS = BuildingFields(id="id", name="name", floors="levels")


def test_import_repairs_rejects_and_links(areas, tmp_path):
    import_doorplates(
        path=write_csv(
            tmp_path / "p.csv",
            ["address", "x", "y"],
            [
                ["新竹市東區光復路二段1號", X0 + 5, Y0 + 5],  # inside building a
                ["新竹市東區光復路二段3號", X0 + 25, Y0 + 5],  # 5 m from building a's east side? a spans x0..x0+20
                ["新竹市東區光復路二段5號", X0 + 500, Y0 + 500],  # far from everything
            ],
        ),
        columns={"address": "address", "x": "x", "y": "y"},
        srid=3826,
        report_dir=tmp_path,
    )
    bowtie = [[[X0 + 100, Y0], [X0 + 110, Y0 + 10], [X0 + 110, Y0], [X0 + 100, Y0 + 10], [X0 + 100, Y0]]]
    path = write_buildings(
        tmp_path / "b.geojson",
        [
            ({"id": "a", "name": "甲棟", "levels": "5"}, {"type": "Polygon", "coordinates": rect(X0, Y0, 20, 10)}),
            ({"id": "b", "name": None, "levels": "2.5"}, {"type": "Polygon", "coordinates": bowtie}),
            ({"id": "a", "name": "dup", "levels": None}, {"type": "Polygon", "coordinates": rect(X0 + 50, Y0, 5, 5)}),
            ({"id": "c", "name": None, "levels": None}, {"type": "Point", "coordinates": [X0, Y0]}),
        ],
    )
    result = import_buildings(path=path, source="test", fields=FIELDS)
    assert sorted((f.row, f.level, f.reason) for f in result.findings) == [
        (2, "warning", "not a whole number: '2.5'; stored as unknown"),
        (3, "rejected", "duplicate id (first at feature 1)"),
        (4, "rejected", "Point is not a polygon"),
    ]
    assert (
        result.counts["inserted"],
        result.counts["updated"],
        result.counts["plates_in_building"],
        result.counts["plates_near_building"],
        result.counts["plates_without_building"],
    ) == (2, 0, 1, 1, 1)
    b = Building.objects.get(source_id="b")
    assert (b.geom.geom_type, b.geom.valid, len(b.geom), b.floors) == ("MultiPolygon", True, 2, None)
    links = {
        link.plate.number: (link.building.source_id, link.method, round(link.distance_m, 3))
        for link in PlateBuilding.objects.select_related("plate", "building")
    }
    assert links == {1: ("a", "contains", 0.0), 3: ("a", "nearest", 5.0)}
    again = import_buildings(path=path, source="test", fields=FIELDS)
    assert (again.counts["inserted"], again.counts["updated"]) == (0, 0)


def test_missing_file_and_bad_tolerance_are_refused(db, tmp_path):
    with pytest.raises(ImportRefused, match=r"no such file"):
        import_buildings(path=tmp_path / "nope.geojson", source="x", fields=FIELDS)
    with pytest.raises(ImportRefused, match=r"between 0 and 100 metres"):
        link_plates_to_buildings(tolerance_m=500)


@pytest.mark.parametrize(("suffix", "driver"), [(".gpkg", "GPKG"), (".shp", "ESRI Shapefile")])
def test_geopackage_and_shapefile_with_3d_lon_lat_polygons(areas, tmp_path, suffix, driver):
    """Same importer for other formats; a 3D WGS84 footprint is stored as a 2D MultiPolygon in EPSG:3826."""
    ring = [(120.9700, 24.8000, 12.0), (120.9702, 24.8000, 12.0), (120.9702, 24.8002, 12.0), (120.9700, 24.8002, 12.0)]
    frame = gpd.GeoDataFrame({"bid": ["x1"], "levels": [3]}, geometry=[Polygon(ring)], crs=4326)
    path = tmp_path / f"b{suffix}"
    frame.to_file(path, driver=driver)
    result = import_buildings(path=path, source="fmt", fields=BuildingFields(id="bid", floors="levels"))
    assert result.counts["inserted"] == 1
    b = Building.objects.get(source="fmt", source_id="x1")
    assert (b.geom.geom_type, b.geom.srid, b.geom.hasz, b.floors) == ("MultiPolygon", 3826, False, 3)
    # 0.0002° of longitude at 24.8°N ≈ 20.21 m, 0.0002° of latitude ≈ 22.14 m: ≈ 447.5 m² on the ground.
    assert round(b.geom.area) == 448
