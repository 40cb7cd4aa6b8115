"""``GET /api/v1/export/<layer>.<format>``: streamed files with the right headers, 400s naming the field, throttled."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings

from tests.exports.conftest import EXPECTED_VILLAGES, as_csv_text, expected_plates, read_back

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "parquet": "application/vnd.apache.parquet",
}


def download(client, url: str, tmp_path, fmt: str, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    assert response.streaming
    path = tmp_path / f"download.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    return response, read_back(path, fmt)


@pytest.mark.parametrize("fmt", list(CONTENT_TYPES))
def test_each_format_streams_with_its_headers(client, exportable, tmp_path, fmt):
    response, back = download(client, f"/api/v1/export/plates.{fmt}", tmp_path, fmt)
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    assert response["Content-Disposition"] == f'attachment; filename="plates.{fmt}"'
    expected = expected_plates(exportable)
    if fmt == "csv":
        expected = [{k: as_csv_text(v) for k, v in row.items()} for row in expected]
    else:
        assert back.epsg == 3826
    assert back.rows == expected
    assert (back.geometries[2].x, back.geometries[2].y) == (251056.25, 2740050.5)


def test_wgs84_on_request(client, exportable, tmp_path):
    _, back = download(client, "/api/v1/export/villages.parquet?srid=4326", tmp_path, "parquet")
    assert (back.epsg, back.rows) == (4326, EXPECTED_VILLAGES)
    assert back.geometries[0].bounds == pytest.approx((121.0, 24.76726633, 121.00988905, 24.77629532), abs=1e-8)


def test_any_accept_header_gets_the_file(client, exportable, tmp_path):
    _, back = download(
        client, "/api/v1/export/buildings.gpkg", tmp_path, "gpkg", HTTP_ACCEPT="application/geopackage+sqlite3"
    )
    assert [row["name"] for row in back.rows] == ["光復大樓"]


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/api/v1/export/roads.csv", {"layer": ["unknown layer 'roads'; use one of plates, buildings, villages"]}),
        ("/api/v1/export/plates.shp", {"format": ["unknown format 'shp'; use one of csv, geojson, gpkg, parquet"]}),
        (
            "/api/v1/export/plates.csv?srid=3857",
            {"srid": ["unknown srid '3857'; use 3826 (TWD97 TM2, metres) or 4326 (WGS84 lon/lat)"]},
        ),
        (
            "/api/v1/export/households.xlsx?srid=abc",
            {
                "layer": ["unknown layer 'households'; use one of plates, buildings, villages"],
                "format": ["unknown format 'xlsx'; use one of csv, geojson, gpkg, parquet"],
                "srid": ["unknown srid 'abc'; use 3826 (TWD97 TM2, metres) or 4326 (WGS84 lon/lat)"],
            },
        ),
    ],
)
def test_bad_requests_are_400_naming_the_field(client, db, url, fields):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "invalid request", "fields": fields}


def test_no_extension_is_not_found(client, db):
    assert client.get("/api/v1/export/plates").status_code == 404


def test_throttled_per_client(client, exportable):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "exports": "2/hour"}
    with override_settings(REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}):
        assert [client.get("/api/v1/export/buildings.csv").status_code for _ in range(3)] == [200, 200, 429]
        other = client.get("/api/v1/export/buildings.csv", REMOTE_ADDR="192.0.2.7")
        assert other.status_code == 200


def test_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/export/{layer}.{fmt}"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["layer"]["enum"] == ["buildings", "plates", "villages"]  # sorted by drf-spectacular
    assert parameters["fmt"]["enum"] == ["csv", "geojson", "gpkg", "parquet"]
    assert (parameters["srid"]["enum"], parameters["srid"]["default"]) == ([3826, 4326], 3826)
    assert sorted(operation["responses"]["200"]["content"]) == [
        "application/geo+json",
        "application/geopackage+sqlite3",
        "application/vnd.apache.parquet",
        "text/csv",
    ]
