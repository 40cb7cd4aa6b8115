"""Other kinds applied (villages and 鄰, 之 numbers) and a plate changed after drafting (refused, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import override

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import Components, StalePlate, plate_create, plate_set_condition
from geo_portal.areas.models import Road
from geo_portal.core.geo import to_storage
from geo_portal.renumbering.csv_plans import plan_draft_from_csv
from geo_portal.renumbering.services import PlanRefused, plan_apply, plan_approve, plan_draft_by_rule, plan_submit
from tests.renumbering.conftest import at


def approved(street, staff, **values):
    plan = plan_draft_by_rule(
        actor=staff["clerk"], district=street["district"], title="t", effective_date=timezone.localdate(), **values
    )
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    return plan_approve(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"])


def test_plates_moved_to_another_village_and_neighbourhood_keep_their_address(street, staff):
    p = street["plates"]
    plan = approved(
        street, staff, kind="move_area", plate_ids=[p[1].pk, p[3].pk], village_id=street["b"].pk, neighborhood="9"
    )
    plan = plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    new = [
        i.new_plate for i in plan.items.select_related("new_plate__village", "new_plate__neighborhood").order_by("position")
    ]
    assert [(n.address, n.village.name, n.neighborhood.number, n.address_key) for n in new] == [
        ("新竹市東區光復路二段1號", "乙里", 9, "光復路二段1號#9"),
        ("新竹市東區光復路二段3號", "乙里", 9, "光復路二段3號#9"),
    ]
    assert plan.registration_event is None  # nobody is registered at these two plates
    assert DoorPlate.objects.get(pk=p[1].pk).status == "retired"


def test_removing_a_sub_number_gives_the_entrance_its_own_number(street, staff):
    p = street["plates"]
    plan = approved(
        street, staff, kind="remove_sub_numbers", plate_ids=[p[2].pk, p[4].pk, p[6].pk, p["8-1"].pk], first_even=2
    )
    plan = plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    assert [i.new_plate.address[5:] for i in plan.items.select_related("new_plate").order_by("position")] == [
        "光復路二段2號",
        "光復路二段4號",
        "光復路二段6號",
        "光復路二段8號",
    ]


def test_a_plate_changed_after_the_draft_stops_the_apply_and_nothing_is_written(street, staff):
    p = street["plates"]
    plan = approved(street, staff, kind="rename_road", road_id=street["road"].pk, new_road_name="建功路二段")
    plate_set_condition(
        plate_id=p[3].pk, version=p[3].version, condition="missing", checked_on=dt.date(2026, 11, 30), actor="surveyor-sue"
    )
    with pytest.raises(StalePlate, match=f"door plate {p[3].pk} was changed by surveyor-sue"):
        plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    assert DoorPlate.objects.active().count() == 11 and DoorPlate.objects.filter(road__name="建功路二段").count() == 0
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.last_failure.startswith(f"door plate {p[3].pk} was changed by surveyor-sue")


def test_a_corrected_point_comes_from_the_csv_and_half_a_point_is_refused(street, staff):
    corrected = to_storage(Point(120.9701, 24.8001, srid=4326))
    rows = [
        "old_address,new_address,new_lon,new_lat",
        "光復路二段3號,光復路二段3號,120.9701,24.8001",
        "光復路二段1號,光復路二段1號,120.97,",
    ]
    text = "\n".join(rows)
    with pytest.raises(PlanRefused) as refused:
        plan_draft_from_csv(
            actor=staff["clerk"],
            district=street["district"],
            title="t",
            effective_date=timezone.localdate(),
            data=text.encode(),
        )
    assert refused.value.errors == {"row 3.new_lon": ["give both new_lon and new_lat as decimal degrees (got '120.97', '')"]}
    plan = plan_draft_from_csv(
        actor=staff["clerk"],
        district=street["district"],
        title="t",
        effective_date=timezone.localdate(),
        data="\n".join(text.splitlines()[:2]).encode(),
    )
    [item] = plan.items.all()
    assert item.point.coords == pytest.approx(corrected.coords)


def test_an_address_taken_after_the_approval_stops_the_apply_naming_the_item(street, staff):
    """The apply's own check (the preview without read-back, then the plates' write) still finds a new address that
    became active outside the plan after the approval — here on the road the plan renames to — and writes nothing."""
    p = street["plates"]
    plan = approved(street, staff, kind="rename_road", road_id=street["road"].pk, new_road_name="建功路二段")
    road = Road.objects.create(district=street["district"], name="建功路二段", base_name="建功路", section=2)
    outside = plate_create(
        district=street["district"], components=Components(number=7, road=road), point=at(7), actor="t"
    ).plate
    with override("en"), pytest.raises(PlanRefused) as refused:
        plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    position = plan.items.get(old_plate_id=p[7].pk).position
    assert refused.value.errors == {
        f"item {position}": [
            f"新竹市東區建功路二段7號: plate {outside.pk} (新竹市東區建功路二段7號) outside the plan stands at this number"
        ]
    }
    assert DoorPlate.objects.active().count() == 12 and DoorPlate.objects.filter(road__name="建功路二段").count() == 1
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.last_failure.startswith(f"item {position}: 新竹市東區建功路二段7號")
