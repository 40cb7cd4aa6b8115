"""The visit results' sync: per-record answers, idempotent resends, the later observation standing, refusals with
their field, revoked devices, the round's key, and a visit opening a registration draft for review."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from geo_portal.homevisits import sync
from geo_portal.homevisits.cases import case_open
from geo_portal.homevisits.errors import DeviceRevoked, HomeVisitRefused
from geo_portal.homevisits.models import VisitRequest, VisitResult
from geo_portal.homevisits.planning import plan_create
from geo_portal.homevisits.services import request_create
from geo_portal.registry.models import RegistrationEvent
from geo_portal.registry.services.events import event_approve, event_submit
from tests.homevisits.conftest import access


@pytest.fixture
def round_(office, family, staff):
    ann = staff["ann"]
    chen = request_create(
        actor=ann, access=access(ann), address="光復路二段7號", person_id=family["chen"].pk, purpose="registration"
    )
    typed = request_create(actor=ann, access=access(ann), address="光復路二段3號", name="李阿婆", purpose="id_card")
    plan = plan_create(actor=ann, day=timezone.localdate(), visitor=ann, request_ids=[chen.pk, typed.pk])
    stops = {s.request_id: s for s in plan.stops.all()}
    device = sync.device_for(user=ann, device_uuid=str(uuid.uuid4()))
    return {"plan": plan, "chen": stops[chen.pk], "typed": stops[typed.pk], "device": device, "ann": ann}


def record(stop, outcome="done", note="", at=None, **extra):
    return {"uuid": str(uuid.uuid4()), "stop": stop.pk, "outcome": outcome, "note": note,
            "at": (at or timezone.now()).isoformat(), **extra}  # fmt: skip


def test_results_are_stored_once_and_answered_per_record(round_):
    ann, device = round_["ann"], round_["device"]
    ok = record(round_["typed"], "not_home", "nobody answered")
    bad = record(round_["chen"], "maybe")
    first = sync.sync_results(user=ann, device=device, records=[ok, bad, "junk"])
    assert [r.as_dict() for r in first] == [
        {"uuid": ok["uuid"], "status": "stored"},
        {"uuid": bad["uuid"], "status": "error", "errors": {"outcome": "must be one of done, not_home, postponed"}},
        {"uuid": "2", "status": "error", "errors": {"record": "must be an object"}},
    ]
    again = sync.sync_results(user=ann, device=device, records=[ok])
    assert [r.status for r in again] == ["duplicate"]
    assert VisitResult.objects.count() == 1
    typed = VisitRequest.objects.get(pk=round_["typed"].request_id)
    assert typed.status == "open"  # not at home: waits for another round
    changed = {**ok, "note": "other"}
    replay = sync.sync_results(user=ann, device=device, records=[changed])
    assert replay[0].errors == {"uuid": f"{ok['uuid']} was sent before with other contents; the first version is kept"}


def test_the_later_observation_stands_whichever_arrives_first(round_):
    ann, device, stop = round_["ann"], round_["device"], round_["typed"]
    now = timezone.now()
    # Half an hour earlier, but on the round's day (just after local midnight, at midnight: a result from before the
    # round's day is refused).
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    later = record(stop, "done", at=now)
    earlier = record(stop, "not_home", "out", at=max(now - dt.timedelta(minutes=30), day_start))
    sync.sync_results(user=ann, device=device, records=[later])
    sync.sync_results(user=ann, device=device, records=[earlier])
    stop.refresh_from_db()
    assert (stop.outcome, VisitRequest.objects.get(pk=stop.request_id).status) == ("done", "visited")
    assert VisitResult.objects.count() == 2


def test_bad_records_name_their_field(round_, staff):
    ann, device, stop = round_["ann"], round_["device"], round_["chen"]
    bob_plan_stop = {"uuid": str(uuid.uuid4()), "stop": 999999, "outcome": "done", "at": timezone.now().isoformat()}
    records = [
        record(stop, "postponed", ""),
        record(stop, at=timezone.now() + dt.timedelta(hours=1)),
        {**record(stop), "at": "yesterday"},
        record(stop, "not_home", case_kind="address_change"),
        bob_plan_stop,
    ]
    answers = [r.errors for r in sync.sync_results(user=ann, device=device, records=records)]
    assert answers[0] == {"note": "say why the visit is postponed"}
    assert list(answers[1]) == ["at"] and answers[1]["at"].endswith("is in the future")
    assert answers[2] == {"at": "must be a time with its zone (ISO 8601)"}
    assert answers[3] == {"case_kind": "only a visit that was made leads to a registration case"}
    assert answers[4] == {"stop": "there is no stop 999999"}
    other = sync.sync_results(user=staff["bob"], device=sync.device_for(user=staff["bob"], device_uuid=str(uuid.uuid4())),
                              records=[record(stop)])  # fmt: skip
    assert other[0].errors == {"stop": f"stop {stop.pk} is on another clerk's round"}
    assert VisitResult.objects.count() == 0


def test_revoked_device_gets_nothing(round_, staff):
    device = round_["device"]
    with pytest.raises(HomeVisitRefused):
        sync.device_revoke(device_id=device.pk, actor=staff["clerk"])
    sync.device_revoke(device_id=device.pk, actor=staff["bob"])
    with pytest.raises(DeviceRevoked):
        sync.device_for(user=round_["ann"], device_uuid=str(device.uuid))


def test_the_key_is_per_device_and_round_and_never_stored(round_, staff):
    plan, device = round_["plan"], round_["device"]
    key = sync.sheet_key(plan=plan, device=device)
    assert len(key) == 32
    assert sync.sheet_key(plan=plan, device=device) == key
    other = sync.device_for(user=round_["ann"], device_uuid=str(uuid.uuid4()))
    assert sync.sheet_key(plan=plan, device=other) != key
    assert sync.may_download(plan, staff["bob"]) == "this round is planned for another clerk"
    tomorrow = sync.end_of_day(plan.day)
    assert sync.may_download(plan, round_["ann"], now=tomorrow) == "this round's day is over"
    assert sync.may_have_key(plan, round_["ann"], now=tomorrow) == ""


def test_a_visit_opens_a_registration_draft_for_two_person_review(round_, family, staff):
    ann, device = round_["ann"], round_["device"]
    case = record(round_["chen"], "done", "moves to the care home", case_kind="address_change")
    typed_case = record(round_["typed"], "done", case_kind="address_change")
    answers = sync.sync_results(user=ann, device=device, records=[case, typed_case])
    assert [(a.status, a.case) for a in answers] == [("stored", "draft"), ("stored", "waiting")]
    result = VisitResult.objects.get(uuid=case["uuid"])
    event = result.registration_event
    assert (event.kind, event.status, event.created_by_id) == ("address_change", "draft", ann.pk)
    assert event.details == {"household_id": family["household"].pk, "plate_id": round_["chen"].request.plate_id}
    typed = VisitResult.objects.get(uuid=typed_case["uuid"])
    assert typed.case_problem == "the person was typed in, not found in the register: enter the case at the registry"
    with pytest.raises(HomeVisitRefused):
        case_open(result_id=typed.pk, actor=staff["bob"])
    # The draft goes through the registry's review: ann submits, bob (not ann) approves.
    event = event_submit(event_id=event.pk, actor=ann, version=event.version)
    event = event_approve(event_id=event.pk, actor=staff["bob"], version=event.version)
    assert RegistrationEvent.objects.get(pk=event.pk).status == "approved"


def test_a_clerk_who_is_not_a_registrar_leaves_the_draft_to_one(round_, staff):
    result = VisitResult.objects.create(
        uuid=uuid.uuid4(), stop=round_["chen"], device=round_["device"], user=round_["ann"], outcome="done",
        observed_at=timezone.now(), case_kind="address_change", digest="x",
    )  # fmt: skip
    with pytest.raises(HomeVisitRefused) as refused:
        case_open(result_id=result.pk, actor=staff["clerk"])
    assert refused.value.errors == [("user", "carl may not enter registration events")]
    opened = case_open(result_id=result.pk, actor=staff["bob"])
    assert opened.registration_event.created_by_id == staff["bob"].pk


def test_a_result_for_a_stop_removed_meanwhile_is_kept(round_, staff):
    from geo_portal.homevisits.planning import request_cancel

    stop = round_["typed"]
    request = VisitRequest.objects.get(pk=stop.request_id)
    request_cancel(actor=staff["bob"], request_id=request.pk, version=request.version, reason="in hospital")
    stop.refresh_from_db()
    assert stop.outcome == "removed"
    answers = sync.sync_results(user=round_["ann"], device=round_["device"], records=[record(stop, "done")])
    assert [a.status for a in answers] == ["stored"]
    stop.refresh_from_db()
    assert (stop.outcome, VisitRequest.objects.get(pk=request.pk).status) == ("done", "cancelled")
