"""The public statistics dashboard and its downloads: figures, months, suppression, errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.contrib.gis.geos import Point

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.areas.models import District, Road, Village, VillagePopulation
from geo_portal.areas.statistics import month_totals
from geo_portal.changes.context import Cause
from tests.conftest import X0, Y0, square


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


def totals_rows(html: str) -> dict[str, list[int]]:
    """The monthly totals table: month → residents, households, men, women, villages added up, withheld."""
    cell = r'<td role="cell" class="num" data-label="[^"]+">([\d,]+)</td>'
    row = r'<tr role="row"><th scope="row" role="rowheader">(\d{4}-\d{2})</th>' + cell * 6 + "</tr>"
    return {month: [int(v.replace(",", "")) for v in values] for month, *values in re.findall(row, html)}


def test_dashboard_table_for_the_latest_month(client, population):
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="2026-06" selected>2026-06</option>' in html
    assert '<h2 id="table-title">Villages of East Dist., Hsinchu City, 2026-06</h2>' in html
    assert 'data-code="10018010001" data-population="252" data-households="101"' in html
    assert 'data-code="10018010002" data-population="" data-households=""' in html  # suppressed
    assert 'data-plates="3" data-area="1.0" data-density="252.0" data-hpp="33.667"' in html


def test_time_series_of_the_published_villages_totals(client, population):
    """乙里 is withheld in both months: the totals leave it out (with it, June's 256 residents minus 甲里's 252
    would have given away its 4 residents and 2 households) and say that one village is withheld."""
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<svg class="series"' in html and '<polyline points="0.0,80.0 300.0,0.0" />' in html
    assert totals_rows(html) == {"2026-05": [250, 100, 120, 130, 1, 1], "2026-06": [252, 101, 121, 131, 1, 1]}
    assert (
        '<p class="help" id="totals-note">2026-06: The sum of the 1 published villages of East Dist., Hsinchu City; '
        "1 village withheld (fewer than 3 households).</p>"
    ) in html
    may = client.get("/stats/?month=2026-05", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p class="help" id="totals-note">2026-05: The sum of the 1 published villages of East Dist.' in may


def test_totals_note_counts_the_withheld_villages(client, population):
    VillagePopulation.objects.filter(village=population["a"], month=dt.date(2026, 6, 1)).update(households=1)
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "2026-06: The sum of the 0 published villages of East Dist., Hsinchu City; 2 villages withheld"
        " (fewer than 3 households)."
    ) in html
    assert totals_rows(html)["2026-06"] == [0, 0, 0, 0, 0, 2]


def test_published_totals_are_the_sums_of_the_published_villages_of_every_month(client, population):
    """Page totals, download totals and the downloaded village rows agree for every month: no published number
    holds anything of a withheld village."""
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page = totals_rows(html)
    assert list(page) == ["2026-05", "2026-06"]
    for month, (residents, households, men, women, villages, withheld) in page.items():
        text = client.get(f"/stats/villages.csv?month={month}").content.decode("utf-8").lstrip("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text)))
        shown = [r for r in rows if r["suppressed"] == "False"]
        assert residents == sum(int(r["population"]) for r in shown)
        assert households == sum(int(r["households"]) for r in shown)
        assert (men, women) == (sum(int(r["male"]) for r in shown), sum(int(r["female"]) for r in shown))
        assert (villages, withheld) == (len(shown), sum(r["suppressed"] == "True" for r in rows)) == (1, 1)
        geojson = json.loads(client.get(f"/stats/villages.geojson?month={month}").content)
        totals = geojson["totals"]
        assert [totals[k] for k in ("population", "households", "male", "female", "villages", "withheld")] == [
            residents,
            households,
            men,
            women,
            villages,
            withheld,
        ]


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
    assert data["totals"] == {
        "month": "2026-06",
        "households": 101,
        "population": 252,
        "male": 121,
        "female": 131,
        "villages": 1,
        "withheld": 1,
        "district": {"code": "10018010", "name": "新竹市東區", "name_en": "East Dist., Hsinchu City"},
        "note": data["totals"]["note"],
    }
    english = json.loads(client.get("/stats/villages.geojson", HTTP_ACCEPT_LANGUAGE="en").content)
    assert english["totals"]["note"] == (
        "The sum of the 1 published villages of East Dist., Hsinchu City; 1 village withheld (fewer than 3 households)."
    )


def test_no_statistics_loaded(client, mapped):
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No population statistics are loaded yet." in html
    response = client.get("/stats/villages.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.content.decode()) == (404, "No population statistics are loaded yet.")
    zh = client.get("/stats/villages.csv")
    assert (zh.status_code, zh.content.decode()) == (404, "尚未載入人口統計資料。")


def test_every_total_is_the_districts_and_says_so(client, population):
    """The population reports cover the whole city: a village of another district (北區, no door plates here)
    reports too, and must count neither in the table nor in any total of the 東區 page."""
    north = District.objects.create(
        code="10018020", registry_code="1001802", county=population["county"], name="北區", name_en="North Dist."
    )
    other = Village.objects.create(
        code="10018020001", district=north, name="丙里", name_en="Bing Vil.", boundary=square(X0, Y0 + 5000, 1000)
    )
    VillagePopulation.objects.create(
        village=other, month=dt.date(2026, 6, 1), neighborhoods=9, neighborhoods_with_plates=0, households=5000,
        population=12000, male=6000, female=6000, source="test",
    )  # fmt: skip
    html = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Population statistics of East Dist., Hsinchu City, by village</h1>" in html
    assert '<h2 id="table-title">Villages of East Dist., Hsinchu City, 2026-06</h2>' in html
    assert 'data-code="10018020001"' not in html  # the other district's village is not in the table
    assert totals_rows(html)["2026-06"] == [252, 101, 121, 131, 1, 1]
    assert '<h2 id="series-title">Totals of East Dist., Hsinchu City by month</h2>' in html
    footer = re.search(r'<tr role="row" id="stats-footer">(.*?)</tr>', html, re.S).group(1)
    assert "East Dist., Hsinchu City: total of the 2 villages above" in footer
    assert "residents and households without the 1 village withheld" in footer
    assert re.findall(r'class="num" data-label="[^"]+">([^<]+)</td>', footer) == ["252", "101", "3", "2.000", "252", "33.67"]
    geojson = json.loads(client.get("/stats/villages.geojson", HTTP_ACCEPT_LANGUAGE="en").content)
    assert (geojson["totals"]["population"], geojson["totals"]["district"]["code"]) == (252, "10018010")
    assert [f["properties"]["code"] for f in geojson["features"]] == ["10018010001", "10018010002"]
    # Without the district, the whole city's published villages would have been added up.
    assert [t.population for t in month_totals()] == [250, 252 + 12000]


def test_a_district_is_chosen_when_several_have_plates(client, population, tmp_path):
    north = District.objects.create(
        code="10018020", registry_code="1001802", county=population["county"], name="北區", name_en="North Dist."
    )
    other = Village.objects.create(
        code="10018020001", district=north, name="丙里", name_en="Bing Vil.", boundary=square(X0, Y0 + 5000, 1000)
    )
    road = Road.objects.create(district=north, name="中正路", base_name="中正路")
    plate_create(
        district=north, components=Components(road=road, number=5), point=Point(X0 + 10, Y0 + 5010, srid=3826),
        actor="test", cause=Cause.ADMIN_EDIT,
    )  # fmt: skip
    VillagePopulation.objects.create(
        village=other, month=dt.date(2026, 6, 1), neighborhoods=9, neighborhoods_with_plates=1, households=50,
        population=120, male=60, female=60, source="test",
    )  # fmt: skip
    first = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="10018010" selected>East Dist., Hsinchu City</option>' in first
    assert '<a href="/stats/villages.csv?district=10018010&amp;month=2026-06">CSV</a>' in first
    html = client.get("/stats/?district=10018020", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Population statistics of North Dist., Hsinchu City, by village</h1>" in html
    assert totals_rows(html) == {"2026-06": [120, 50, 60, 60, 1, 0]}
    csv_rows = client.get("/stats/villages.csv?district=10018020&month=2026-06")
    assert csv_rows["Content-Disposition"] == 'attachment; filename="villages-10018020-2026-06.csv"'
    bad = client.get("/stats/?district=99999999", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "no district 99999999 with door plates; districts: 10018010 (新竹市東區), 10018020 (新竹市北區)" in (
        bad.content.decode()
    )
