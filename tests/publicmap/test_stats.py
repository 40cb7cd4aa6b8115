"""The public statistics dashboard and its downloads: figures, months, suppression, errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from geo_portal.areas.models import VillagePopulation


@pytest.fixture
def population(mapped):
    def add(village, month, households, male, female):
        VillagePopulation.objects.create(
            village=village,
            month=month,
            neighborhoods=5,
            neighborhoods_with_plates=4,
            households=households,
            population=male + female,
            male=male,
            female=female,
            source="test",
        )

    add(mapped["a"], dt.date(2026, 5, 1), 100, 120, 130)
    add(mapped["b"], dt.date(2026, 5, 1), 2, 2, 1)
    add(mapped["a"], dt.date(2026, 6, 1), 101, 121, 131)
    add(mapped["b"], dt.date(2026, 6, 1), 2, 2, 2)  # fewer than 3 households: suppressed
    return mapped


def test_dashboard_table_for_the_latest_month(client, population):
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="2026-06" selected>2026-06</option>' in html
    assert '<h2 id="table-title">Villages, 2026-06</h2>' in html
    assert 'data-code="10018010001" data-population="252" data-households="101"' in html
    assert 'data-code="10018010002" data-population="" data-households=""' in html  # suppressed
    assert 'data-plates="3" data-area="1.0" data-density="252.0" data-hpp="33.667"' in html


def test_time_series_of_district_totals(client, population):
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<svg class="series"' in html and '<polyline points="0.0,80.0 300.0,0.0" />' in html
    assert '<tr><th scope="row">2026-05</th><td class="num">253</td><td class="num">102</td>' in html
    assert '<tr><th scope="row">2026-06</th><td class="num">256</td><td class="num">103</td>' in html


def test_an_earlier_month_and_bad_months(client, population):
    html = client.get("/stats/?month=2026-05", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-code="10018010001" data-population="250" data-households="100"' in html
    bad = client.get("/stats/?month=2026-13", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "month must be written YYYY-MM, e.g. 2026-06" in bad.content.decode()
    missing = client.get("/stats/villages.csv?month=2025-01", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 400
    assert missing.content.decode() == "no statistics for 2025-01; loaded months: 2026-05, 2026-06"


def test_csv_download(client, population):
    response = client.get("/stats/villages.csv?month=2026-06")
    assert response["Content-Disposition"] == 'attachment; filename="villages-2026-06.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "month",
        "code",
        "name",
        "name_en",
        "area_km2",
        "plates",
        "households",
        "population",
        "male",
        "female",
        "density_per_km2",
        "households_per_plate",
        "suppressed",
    ]
    assert rows[1] == [
        "2026-06",
        "10018010001",
        "甲里",
        "Jia Vil.",
        "1.0",
        "3",
        "101",
        "252",
        "121",
        "131",
        "252.0",
        "33.667",
        "False",
    ]
    assert rows[2] == ["2026-06", "10018010002", "乙里", "Yi Vil.", "1.0", "0", "", "", "", "", "", "", "True"]


def test_geojson_download(client, population):
    response = client.get("/stats/villages.geojson")
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    data = json.loads(response.content)
    first = data["features"][0]
    assert first["properties"]["name"] == "甲里" and first["properties"]["population"] == 252
    assert first["geometry"]["type"] == "MultiPolygon"
    lon, lat = first["geometry"]["coordinates"][0][0][0]
    assert 120 < lon < 122 and 24 < lat < 25
    assert data["features"][1]["properties"]["households"] is None


def test_no_statistics_loaded(client, mapped):
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No population statistics are loaded yet." in html
    response = client.get("/stats/villages.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.content.decode()) == (404, "No population statistics are loaded yet.")
    zh = client.get("/stats/villages.csv")
    assert (zh.status_code, zh.content.decode()) == (404, "尚未載入人口統計資料。")
