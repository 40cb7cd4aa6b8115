"""Applying a plan: plates, registrations and the change log in one transaction — or nothing at all.

Transactional tests: the change log numbers a transaction as it commits.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate, PlateSuccessor
from geo_portal.areas.models import Road
from geo_portal.changes.selectors import channel_state, events_after
from geo_portal.registry.models import Household, HouseholdAddress, Membership, RegistrationEvent
from geo_portal.renumbering import services
from geo_portal.renumbering.models import Plan
from geo_portal.renumbering.services import PlanRefused, plan_apply, plan_approve, plan_draft_by_rule, plan_submit

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2026, 12, 3)


def approved(plan: Plan, staff) -> Plan:
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    return plan_approve(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"])


def rename(street, staff, *, on: dt.date | None = None) -> Plan:
    return plan_draft_by_rule(
        actor=staff["clerk"],
        district=street["district"],
        kind="rename_road",
        title="光復路二段 → 建功路二段",
        effective_date=on or timezone.localdate(),
        road_id=street["road"].pk,
        new_road_name="建功路二段",
    )


def snapshot() -> dict:
    return {
        "plates": sorted(DoorPlate.objects.values_list("id", "status", "address", "version")),
        "successors": sorted(PlateSuccessor.objects.values_list("from_doorplate_id", "to_doorplate_id")),
        "households": sorted(Household.objects.values_list("id", "plate_id", "version")),
        "addresses": sorted((a.household_id, a.plate_id, str(a.valid)) for a in HouseholdAddress.objects.all()),
        "memberships": sorted((m.person_id, m.household_id, str(m.valid)) for m in Membership.objects.all()),
        "events": RegistrationEvent.objects.count(),
        "roads": sorted(Road.objects.values_list("name", flat=True)),
        "public": channel_state().txid,
        "registry": channel_state(channel="registry").txid,
    }


def test_a_renamed_road_moves_plates_households_and_the_feed_in_one_transaction(world, street, staff):
    plan = approved(rename(street, staff), staff)
    public_before = channel_state().txid
    registry_before = channel_state(channel="registry").txid
    members_before = sorted((m.person_id, m.household_id, str(m.valid)) for m in Membership.objects.all())
    plan = plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    today = timezone.localdate()

    assert plan.status == "applied" and plan.applied_by == staff["clerk"] and plan.last_failure == ""
    old = street["plates"]
    items = {i.old_plate_id: i.new_plate for i in plan.items.select_related("new_plate")}
    assert len(items) == 11
    for key, plate in old.items():
        plate.refresh_from_db()
        assert (plate.status, plate.retired_on) == ("retired", today)
        new = items[plate.pk]
        assert new.address == plate.address.replace("光復路二段", "建功路二段")
        assert (new.status, new.geom.coords, new.village_id, new.neighborhood_id) == (
            "active",
            plate.geom.coords,
            plate.village_id,
            plate.neighborhood_id,
        )
        assert list(PlateSuccessor.objects.filter(from_doorplate=plate).values_list("to_doorplate_id", flat=True)) == [
            new.pk
        ]
    road = Road.objects.get(name="建功路二段")
    assert (road.base_name, road.section, road.name_en, road.name_en_source) == (
        "建功路",
        2,
        "Sec. 2, Jiangong Rd.",
        "pinyin",
    )

    # Households follow their plates from today; nobody's membership (residence date) changes.
    chen = world["household"]
    chen.refresh_from_db()
    assert chen.plate_id == items[old["5F2"].pk].pk
    periods = [
        (a.plate_id, a.valid.lower, a.valid.upper) for a in HouseholdAddress.objects.filter(household=chen).order_by("valid")
    ]
    assert periods == [
        (old[1].pk, dt.date(2020, 3, 1), dt.date(2024, 6, 1)),
        (old["5F2"].pk, dt.date(2024, 6, 1), today),
        (items[old["5F2"].pk].pk, today, None),
    ]
    assert sorted((m.person_id, m.household_id, str(m.valid)) for m in Membership.objects.all()) == members_before
    event = plan.registration_event
    assert (event.kind, event.status, event.effective_date) == ("renumbering", "applied", today)
    assert (event.submitted_by, event.reviewed_by, event.applied_by) == (staff["clerk"], staff["reviewer"], staff["clerk"])
    assert event.household_ids == sorted(Household.objects.values_list("id", flat=True))
    assert len(event.person_ids) == 5
    assert event.details["plan"] == plan.number

    # One public transaction with every plate and road change, one private one with the registration.
    public = [e for e in events_after(after_seq=0, limit=10_000) if e.txid > public_before]
    assert {e.txid for e in public} == {public_before + 1}
    assert {e.cause for e in public} == {f"renumbering_plan:{plan.pk}"}
    kinds = sorted((e.entity, e.operation) for e in public)
    # Each old plate: retired (an update) and linked to its successor (an update of the old plate's record).
    assert kinds == [("plate", "insert")] * 11 + [("plate", "update")] * 22 + [("road", "insert")]
    private = [e for e in events_after(after_seq=0, limit=100, channel="registry") if e.txid > registry_before]
    assert [(e.entity, e.entity_id) for e in private] == [("registration", event.pk)]
    assert json.loads(private[0].data)["kind"] == "renumbering"


def test_a_failure_halfway_leaves_everything_as_it_was(world, street, staff, monkeypatch):
    plan = approved(rename(street, staff), staff)
    before = snapshot()
    calls = []

    def fail_after_plates(**kwargs):
        # The plates are already retired and replaced inside the transaction when the registry step fails.
        calls.append(DoorPlate.objects.filter(status="retired").count())
        with connection.cursor() as cur:
            cur.execute("SELECT 1/0")

    monkeypatch.setattr(services, "households_follow_renumbering", fail_after_plates)
    with pytest.raises(Exception, match="division by zero"):
        plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    assert calls == [11]
    assert snapshot() == before
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.items.filter(new_plate__isnull=False).count() == 0
    assert plan.last_failure.startswith("DataError: division by zero")


def test_a_plan_with_a_future_effective_date_is_applied_by_the_daily_job_on_that_day(world, street, staff):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    plan = approved(rename(street, staff, on=tomorrow), staff)
    with pytest.raises(PlanRefused, match="takes effect on"):
        plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    assert services.plans_apply_due() == {"applied": 0, "failed": 0}
    Plan.objects.filter(pk=plan.pk).update(effective_date=timezone.localdate())
    assert services.plans_apply_due() == {"applied": 1, "failed": 0}
    plan.refresh_from_db()
    assert plan.status == "applied" and plan.applied_by == staff["clerk"]
    assert plan.transitions.last().note == "applied by the daily job on the effective date"
    assert DoorPlate.objects.active().filter(road__name="建功路二段").count() == 11
