"""The map page, permalinks, plate cards and their security headers (server side; the browser tests drive the rest)."""

from __future__ import annotations

import datetime as dt
import json
import re

from geo_portal.addresses.plates import plate_set_condition
from tests.conftest import X0, Y0

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
