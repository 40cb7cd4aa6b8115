"""Registration events through their review, and what applying each kind does to households and memberships."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from geo_portal.registry import crypto
from geo_portal.registry.details import (
    AddressChange,
    Birth,
    Death,
    HeadChange,
    Member,
    Merge,
    MoveIn,
    MoveOut,
    NewHousehold,
    Split,
)
from geo_portal.registry.models import Household, HouseholdAddress, Membership, Person, RegistrationEvent
from geo_portal.registry.services.events import event_apply, event_approve, event_create, event_submit
from tests.registry.conftest import person, through_review


def members(household: Household) -> list[tuple[str, str, str, str | None]]:
    """(name, relation, from, to) of every membership of the household, in order of start and name."""
    rows = Membership.objects.filter(household=household).select_related("person")
    return sorted(
        (m.person.name, m.relation, str(m.valid.lower), str(m.valid.upper) if m.valid.upper else None) for m in rows
    )


def addresses(household: Household) -> list[tuple[int, str, str | None]]:
    rows = HouseholdAddress.objects.filter(household=household).order_by("valid")
    return [(a.plate_id, str(a.valid.lower), str(a.valid.upper) if a.valid.upper else None) for a in rows]


def test_move_in_creates_the_household_at_the_plate_with_its_members(family, street, staff):
    household, event = family["household"], family["event"]
    assert (household.kind, household.plate_id, household.head.name, str(household.period.lower)) == (
        "living",
        street["plates"][1].pk,
        "陳大明",
        "2020-03-01",
    )
    assert household.period.upper is None and household.synthetic is False
    assert members(household) == [
        ("林美玲", "spouse", "2020-03-01", None),
        ("陳大明", "head", "2020-03-01", None),
        ("陳小明", "son", "2020-03-01", None),
    ]
    assert addresses(household) == [(street["plates"][1].pk, "2020-03-01", None)]
    people = family["people"]
    assert all(p.synthetic for p in people.values())
    assert crypto.decrypt(bytes(people["陳大明"].national_id_encrypted), people["陳大明"].national_id_key) == "O000000011"
    assert (event.status, event.late, event.household_ids, event.plate_ids) == (
        "applied",
        False,
        [household.pk],
        [street["plates"][1].pk],
    )
    assert sorted(event.person_ids) == sorted(p.pk for p in people.values())
    steps = [(t.from_status, t.to_status, t.actor.username) for t in event.transitions.all()]
    assert steps == [
        ("", "draft", "ann"),
        ("draft", "submitted", "ann"),
        ("submitted", "approved", "bob"),
        ("approved", "applied", "bob"),
    ]
    # No national ID in plain text anywhere in the event's stored details.
    assert "O000000011" not in str(RegistrationEvent.objects.get(pk=event.pk).details)


def test_birth_joins_the_household_from_the_date_of_birth_and_late_declarations_are_flagged(family, staff):
    h = family["household"]
    born = dt.date(2026, 1, 10)
    on_time = through_review(
        "birth",
        Birth(household_id=h.pk, child=person(10, "陳小華", "F", born, "daughter")),
        born,
        by=staff["ann"],
        reviewer=staff["bob"],
        declared_on=born + dt.timedelta(days=60),
    )
    assert on_time.late is False
    assert ("陳小華", "daughter", "2026-01-10", None) in members(h)
    late = event_create(
        actor=staff["ann"],
        kind="birth",
        effective_date=born,
        details=Birth(household_id=h.pk, child=person(11, "陳小美", "F", born, "daughter")),
        declared_on=born + dt.timedelta(days=61),
    )
    assert late.late is True


def test_death_of_a_member_ends_the_membership_after_the_day_of_death(family, staff):
    son = family["people"]["陳小明"]
    through_review("death", Death(person_id=son.pk), dt.date(2025, 8, 3), by=staff["ann"], reviewer=staff["bob"])
    son.refresh_from_db()
    assert son.death_date == dt.date(2025, 8, 3)
    assert ("陳小明", "son", "2020-03-01", "2025-08-04") in members(family["household"])


def test_death_of_the_head_needs_the_new_head_and_relations(family, staff):
    people, h = family["people"], family["household"]
    with pytest.raises(Exception) as exc:
        event_create(
            actor=staff["ann"],
            kind="death",
            effective_date=dt.date(2025, 8, 3),
            details=Death(person_id=people["陳大明"].pk),
        )
    assert str(exc.value) == (
        f"new_head_id: the head of household O0000001 leaves: name the new head among the members who stay "
        f"({people['林美玲'].pk}, {people['陳小明'].pk})"
    )
    details = Death(
        person_id=people["陳大明"].pk, new_head_id=people["林美玲"].pk, relations=(Member(people["陳小明"].pk, "son"),)
    )
    through_review("death", details, dt.date(2025, 8, 3), by=staff["ann"], reviewer=staff["bob"])
    h.refresh_from_db()
    assert h.head_id == people["林美玲"].pk
    assert members(h) == [
        ("林美玲", "head", "2025-08-04", None),
        ("林美玲", "spouse", "2020-03-01", "2025-08-04"),
        ("陳大明", "head", "2020-03-01", "2025-08-04"),
        ("陳小明", "son", "2020-03-01", "2025-08-04"),
        ("陳小明", "son", "2025-08-04", None),
    ]


def test_moving_everyone_out_dissolves_the_household(family, staff):
    people, h = family["people"], family["household"]
    ids = (people["陳小明"].pk, people["林美玲"].pk, people["陳大明"].pk)
    through_review(
        "move_out", MoveOut(household_id=h.pk, person_ids=ids), dt.date(2026, 2, 1), by=staff["ann"], reviewer=staff["bob"]
    )
    h.refresh_from_db()
    assert (str(h.period.lower), str(h.period.upper)) == ("2020-03-01", "2026-02-01")
    assert addresses(h) == [(h.plate_id, "2020-03-01", "2026-02-01")]
    assert not Membership.objects.filter(household=h, valid__upper_inf=True).exists()


def test_address_change_moves_the_household_and_keeps_the_history(family, street, staff):
    h = family["household"]
    new = street["plates"]["5F2"]
    event = through_review(
        "address_change",
        AddressChange(household_id=h.pk, plate_id=new.pk),
        dt.date(2024, 6, 1),
        by=staff["ann"],
        reviewer=staff["bob"],
    )
    h.refresh_from_db()
    assert h.plate_id == new.pk
    assert addresses(h) == [(street["plates"][1].pk, "2020-03-01", "2024-06-01"), (new.pk, "2024-06-01", None)]
    assert event.plate_ids == sorted([street["plates"][1].pk, new.pk])


def test_split_merge_and_head_change(family, street, staff):
    people, h = family["people"], family["household"]
    son = people["陳小明"]
    split = Split(
        household_id=h.pk,
        members=(Member(son.pk, "head"),),
        new_household=NewHousehold(number="O0000002", kind="single", plate_id=street["plates"][3].pk),
    )
    through_review("split", split, dt.date(2025, 1, 1), by=staff["ann"], reviewer=staff["bob"])
    new = Household.objects.get(number="O0000002")
    assert (new.head_id, new.plate_id, new.kind) == (son.pk, street["plates"][3].pk, "single")
    assert members(new) == [("陳小明", "head", "2025-01-01", None)]
    merge = Merge(household_id=new.pk, into_household_id=h.pk, relations=(Member(son.pk, "son"),))
    through_review("merge", merge, dt.date(2025, 6, 1), by=staff["bob"], reviewer=staff["ann"])
    new.refresh_from_db()
    assert str(new.period.upper) == "2025-06-01"
    assert ("陳小明", "son", "2025-06-01", None) in members(h)
    change = HeadChange(
        household_id=h.pk,
        head_id=people["林美玲"].pk,
        relations=(Member(people["陳大明"].pk, "spouse"), Member(son.pk, "son")),
    )
    through_review("head_change", change, dt.date(2025, 7, 1), by=staff["ann"], reviewer=staff["bob"])
    h.refresh_from_db()
    assert h.head_id == people["林美玲"].pk
    open_now = sorted((m.person.name, m.relation) for m in Membership.objects.filter(household=h, valid__upper_inf=True))
    assert open_now == [("林美玲", "head"), ("陳大明", "spouse"), ("陳小明", "son")]


def test_returning_resident_moves_back_in(family, street, staff):
    people, h = family["people"], family["household"]
    son = people["陳小明"]
    through_review(
        "move_out",
        MoveOut(household_id=h.pk, person_ids=(son.pk,)),
        dt.date(2024, 9, 1),
        by=staff["ann"],
        reviewer=staff["bob"],
    )
    back = MoveIn(
        returning=(Member(son.pk, "head"),),
        new_household=NewHousehold(number="O0000003", kind="single", plate_id=street["plates"][2].pk),
    )
    through_review("move_in", back, dt.date(2025, 9, 1), by=staff["ann"], reviewer=staff["bob"])
    assert members(Household.objects.get(number="O0000003")) == [("陳小明", "head", "2025-09-01", None)]


def test_the_database_refuses_two_households_at_once(family, street):
    son = family["people"]["陳小明"]
    other = Household.objects.create(
        number="O0000009", kind="single", head=son, plate=street["plates"][3], period=(dt.date(2021, 1, 1), None)
    )
    with pytest.raises(IntegrityError, match="membership_one_household_at_a_time"), transaction.atomic():
        Membership.objects.create(person=son, household=other, relation="head", valid=(dt.date(2021, 1, 1), None))


def test_the_database_refuses_a_review_by_the_submitter(family, staff):
    event = family["event"]
    with pytest.raises(IntegrityError, match="registrationevent_reviewer_not_submitter"), transaction.atomic():
        RegistrationEvent.objects.filter(pk=event.pk).update(reviewed_by=staff["ann"])


def test_applying_an_event_is_all_or_nothing(family, staff, monkeypatch):
    """A failure in the middle of applying leaves households and memberships as they were."""
    h = family["household"]
    son = family["people"]["陳小明"]
    event = event_create(
        actor=staff["ann"],
        kind="move_out",
        effective_date=dt.date(2026, 2, 1),
        details=MoveOut(household_id=h.pk, person_ids=(son.pk,)),
    )
    event = event_submit(event_id=event.pk, actor=staff["ann"], version=event.version)
    event = event_approve(event_id=event.pk, actor=staff["bob"], version=event.version)
    before = members(h)
    with connection.cursor() as cur:
        # A trigger that fails the transaction after the membership was closed (as a crash would).
        cur.execute(
            "CREATE FUNCTION test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;"
            "CREATE TRIGGER test_boom AFTER UPDATE ON registry_registrationevent FOR EACH ROW "
            "WHEN (NEW.status = 'applied') EXECUTE FUNCTION test_boom();"
        )
    with pytest.raises(Exception, match="boom"):
        event_apply(event_id=event.pk, actor=staff["bob"], version=event.version)
    assert members(h) == before
    assert RegistrationEvent.objects.get(pk=event.pk).status == "approved"
    assert Person.objects.filter(pk=son.pk, version=1).exists()
