"""The importer reads rows in the common written form by place and numbers: the same readings as ``parse``."""

from __future__ import annotations

import csv
import re

import pytest

from geo_portal.addresses.imports import Mapping, stage_rows, staging
from geo_portal.addresses.imports.presets import PRESETS
from geo_portal.addresses.parsing import parse
from geo_portal.demo.generator import generate
from tests.conftest import REAL

# (text, in the common form?): the second makes a regex that never (or always) matches fail here.
TEXTS = [
    ("新竹市東區光復路二段101巷3弄5號之1 2樓", False),  # a space: parsed whole
    ("新竹市東區光復路二段101巷3弄5號之12樓", True),
    ("新竹市東區光復路二段101號", True),
    ("新竹市東區光復路2段101號", False),  # digits in the place
    ("新竹市東區三民路2巷1號", True),
    ("新竹市東區三民路2巷1號5樓之3", True),
    ("新竹市東區三民路2巷1之3號", True),
    ("新竹市東區三民路2巷1號之3", True),
    ("新竹市東區三民路2巷1號之310樓", True),
    ("新竹市東區三民路0號", True),  # number 0: its problem comes from parsing it whole
    ("新竹市東區三民路100000號", True),  # out of range: the tail has a problem
    ("新竹市東區三民路2巷地下1樓", False),
    ("台北市中正區重慶南路一段122號", True),  # 台 → 臺 in the place
    ("臺北市中正區凱達格蘭大道1號", True),
    ("新竹市東區光明新村1號", False),  # an area, not a road: parsed whole
    ("新竹市東區東門街1號2層", True),
    ("光復路二段101號", True),
    ("東區光復路二段101號", True),
    ("新竹市光復里光復路二段101號", True),  # a village in the place
    ("新竹市東區光復路二段101號3樓之0", True),
    ("新竹市東區光復路二段01巷005號", True),
    ("新竹市東區光復路二段101巷", True),  # no number: a problem, from parsing it whole
    ("新竹市東區光復路二段101號號", True),
    ("新竹市東區光復路二段101號樓", True),
    ("新竹市東區光復路十二段101號", True),
    ("新竹市東區光復路二段１０１號", False),  # full-width digits
    ("新竹市東區光復路二段101-1號", False),
]


@pytest.mark.parametrize(("text", "by_parts"), TEXTS)
def test_a_row_in_the_common_form_reads_as_parse_reads_it(text, by_parts):
    numbers = staging._COMMON_FORM.fullmatch(text)
    assert (numbers is not None) is by_parts
    assert staging.parse_row_text(text) == parse(text)


def test_the_common_form_is_read_by_parts_when_both_parts_are_clean():
    staging._parse_place.cache_clear()
    staging._parse_tail.cache_clear()
    assert staging._read_common_form("新竹市東區光復路二段101巷3弄5號之12樓") is not None
    assert staging._read_common_form("新竹市東區光復路二段101號") is not None
    assert staging._read_common_form("新竹市東區三民路0號") is None  # the tail's problem: parsed whole
    assert staging._read_common_form("新竹市東區光明新村1號") is None
    assert staging._parse_place.cache_info().currsize == 2  # 光復路二段 once, 三民路 once
    assert staging._parse_tail.cache_info().currsize == 3


def _area_index(villages: list[str]) -> staging.AreaIndex:
    areas = staging.AreaIndex(default_district_id=7)
    areas.by_district_name = {"示範區": [7]}
    areas.by_names = {("新竹市", "示範區"): 7}
    for n, code in enumerate(villages, start=1):
        areas.add_village(n, 7, code, f"示範{n}里")
    return areas


def test_a_generated_file_stages_the_same_rows_by_parts_as_parsed_whole(tmp_path, monkeypatch):
    generate(tmp_path, plates=20_000, seed=1)
    with (tmp_path / "villages.csv").open(encoding="utf-8") as fh:
        codes = [row[0] for row in csv.reader(fh)][1:]
    with (tmp_path / "doorplates.csv").open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [(n, fields, f"{n:032x}") for n, fields in enumerate(reader, start=2)]
    rows[5][1][0] = rows[5][1][0].replace("號", "號之0號")  # a row with a problem, rejected either way
    mapping = Mapping.build(header, PRESETS["geo-portal"].columns)
    areas = _area_index(codes)
    by_parts = ([], [])
    staged = list(stage_rows(iter(rows), mapping, areas, *by_parts))
    monkeypatch.setattr(staging, "_COMMON_FORM", re.compile("(?!)(x)(y)"))
    whole = ([], [])
    assert staged == list(stage_rows(iter(rows), mapping, areas, *whole))
    assert by_parts == whole
    assert len(staged) == 19_999 and [f.row for f in by_parts[0]] == [7]


@pytest.mark.realdata
def test_the_real_district_reads_the_same_by_parts():
    path = REAL / "doorplates" / "hsinchu_east_doorplates_2026-06.csv"
    column = PRESETS["tw-address-data"].columns["address"]
    with path.open(encoding="utf-8-sig") as fh:
        texts = [row[column] for row in csv.DictReader(fh)]
    for text in texts:
        assert staging.parse_row_text(text) == parse(text), text
    # Its rows name village and 鄰 before the road: parsed whole.
    assert sum(staging._COMMON_FORM.fullmatch(t) is not None for t in texts) == 0
