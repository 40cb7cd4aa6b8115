"""Search API: JSON shape, 400s that name the problem, throttling, OpenAPI schema and docs page."""

from __future__ import annotations

import pytest
from rest_framework.settings import api_settings

from geo_portal.addresses.imports import import_doorplates
from tests.conftest import X0, Y0, write_csv


@pytest.fixture
def plates(areas, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y"],
        [["新竹市東區光復路二段1號", X0 + 10, Y0 + 10], ["新竹市東區光復路二段3號", X0 + 20, Y0 + 10]],
    )
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)


def test_geocode_json(client, plates):
    body = client.get("/api/v1/geocode", {"q": "光復路2段3號"}).json()
    assert (body["query"], body["grade"], body["notes"], body["problems"]) == ("光復路2段3號", "normalised", [], [])
    hit = body["hits"][0]
    assert (hit["address"], hit["x"], hit["y"], hit["building_id"]) == ("新竹市東區光復路二段3號", X0 + 20, Y0 + 10, None)


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"q": ["This field is required."]}),
        ({"q": ""}, {"q": ["This field may not be blank."]}),
        ({"q": "x" * 201}, {"q": ["Ensure this field has no more than 200 characters."]}),
        ({"q": "光復路1號", "limit": "abc"}, {"limit": ["A valid integer is required."]}),
        ({"q": "光復路1號", "limit": "999"}, {"limit": ["Ensure this value is less than or equal to 50."]}),
    ],
)
def test_geocode_bad_input_is_a_400_naming_the_field(client, db, params, fields):
    response = client.get("/api/v1/geocode", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid request", "fields": fields}


def test_geocode_of_sql_and_html_is_no_match_not_an_error(client, plates):
    for q in ["'; DROP TABLE addresses_doorplate; --", "<img src=x onerror=alert(1)>", "\u200b\u202e光復路"]:
        body = client.get("/api/v1/geocode", {"q": q}).json()
        assert (body["grade"], body["hits"]) == ("none", [])


def test_reverse_by_lonlat_and_by_twd97(client, plates):
    by_xy = client.get("/api/v1/reverse", {"x": X0 + 12, "y": Y0 + 10, "radius": 50}).json()
    assert [(h["address"], h["distance_m"]) for h in by_xy["hits"]] == [
        ("新竹市東區光復路二段1號", 2.0),
        ("新竹市東區光復路二段3號", 8.0),
    ]
    lon, lat = by_xy["hits"][0]["lon"], by_xy["hits"][0]["lat"]
    by_lonlat = client.get("/api/v1/reverse", {"lon": lon, "lat": lat, "radius": 5}).json()
    assert [h["address"] for h in by_lonlat["hits"]] == ["新竹市東區光復路二段1號"]
    assert (by_lonlat["village"], by_lonlat["village_code"]) == ("甲里", "10018010001")


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lon": "121"}, {"lat": ["required together with lon"]}),
        ({"lon": "abc", "lat": "24.8"}, {"lon": ["A valid number is required."]}),
        (
            {"lon": "0", "lat": "0"},
            {
                "lon": ["Ensure this value is greater than or equal to 118.0."],
                "lat": ["Ensure this value is greater than or equal to 21.5."],
            },
        ),
        ({}, {"non_field_errors": ["give either lon and lat (WGS84) or x and y (TWD97), not both or neither"]}),
        ({"x": "1e12", "y": "1e12"}, {"point": ["point is outside Taiwan"]}),
        ({"lon": "121", "lat": "24.8", "radius": "99999"}, {"radius": ["Ensure this value is less than or equal to 2000."]}),
    ],
)
def test_reverse_bad_input_is_a_400_naming_the_field(client, db, params, fields):
    response = client.get("/api/v1/reverse", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid request", "fields": fields}


def test_public_endpoints_are_throttled_per_client(client, db, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "geocode", "3/minute")
    codes = [client.get("/api/v1/geocode", {"q": "光復路1號"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = client.get("/api/v1/geocode", {"q": "光復路1號"}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_openapi_schema_and_offline_docs(client, db):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/geocode", "/api/v1/reverse"} <= set(schema["paths"])
    docs = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()


def test_errors_are_in_traditional_chinese_by_default(client, db):
    assert client.get("/api/v1/geocode").json() == {"error": "invalid request", "fields": {"q": ["此為必需欄位。"]}}
