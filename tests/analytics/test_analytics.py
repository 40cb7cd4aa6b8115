"""geo_portal.analytics against real PostGIS: layers, statistics with suppression, quality indicators, read-only.

The analytics engine is its own (read-only) connection, so these tests commit their data (transactional_db).
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy.exc import InternalError

from geo_portal import analytics
from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import VillagePopulation
from geo_portal.areas.statistics import month_totals
from geo_portal.buildings.linking import link_plates_to_buildings
from geo_portal.buildings.models import Building
from tests.conftest import X0, Y0, square, write_csv


@pytest.fixture
def district(transactional_db, areas, tmp_path):
    analytics.engine.cache_clear()  # the test database's name is only known now
    rows = [
        ["新竹市東區光復路二段101之1號", X0 + 50, Y0 + 50],
        ["新竹市東區光復路二段101之1號5樓", X0 + 50, Y0 + 50],
        ["新竹市東區光復路二段103號", X0 + 70, Y0 + 50],
        ["新竹市東區光復路二段105號", X0 + 70, Y0 + 50],  # same point as 103: a duplicate position
        ["新竹市東區光復路二段111號", X0 + 120, Y0 + 50],  # 107 and 109 missing on the odd side
        ["新竹市東區光復路二段2號", X0 + 1500, Y0 + 500],  # in 乙里
    ]
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], rows)
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)
    Building.objects.create(geom=square(X0 + 40, Y0 + 40, 20), floors=5, source="t", source_id="with-plate")
    Building.objects.create(geom=square(X0 + 130, Y0 + 30, 30), source="t", source_id="empty")
    link_plates_to_buildings(tolerance_m=1)
    # A plate registered in 甲里 whose point lies in 乙里, 500 m past the line.
    DoorPlate.objects.filter(address="新竹市東區光復路二段2號").update(village=areas["a"])
    for village, households, male, female in ((areas["a"], 40, 50, 60), (areas["b"], 2, 1, 2)):
        VillagePopulation.objects.create(
            village=village,
            month=dt.date(2026, 6, 1),
            neighborhoods=3,
            neighborhoods_with_plates=2,
            households=households,
            population=male + female,
            male=male,
            female=female,
            source="t",
            age_male=[1] * 65 + [0] * 36 if households > 2 else None,
            age_female=[0] * 80 + [1] * 21 if households > 2 else None,
        )
    yield areas
    analytics.engine().dispose()  # close the pooled connections before the test database is flushed or dropped
    analytics.engine.cache_clear()


def test_the_engine_is_read_only(district):
    with analytics.engine().connect() as conn, pytest.raises(InternalError, match="read-only transaction"):
        conn.exec_driver_sql("CREATE TABLE analytics_write_attempt (i int)")


def test_plates_in_storage_and_wgs84(district):
    plates = analytics.plates()
    assert str(plates.crs) == "EPSG:3826" and len(plates) == 6
    assert list(plates.columns) == [
        "id",
        "address",
        "district_code",
        "road",
        "area",
        "lane",
        "alley",
        "number_prefix",
        "number",
        "sub_number",
        "number_suffix",
        "floor",
        "floor_unit",
        "floor_sub",
        "zip_code",
        "village_code",
        "village",
        "neighborhood",
        "status",
        "condition",
        "last_checked_on",
        "geom",
    ]
    first = plates.iloc[0]
    assert (first.address, first.road, first.number, first.sub_number, first.village) == (
        "新竹市東區光復路二段101之1號",
        "光復路二段",
        101,
        1,
        "甲里",
    )
    assert (first.geom.x, first.geom.y) == (X0 + 50, Y0 + 50)
    wgs84 = analytics.plates(crs=4326)
    assert str(wgs84.crs) == "EPSG:4326" and 120.9 < wgs84.iloc[0].geom.x < 121.1 and 24.7 < wgs84.iloc[0].geom.y < 24.8


def test_villages_with_statistics_densities_and_suppression(district):
    villages = analytics.villages()
    a, b = villages.iloc[0], villages.iloc[1]
    assert (a["name"], a.plates, a.entrances, a.households, a.population) == ("甲里", 6, 4, 40, 110)
    assert math.isclose(a.area_km2, 1.0) and math.isclose(a.density_per_km2, 110.0)
    assert math.isclose(a.households_per_plate, 40 / 6) and not a.suppressed
    assert b["name"] == "乙里" and b.suppressed and math.isnan(b.population) and math.isnan(b.households)
    assert analytics.months() == [dt.date(2026, 6, 1)]
    assert analytics.villages(month=dt.date(2026, 5, 1))["population"].isna().all()


def test_what_a_planner_adds_up_is_the_published_totals(district):
    """Summing the villages layer (withheld figures are missing, so left out) gives the totals the statistics
    page publishes (``areas.statistics.month_totals``): 甲里 alone, 乙里 counted as withheld."""
    villages = analytics.villages()
    (june,) = month_totals()
    sums = villages[["households", "population", "male", "female"]].sum()
    assert sums.tolist() == [june.households, june.population, june.male, june.female] == [40, 110, 50, 60]
    assert (int((~villages["suppressed"]).sum()), int(villages["suppressed"].sum())) == (june.villages, june.withheld)
    assert (june.villages, june.withheld) == (1, 1)
    ages = analytics.age_structure()
    assert ages["population"].sum() == june.population


def test_age_structure(district):
    ages = analytics.age_structure()
    assert len(ages) == 1
    row = ages.iloc[0]
    assert (row.age_0_14, row.age_15_64, row.age_65_plus, row.age_80_plus) == (15, 50, 21, 21)
    assert math.isclose(row.share_65_plus, 21 / 86)


def test_a_withheld_village_shows_no_figures_in_the_age_structure(district):
    VillagePopulation.objects.filter(village=district["b"]).update(age_male=[1] * 101, age_female=[0] * 101)
    ages = analytics.age_structure()
    assert list(ages["code"]) == ["10018010001", "10018010002"] and list(ages["suppressed"]) == [False, True]
    withheld = ages.iloc[1]
    figures = ["households", "population", "age_0_14", "age_15_64", "age_65_plus", "age_80_plus", "share_65_plus"]
    assert [math.isnan(withheld[column]) for column in figures] == [True] * len(figures)
    assert (ages.iloc[0].households, ages.iloc[0].population, ages.iloc[0].age_65_plus) == (40, 110, 21)


def test_quality_indicators(district):
    outside = analytics.plates_outside_village()
    assert list(outside["address"]) == ["新竹市東區光復路二段2號"]
    assert outside.iloc[0].village == "甲里" and outside.iloc[0].village_at_point == "乙里"
    assert math.isclose(outside.iloc[0].distance_m, 500.0)
    duplicates = analytics.duplicate_positions()
    assert list(duplicates["entrances"]) == [2] and duplicates.iloc[0].addresses == "光復路二段103號、光復路二段105號"
    gaps = analytics.numbering_gaps()
    assert list(zip(gaps["street"], gaps["before"], gaps["after"], gaps["missing"], strict=True)) == [
        ("光復路二段", 105, 111, 2)
    ]
    assert math.isclose(gaps.iloc[0].gap_m, 50.0)
    assert list(analytics.buildings_without_plate()["source_id"]) == ["empty"]
    # Inside the footprints' convex hull but in no footprint: 103, 105 and 111.
    assert sorted(analytics.plates_without_building()["address"]) == [
        "新竹市東區光復路二段103號",
        "新竹市東區光復路二段105號",
        "新竹市東區光復路二段111號",
    ]
    buildings = analytics.buildings()
    assert list(zip(buildings["source_id"], buildings["plates"], strict=True)) == [("with-plate", 2), ("empty", 0)]
