"""A small home-visit world: 光復路二段 with plates 1–29 (odd numbers north, even south, 100 m apart by number),
5號3樓 behind 5號, the office's service point west of the road, two registrars (ann enters and visits, bob
reviews), a clerk without registry rights, and the 陳 family registered at 1號 (陳大明, 林美玲) — plus a deceased
person, 王老先生, registered at 3號."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import translation

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.areas.models import Road
from geo_portal.offices.models import ServicePoint
from geo_portal.registry.access import Access
from geo_portal.registry.details import Death, MoveIn, NewHousehold
from geo_portal.registry.models import Household, Person
from tests.accounts.factories import make_staff
from tests.conftest import X0, Y0
from tests.registry.conftest import person, through_review


def along(number: int) -> Point:
    return Point(X0 + 50 + number * 50, Y0 + (520 if number % 2 else 480), srid=3826)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _documents(settings, tmp_path):
    settings.REGISTRY_DOCUMENTS_ROOT = tmp_path / "registry-documents"


@pytest.fixture
def staff(db):
    return {
        "ann": make_staff("ann", "registrar"),
        "bob": make_staff("bob", "registrar"),
        "clerk": make_staff("carl", "clerk"),
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
    for number in range(1, 30):
        plates[number] = plate_create(
            district=district, components=Components(number=number, road=road), point=along(number), actor="t"
        ).plate
    plates["5F3"] = plate_create(
        district=district, components=Components(number=5, road=road, floor=3), point=along(5), actor="t"
    ).plate
    return {**areas, "road": road, "plates": plates}


@pytest.fixture
def office(street):
    return ServicePoint.objects.create(
        name="東區戶政事務所",
        kind=ServicePoint.Kind.OFFICE,
        address="新竹市東區光復路二段1號",
        location=Point(X0, Y0 + 500, srid=3826),
        geocode_grade="exact",
    )


@pytest.fixture
def family(street, staff):
    details = MoveIn(
        newcomers=(
            person(1, "陳大明", "M", dt.date(1940, 5, 1), "head"),
            person(2, "林美玲", "F", dt.date(1942, 7, 9), "spouse"),
        ),
        new_household=NewHousehold(number="O0000001", kind="living", plate_id=street["plates"][1].pk),
    )
    through_review("move_in", details, dt.date(2020, 3, 1), by=staff["ann"], reviewer=staff["bob"])
    old = MoveIn(
        newcomers=(person(3, "王老先生", "M", dt.date(1930, 1, 1), "head"),),
        new_household=NewHousehold(number="O0000003", kind="single", plate_id=street["plates"][3].pk),
    )
    through_review("move_in", old, dt.date(2020, 3, 1), by=staff["ann"], reviewer=staff["bob"])
    wang = Person.objects.get(name="王老先生")
    through_review("death", Death(person_id=wang.pk), dt.date(2026, 1, 5), by=staff["ann"], reviewer=staff["bob"])
    return {
        "household": Household.objects.get(number="O0000001"),
        "chen": Person.objects.get(name="陳大明"),
        "lin": Person.objects.get(name="林美玲"),
        "wang": wang,
    }


def access(user, endpoint: str = "tests") -> Access:
    return Access(user=user, purpose="home_visit", endpoint=endpoint)
