"""The whole real district split into tasks: every plate in exactly one stop, sides and roads never mixed, walking
order kept, task sizes within the target, hints on the stops."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.db.models import F

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import District, Village
from geo_portal.census.models import Stop, Task
from geo_portal.census.services import campaign_create, campaign_split
from tests.accounts.factories import make_staff

pytestmark = pytest.mark.realdata
LANE = re.compile(r"^(?P<street>.+?)(?:(?P<lane>\d+)巷)?(?:(?P<alley>\d+)弄)?(?P<number>\d+)(?:之\d+)?號$")


@pytest.fixture
def district_split(loaded_real, db):
    district = District.objects.get(code="10018010")
    sup = make_staff("real-sup", "census_supervisor")
    campaign = campaign_create(
        name="全區清查",
        district=district,
        villages=list(Village.objects.filter(district=district, boundary__isnull=False)),
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2027, 3, 31),
        created_by=sup,
    )
    summary = campaign_split(campaign_id=campaign.pk, actor=sup)
    return campaign, summary


def test_every_active_plate_is_in_exactly_one_stop(district_split):
    campaign, summary = district_split
    active = set(DoorPlate.objects.active().filter(district__code="10018010").values_list("pk", flat=True))
    stops = Stop.objects.filter(task__campaign=campaign)
    counted = Counter(pid for ids in stops.values_list("plate_ids", flat=True) for pid in ids)
    assert set(counted) == active
    assert max(counted.values()) == 1
    assert (summary.plates, summary.stops) == (108_162, 44_429)


def test_tasks_keep_one_side_of_one_street_in_walking_order_within_the_target_size(district_split):
    campaign, _summary = district_split
    tasks = list(Task.objects.filter(campaign=campaign).select_related("road"))
    assert max(t.stop_count for t in tasks) <= 80
    # Most tasks are of the target size; the short ones are short streets or sides with nothing to join.
    sizes = [t.stop_count for t in tasks]
    assert sum(sizes) / len(sizes) >= 35
    mixed = []
    for task in tasks:
        stops = list(task.stops.order_by("seq").values_list("label", "number"))
        own = []
        for label, number in stops:
            match = LANE.match(label)
            assert match, label
            if task.road_id is None:
                assert label.startswith(task.area_name), (task.label, label)
                continue
            street = match["street"]
            if not match["lane"] and not match["alley"] and street == task.road.name:
                own.append(number)
                if (number % 2 == 1) != (task.side == "odd"):
                    mixed.append((task.label, label))
            else:
                # Folded lanes and alleys of this road, or the task's own lane/alley street.
                assert label.startswith(task.road.name), (task.label, label)
        assert own == sorted(own), task.label
    assert mixed == []


def test_task_outlines_cover_their_stops(district_split):
    campaign, _summary = district_split
    uncovered = Stop.objects.filter(task__campaign=campaign).exclude(task__geom__covers=F("geom")).count()
    assert uncovered == 0
