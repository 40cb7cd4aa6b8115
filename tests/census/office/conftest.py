"""The office's census pages on the small census world (tests/census/conftest.py): a task submitted with findings
of several kinds (one in conflict), and signed-in clients for each census role."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from geo_portal.addresses.plates import plate_set_condition
from geo_portal.census.models import Finding
from geo_portal.census.services import task_claim
from geo_portal.census.sync import sync_findings
from geo_portal.core.geo import transform_point
from tests.accounts.factories import PASSWORD
from tests.census.conftest import along

NOW = timezone.make_aware(dt.datetime(2026, 11, 10, 9, 0))


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def lonlat(point: Point) -> dict:
    p = transform_point(point, 4326)
    return {"lon": p.x, "lat": p.y}


@pytest.fixture
def as_user(staff):
    """Factory: a test client signed in as one of the census staff (English pages)."""

    def _client(name: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert client.login(username=staff[name].username, password=PASSWORD)
        return client

    return _client


@pytest.fixture
def submitted(campaign, staff):
    """Task 1 (光復路二段 odd 1–5) submitted by sur1: 1號 missing (in conflict: a clerk set its condition before the
    sync), 3號 moved 10 m, 5號 ok, 5號2樓 number differs, an unregistered plate at 13號."""
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"], now=NOW)
    s1, s3, s5 = task.stops.order_by("seq")
    moved = Point(along(3).x + 6, along(3).y + 8, srid=3826)
    base = {"task": task.pk, "observed_at": NOW.isoformat(), "plate_version": 1}
    records = [
        {**base, "uuid": uid(1), "stop": s1.pk, "plate": s1.plate_ids[0], "kind": "missing", "note": "=HYPERLINK(1)"},
        {**base, "uuid": uid(2), "stop": s3.pk, "plate": s3.plate_ids[0], "kind": "wrong_position",
         "point": lonlat(moved), "note": "門牌在側門"},
        {**base, "uuid": uid(3), "stop": s5.pk, "plate": s5.plate_ids[0], "kind": "ok"},
        {**base, "uuid": uid(4), "stop": s5.pk, "plate": s5.plate_ids[1], "kind": "number_differs",
         "written_address": "光復路二段5號3樓"},
        {"task": task.pk, "observed_at": NOW.isoformat(), "uuid": uid(5), "kind": "unregistered",
         "written_address": "光復路二段13號", "point": lonlat(along(13))},
    ]  # fmt: skip
    plate_set_condition(plate_id=s1.plate_ids[0], version=1, condition="ok", checked_on=dt.date(2026, 11, 9), actor="clerk1")
    result = sync_findings(user=staff["surveyor"], device=None, records=records, submit=[task.pk], now=NOW)
    assert result.submitted == {task.pk: "submitted"}
    task.refresh_from_db()
    return {"task": task, "stops": (s1, s3, s5), **{f"f{i}": Finding.objects.get(uuid=uid(i)) for i in range(1, 6)}}
