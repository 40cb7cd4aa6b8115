"""A small renumbering world: 光復路二段 in 甲里 with odd plates 1, 3, 5 (and 5號2樓, 5號3樓), 7, 9 — 9 standing
between 3 and 5, a numbering slip — even plates 2, 4, 6 and 8之1; two households (the registry's ``world``); a clerk
who drafts, a second clerk, a reviewer who approves, and the registrars."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.areas.models import Road
from tests.accounts.factories import make_staff
from tests.conftest import X0, Y0
from tests.jobs.conftest import queue, run_worker  # noqa: F401 (fixtures: the real worker)
from tests.notifications.conftest import make_agency, office, receivers, subscribe  # noqa: F401 (fixtures)
from tests.registry.conftest import _documents, _english, family, world  # noqa: F401 (fixtures)

# Where each number stands along the road (x offset in metres): 9 between 3 and 5.
POSITION = {1: 10, 3: 30, 9: 40, 5: 50, 7: 70, 2: 20, 4: 40, 6: 60, 8: 80}


def at(number: int) -> Point:
    return Point(X0 + 100 + POSITION[number] * 5, Y0 + (520 if number % 2 else 480), srid=3826)


@pytest.fixture
def staff(db):
    return {
        "ann": make_staff("ann", "registrar"),
        "bob": make_staff("bob", "registrar"),
        "clerk": make_staff("carl", "clerk"),
        "clerk2": make_staff("cora", "clerk"),
        "reviewer": make_staff("rita", "reviewer"),
    }


@pytest.fixture
def street(areas):
    district = areas["district"]
    district.boundary = MultiPolygon(
        Polygon(((X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 + 1000), (X0, Y0 + 1000), (X0, Y0))), srid=3826
    )
    district.save()
    road = Road.objects.create(
        district=district, name="光復路二段", base_name="光復路", section=2, name_en="Sec. 2, Guangfu Rd."
    )
    plates = {}
    spec = [
        (1, 1, None, None),
        (3, 3, None, None),
        (5, 5, None, None),
        ("5F2", 5, 2, None),
        ("5F3", 5, 3, None),
        (7, 7, None, None),
        (9, 9, None, None),
        (2, 2, None, None),
        (4, 4, None, None),
        (6, 6, None, None),
        ("8-1", 8, None, 1),
    ]
    for key, number, floor, sub in spec:
        plates[key] = plate_create(
            district=district,
            components=Components(number=number, road=road, floor=floor, sub_number=sub),
            point=at(number),
            actor="t",
            neighborhood=3,
        ).plate
    return {**areas, "road": road, "plates": plates}
