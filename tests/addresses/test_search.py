"""Forward geocoding grades and reverse lookup on a small district with fixed coordinates."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pyproj import Transformer

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.search import geocode, plate_card, reverse
from geo_portal.areas.models import Road
from geo_portal.buildings.linking import link_plates_to_buildings
from geo_portal.buildings.models import Building
from tests.conftest import X0, Y0, square, write_csv

ROWS = [
    # odd side of 光復路二段 at y = Y0 + 10, x grows 10 m per number step of 2
    ["新竹市東區光復里1鄰光復路二段1號", X0 + 10, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段3號", X0 + 20, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段3號2樓", X0 + 20, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段9號", X0 + 50, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段101之1號", X0 + 300, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段101號之1", X0 + 310, Y0 + 10],
    # even side
    ["新竹市東區光復里1鄰光復路二段2號", X0 + 10, Y0 - 10],
    # a building with floor plates only
    ["新竹市東區光復里1鄰光復路二段21號3樓", X0 + 120, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段21號2樓", X0 + 120, Y0 + 10],
    # same street address in two 鄰
    ["新竹市東區光復里1鄰建中路7號", X0 + 500, Y0 + 500],
    ["新竹市東區光復里2鄰建中路7號", X0 + 500, Y0 + 500],
]


@pytest.fixture
def plates(areas, tmp_path):
    areas["a"].name = "光復里"
    areas["a"].save()
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], ROWS)
    import_doorplates(
        path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path, district="10018010"
    )
    Road.objects.filter(name="光復路二段").update(name_en="Sec. 2, Guangfu Rd.")


@pytest.fixture(autouse=True)
def english():
    """Notes are in the active language; these tests read the English ones."""
    with translation.override("en"):
        yield


def summary(result):
    return result.grade, [h.address for h in result.hits]


def test_exact_and_normalised(plates):
    assert summary(geocode("新竹市東區光復路二段3號")) == ("exact", ["新竹市東區光復路二段3號"])
    assert summary(geocode("新竹市 東區 光復路２段３號")) == ("normalised", ["新竹市東區光復路二段3號"])
    assert summary(geocode("光復路2段三號")) == ("normalised", ["新竹市東區光復路二段3號"])
    assert summary(geocode("光復路2段3號2F")) == ("normalised", ["新竹市東區光復路二段3號2樓"])


def test_hit_fields(plates):
    hit = geocode("光復路二段3號").hits[0]
    assert (hit.village, hit.neighborhood, hit.x, hit.y) == ("光復里", 1, X0 + 20, Y0 + 10)
    assert hit.address_en == "No. 3, Sec. 2, Guangfu Rd., East Dist., Hsinchu City"
    lon, lat = Transformer.from_crs(3826, 4326, always_xy=True).transform(X0 + 20, Y0 + 10)
    assert (hit.lon, hit.lat) == (round(lon, 6), round(lat, 6))


def test_fuzzy_road_is_said(plates):
    result = geocode("光復2段3號")
    assert summary(result) == ("fuzzy", ["新竹市東區光復路二段3號"])
    assert result.notes == ["road 光復二段 → 光復路二段 (road type word left out)"]
    slip = geocode("光腹路二段3號")  # one character wrong, and 光腹路 is no road anywhere
    assert summary(slip) == ("fuzzy", ["新竹市東區光復路二段3號"])
    assert slip.notes == ["road 光腹路二段 → 光復路二段 (similar name)"]


def test_unknown_unit_gives_base_plate(plates):
    result = geocode("光復路二段3號5樓")
    assert summary(result) == ("base", ["新竹市東區光復路二段3號"])
    assert result.notes == ["the unit 3號5樓 is not registered; showing its entrance"]


def test_building_number_with_only_floor_plates_is_found(plates):
    result = geocode("光復路二段21號")
    assert summary(result) == ("exact", ["新竹市東區光復路二段21號2樓"])
    assert result.notes == ["this entrance has only floor plates; showing its lowest unit"]


def test_same_address_in_two_neighbourhoods(plates):
    result = geocode("建中路7號")
    assert [(h.address, h.neighborhood) for h in result.hits] == [("新竹市東區建中路7號", 1), ("新竹市東區建中路7號", 2)]
    assert result.notes == ["2 plates share this address (different 鄰); give the 鄰 to choose"]
    assert [h.neighborhood for h in geocode("光復里2鄰建中路7號").hits] == [2]


def test_sub_number_forms_are_different_plates(plates):
    assert geocode("光復路二段101之1號").hits[0].x == X0 + 300
    assert geocode("光復路二段101號之1").hits[0].x == X0 + 310


def test_interpolated_between_neighbours_on_the_same_side(plates):
    result = geocode("光復路二段5號")
    assert result.grade == "interpolated"
    assert (result.hits[0].plate_id, result.hits[0].x, result.hits[0].y) == (None, X0 + 30, Y0 + 10)
    assert result.suggestions == ["新竹市東區光復路二段3號", "新竹市東區光復路二段9號"]


def test_number_beyond_the_end_of_the_road_is_no_match(plates):
    result = geocode("光復路二段999號")
    assert summary(result) == ("none", [])
    assert result.suggestions == ["新竹市東區光復路二段21號"]  # 21號 has floor plates only; 101 has 之 numbers only
    assert result.notes == ["no plate 光復路二段999號; the nearest numbers on the same side are listed as suggestions"]


def test_unknown_road_and_garbage_are_no_match(plates):
    assert summary(geocode("中山路1號")) == ("none", [])
    # 中山路 is a real road elsewhere (the national road-name table): outside the area, never corrected.
    assert geocode("中山路1號").notes == [
        "中山路 is not a road of 新竹市東區, the area this platform covers; it is a road elsewhere in Taiwan"
    ]
    assert geocode("中山路1號").outside.recognised == "中山路"
    assert geocode("中山路1號").suggestions == []
    nowhere = geocode("光碟大道1號")  # no road of that name anywhere, nothing here like it
    assert (nowhere.grade, nowhere.notes, nowhere.suggestions) == (
        "none",
        ["no road named 光碟大道 in 新竹市東區"],
        [],
    )
    near_miss = geocode("光復街1號")  # too far from 光復路二段 to be corrected, close enough to be suggested
    assert (near_miss.grade, near_miss.hits, near_miss.suggestions) == ("none", [], ["光復路二段"])
    bad = geocode("<script>alert(1)</script>")
    assert (bad.grade, bad.hits) == ("none", [])
    assert bad.problems[0].startswith("number: missing house number")
    assert geocode("").problems == ["address: empty"]


def test_retired_plate_answers_with_its_successor(plates):
    old = DoorPlate.objects.get(street_key="光復路二段1號")
    new = DoorPlate.objects.get(street_key="光復路二段9號")
    old.status, old.retired_on = DoorPlate.Status.RETIRED, timezone.localdate()
    old.save()
    old.successors.add(new)
    result = geocode("光復路二段1號")
    assert summary(result) == ("exact", ["新竹市東區光復路二段9號"])
    assert result.notes[0].startswith("新竹市東區光復路二段1號 was retired on ")


def test_reverse_nearest_plates_with_distance_village_and_building(plates):
    result = reverse(Point(X0 + 22, Y0 + 10, srid=3826), radius_m=15)
    assert [(h.address, h.distance_m) for h in result.hits] == [
        ("新竹市東區光復路二段3號", 2.0),
        ("新竹市東區光復路二段3號2樓", 2.0),
        ("新竹市東區光復路二段1號", 12.0),
    ]
    assert (result.village, result.village_code, result.building_id) == ("光復里", "10018010001", None)
    assert reverse(Point(X0 + 900, Y0 + 900, srid=3826), radius_m=50).hits == []


def test_reverse_shows_the_building_of_each_plate_and_at_the_point(plates):
    """Through the read views buildings declares (``buildings_plate_building_v``, ``buildings_footprint_v``)."""
    building = Building.objects.create(geom=square(X0 + 15, Y0 + 5, 10), source="t", source_id="b3")
    link_plates_to_buildings(tolerance_m=0)
    result = reverse(Point(X0 + 22, Y0 + 10, srid=3826), radius_m=15)
    assert [(h.address, h.building_id) for h in result.hits] == [
        ("新竹市東區光復路二段3號", building.pk),
        ("新竹市東區光復路二段3號2樓", building.pk),
        ("新竹市東區光復路二段1號", None),
    ]
    assert result.building_id == building.pk
    assert reverse(Point(X0 + 12, Y0 + 10, srid=3826), radius_m=5).building_id is None


def test_geocode_reads_the_building_through_the_view_buildings_declares(plates):
    """No ORM traversal into buildings (``building_link``): one read of ``buildings_plate_building_v`` inside the
    plate query, so a hit costs no query of its own."""
    building = Building.objects.create(geom=square(X0 + 15, Y0 + 5, 10), source="t", source_id="b3")
    link_plates_to_buildings(tolerance_m=0)
    geocode("光復路二段1號")  # the gazetteer is read once; then one checksum and one plate statement per search
    geocode("建中路7號")  # so is each road's partial zip code (these plates have none): once, then kept
    with CaptureQueriesContext(connection) as one:
        result = geocode("光復路二段3號")
    assert [(h.address, h.building_id) for h in result.hits] == [("新竹市東區光復路二段3號", building.pk)]
    sql = " ".join(q["sql"] for q in one.captured_queries)
    assert "buildings_plate_building_v" in sql and '"buildings_platebuilding"' not in sql
    with CaptureQueriesContext(connection) as two:
        result = geocode("建中路7號")
    assert [(h.neighborhood, h.building_id) for h in result.hits] == [(1, None), (2, None)]
    assert len(two) == len(one) == 2
    upstairs = DoorPlate.objects.get(address="新竹市東區光復路二段3號2樓")
    assert (plate_card(upstairs.pk).building_id, geocode("光復路二段1號").hits[0].building_id) == (building.pk, None)
    # A retired plate's successors come back with theirs too.
    retired = DoorPlate.objects.get(address="新竹市東區光復路二段3號")
    DoorPlate.objects.filter(pk=retired.pk).update(status=DoorPlate.Status.RETIRED, retired_on=timezone.localdate())
    retired.successors.add(upstairs)
    assert [(h.address, h.building_id) for h in geocode("光復路二段3號").hits] == [(upstairs.address, building.pk)]


@pytest.mark.parametrize(
    ("point", "radius", "message"),
    [
        (Point(0, 0, srid=4326), 100, "point is outside Taiwan"),
        (Point(121, 24.8, srid=4326), 0, "radius must be between 0 and 2000 m"),
        (Point(121, 24.8, srid=4326), 5000, "radius must be between 0 and 2000 m"),
        (Point(121, 24.8), 100, "point has no SRID"),
    ],
)
def test_reverse_rejects_bad_input(db, point, radius, message):
    with pytest.raises(ValueError, match=message):
        reverse(point, radius_m=radius)


def test_english_moi_addresses(plates):
    result = geocode("No. 3, Sec. 2, Guangfu Rd., East Dist., Hsinchu City 300")
    assert summary(result) == ("normalised", ["新竹市東區光復路二段3號"])
    assert result.notes == ["read as 光復路二段3號"]
    assert summary(geocode("2F, No. 3, Sec. 2, Guangfu Rd.")) == ("normalised", ["新竹市東區光復路二段3號2樓"])
    # "No. 101-1" is the MOI English of both 101之1號 and 101號之1: where both exist, both are given.
    assert summary(geocode("no. 101-1, sec. 2, guangfu road")) == (
        "normalised",
        ["新竹市東區光復路二段101之1號", "新竹市東區光復路二段101號之1"],
    )
    elsewhere = geocode("No. 3, Zhongshan Rd., East Dist.")  # a real road name, not in this district
    assert (elsewhere.grade, elsewhere.outside.recognised) == ("none", "Zhongshan Rd. (中山路、忠善路)")
    unknown = geocode("No. 3, Qwerty Rd., East Dist.")
    assert (unknown.grade, unknown.notes) == ("none", ["no road has the English name Qwerty Rd."])
    garbled = geocode("No. three, Guangfu")
    assert garbled.problems == [
        "address: could not read this English address (expected the MOI form, e.g. No. 101, "
        "Sec. 2, Guangfu Rd., East Dist., Hsinchu City)"
    ]


def test_dash_is_ambiguous_where_both_sub_number_forms_exist(plates):
    result = geocode("光復路二段101-1號")
    assert summary(result) == ("normalised", ["新竹市東區光復路二段101之1號", "新竹市東區光復路二段101號之1"])
    assert result.notes == ["101-1 is ambiguous: 101之1號 and 101號之1 are different plates"]


def test_dash_finds_the_only_form_that_exists(plates):
    DoorPlate.objects.filter(street_key="光復路二段101之1號").delete()
    assert summary(geocode("光復路二段101-1號")) == ("normalised", ["新竹市東區光復路二段101號之1"])


def test_fuzzy_correction_carries_into_interpolation(plates):
    result = geocode("光復2段5號")
    assert (result.grade, result.hits[0].address) == ("interpolated", "新竹市東區光復路二段5號")
    assert result.notes[0] == "road 光復二段 → 光復路二段 (road type word left out)"


def plate_statements(captured: list[dict]) -> list[dict]:
    """The statements of a geocode that read plates by number (the gazetteer's and others aside)."""
    return [q for q in captured if "FROM addresses_doorplate p" in q["sql"] and "p.number = ANY" in q["sql"]]


@pytest.mark.parametrize(
    ("query", "statements", "answer"),
    [
        # The unit asked for is on the floor read first: one statement, only that floor's plates.
        ("光復路二段3號2樓", 1, ("exact", ["新竹市東區光復路二段3號2樓"])),
        ("光復路二段3號", 1, ("exact", ["新竹市東區光復路二段3號"])),
        # Not there: all the number's plates are read for the fallbacks (the entrance, the lowest unit).
        ("光復路二段3號5樓", 2, ("base", ["新竹市東區光復路二段3號"])),
        ("光復路二段21號", 2, ("exact", ["新竹市東區光復路二段21號2樓"])),
    ],
)
def test_the_floor_asked_for_is_read_first(plates, query, statements, answer):
    with CaptureQueriesContext(connection) as captured:
        result = geocode(query)
    assert summary(result) == answer
    read = plate_statements(captured.captured_queries)
    assert len(read) == statements
    assert ("p.floor = ANY" in read[0]["sql"], all("p.floor = ANY" not in q["sql"] for q in read[1:])) == (True, True)
