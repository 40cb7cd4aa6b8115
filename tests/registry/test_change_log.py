"""Applied registration events go to the change log's private ``registry`` channel, never to the public feed.

Transactional: the change log numbers a transaction when it commits, so these tests commit for real.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from geo_portal.changes.selectors import channel_state, events_after
from geo_portal.registry import identity
from geo_portal.registry.details import Birth, MoveIn, NewHousehold
from geo_portal.registry.models import Person
from geo_portal.registry.national_id import synthetic
from geo_portal.registry.services.batch import events_apply_batch
from geo_portal.registry.services.events import event_approve, event_create, event_submit
from tests.registry.conftest import person, through_review

pytestmark = pytest.mark.django_db(transaction=True)


def registry_events() -> list:
    return events_after(after_seq=0, limit=1000, channel="registry")


def test_an_applied_event_is_one_private_event_with_ids_only(family):
    event = family["event"]
    [logged] = registry_events()
    assert (logged.txid, logged.seq, logged.entity, logged.entity_id, logged.operation) == (
        1,
        1,
        "registration",
        event.pk,
        "update",
    )
    assert logged.cause == f"registration_event:{event.pk}"
    data = json.loads(logged.data)
    assert data == {
        "id": event.pk,
        "kind": "move_in",
        "effective_date": "2020-03-01",
        "late": False,
        "persons": sorted(event.person_ids),
        "households": event.household_ids,
        "plates": event.plate_ids,
        "applied_at": data["applied_at"],
    }
    assert logged.geometry is None


def test_steps_before_applying_publish_nothing_and_the_public_channel_does_not_move(family, staff):
    h = family["household"]
    public = channel_state()
    born = dt.date(2026, 1, 10)
    details = Birth(household_id=h.pk, child=person(10, "陳小華", "F", born, "daughter"))
    event = event_create(actor=staff["ann"], kind="birth", effective_date=born, details=details)
    event = event_submit(event_id=event.pk, actor=staff["ann"], version=event.version)
    event_approve(event_id=event.pk, actor=staff["bob"], version=event.version)
    assert len(registry_events()) == 1  # the family's move-in only
    through_review(
        "birth",
        Birth(household_id=h.pk, child=person(11, "陳小美", "F", born, "daughter")),
        born,
        by=staff["ann"],
        reviewer=staff["bob"],
    )
    assert [(e.txid, e.seq) for e in registry_events()] == [(1, 1), (2, 2)]
    assert channel_state() == public  # the public feed's numbers did not move
    assert channel_state("registry").txid == 2


def test_the_public_feed_and_its_api_never_show_registrations(client, family, staff):
    born = dt.date(2026, 1, 10)
    through_review(
        "birth",
        Birth(household_id=family["household"].pk, child=person(10, "陳小華", "F", born, "daughter")),
        born,
        by=staff["ann"],
        reviewer=staff["bob"],
    )
    page = client.get("/api/v1/changes?after=0&limit=10000")
    body = page.content.decode()
    events = json.loads(body)["events"]
    assert events, "the street's plates are on the public feed"
    assert {e["entity"] for e in events} <= {"plate", "building", "village", "district", "road"}
    assert [e["txid"] for e in events] == sorted(e["txid"] for e in events)
    assert sorted({e["txid"] for e in events}) == list(range(1, client.get("/api/v1/changes/latest").json()["txid"] + 1))
    names = list(Person.objects.values_list("name", flat=True))
    for secret in [*names, *(synthetic(n) for n in (1, 2, 3, 10)), "registration", "陳"]:
        assert secret not in body
    snapshot = client.get("/api/v1/changes/snapshot/registration.geojson")
    assert snapshot.status_code == 400


def test_a_batch_writes_one_private_event_per_applied_event_in_the_batch_order(street, staff):
    day = dt.date(2026, 3, 2)
    events = []
    for i, key in enumerate([1, 3]):
        details = MoveIn(
            newcomers=(person(950 + i, "鍾翠蘭", "F", dt.date(1975, 4, 4)),),
            new_household=NewHousehold(number=f"O95500{i:02d}", kind="single", plate_id=street["plates"][key].pk),
        )
        e = event_create(actor=staff["ann"], kind="move_in", effective_date=day, details=details, declared_on=day)
        e = event_submit(event_id=e.pk, actor=staff["ann"], version=e.version)
        events.append(event_approve(event_id=e.pk, actor=staff["bob"], version=e.version))
    events_apply_batch(events=[(e.pk, e.version) for e in reversed(events)], actor=staff["bob"])
    logged = registry_events()
    assert [(x.txid, x.seq, x.entity_id, x.cause) for x in logged] == [
        (1, 1, events[1].pk, "registration_event"),
        (1, 2, events[0].pk, "registration_event"),
    ]
    persons = [json.loads(x.data)["persons"] for x in logged]
    assert persons == [[identity.find_person_id(synthetic(951))], [identity.find_person_id(synthetic(950))]]
