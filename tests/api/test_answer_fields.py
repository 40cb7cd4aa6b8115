"""The geocoding answer's newer parts in JSON and in the OpenAPI schema: ``outside``, ``road``, ``places`` and a
plate's partial zip code (the 3 digits the public card shows when no 3+3 rule covers the plate)."""

from __future__ import annotations

import pytest

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from tests.conftest import X0, Y0, write_csv


@pytest.fixture
def plates(areas, tmp_path):
    rows = [["新竹市東區甲里3鄰光復路二段101號", X0 + 10, Y0 + 10], ["新竹市東區甲里3鄰光復路二段103號", X0 + 20, Y0 + 10]]
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], rows)
    import_doorplates(
        path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path, district="10018010"
    )
    ZipCodeRule.objects.create(zip_code="300046", county="新竹市", district="東區", road="中華路一段", scope="全",
                               position=1, source="test")  # fmt: skip
    DoorPlate.objects.filter(number=103).update(zip_code="300044")


def test_json_answers_carry_the_partial_zip_code_where_the_card_shows_it(client, plates):
    data = client.get("/api/v1/geocode", {"q": "光復路二段101號"}).json()
    assert [(h["zip_code"], h["zip_code_partial"]) for h in data["hits"]] == [("", "300")]
    covered = client.get("/api/v1/geocode", {"q": "光復路二段103號"}).json()
    assert [(h["zip_code"], h["zip_code_partial"]) for h in covered["hits"]] == [("300044", "")]
    plate = DoorPlate.objects.get(number=101)
    card = client.get(f"/api/v1/plates/{plate.pk}").json()["plate"]
    assert (card["zip_code"], card["zip_code_partial"]) == ("", "300")
    near = client.get("/api/v1/reverse", {"x": X0 + 10, "y": Y0 + 10, "radius": 5}).json()
    assert [(h["address"], h["zip_code_partial"]) for h in near["hits"]] == [("新竹市東區光復路二段101號", "300")]


def test_json_answers_carry_road_places_and_outside(client, plates):
    road = client.get("/api/v1/geocode", {"q": "光復路二段"}).json()
    assert (road["grade"], road["places"], road["outside"]) == ("none", [], None)
    assert (road["road"]["name"], road["road"]["odd"], road["road"]["plates"]) == ("光復路二段", [101, 103], 2)
    assert isinstance(road["road"]["road_id"], int)
    village = client.get("/api/v1/geocode", {"q": "甲里3鄰"}).json()
    assert [(p["kind"], p["name"], p["plates"], p["outline_approximate"]) for p in village["places"]] == [
        ("neighborhood", "甲里3鄰", 2, True)
    ]
    assert village["road"] is None
    outside = client.get("/api/v1/geocode", {"q": "臺北市中正區光復路二段101號"}).json()
    assert outside["outside"]["recognised"] == "臺北市中正區"
    assert outside["outside"]["service_url"] == "https://www.ris.gov.tw/app/portal/3053"


def test_the_schema_documents_outside_road_places_and_the_partial_zip(client, db):
    schemas = client.get("/api/v1/schema?format=json").json()["components"]["schemas"]
    answer = schemas["GeocodeResult"]["properties"]
    assert answer["outside"]["description"].startswith("set (grade none) when the address names a place outside")
    assert answer["road"]["description"].startswith("set (grade none) when a covered road or lane is named")
    assert answer["places"]["description"].startswith("set (grade none) when the text names places")
    assert answer["outside"]["allOf"] == [{"$ref": "#/components/schemas/OutsideCoverage"}]
    assert answer["outside"]["nullable"] is True
    assert set(schemas["OutsideCoverage"]["properties"]) == {"recognised", "covered", "elsewhere", "service_url"}
    assert set(schemas["RoadSummary"]["properties"]) == {
        "name", "name_en", "bbox", "odd", "even", "lanes", "plates", "road_id"
    }  # fmt: skip
    assert schemas["PlaceMatch"]["properties"]["kind"] == {"$ref": "#/components/schemas/PlaceMatchKindEnum"}
    assert schemas["PlaceMatchKindEnum"]["enum"] == ["landmark", "village", "neighborhood", "area"]
    assert schemas["SuggestionKindEnum"]["enum"] == ["road", "address", "village", "neighborhood", "landmark"]
    partial = schemas["PlateHit"]["properties"]["zip_code_partial"]["description"]
    assert partial.startswith("when no 3+3 rule covers the plate")
