"""A small census world: one road in village 甲里 with plates on both sides, staff in every census role, and a
campaign over the village split into tasks of 3–5 stops and opened for field work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import translation

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.areas.models import Road
from geo_portal.census.services import campaign_create, campaign_set_status, campaign_split
from tests.accounts.factories import make_staff
from tests.conftest import X0, Y0

START = dt.date(2026, 11, 1)


def along(number: int) -> Point:
    """Odd numbers north of the road, even south, 10 m apart by number."""
    return Point(X0 + 100 + number * 10, Y0 + (520 if number % 2 else 480), srid=3826)


@pytest.fixture(autouse=True)
def _english():
    """Messages asserted in English (the site's default language is zh-Hant)."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff(db):
    return {
        "supervisor": make_staff("sup1", "census_supervisor"),
        "supervisor2": make_staff("sup2", "census_supervisor"),
        "surveyor": make_staff("sur1", "surveyor"),
        "surveyor2": make_staff("sur2", "surveyor"),
        "clerk": make_staff("clerk1", "clerk"),
    }


@pytest.fixture
def street(areas):
    district = areas["district"]
    district.boundary = MultiPolygon(
        Polygon(((X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 + 1000), (X0, Y0 + 1000), (X0, Y0))), srid=3826
    )
    district.save()
    road = Road.objects.create(district=district, name="光復路二段", base_name="光復路", section=2)
    plates = {}
    for number in [1, 3, 5, 7, 9, 11, 2, 4, 6, 8]:
        plates[number] = plate_create(
            district=district, components=Components(number=number, road=road), point=along(number), actor="import"
        ).plate
    plates["5F2"] = plate_create(
        district=district, components=Components(number=5, road=road, floor=2), point=along(5), actor="import"
    ).plate
    return {**areas, "road": road, "plates": plates}


@pytest.fixture
def campaign(street, staff):
    c = campaign_create(
        name="115年東區門牌清查",
        district=street["district"],
        villages=[street["a"]],
        starts_on=START,
        ends_on=START + dt.timedelta(days=60),
        created_by=staff["supervisor"],
        target_min_stops=3,
        target_max_stops=5,
        fold_max_stops=2,
        max_tasks_per_surveyor=1,
        lock_hours=8,
    )
    campaign_split(campaign_id=c.pk, actor=staff["supervisor"])
    return campaign_set_status(campaign_id=c.pk, status="active", actor=staff["supervisor"])
