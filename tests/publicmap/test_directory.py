"""The directory pages: a road's numbers on each side, its lanes and alleys, its zip codes and map; an entrance's every
unit (floors, 之); links from the plate card; both languages; 404 for what does not exist."""

from __future__ import annotations

import json
import re

import pytest

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.areas.models import Road
from tests.conftest import X0, Y0, write_csv

MORE = [
    # the plates of ``mapped`` (an import replaces the district's plates), then more
    ["新竹市東區光復路二段101之1號", X0 + 50, Y0 + 50],
    ["新竹市東區光復路二段101之1號5樓", X0 + 50, Y0 + 50],
    ["新竹市東區光復路二段103號", X0 + 56, Y0 + 50],
    ["新竹市東區甲里3鄰光復路二段105號", X0 + 62, Y0 + 50],
    ["新竹市東區甲里3鄰光復路二段101號", X0 + 44, Y0 + 50],
    ["新竹市東區甲里3鄰光復路二段101號2樓", X0 + 44, Y0 + 50],
    ["新竹市東區甲里3鄰光復路二段101號2樓之1", X0 + 44, Y0 + 50],
    ["新竹市東區甲里3鄰光復路二段101號地下1層", X0 + 44, Y0 + 50],
    ["新竹市東區甲里3鄰光復路二段101號之2", X0 + 45, Y0 + 50],
    ["新竹市東區甲里4鄰光復路二段8號", X0 + 50, Y0 + 30],
    ["新竹市東區甲里4鄰光復路二段12號", X0 + 60, Y0 + 30],
    ["新竹市東區甲里4鄰光復路二段12巷3號", X0 + 60, Y0 + 10],
    ["新竹市東區甲里4鄰光復路二段12巷4號", X0 + 62, Y0 + 10],
    ["新竹市東區甲里4鄰光復路二段12巷4弄1號", X0 + 64, Y0 + 5],
    ["新竹市東區甲里4鄰光復路二段298巷1號", X0 + 90, Y0 + 10],
    ["新竹市東區乙里5鄰光復路二段107號", X0 + 1010, Y0 + 50],
]


@pytest.fixture
def road(mapped, tmp_path):
    path = write_csv(tmp_path / "more.csv", ["address", "x", "y"], MORE)
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)
    DoorPlate.objects.filter(number__in=[101, 103, 105, 107], lane="").update(zip_code="300044")
    DoorPlate.objects.filter(number__in=[8, 12], lane="").update(zip_code="300045")
    ZipCodeRule.objects.create(
        zip_code="300046", county="新竹市", district="東區", road="光復路二段", scope="全", position=1, source="test"
    )
    road = Road.objects.get(name="光復路二段")
    Road.objects.filter(pk=road.pk).update(name_en="Sec. 2, Guangfu Rd.")
    return road


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def rows(html: str, heading_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*aria-labelledby="{heading_id}">(.*?)</table>', html, re.S).group(1)
    return [text(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1], re.S)]


def test_road_page_numbers_per_side_lanes_zip_codes(client, road):
    response = client.get(f"/roads/{road.pk}", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    title = '<h1 id="road-title"><span lang="zh-Hant">光復路二段</span> <small lang="en">Sec. 2, Guangfu Rd.</small></h1>'
    assert title in html
    assert "16 door plates" in text(html)
    # 101, 101之1, 101號之2, 103, 105, 107 are six entrances on the odd side
    assert rows(html, "numbers") == ["On the road itself 101–107 (6 numbers) 8–12 (2 numbers) 12"]
    assert rows(html, "lanes") == [
        "12巷 Ln. 12 3–3 (1 number) 4–4 (1 number) 2",
        "12巷4弄 Aly. 4, Ln. 12 1–1 (1 number) — 1",
        "298巷 Ln. 298 1–1 (1 number) — 1",
    ]
    assert "3 lanes and alleys" in html
    assert rows(html, "zips") == [
        "300044 10 101–107 — 0",
        "300045 2 — 8–12 0",
        "300 (partial: the first 3 digits only; no 3+3 rule covers these plates yet) 4 — — 2",
    ]
    config = json.loads(re.search(r'<script id="directory-config" type="application/json">(.*?)</script>', html).group(1))
    assert len(config["points"]) == 12  # entrance positions (units share their entrance's point)
    assert config["entrance"] == "/entrances/"
    assert [p[3] for p in config["points"]] == [
        "101之1號", "103號", "105號", "101號", "101號之2", "8號", "12號",
        "12巷3號", "12巷4號", "12巷4弄1號", "298巷1號", "107號",
    ]  # fmt: skip
    lon0, lat0, lon1, lat1 = config["bbox"]
    assert lon0 < lon1 and lat0 < lat1
    villages = [text(li) for li in re.findall(r"<li>(.*?)</li>", html.split('class="villages"')[1].split("</ul>")[0], re.S)]
    assert villages == ["甲里 (Jia Vil.) : 15 door plates", "乙里 (Yi Vil.) : 1 door plate"]  # tags read as spaces


def test_road_page_in_chinese_and_for_an_unknown_road(client, road):
    zh = client.get(f"/roads/{road.pk}").content.decode()
    assert '<html lang="zh-Hant">' in zh and '<span lang="zh-Hant">光復路二段</span>' in zh
    missing = client.get("/roads/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert "No road with door plates has the number 999999." in missing.content.decode()


def test_entrance_page_lists_every_unit_grouped_by_number_form(client, road):
    plate = DoorPlate.objects.get(address="新竹市東區光復路二段101號2樓")
    html = client.get(f"/entrances/{plate.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<h1 id="entrance-title"><span lang="zh-Hant">新竹市東區光復路二段101號</span></h1>' in html
    assert "No. 101, Sec. 2, Guangfu Rd., East Dist., Hsinchu City" in html
    assert "7 registered units at this entrance" in text(html)  # 101號 (4), 101之1號 (2), 101號之2 (1)
    headings = [text(h) for h in re.findall(r'<h2 id="group-\d+">(.*?)</h2>', html, re.S)]
    assert headings == ["101號 No. 101 (4 units)", "101號之2 No. 101-2 (1 unit)", "101之1號 No. 101-1 (2 units)"]
    assert rows(html, "group-1") == [
        "the entrance itself 新竹市東區光復路二段101號 300044 甲里 3鄰",
        "地下1層 B1 新竹市東區光復路二段101號地下1層 300044 甲里 3鄰",
        "2樓 2F. 新竹市東區光復路二段101號2樓 300044 甲里 3鄰",
        "2樓之1 2F.-1 新竹市東區光復路二段101號2樓之1 300044 甲里 3鄰",
    ]
    assert '<tr class="current" aria-current="true">' in html  # the plate asked for is marked
    assert f'href="/roads/{road.pk}"' in html
    assert f'href="/?plate={plate.pk}"' in html


def test_entrance_with_floor_plates_only_is_named_by_its_number(client, road):
    plate = DoorPlate.objects.get(address="新竹市東區光復路二段101之1號5樓")
    DoorPlate.objects.filter(address="新竹市東區光復路二段101之1號").delete()
    html = client.get(f"/entrances/{plate.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span lang="zh-Hant">新竹市東區光復路二段101之1號</span></h1>' in html


def test_unknown_or_retired_entrance_is_404(client, road):
    response = client.get("/entrances/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "No active door plate has the number 999999." in response.content.decode()


def test_card_links_to_the_entrance_and_road_pages(client, road):
    plate = DoorPlate.objects.get(address="新竹市東區光復路二段103號")
    html = client.get(f"/cards/{plate.pk}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<a href="/entrances/{plate.pk}">Every unit at this entrance</a>' in html
    assert f'<a href="/roads/{road.pk}">All numbers on <span lang="zh-Hant">光復路二段</span></a>' in html


def test_directory_pages_have_no_inline_script(client, road):
    plate = DoorPlate.objects.get(address="新竹市東區光復路二段103號")
    for url in (f"/roads/{road.pk}", f"/entrances/{plate.pk}"):
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _body in scripts), url
