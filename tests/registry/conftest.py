"""A small register world: a road in village 甲里 with house plates and a building with floor units, two
registrars (one enters, the other reviews), a clerk without registry rights, and helpers that take an event
through its whole review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import translation

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.areas.models import Road
from geo_portal.registry.details import AddressChange, MoveIn, NewHousehold, NewPerson
from geo_portal.registry.models import Household, Person
from geo_portal.registry.national_id import synthetic
from geo_portal.registry.services.events import event_apply, event_approve, event_create, event_submit
from tests.accounts.factories import make_staff

try:  # the staff two-factor sign-in (accounts.two_factor): registrars and administrators pass a second factor
    from tests.accounts.factories import pass_second_factor
except ImportError:  # before it exists, signing in is the password alone
    pass_second_factor = None
from tests.conftest import X0, Y0


@pytest.fixture(autouse=True)
def _english():
    """Messages asserted in English (the site's default language is zh-Hant)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _documents(settings, tmp_path):
    settings.REGISTRY_DOCUMENTS_ROOT = tmp_path / "registry-documents"


def login(client, user) -> None:
    """Sign a test client in as ``user``, second factor included where the site asks for one."""
    client.force_login(user)
    if pass_second_factor is not None:
        pass_second_factor(client)


def at(number: int) -> Point:
    return Point(X0 + 100 + number * 10, Y0 + (520 if number % 2 else 480), srid=3826)


@pytest.fixture
def staff(db):
    return {
        "ann": make_staff("ann", "registrar"),
        "bob": make_staff("bob", "registrar"),
        "clerk": make_staff("carl", "clerk"),
    }


@pytest.fixture
def street(areas):
    """光復路二段 1, 3 and 5號 (with 5號2樓 and 5號3樓 behind the entrance) and 2號, all in 甲里."""
    district = areas["district"]
    district.boundary = MultiPolygon(
        Polygon(((X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 + 1000), (X0, Y0 + 1000), (X0, Y0))), srid=3826
    )
    district.save()
    road = Road.objects.create(district=district, name="光復路二段", base_name="光復路", section=2)
    plates = {}
    for key, number, floor in [(1, 1, None), (3, 3, None), (5, 5, None), ("5F2", 5, 2), ("5F3", 5, 3), (2, 2, None)]:
        plates[key] = plate_create(
            district=district, components=Components(number=number, road=road, floor=floor), point=at(number), actor="t"
        ).plate
    return {**areas, "road": road, "plates": plates}


def person(serial: int, name: str, sex: str, born: dt.date, relation: str = "head") -> NewPerson:
    return NewPerson(name=name, sex=sex, birth_date=born, national_id=synthetic(serial), relation=relation)


def through_review(kind: str, details, effective_date: dt.date, *, by, reviewer, declared_on=None):
    """Enter, submit, approve (by the other registrar) and apply an event; returns it applied."""
    event = event_create(actor=by, kind=kind, effective_date=effective_date, details=details, declared_on=declared_on)
    event = event_submit(event_id=event.pk, actor=by, version=event.version)
    event = event_approve(event_id=event.pk, actor=reviewer, version=event.version)
    return event_apply(event_id=event.pk, actor=reviewer, version=event.version)


@pytest.fixture
def family(street, staff):
    """The 陳 family moved in at 光復路二段1號 on 2020-03-01: 陳大明 (head), his wife 林美玲, their son 陳小明."""
    details = MoveIn(
        newcomers=(
            person(1, "陳大明", "M", dt.date(1980, 5, 1), "head"),
            person(2, "林美玲", "F", dt.date(1982, 7, 9), "spouse"),
            person(3, "陳小明", "M", dt.date(2010, 1, 20), "son"),
        ),
        new_household=NewHousehold(number="O0000001", kind="living", plate_id=street["plates"][1].pk),
    )
    event = through_review(
        "move_in", details, dt.date(2020, 3, 1), by=staff["ann"], reviewer=staff["bob"], declared_on=dt.date(2020, 3, 5)
    )
    household = Household.objects.get(number="O0000001")
    people = {p.name: p for p in Person.objects.filter(pk__in=event.person_ids)}
    return {"event": event, "household": household, "people": people}


@pytest.fixture
def world(family, street, staff):
    """The 陳 family at 1號 (moved to 5號2樓 on 2024-06-01) and 王 at 5號3樓 since 2022-01-01."""
    through_review(
        "move_in",
        MoveIn(
            newcomers=(
                person(40, "王大同", "M", dt.date(1970, 2, 2)),
                person(41, "王小同", "F", dt.date(2000, 3, 3), "daughter"),
            ),
            new_household=NewHousehold(number="O0000040", kind="living", plate_id=street["plates"]["5F3"].pk),
        ),
        dt.date(2022, 1, 1),
        by=staff["bob"],
        reviewer=staff["ann"],
    )
    through_review(
        "address_change",
        AddressChange(household_id=family["household"].pk, plate_id=street["plates"]["5F2"].pk),
        dt.date(2024, 6, 1),
        by=staff["ann"],
        reviewer=staff["bob"],
    )
    return {**family, "plates": street["plates"]}
