"""The written forms the search reads (issue 15) and its honest answers outside the covered district, on a small
district with fixed coordinates and a small national road-name table of the test's own."""

from __future__ import annotations

import pytest
from django.utils import translation

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.addresses.search import autocomplete, geocode
from geo_portal.areas.models import District, Road
from tests.conftest import X0, Y0, write_csv

ROWS = [
    ["新竹市東區光復里1鄰光復路二段1號", X0 + 10, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段3號", X0 + 20, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段101號", X0 + 300, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段101號5樓", X0 + 300, Y0 + 10],
    ["新竹市東區光復里1鄰光復路二段10號15樓", X0 + 60, Y0 - 10],
    ["新竹市東區光復里1鄰中華路一段5號", X0 + 100, Y0 + 100],
    ["新竹市東區乙里2鄰東門街12號", X0 + 1400, Y0 + 400],
    ["新竹市東區乙里2鄰關新路19巷40號7樓", X0 + 1600, Y0 + 600],
    ["新竹市東區乙里3鄰民享街8號", X0 + 1700, Y0 + 700],
    ["新竹市東區乙里3鄰民享一街8號", X0 + 1750, Y0 + 700],
    ["新竹市東區乙里3鄰明湖路755號地下1層之47", X0 + 1800, Y0 + 800],
    ["新竹市東區光復里1鄰光明新村5號", X0 + 500, Y0 + 500],
]
NATIONAL_ROAD_NAMES = [
    ["中山路", "Zhongshan Rd."],
    ["中清路", "Zhongqing Rd."],
    ["光復路", "Guangfu Rd."],
    ["東門街", "Dongmen St."],
]
ENGLISH = {
    "光復路二段": "Sec. 2, Guangfu Rd.",
    "東門街": "Dongmen St.",
    "明湖路": "Minghu Rd.",
    "民享街": "Minxiang St.",
    "民享一街": "Minxiang 1st St.",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def plates(areas, tmp_path, settings):
    areas["a"].name = "光復里"
    areas["a"].save()
    # The other districts of the city, as the village table loads them (not covered: they have no roads here).
    District.objects.create(code="10018020", county=areas["county"], name="北區", name_en="North Dist.")
    District.objects.create(code="10018030", county=areas["county"], name="香山區", name_en="Xiangshan Dist.")
    # A few 3+3 zip-code rules of other counties: where the national names of districts and roads come from.
    for position, (county, district, road) in enumerate(
        [("新竹縣", "竹北市", "光明六路"), ("臺中市", "東區", "東門路"), ("臺中市", "北區", "中清路一段")]
    ):
        ZipCodeRule.objects.create(
            zip_code="300000", county=county, district=district, road=road, scope="全", position=position, source="t"
        )
    # The national zh→en table has no header: its first row is data too.
    names = write_csv(tmp_path / "roads.csv", NATIONAL_ROAD_NAMES[0], NATIONAL_ROAD_NAMES[1:])
    settings.GEO_PORTAL_ROAD_NAMES_FILE = str(names)
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], ROWS)
    import_doorplates(
        path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path, district="10018010"
    )
    for name, name_en in ENGLISH.items():
        Road.objects.filter(name=name).update(name_en=name_en)


def first(text: str) -> tuple[str, str, list[str]]:
    result = geocode(text)
    return result.grade, (result.hits[0].address if result.hits else ""), result.notes


@pytest.mark.parametrize(
    ("text", "address", "note"),
    [
        ("光復二段3號", "新竹市東區光復路二段3號", "road 光復二段 → 光復路二段 (road type word left out)"),
        ("東門12號", "新竹市東區東門街12號", "road 東門 → 東門街 (road type word left out)"),
        ("東區民享8號", "新竹市東區民享街8號", "road 民享 → 民享街 (road type word left out)"),
        ("民享一8號", "新竹市東區民享一街8號", "road 民享一 → 民享一街 (road type word left out)"),
    ],
)
def test_road_type_word_left_out(plates, text, address, note):
    assert first(text) == ("fuzzy", address, [note])


@pytest.mark.parametrize(
    "text",
    [
        "新竹市东区关新路19巷40号7楼",  # simplified (OpenCC t2s forms of the data's characters)
        "新竹市東区関新路19巷40号7楼",  # Japanese shinjitai
        "新竹東區關新路19巷40號7樓",  # city without 市
        "新竹市東區乙里2關新路19巷40號7樓",  # 鄰 without its word
        "300新竹市東區乙里2鄰關新路19巷40號7F",
        "台灣新竹市東區關新路十九巷四十號七樓",
    ],
)
def test_everyday_forms(plates, text):
    assert first(text) == ("normalised", "新竹市東區關新路19巷40號7樓", [])


def test_floor_sub_number_without_its_之(plates):
    assert first("明湖路755號地下1層47") == ("normalised", "新竹市東區明湖路755號地下1層之47", [])


def test_number_and_floor_run_together_when_號_is_left_out(plates):
    both = geocode("光復路二段1015樓")
    assert (both.grade, [h.address for h in both.hits]) == (
        "normalised",
        ["新竹市東區光復路二段10號15樓", "新竹市東區光復路二段101號5樓"],
    )
    assert both.notes == ["read as 10號15樓 or 101號5樓"]
    DoorPlate.objects.filter(street_key="光復路二段10號15樓").delete()
    assert first("光復路二段1015樓") == ("normalised", "新竹市東區光復路二段101號5樓", ["read as 101號5樓"])


@pytest.mark.parametrize(
    ("text", "recognised", "suggestions"),
    [
        ("臺北市中正區光復路二段1號", "臺北市中正區", []),
        ("台中市東區東門街12號", "臺中市東區", []),
        # Another district of the same city: the 東區 plate is offered, never opened.
        ("新竹市北區光復路二段1號", "新竹市北區", ["新竹市東區光復路二段1號"]),
        ("香山區光復路二段1號", "香山區", ["新竹市東區光復路二段1號"]),
        ("新竹縣東區光復路二段1號", "新竹縣東區", ["新竹市東區光復路二段1號"]),  # 新竹縣 has no 東區: a slip
    ],
)
def test_another_city_or_district_is_outside_the_area(plates, text, recognised, suggestions):
    result = geocode(text)
    assert (result.grade, result.hits, result.suggestions) == ("none", [], suggestions)
    assert result.notes == [
        f"{recognised} is outside the area this platform covers (新竹市東區); see the national door-plate service"
    ]
    assert (result.outside.recognised, result.outside.covered) == (recognised, ["新竹市東區"])
    assert result.outside.service_url == "https://www.ris.gov.tw/app/portal/3053"


def test_a_real_road_elsewhere_is_never_corrected_into_one_of_the_district(plates):
    # 中清路 is one character from 中華路 (a road here): it is a real road elsewhere, so it is not "corrected".
    result = geocode("新竹市東區中清路一段5號")
    assert (result.grade, result.hits) == ("none", [])
    assert result.notes == [
        "中清路一段 is not a road of 新竹市東區, the area this platform covers; it is a road of 臺中市北區"
    ]
    assert result.outside.elsewhere == ["臺中市北區"]
    assert result.outside.recognised == "中清路一段"
    assert geocode("中清路5號").outside.recognised == "中清路"
    # A slip that is no road anywhere is corrected, and said.
    assert first("中華璐一段5號") == ("fuzzy", "新竹市東區中華路一段5號", ["road 中華璐一段 → 中華路一段 (similar name)"])


def test_addresses_that_do_not_exist_get_no_confident_answer(plates):
    above = geocode("光復路二段101號9樓")  # a floor above the building
    assert (above.grade, [h.address for h in above.hits]) == ("base", ["新竹市東區光復路二段101號"])
    assert above.suggestions == ["新竹市東區光復路二段101號5樓"]  # the floors that exist
    beyond = geocode("光復路二段999號")
    assert (beyond.grade, beyond.hits, beyond.suggestions) == ("none", [], ["新竹市東區光復路二段101號"])
    lane = geocode("光復路二段88巷1號")
    assert (lane.grade, lane.hits, lane.notes) == ("none", [], ["no numbers on this side of 光復路二段88巷"])
    gap = geocode("光復路二段51號")
    assert (gap.grade, gap.hits) == ("none", [])  # 3 and 101 are too far apart to interpolate
    assert gap.suggestions == ["新竹市東區光復路二段3號", "新竹市東區光復路二段101號"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("101 guangfu road section 2 east district hsinchu city 300 taiwan (r.o.c.)", "新竹市東區光復路二段101號"),
        ("5F, No. 101, Sec. 2, Guangfu Rd., East Dist., Hsinchu City 300", "新竹市東區光復路二段101號5樓"),
        ("No.101 Guangfu Road Sec 2 5th Floor", "新竹市東區光復路二段101號5樓"),
        ("B1-47, No. 755, Minghu Rd., East Dist., Hsinchu City", "新竹市東區明湖路755號地下1層之47"),  # 層, not 樓
        ("No. 12, Dongmen Street, Hsinchu", "新竹市東區東門街12號"),
        ("No. 8, Minxiang 1st St.", "新竹市東區民享一街8號"),
        ("No. 5, 光明新村, East Dist., Hsinchu City", "新竹市東區光明新村5號"),
    ],
)
def test_english_written_many_ways(plates, text, address):
    grade, found, _notes = first(text)
    assert (grade, found) == ("normalised", address)


def test_english_outside_the_area(plates):
    city = geocode("No. 12, Dongmen St., Zhongzheng Dist., Taipei City")
    assert (city.grade, city.outside.recognised) == ("none", "Zhongzheng Dist., Taipei City")
    road = geocode("No. 5, Sec. 1, Zhongqing Rd., East Dist., Hsinchu City")
    assert (road.grade, road.outside.recognised) == ("none", "Sec. 1, Zhongqing Rd. (中清路)")


def test_autocomplete_reads_the_same_forms(plates):
    assert [s.text for s in autocomplete("光复二段10")] == ["光復路二段101號", "光復路二段101號5樓", "光復路二段10號15樓"]
    assert [s.text for s in autocomplete("東門1")] == ["東門街12號"]
    assert [s.text for s in autocomplete("关新")] == ["關新路"]
    assert [s.text for s in autocomplete("光復路二段101號5F")] == ["光復路二段101號5樓"]


def test_a_road_without_a_number_shows_where_it_lies(plates):
    result = geocode("光復路二段")
    assert (result.grade, result.hits) == ("none", [])
    assert result.notes == ["a road without a house number: showing where it lies and its numbers"]
    road = result.road
    assert (road.name, road.name_en, road.odd, road.even, road.lanes, road.plates) == (
        "光復路二段",
        "Sec. 2, Guangfu Rd.",
        (1, 101),
        (10, 10),
        0,
        5,
    )
    west, south, east, north = road.bbox
    assert west < east and south < north
    assert geocode("東門").road.name == "東門街"
    outside = geocode("中清路")
    assert (outside.road, outside.outside.recognised) == (None, "中清路")
