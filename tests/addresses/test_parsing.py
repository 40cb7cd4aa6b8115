"""The parser: written forms → canonical form, problems instead of guesses, round trips, the real data."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo_portal.addresses.parsing import Address, parse
from tests.conftest import require_real_data

CANON = "新竹市東區光復路二段101之1號5樓"


@pytest.mark.parametrize(
    "text",
    [
        "新竹市東區光復路二段101之1號5樓",
        "新竹市東區光復路2段101-1號5F",
        "新竹市 東區 光復路 ２ 段 １０１－１ 號 ５ 樓",
        "台新竹市東區光復路二段101之1號五樓".replace("台新竹市", "新竹市"),
        "臺灣省新竹市東區光復路二段一百零一之一號五樓",
        "300新竹市東區光復路二段101之1號5樓",
        "300049 新竹市東區光復路2段101–1號5f",
        "新竹市東區光復里12鄰光復路二段101之1號5樓",
        "新竹市東區光復路二段101之1號5樓（光復里12鄰）".replace("（光復里12鄰）", "光復里12鄰"),
        "新竹巿東區光復路二段101之1號5樓",  # 巿 (U+5DFF) typed for 市
    ],
)
def test_written_forms_give_the_canonical_address(text):
    result = parse(text)
    assert result.problems == ()
    assert result.address.render() == CANON


def test_components_of_a_full_address():
    a = parse("300049新竹市東區光復里12鄰光復路二段298巷7弄13號之2地下一層之3").address
    assert a == Address(
        zip_code="300049",
        county="新竹市",
        district="東區",
        village="光復里",
        neighborhood=12,
        road="光復路",
        section=2,
        lane="298",
        alley="7",
        number=13,
        number_suffix=2,
        floor=-1,
        floor_unit="層",
        floor_sub=3,
    )
    assert a.render(with_village=True) == "新竹市東區光復里12鄰光復路二段298巷7弄13號之2地下1層之3"


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("光復路二段101之1號", "光復路二段101之1號"),
        ("光復路二段101號之1", "光復路二段101號之1"),
        ("光復路二段101-1號", "光復路二段101之1號"),
        ("光復路二段101－1號", "光復路二段101之1號"),
        ("光復路二段一百零一號", "光復路二段101號"),
        ("關新路23號十七樓之5", "關新路23號17樓之5"),
        ("關新路23號17F-5", "關新路23號17樓之5"),
        ("南大路2號B1", "南大路2號地下1樓"),
        ("南大路2號地下一樓", "南大路2號地下1樓"),
        ("南大路2號地下一層", "南大路2號地下1層"),
        ("南大路2號地下室", "南大路2號地下室"),
        ("南大路2號地下室一層", "南大路2號地下1層"),
        ("褔德街43號", "福德街43號"),
        ("中正路臨5號", "中正路臨5號"),
        ("光復路二段清大東院12號", "光復路二段清大東院12號"),
        ("光明新村5號", "光明新村5號"),
        ("明湖路28巷12之3號(臨時建築)", "明湖路28巷12之3號"),
        ("光復路二段101", "光復路二段101號"),
        ("新里路5號", "新里路5號"),
        ("東大路一段52巷21號", "東大路一段52巷21號"),
        ("三民路2衖1號", "三民路2弄1號"),
        ("光復路貳段壹佰零壹號伍樓", "光復路二段101號5樓"),  # financial numerals before units
        ("陸軍路1號", "陸軍路1號"),  # …but a name keeps them
        ("光復路二段101,5樓", "光復路二段101號5樓"),  # a comma between numbers separates them
        ("光復路二段101 5樓", "光復路二段101號5樓"),
    ],
)
def test_street_forms(text, street):
    result = parse(text)
    assert result.problems == ()
    assert result.address.street() == street


def test_note_and_village_anywhere():
    a = parse("明湖路28巷12之3號(臨時建築)").address
    assert a.note == "臨時建築"
    b = parse("光復路二段101號 光復里12鄰").address
    assert (b.village, b.neighborhood, b.street()) == ("光復里", 12, "光復路二段101號")


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", ["address: empty"]),
        ("   ", ["address: empty"]),
        ("x" * 201, ["address: longer than 200 characters ('xxxxxxxxxxxxxxxxxxxx…')"]),
        ("光復路\x00二段1號", ["address: contains control or binary characters"]),
        ("光復路二段", ["number: missing house number (號)"]),
        (
            "' OR 1=1 --",
            ["number: missing house number (號)", "road: unexpected characters in road or area name ('OR1=1--')"],
        ),
        ("<script>alert(1)</script>1號", ["road: unexpected characters in road or area name ('<SCRIPT>ALERT</SCRIPT>')"]),
        ("光復路■段298巷7弄14號", ["road: unreadable character ■ ('光復路■段')"]),
        ("101號", ["road: missing road or area name"]),
        ("光復路0號", ["number: number 0 does not exist ('0號')"]),
        ("光復路5號0樓", ["floor: floor 0 does not exist ('5號0樓')"]),
    ],
)
def test_problems_are_named_not_guessed(text, problems):
    result = parse(text)
    assert [str(p) for p in result.problems] == problems
    assert result.ok is False


ROADS = st.sampled_from(["光復路", "三民路", "建中路", "東大路", "關新路", "金山街", "新里路", "公道五路"])
SMALL = st.integers(min_value=1, max_value=999)


@st.composite
def addresses(draw) -> Address:
    floor = draw(st.one_of(st.none(), st.integers(min_value=-3, max_value=40).filter(lambda f: f != 0)))
    return Address(
        county=draw(st.sampled_from(["", "新竹市"])),
        district=draw(st.sampled_from(["", "東區"])),
        road=draw(ROADS),
        section=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=9))),
        lane=draw(st.sampled_from(["", "12", "298", "5之1"])),
        alley=draw(st.sampled_from(["", "3", "7"])),
        number=draw(SMALL),
        sub_number=draw(st.one_of(st.none(), SMALL)),
        number_suffix=draw(st.one_of(st.none(), SMALL)),
        floor=floor,
        floor_unit=draw(st.sampled_from(["", "層"])) if floor is not None else "",
        floor_sub=draw(st.one_of(st.none(), SMALL)) if floor is not None else None,
    )


@settings(max_examples=400, deadline=None)
@given(addresses())
def test_render_parse_render_is_stable(address):
    text = address.render()
    result = parse(text)
    assert result.problems == ()
    assert result.address.render() == text
    assert result.address == address


@pytest.mark.realdata
def test_every_real_address_parses_to_its_csv_columns():
    """All 108,172 FULL_ADDR values against the CSV's own columns; the exceptions are real data defects."""
    real = require_real_data()
    exceptions = []
    with (real / "doorplates" / "hsinchu_east_doorplates_2026-06.csv").open(encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            result = parse(row["FULL_ADDR"])
            a = result.address
            number = parse("路" * 2 + row["NUMBER"]).address  # NUMBER alone, behind a dummy road
            same = (
                not result.problems
                and a.place == (row["ROAD"] + row["SECTION"]).replace("褔", "福")
                and a.lane == row["LANE"].removesuffix("巷")
                and a.alley == row["ALLEY"].removesuffix("弄")
                and a.neighborhood == int(row["NEIGHBORHOOD"].removesuffix("鄰"))
                and a.number_part() == number.number_part()
            )
            if not same:
                exceptions.append((line, row["FULL_ADDR"]))
    assert exceptions == [
        (18915, "新竹市東區建功里20鄰光復路■段298巷7弄14號三樓"),  # SOURCES.md: unreadable section
        (30112, "新竹市東區南門里2鄰南門街47號四樓10"),  # 樓10 without 之
        (41816, "新竹市東區高峰里27鄰寶山路150巷11號四號"),  # 號 twice
    ]
