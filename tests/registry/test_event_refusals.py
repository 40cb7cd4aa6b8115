"""Bad registration events: each refusal names the field and the reason, and nothing is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from geo_portal.addresses.plates import plate_retire
from geo_portal.registry.details import AddressChange, Birth, Death, Member, MoveIn, MoveOut, NewHousehold
from geo_portal.registry.errors import AccessDenied, RegistryRefused, StaleEvent
from geo_portal.registry.models import EventTransition, Household, Membership, Person, RegistrationEvent
from geo_portal.registry.services.events import (
    event_apply,
    event_approve,
    event_create,
    event_reject,
    event_submit,
)
from tests.registry.conftest import person


def refused(**kwargs) -> str:
    before = (RegistrationEvent.objects.count(), Person.objects.count(), Membership.objects.count())
    with pytest.raises(RegistryRefused) as exc:
        event_create(**kwargs)
    assert (RegistrationEvent.objects.count(), Person.objects.count(), Membership.objects.count()) == before
    return str(exc.value)


def test_a_move_to_a_retired_plate(street, staff):
    plate = street["plates"][3]
    plate_retire(plate_id=plate.pk, version=plate.version, retired_on=dt.date(2026, 1, 5), reason="demolished", actor="t")
    details = MoveIn(
        newcomers=(person(20, "王小二", "M", dt.date(1990, 1, 1)),),
        new_household=NewHousehold(number="O0000020", kind="single", plate_id=plate.pk),
    )
    assert refused(actor=staff["ann"], kind="move_in", effective_date=dt.date(2026, 2, 1), details=details) == (
        "new_household.plate_id: 新竹市東區光復路二段3號 is retired (since 2026-01-05); register at an active door plate"
    )


def test_dates_in_the_future_or_before_birth(family, staff):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    son = family["people"]["陳小明"]
    message = refused(
        actor=staff["ann"], kind="death", effective_date=tomorrow, details=Death(person_id=son.pk), declared_on=tomorrow
    )
    assert message == (
        f"effective_date: is in the future ({tomorrow}; today is {timezone.localdate()}); "
        f"declared_on: is in the future ({tomorrow}; today is {timezone.localdate()})"
    )
    assert refused(
        actor=staff["ann"], kind="death", effective_date=dt.date(2009, 5, 1), details=Death(person_id=son.pk)
    ) == (
        f"effective_date: is before the birth of person {son.pk} (2010-01-20); "
        f"effective_date: is before household O0000001 was established (2020-03-01)"
    )
    newcomer = MoveIn(
        newcomers=(person(21, "王小三", "M", dt.date(2025, 5, 1), "son"),), household_id=family["household"].pk
    )
    assert refused(actor=staff["ann"], kind="move_in", effective_date=dt.date(2025, 4, 1), details=newcomer) == (
        "newcomers[0].birth_date: is after the effective date"
    )


def test_a_person_already_registered_elsewhere(family, street, staff):
    son = family["people"]["陳小明"]
    details = MoveIn(
        returning=(Member(son.pk, "head"),),
        new_household=NewHousehold(number="O0000021", kind="single", plate_id=street["plates"][3].pk),
    )
    assert refused(actor=staff["ann"], kind="move_in", effective_date=dt.date(2026, 1, 1), details=details) == (
        f"returning[0].person_id: person {son.pk} is already registered in household O0000001 (since 2020-03-01); "
        f"register the move-out there first, or use an address change"
    )
    again = MoveIn(
        newcomers=(person(3, "陳小明", "M", dt.date(2010, 1, 20), "head"),),
        new_household=NewHousehold(number="O0000021", kind="single", plate_id=street["plates"][3].pk),
    )
    assert refused(actor=staff["ann"], kind="move_in", effective_date=dt.date(2026, 1, 1), details=again) == (
        f"newcomers[0].national_id: belongs to person {son.pk}, already in the register"
    )


def test_bad_ids_names_and_relations_are_all_named_at_once(family, staff):
    h = family["household"]
    child = replace(person(30, "", "X", dt.date(2026, 1, 2), "head"), national_id="O000000301")
    bad = Birth(household_id=h.pk, child=child)
    assert refused(actor=staff["ann"], kind="birth", effective_date=dt.date(2026, 1, 2), details=bad) == (
        "child.relation: only the head's own entry is 'head'; give the relation to the head; child.name: is required; "
        "child.sex: must be M or F; child.national_id: check digit is wrong (it should be 6)"
    )


def test_unknown_households_persons_and_kinds(staff, street):
    assert refused(actor=staff["ann"], kind="death", effective_date=dt.date(2026, 1, 2), details=Death(person_id=999)) == (
        "person_id: there is no person 999"
    )
    assert refused(
        actor=staff["ann"], kind="renumbering", effective_date=dt.date(2026, 1, 2), details=Death(person_id=1)
    ) == ("kind: renumbering events come only from an applied renumbering plan")
    assert refused(actor=staff["ann"], kind="birth", effective_date=dt.date(2026, 1, 2), details=Death(person_id=1)) == (
        "details: do not match the kind birth"
    )
    details = MoveIn(
        newcomers=(person(22, "王小四", "M", dt.date(1990, 1, 1), "spouse"),),
        new_household=NewHousehold(number="X12", kind="single", plate_id=street["plates"][3].pk),
    )
    assert refused(actor=staff["ann"], kind="move_in", effective_date=dt.date(2026, 1, 2), details=details) == (
        "newcomers: a new household needs exactly one member whose relation is 'head' (0 given); "
        "new_household.number: must be 8 characters: a letter code and a number code (e.g. O1234567)"
    )


def submitted(family, staff) -> RegistrationEvent:
    son = family["people"]["陳小明"]
    event = event_create(
        actor=staff["ann"],
        kind="move_out",
        effective_date=dt.date(2026, 2, 1),
        details=MoveOut(household_id=family["household"].pk, person_ids=(son.pk,)),
    )
    return event_submit(event_id=event.pk, actor=staff["ann"], version=event.version)


def test_nobody_approves_or_rejects_their_own_case(family, staff):
    event = submitted(family, staff)
    with pytest.raises(RegistryRefused) as exc:
        event_approve(event_id=event.pk, actor=staff["ann"], version=event.version)
    assert str(exc.value) == f"reviewed_by: ann submitted event #{event.pk}: another registrar must approve it"
    with pytest.raises(RegistryRefused) as exc:
        event_reject(event_id=event.pk, actor=staff["ann"], version=event.version, note="no")
    assert str(exc.value) == f"reviewed_by: ann submitted event #{event.pk}: another registrar must reject it"
    staff["ann"].is_superuser = True  # a superuser passes every has_perm; the service still refuses
    staff["ann"].save()
    with pytest.raises(RegistryRefused, match="another registrar must approve it"):
        event_approve(event_id=event.pk, actor=staff["ann"], version=event.version)
    assert RegistrationEvent.objects.get(pk=event.pk).status == "submitted"


def test_rejection_needs_a_reason_and_ends_the_case(family, staff):
    event = submitted(family, staff)
    with pytest.raises(RegistryRefused, match=r"^note: give the reason for the rejection$"):
        event_reject(event_id=event.pk, actor=staff["bob"], version=event.version, note="  ")
    event = event_reject(event_id=event.pk, actor=staff["bob"], version=event.version, note="signature missing")
    assert (event.status, event.review_note, event.reviewed_by.username) == ("rejected", "signature missing", "bob")
    with pytest.raises(RegistryRefused) as exc:
        event_apply(event_id=event.pk, actor=staff["bob"], version=event.version)
    assert str(exc.value) == f"status: event #{event.pk} is rejected: only an approved event can be applied"


def test_a_stale_version_names_who_changed_the_event(family, staff):
    event = submitted(family, staff)
    event_approve(event_id=event.pk, actor=staff["bob"], version=event.version)
    with pytest.raises(StaleEvent) as exc:
        event_apply(event_id=event.pk, actor=staff["bob"], version=event.version)
    last = EventTransition.objects.filter(event=event).last()
    when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
    assert str(exc.value) == f"version: event #{event.pk} was changed by bob at {when} (version 3, you saw 2); reload it"


def test_roles_decide_who_enters_and_reviews(family, staff):
    with pytest.raises(AccessDenied, match=r"^carl may not enter registration events.$"):
        event_create(
            actor=staff["clerk"],
            kind="death",
            effective_date=dt.date(2026, 1, 2),
            details=Death(person_id=family["people"]["陳小明"].pk),
        )
    event = submitted(family, staff)
    with pytest.raises(AccessDenied, match=r"^carl may not review registration events.$"):
        event_approve(event_id=event.pk, actor=staff["clerk"], version=event.version)


def test_an_event_that_became_invalid_before_it_was_applied_changes_nothing(family, street, staff):
    h = family["household"]
    target = street["plates"][5]
    event = event_create(
        actor=staff["ann"],
        kind="address_change",
        effective_date=dt.date(2026, 3, 1),
        details=AddressChange(household_id=h.pk, plate_id=target.pk),
    )
    event = event_submit(event_id=event.pk, actor=staff["ann"], version=event.version)
    event = event_approve(event_id=event.pk, actor=staff["bob"], version=event.version)
    plate_retire(plate_id=target.pk, version=target.version, retired_on=dt.date(2026, 3, 2), reason="renumbered", actor="t")
    with pytest.raises(RegistryRefused) as exc:
        event_apply(event_id=event.pk, actor=staff["bob"], version=event.version)
    assert (
        str(exc.value) == "plate_id: 新竹市東區光復路二段5號 is retired (since 2026-03-02); register at an active door plate"
    )
    h.refresh_from_db()
    assert h.plate_id == street["plates"][1].pk
    assert RegistrationEvent.objects.get(pk=event.pk).status == "approved"
    assert Household.objects.get(pk=h.pk).addresses.count() == 1
