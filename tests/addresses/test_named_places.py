"""Places named without a number: landmarks (named buildings), villages, 鄰 and named areas — their kind, point,
extent and outline — and what stays an honest 'none'."""

from __future__ import annotations

import pytest
from django.utils import translation

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.search import autocomplete, geocode
from geo_portal.buildings.linking import link_plates_to_buildings
from geo_portal.buildings.models import Building
from tests.conftest import X0, Y0, square, write_csv

ROWS = [
    ["新竹市東區甲里1鄰光復路二段1號", X0 + 10, Y0 + 10],
    ["新竹市東區甲里1鄰光復路二段3號", X0 + 20, Y0 + 10],
    ["新竹市東區甲里2鄰光復路二段5號", X0 + 200, Y0 + 210],
    ["新竹市東區甲里2鄰光復路二段7號", X0 + 220, Y0 + 210],
    ["新竹市東區甲里2鄰光復路二段7號3樓", X0 + 220, Y0 + 210],
    ["新竹市東區乙里4鄰光明新村8號", X0 + 1100, Y0 + 100],
    ["新竹市東區乙里4鄰光明新村9號", X0 + 1140, Y0 + 100],
]


@pytest.fixture
def plates(areas, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], ROWS)
    import_doorplates(
        path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path, district="10018010"
    )
    # Two footprints share a name (one landmark); one footprint holds plates 5 and 7.
    Building.objects.create(geom=square(X0 + 190, Y0 + 200, 40), name="科學二館", source="osm", source_id="1")
    Building.objects.create(geom=square(X0 + 600, Y0 + 600, 20), name="梅竹山莊", source="osm", source_id="2")
    Building.objects.create(geom=square(X0 + 640, Y0 + 600, 20), name="梅竹山莊", source="osm", source_id="3")
    Building.objects.create(geom=square(X0 + 700, Y0 + 700, 20), name="", source="osm", source_id="4")
    link_plates_to_buildings(tolerance_m=0)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_village_by_name_with_its_boundary_and_counts(plates):
    for text in ("甲里", "新竹市東區甲里", "東區甲里", "300甲里"):
        result = geocode(text)
        assert (result.grade, result.hits, [p.kind for p in result.places]) == ("none", [], ["village"]), text
    place = geocode("新竹市東區甲里").places[0]
    facts = (place.name, place.name_en, place.village, place.plates, place.neighborhoods)
    assert facts == ("甲里", "Jia Vil.", "甲里", 5, 2)
    assert place.outline["type"] == "Polygon"  # the square of the fixture, simplified by 2 m
    assert place.outline_approximate is False
    lon0, lat0, lon1, lat1 = place.bbox
    assert lon0 < place.lon < lon1 and lat0 < place.lat < lat1
    assert geocode("甲里").notes == ["甲里: a village with 2 neighbourhoods and 5 door plates"]


def test_a_neighbourhood_outlined_around_its_plates(plates):
    result = geocode("甲里2鄰")
    (place,) = result.places
    assert (place.kind, place.name, place.name_en, place.village, place.neighborhood, place.plates) == (
        "neighborhood",
        "甲里2鄰",
        "Neighborhood 2, Jia Vil.",
        "甲里",
        2,
        3,
    )
    assert place.outline_approximate is True
    assert place.outline["type"] == "Polygon"
    # the label point is one of its plates (the one nearest their centroid), inside the outline's extent
    assert (round(place.lon, 4), round(place.lat, 4)) in {
        (round(h.lon, 4), round(h.lat, 4)) for h in geocode("光復路二段5號").hits + geocode("光復路二段7號").hits
    }
    assert geocode("新竹市東區甲里 二鄰").places[0].name == "甲里2鄰"
    assert result.notes == ["甲里2鄰: a neighbourhood; its outline is drawn around its 3 door plates (approximate)"]


def test_a_neighbourhood_that_has_no_plates_shows_the_village_and_says_so(plates):
    result = geocode("甲里9鄰")
    assert (result.grade, result.hits, [p.kind for p in result.places]) == ("none", [], ["village"])
    assert result.notes == ["甲里 has no neighbourhood 9 with door plates; its neighbourhoods are numbered 1 to 2"]
    assert result.suggestions == ["甲里1鄰", "甲里2鄰"]


def test_a_landmark_by_its_building_name_with_its_door_plates(plates):
    result = geocode("科學二館")
    (place,) = result.places
    assert (place.kind, place.name, place.plates, place.outline_approximate) == ("landmark", "科學二館", 3, False)
    assert place.addresses == ["新竹市東區光復路二段5號", "新竹市東區光復路二段7號", "新竹市東區光復路二段7號3樓"]
    assert len(place.building_ids) == 1
    assert result.notes == ["科學二館: a landmark (named building)"]
    assert geocode("新竹市東區 科學二館").places[0].name == "科學二館"


def test_footprints_sharing_a_name_are_one_landmark(plates):
    (place,) = geocode("梅竹山莊").places
    assert (place.kind, len(place.building_ids), place.plates, place.addresses) == ("landmark", 2, 0, [])
    assert place.outline["type"] == "MultiPolygon"


def test_part_of_a_landmark_name(plates):
    result = geocode("山莊")
    assert [p.name for p in result.places] == ["梅竹山莊"]
    assert result.notes == ["no address; 1 landmarks whose names contain 山莊"]
    assert [p.name for p in geocode("科學二").places] == ["科學二館"]


def test_a_named_area_without_a_road(plates):
    (place,) = geocode("光明新村").places
    assert (place.kind, place.name, place.plates, place.outline_approximate) == ("area", "光明新村", 2, True)


def test_what_is_no_place_stays_none_without_places(plates):
    for text in ("丙里", "新竹市東區丙里", "臺北市中正區甲里", "不存在的大樓", "甲", "科學三館"):
        result = geocode(text)
        assert (result.grade, result.hits, result.places) == ("none", [], []), text


def test_addresses_are_still_addresses(plates):
    result = geocode("新竹市東區甲里2鄰光復路二段7號")
    assert (result.grade, [h.address for h in result.hits], result.places) == (
        "exact",
        ["新竹市東區光復路二段7號"],
        [],
    )


def test_type_ahead_offers_villages_and_landmarks_after_roads(plates):
    assert [(s.text, s.kind) for s in autocomplete("甲")] == [("甲里", "village")]
    assert [(s.text, s.kind) for s in autocomplete("科學")] == [("科學二館", "landmark")]
    assert [(s.text, s.kind) for s in autocomplete("科學二")] == [("科學二館", "landmark")]  # not read as 科學2
    assert [(s.text, s.kind) for s in autocomplete("山莊")] == [("梅竹山莊", "landmark")]
    assert [(s.text, s.kind) for s in autocomplete("光")][:1] == [("光復路二段", "road")]
    assert [(s.text, s.kind) for s in autocomplete("甲里2")] == [("甲里2鄰", "neighborhood")]
