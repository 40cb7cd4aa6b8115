"""Boundary and village-table loaders: validity repair, 3D→2D, MultiPolygon, codes, refusals."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from geo_portal.areas.models import District, Village
from geo_portal.areas.services import load_boundaries, load_village_table
from geo_portal.ingest.errors import ImportRefused
from tests.conftest import write_csv


def feature(code, coords, kind="Polygon"):
    return {"type": "Feature", "properties": {"VILLCODE": code}, "geometry": {"type": kind, "coordinates": coords}}


def write_geojson(path, features, crs=True):
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_bowtie_3d_polygon_is_repaired_to_a_2d_multipolygon(areas, tmp_path):
    bowtie = [[[120.97, 24.80, 0], [120.98, 24.81, 0], [120.98, 24.80, 0], [120.97, 24.81, 0], [120.97, 24.80, 0]]]
    path = write_geojson(
        tmp_path / "v.geojson",
        [feature("10018010001", bowtie), feature("99999999999", bowtie), feature("10018010002", [120.97, 24.8], "Point")],
    )
    result = load_boundaries(path=path, level="village", code_field="VILLCODE")
    assert result.counts == {"features": 3, "staged": 2, "updated": 1, "rejected": 2}
    assert sorted((f.row, f.reason) for f in result.findings) == [
        (2, "no village with this code is loaded"),
        (3, "Point is not a polygon"),
    ]
    boundary = Village.objects.get(code="10018010001").boundary
    assert (boundary.geom_type, boundary.srid, boundary.valid, boundary.hasz, len(boundary)) == (
        "MultiPolygon",
        3826,
        True,
        False,
        2,
    )


def test_file_without_crs_needs_srid(areas, tmp_path):
    path = write_geojson(tmp_path / "v.geojson", [feature("10018010001", [[[0, 0], [1, 0], [1, 1], [0, 0]]])], crs=False)
    # GeoJSON without "crs" is WGS84 by RFC 7946, so GDAL reports EPSG:4326; a conflicting --srid is refused.
    with pytest.raises(ImportRefused, match=r"the file says EPSG:4326 but --srid 3826 was given"):
        load_boundaries(path=path, level="village", code_field="VILLCODE", srid=3826)


def test_unknown_code_field_is_refused(areas, tmp_path):
    path = write_geojson(
        tmp_path / "v.geojson", [feature("10018010001", [[[120.9, 24.8], [121, 24.8], [121, 24.9], [120.9, 24.8]]])]
    )
    with pytest.raises(ImportRefused, match=r"no field 'CODE'; fields are VILLCODE"):
        load_boundaries(path=path, level="village", code_field="CODE")
    assert Village.objects.get(code="10018010001").boundary.area == 1_000_000


def test_village_table_creates_areas_and_skips_pseudo_areas(db, tmp_path):
    header = [
        "VILLCODE",
        "COUNTYNAME",
        "TOWNNAME",
        "VILLNAME",
        "VILLENG",
        "COUNTYID",
        "COUNTYCODE",
        "TOWNID",
        "TOWNCODE",
        "NOTE",
    ]
    path = write_csv(
        tmp_path / "v.csv",
        header,
        [
            ["10018010001", "新竹市", "東區", "南門里", "Nanmen Vil.", "O", "10018", "O01", "10018010", ""],
            ["10018020S01", "新竹市", "北區", "", "", "O", "10018", "O02", "10018020", ""],
        ],
    )
    result = load_village_table(path=path)
    assert result.counts == {"counties": 1, "districts": 1, "villages_created": 1, "villages_updated": 0, "skipped": 1}
    assert [(f.row, f.reason) for f in result.findings] == [(3, "not an 11-digit village code")]
    d = District.objects.get(code="10018010")
    assert (d.name, d.name_en, d.registry_code, d.county.name_en) == ("東區", "East Dist.", "1001801", "Hsinchu City")
    assert load_village_table(path=path).counts["villages_updated"] == 1


def test_commands_turn_refusals_into_one_line_errors(db, tmp_path):
    with pytest.raises(CommandError, match=r"^.*nope\.csv: no such file$"):
        call_command("load_villages", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match=r"^the tolerance must be between 0 and 100 metres$"):
        call_command("link_plates", tolerance=500)
