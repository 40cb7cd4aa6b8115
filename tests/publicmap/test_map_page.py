"""The map page, permalinks, plate cards and their security headers (server side; the browser tests drive the rest)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.addresses.plates import plate_set_condition
from tests.conftest import X0, Y0, square
from tests.publicmap.conftest import TO_WGS84

CSP = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: https://tile.openstreetmap.org",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def config_of(html: str) -> dict:
    return json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html, re.S).group(1))


def test_map_page_has_no_inline_script_and_strict_headers(client, mapped):
    response = client.get("/")
    html = response.content.decode()
    assert set(response["Content-Security-Policy"].split("; ")) == CSP
    assert response["Permissions-Policy"] == "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [
        ' id="map-config" type="application/json"',
        ' src="/static/leaflet/leaflet.js" defer',
        ' src="/static/vendor/protomaps-leaflet/protomaps-leaflet.js" defer',
        ' src="/static/geo_portal/map.js" defer',
    ]
    assert 'name="csrfmiddlewaretoken"' in html and 'name="website"' in html  # CSRF and the honeypot


def test_map_config_carries_tile_urls_extent_and_translated_text(client, mapped):
    config = config_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert config["tiles"] == {
        "plates": "/tiles/plates/{z}/{x}/{y}.mvt",
        "buildings": "/tiles/buildings/{z}/{x}/{y}.mvt",
        "villages": "/tiles/villages/{z}/{x}/{y}.mvt",
    }
    assert config["api"]["card"] == "/cards/" and config["api"]["report"] == "/reports/"
    south_west, north_east = config["extent"]
    assert south_west[0] < north_east[0] and south_west[1] < north_east[1]
    assert config["initial"] is None and config["text"]["layerPlates"] == "Door plates"
    assert config["basemaps"][0]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def test_permalink_by_id_renders_the_card_in_the_page(client, mapped):
    plate = mapped["plates"]["新竹市東區光復路二段101之1號"]
    response = client.get(f"/?plate={plate.pk}", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "<title>新竹市東區光復路二段101之1號 · geo_portal</title>" in html
    assert '<h2 id="card-title" lang="zh-Hant" tabindex="-1">新竹市東區光復路二段101之1號</h2>' in html
    # The fixture's road has no English name yet (import_road_names gives one): the Chinese name stands in.
    assert '<p class="address-en" lang="en">No. 101-1, 光復路二段, East Dist., Hsinchu City</p>' in html
    assert 'aria-label="Copy English address">Copy</button>' in html
    assert f'<a class="permalink" href="/?plate={plate.pk}">http://testserver/?plate={plate.pk}</a>' in html
    assert "甲里" in html
    config = config_of(html)
    assert (config["initial"]["plate_id"], config["initial"]["x"], config["initial"]["y"]) == (plate.pk, X0 + 50, Y0 + 50)
    building = json.loads(re.search(r'data-building="([^"]*)"', html).group(1).replace("&quot;", '"'))
    assert building["type"] == "MultiPolygon" and len(building["coordinates"][0][0]) == 5


def test_permalink_by_address_in_any_form(client, mapped):
    html = client.get("/", {"q": "光復路2段101-1號"}).content.decode()
    assert '<h2 id="card-title" lang="zh-Hant" tabindex="-1">新竹市東區光復路二段101之1號</h2>' in html


def test_unknown_permalinks_say_so(client, mapped):
    html = client.get("/?plate=999999", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    status = '<p id="status" class="status" role="status" aria-live="polite">No active door plate has the number 999999.</p>'
    assert status in html
    html = client.get("/?plate=abc", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No active door plate has the number abc." in html and 'id="plate-card"' not in html
    html = client.get("/", {"q": "光復路二段999號"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No door plate matches “光復路二段999號”." in html


def test_card_fragment_and_its_distance_note(client, mapped):
    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    response = client.get(f"/cards/{plate.pk}", {"distance": "12.4"}, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<article class="plate-card" id="plate-card"')
    assert '<p class="card-note">12 m from the point you chose</p>' in html
    missing = client.get("/cards/999999", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")
    assert (missing.status_code, missing.content.decode()) == (404, "No active door plate has the number 999999.")


def test_plate_api_returns_card_and_building_outline(client, mapped):
    plate = mapped["plates"]["新竹市東區光復路二段101之1號5樓"]
    data = client.get(f"/api/v1/plates/{plate.pk}").json()
    assert data["plate"]["address"] == "新竹市東區光復路二段101之1號5樓" and data["plate"]["village"] == "甲里"
    assert data["building"]["type"] == "MultiPolygon"
    missing = client.get("/api/v1/plates/999999")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not found", "fields": {"plate": ["no active door plate has this id"]}}


def test_pages_are_in_both_languages(client, mapped):
    zh = client.get("/").content.decode()
    en = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-Hant">' in zh and '<h1 id="panel-title">查詢門牌</h1>' in zh
    assert '<html lang="en">' in en and '<h1 id="panel-title">Find a door plate</h1>' in en


def test_district_summary_moved_to_its_own_page(client, mapped):
    html = client.get("/districts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<th scope="row">新竹市東區<br><span lang="en">East Dist., Hsinchu City</span></th>' in html


def test_card_shows_the_plate_condition_and_when_it_was_checked(client, mapped):
    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    html = client.get(f"/cards/{plate.pk}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dd class="condition condition-unknown">unknown <small>(not checked yet)</small></dd>' in html
    plate_set_condition(plate_id=plate.pk, version=plate.version, condition="missing", checked_on=dt.date(2026, 11, 30),
                        actor="sup1")  # fmt: skip
    html = client.get(f"/cards/{plate.pk}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dd class="condition condition-missing">missing <small>(checked on 2026-11-30)</small></dd>' in html


def test_english_mode_names_the_village_in_english_and_asks_in_english(client, mapped):
    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    en = client.get(f"/cards/{plate.pk}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    village = re.search(r"<dt>Village</dt>\s*<dd>(.*?)</dd>", en, re.S).group(1)
    assert re.sub(r"\s+", " ", village) == '<span lang="en">Jia Vil.</span> <small lang="zh-Hant">(甲里)</small>'
    assert 'data-label="103"' in en  # the chosen plate's callout, in English
    zh = client.get(f"/cards/{plate.pk}", HTTP_ACCEPT="text/html").content.decode()
    assert 'data-label="103號"' in zh and '<span lang="zh-Hant">甲里</span>' in zh
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'placeholder="e.g. No. 101, Sec. 2, Guangfu Rd."' in page
    assert '<a class="brand" href="/"><span lang="en">Door-plate map</span></a>' in page


def test_a_plate_no_rule_covers_shows_the_districts_3_digit_code_as_partial(client, mapped):
    """A road newer than the post office's rules (介壽一路 in 東區): the first three digits of the district's rules,
    flagged as partial; the road's own rules decide when it has some; no rules at all, no code."""
    plate = mapped["plates"]["新竹市東區光復路二段103號"]
    url = f"/cards/{plate.pk}"

    def zip_shown() -> str:
        html = client.get(url, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        return re.sub(r"\s+", " ", re.search(r"<dt>3\+3 zip code</dt>\s*<dd>(.*?)</dd>", html, re.S).group(1))

    assert zip_shown() == "not covered by a postal rule"
    rule = {"county": "新竹市", "district": "東區", "scope": "全", "source": "test"}
    for i, (code, road) in enumerate([("300001", "中華路一段"), ("300002", "東門街"), ("308003", "園區五路")]):
        ZipCodeRule.objects.create(zip_code=code, road=road, position=i, **rule)
    partial = (
        '<span class="zip zip-partial">300</span> <small>(partial: the first 3 digits only; no 3+3 rule covers'
        " this plate yet)</small>"
    )
    assert zip_shown() == partial
    ZipCodeRule.objects.create(zip_code="308111", road="光復路二段", position=9, **(rule | {"scope": "單 1號至 99號"}))
    assert zip_shown() == partial.replace(">300<", ">308<")  # the road's own rules, beyond their numbers
    DoorPlate.objects.filter(pk=plate.pk).update(zip_code="300044")
    assert zip_shown() == '<span class="zip">300044</span>'


def test_the_map_knows_the_covered_area(client, mapped):
    config = config_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert config["coverage"]["names"] == ["East Dist., Hsinchu City"]
    assert config["coverage"]["service"] == "https://www.ris.gov.tw/app/portal/3053"
    assert config["coverage"]["geometry"] is None  # the fixture's district has no boundary: nothing to test against
    district = mapped["district"]
    district.boundary = square(X0, Y0, 2000)
    district.save()
    config = config_of(client.get("/").content.decode())
    assert config["coverage"]["names"] == ["新竹市東區"]
    ring = config["coverage"]["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    west, south = TO_WGS84.transform(X0 - 50, Y0 - 50)  # grown by 50 m: a GPS fix at the edge is inside
    east, north = TO_WGS84.transform(X0 + 2050, Y0 + 2050)
    assert (min(lons), min(lats), max(lons), max(lats)) == pytest.approx((west, south, east, north), abs=2e-5)


def test_an_interpolated_address_has_no_card(client, mapped):
    """光復路二段102號 would lie between 101之1 and 103: a position, not a plate; the page says no plate matches."""
    html = client.get("/", {"q": "光復路二段102號"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="plate-card"' not in html and "No door plate matches “光復路二段102號”." in html
