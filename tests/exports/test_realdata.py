"""All 108,162 active door plates of the real 東區 data exported to GeoParquet and GeoPackage and read back."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest

from geo_portal.exports.writers import write_file

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

REAL_ACTIVE_PLATES = 108_162


def test_all_real_plates_to_geoparquet_and_geopackage(loaded_real, tmp_path):
    parquet = write_file("plates", "parquet", tmp_path / "plates.parquet", srid=4326)
    gpkg = write_file("plates", "gpkg", tmp_path / "plates.gpkg", srid=3826)
    assert (parquet.rows, gpkg.rows) == (REAL_ACTIVE_PLATES, REAL_ACTIVE_PLATES)

    frame = gpd.read_parquet(parquet.path)
    assert (len(frame), frame["id"].is_unique, frame.crs.to_epsg()) == (REAL_ACTIVE_PLATES, True, 4326)
    west, south, east, north = frame.total_bounds
    assert 120.9 < west < east < 121.1 and 24.7 < south < north < 24.9  # 新竹市東區, in lon/lat

    info = pyogrio.read_info(gpkg.path, layer="plates")
    assert (info["features"], info["geometry_type"], info["crs"]) == (REAL_ACTIVE_PLATES, "Point", "EPSG:3826")
