"""Every layer in every format and both SRIDs, read back with GeoPandas/pandas/GDAL: rows, values, CRS, coordinates."""

from __future__ import annotations

import json
import subprocess

import pyarrow.parquet as pq
import pytest
from django.db import connection

from geo_portal.exports import writers
from geo_portal.exports.layers import FORMATS, LAYERS
from geo_portal.exports.writers import stream, write_file
from tests.exports.conftest import (
    A1,
    BUILDING_CORNERS,
    EXPECTED_VILLAGES,
    PLATE_POINTS,
    VILLAGE_CORNERS,
    as_csv_text,
    expected_buildings,
    expected_plates,
    exterior,
    flat,
    in_srid,
    read_back,
    tolerance,
)

COMBINATIONS = [(fmt, srid) for fmt in FORMATS for srid in (3826, 4326)]


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch):
    """Two rows per chunk: the three plates take two chunks, so joins between chunks are exercised."""
    monkeypatch.setattr(writers, "CHUNK_ROWS", 2)


def export(tmp_path, layer: str, fmt: str, srid: int):
    path = tmp_path / f"{layer}.{FORMATS[fmt].extension}"
    result = write_file(layer, fmt, path, srid=srid)
    return path, result


def check_values(back, layer: str, fmt: str, srid: int, expected: list[dict]) -> None:
    names = [c.name for c in LAYERS[layer].columns]
    assert back.columns == names + ["wkt" if fmt == "csv" else "geometry"]
    if fmt == "csv":
        expected = [{k: as_csv_text(v) for k, v in row.items()} for row in expected]
        assert back.epsg is None
    else:
        assert back.epsg == srid
    assert back.rows == expected


@pytest.mark.parametrize(("fmt", "srid"), COMBINATIONS)
def test_plates(exportable, tmp_path, fmt, srid):
    path, result = export(tmp_path, "plates", fmt, srid)
    assert (result.rows, result.bytes) == (3, path.stat().st_size)
    back = read_back(path, fmt)
    check_values(back, "plates", fmt, srid, expected_plates(exportable))
    assert [g.geom_type for g in back.geometries] == ["Point"] * 3
    for geometry, (x, y) in zip(back.geometries, in_srid(PLATE_POINTS, srid), strict=True):
        assert (geometry.x, geometry.y) == pytest.approx((x, y), abs=tolerance(srid), rel=0)


@pytest.mark.parametrize(("fmt", "srid"), COMBINATIONS)
def test_buildings(exportable, tmp_path, fmt, srid):
    path, result = export(tmp_path, "buildings", fmt, srid)
    back = read_back(path, fmt)
    assert result.rows == 1
    check_values(back, "buildings", fmt, srid, expected_buildings(exportable))
    [geometry] = back.geometries
    assert geometry.geom_type == "MultiPolygon"
    assert exterior(geometry) == pytest.approx(flat(in_srid(BUILDING_CORNERS[0], srid)), abs=tolerance(srid), rel=0)


@pytest.mark.parametrize(("fmt", "srid"), COMBINATIONS)
def test_villages_with_small_figures_withheld(exportable, tmp_path, fmt, srid):
    path, result = export(tmp_path, "villages", fmt, srid)
    back = read_back(path, fmt)
    assert result.rows == 2
    check_values(back, "villages", fmt, srid, EXPECTED_VILLAGES)
    for geometry, corners in zip(back.geometries, VILLAGE_CORNERS, strict=True):
        assert geometry.geom_type == "MultiPolygon"
        assert exterior(geometry) == pytest.approx(flat(in_srid(corners, srid)), abs=tolerance(srid), rel=0)


@pytest.mark.parametrize(("layer", "geometry", "count"), [("plates", "Point", 3), ("villages", "Multi Polygon", 2)])
@pytest.mark.parametrize("srid", [3826, 4326])
def test_geopackage_opens_in_ogrinfo(exportable, tmp_path, layer, geometry, count, srid):
    path, _ = export(tmp_path, layer, "gpkg", srid)
    proc = subprocess.run(["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True)
    lines = proc.stdout.splitlines()
    assert proc.stderr == ""
    assert f"Layer name: {layer}" in lines
    assert f"Geometry: {geometry}" in lines
    assert f"Feature Count: {count}" in lines
    assert "Geometry Column = geometry" in lines
    end = next(i for i, line in enumerate(lines) if line.startswith("Data axis to CRS axis mapping"))
    assert lines[end - 1] == f'    ID["EPSG",{srid}]]'  # the end of the layer's SRS WKT


@pytest.mark.parametrize("srid", [3826, 4326])
def test_geoparquet_metadata(exportable, tmp_path, srid):
    path, _ = export(tmp_path, "plates", "parquet", srid)
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    column = geo["columns"]["geometry"]
    assert (geo["version"], geo["primary_column"]) == ("1.1.0", "geometry")
    assert (column["encoding"], column["geometry_types"], column["crs"]["id"]) == (
        "WKB",
        ["Point"],
        {"authority": "EPSG", "code": srid},
    )
    assert pq.ParquetFile(path).metadata.num_row_groups == 2  # one per chunk of two rows


def test_geojson_names_twd97_and_leaves_wgs84_bare(exportable, tmp_path):
    twd97 = json.loads(export(tmp_path, "plates", "geojson", 3826)[0].read_bytes())
    wgs84 = json.loads(export(tmp_path, "plates", "geojson", 4326)[0].read_bytes())
    assert twd97["crs"] == {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3826"}}
    assert "crs" not in wgs84
    assert (twd97["type"], twd97["name"], len(twd97["features"])) == ("FeatureCollection", "plates", 3)
    first = twd97["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [250050, 2740050]}
    assert (first["properties"]["address"], first["properties"]["last_checked_on"]) == (A1, "2026-05-20")


def test_csv_is_utf8_with_bom_and_wkt(exportable, tmp_path):
    path, _ = export(tmp_path, "plates", "csv", 3826)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,address,district_code,road,")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",last_checked_on,wkt")
    assert lines[1].endswith(",3,active,damaged,2026-05-20,POINT(250050 2740050)")
    assert lines[3].endswith(",POINT(251056.25 2740050.5)")
    assert len(lines) == 4


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_stream_gives_the_file_bytes(exportable, tmp_path, fmt):
    path, _ = export(tmp_path, "villages", fmt, 4326)
    streamed = b"".join(stream("villages", fmt, srid=4326))
    if fmt == "gpkg":  # SQLite pages hold no timestamps, but compare what a reader sees to be safe
        (tmp_path / "streamed.gpkg").write_bytes(streamed)
        assert read_back(tmp_path / "streamed.gpkg", fmt).rows == read_back(path, fmt).rows
    else:
        assert streamed == path.read_bytes()


def test_progress_reports_rows_done_and_total(exportable, tmp_path):
    calls = []
    write_file("plates", "parquet", tmp_path / "p.parquet", srid=3826, progress=lambda *call: calls.append(call))
    assert calls == [(2, 3), (3, 3)]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_failed_export_leaves_no_file_and_no_open_transaction(exportable, tmp_path, monkeypatch, fmt):
    add = writers._Tally.add

    def fail_on_second_chunk(tally, rows):
        if tally.rows:
            raise RuntimeError("connection lost")
        add(tally, rows)

    monkeypatch.setattr(writers._Tally, "add", fail_on_second_chunk)
    savepoints = list(connection.savepoint_ids)
    target = tmp_path / "out" / f"plates.{fmt}"
    target.parent.mkdir()
    with pytest.raises(RuntimeError, match="connection lost"):
        write_file("plates", fmt, target, srid=3826)
    assert list(target.parent.iterdir()) == []
    assert connection.savepoint_ids == savepoints  # the export's transaction ended with it
    target.write_bytes(b"previous export")
    with pytest.raises(RuntimeError, match="connection lost"):
        write_file("plates", fmt, target, srid=3826)
    assert list(target.parent.iterdir()) == [target]
    assert target.read_bytes() == b"previous export"


def test_a_stream_closed_early_ends_its_transaction(exportable):
    savepoints = list(connection.savepoint_ids)
    pieces = stream("plates", "geojson", srid=3826)
    next(pieces)
    next(pieces)
    assert len(connection.savepoint_ids) == len(savepoints) + 1  # reading inside the export's own savepoint
    pieces.close()  # what Django does when a client goes away
    assert connection.savepoint_ids == savepoints


def test_empty_layer_is_a_valid_empty_file(db, tmp_path):
    for fmt in FORMATS:
        path, result = export(tmp_path, "buildings", fmt, 3826)
        back = read_back(path, fmt)
        assert (result.rows, back.rows) == (0, []), fmt
        # GeoJSON has no schema: without a feature, the properties are unknown.
        expected = ["geometry"] if fmt == "geojson" else ["id", "name", "floors"]
        assert back.columns[: len(expected)] == expected, fmt
