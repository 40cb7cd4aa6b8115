"""End to end: a road renamed by a plan — drafted, previewed, approved by a second person, applied — reaches the
register, the public card and change feed, and every subscribed agency as signed webhooks on real receivers on
127.0.0.1, sent by the real job worker (the dispatcher and the deliveries are jobs), with a receipt per message.

Transactional: the change log numbers a transaction as it commits, and the worker reads committed rows only.
"""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from procrastinate.contrib.django import app

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import Components, plate_create
from geo_portal.changes.selectors import channel_state
from geo_portal.notifications.models import Attempt, Message
from geo_portal.registry.models import Household, HouseholdAddress, RegistrationEvent
from geo_portal.renumbering.preview import plan_preview
from geo_portal.renumbering.services import plan_apply, plan_approve, plan_draft_by_rule, plan_submit
from tests.notifications.conftest import _fast_retries  # noqa: F401 (fixture: quick retries, short timeouts)
from tests.renumbering.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)


def run_jobs(run_worker, *, timeout: float = 30.0) -> None:
    """The dispatcher as a job (one pass), then the worker until no webhook message waits."""
    app.configure_task(name="notifications.dispatch", allow_unknown=False).defer(timestamp=0)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run_worker()
        if not Message.objects.filter(status="pending", subscription__mode="webhook").exists():
            return
        time.sleep(0.25)
    raise AssertionError("messages still pending after the timeout")


def test_a_renamed_road_reaches_register_map_feed_and_every_agency(
    world,
    street,
    staff,
    make_agency,
    subscribe,
    run_worker,
    client,
    settings,
):
    settings.NOTIFICATIONS_DISPATCH_SECONDS = 0  # one pass per dispatcher job: the worker run ends
    post, post_rx, _ = subscribe(make_agency("post", "post"), ["plate.renumbered", "road.renamed"])
    tax, tax_rx, _ = subscribe(make_agency("tax", "tax"), ["plate.created", "plate.retired", "plate.renumbered"])
    nhi, nhi_rx, _ = subscribe(make_agency("nhi", private=("registration.renumbering",)), ["registration.renumbering"])
    _land, land_rx, _ = subscribe(make_agency("land", "land"), ["plate.retired"])  # retirements with successors: none

    # Drafted by the rule, previewed (no conflicts; counts only), submitted, approved by another person, applied.
    plan = plan_draft_by_rule(
        actor=staff["clerk"], district=street["district"], kind="rename_road", title="光復路二段 → 建功路二段",
        effective_date=timezone.localdate(), road_id=street["road"].pk, new_road_name="建功路二段",
    )  # fmt: skip
    preview = plan_preview(plan)
    assert (len(preview.rows), preview.errors, preview.affected.households, preview.affected.persons) == (11, [], 2, 5)
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    plan = plan_approve(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"])
    public_before = channel_state().txid
    plan = plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    assert plan.status == "applied"
    items = list(plan.items.select_related("new_plate").order_by("position"))
    moves = {i.old_plate_id: i.new_plate for i in items}
    old = street["plates"]

    # The register: both households at the successors of their plates, by one applied 門牌整編 event.
    chen, wang = world["household"], Household.objects.get(number="O0000040")
    for household, key in ((chen, "5F2"), (wang, "5F3")):
        household.refresh_from_db()
        assert household.plate_id == moves[old[key].pk].pk
        assert HouseholdAddress.objects.get(household=household, valid__upper_inf=True).plate_id == household.plate_id
    event = RegistrationEvent.objects.get(kind="renumbering")
    assert (event.status, event.note, event.household_ids) == (
        "applied",
        f"門牌整編 {plan.number}",
        sorted([chen.pk, wang.pk]),
    )

    # The public card and the change feed show the new addresses; the old plate has no card any more.
    new5 = moves[old[5].pk]
    assert new5.address.endswith("建功路二段5號")
    card = client.get(f"/cards/{new5.pk}")
    assert card.status_code == 200 and "建功路二段" in card.content.decode() and "5" in card.content.decode()
    assert client.get(f"/cards/{old[5].pk}").status_code == 404
    feed = client.get(f"/api/v1/changes?after={public_before}&limit=1000").json()["events"]
    assert {e["data"]["address"] for e in feed if e["entity"] == "plate" and e["operation"] == "insert"} == {
        p.address for p in moves.values()
    }

    # Every subscribed agency: signed messages (each verified with standardwebhooks by its receiver), in order.
    run_jobs(run_worker)
    ordered_old = [i.old_plate_id for i in sorted(items, key=lambda i: i.old_plate_id)]
    got = list(post_rx.received.messages.values())
    assert got[0]["type"] == "road.renamed"
    assert (got[0]["data"]["name"], got[0]["data"]["old_name"]) == ("建功路二段", "光復路二段")
    assert got[0]["data"]["road_id"] == new5.road_id
    renumbered = got[1:]
    assert [m["type"] for m in renumbered] == ["plate.renumbered"] * 11
    assert sorted(m["data"]["plate_id"] for m in renumbered) == ordered_old
    assert {m["data"]["plate_id"]: m["data"]["successors"] for m in renumbered} == {o: [moves[o].pk] for o in ordered_old}
    assert [m["data"]["seq"] for m in got] == sorted(m["data"]["seq"] for m in got)  # order kept per subscriber

    taxed = list(tax_rx.received.messages.values())
    assert sorted(m["type"] for m in taxed) == ["plate.created"] * 11 + ["plate.renumbered"] * 11
    assert {m["data"]["address"] for m in taxed if m["type"] == "plate.created"} == {p.address for p in moves.values()}
    assert [m["data"]["seq"] for m in taxed] == sorted(m["data"]["seq"] for m in taxed)

    [registration] = nhi_rx.received.messages.values()
    assert registration["type"] == "registration.renumbering"
    assert (registration["data"]["event_id"], registration["data"]["household_ids"]) == (event.pk, event.household_ids)
    assert "陳" not in str(registration) and "王" not in str(registration)  # ids only: no name travels
    assert land_rx.received.messages == {}

    # Receipts: every message delivered at its first attempt, HTTP 200, with the agency's acknowledgement.
    for sub, rx, count in ((post, post_rx, 12), (tax, tax_rx, 22), (nhi, nhi_rx, 1)):
        assert rx.received.rejected == 0  # no signature failed verification
        messages = list(Message.objects.filter(subscription=sub).order_by("id"))
        assert [m.status for m in messages] == ["delivered"] * count
        assert [m.msg_id for m in messages] == list(rx.received.messages)
        for m in messages:
            [attempt] = Attempt.objects.filter(message=m)
            assert (attempt.ok, attempt.status_code, attempt.ack_id) == (True, 200, m.ack_id)
            assert m.ack_id.startswith("ack-") and attempt.response_ms > 0
    assert DoorPlate.objects.filter(pk__in=moves, status="retired").count() == 11


def test_a_lane_promoted_to_a_road_is_no_renaming(street, staff, make_agency, subscribe, run_worker, settings):
    """The promoted lane's road is new, and the old road lives on with its other plates: agencies hear of the plates
    renumbered, not of a road renamed."""
    settings.NOTIFICATIONS_DISPATCH_SECONDS = 0
    _sub, post_rx, _ = subscribe(make_agency("post", "post"), ["plate.renumbered", "road.renamed"])
    lane = [
        plate_create(
            district=street["district"], components=Components(number=n, road=street["road"], lane="12"),
            point=at(n), actor="t",
        ).plate
        for n in (1, 3)
    ]  # fmt: skip
    plan = plan_draft_by_rule(
        actor=staff["clerk"], district=street["district"], kind="promote_lane", title="12巷 → 建中路",
        effective_date=timezone.localdate(), road_id=street["road"].pk, lane="12", new_road_name="建中路",
    )  # fmt: skip
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    plan = plan_approve(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"])
    plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    run_jobs(run_worker)
    got = list(post_rx.received.messages.values())
    assert [(m["type"], m["data"]["plate_id"]) for m in got] == [("plate.renumbered", p.pk) for p in lane]
    assert DoorPlate.objects.active().filter(road=street["road"]).count() == 11
