"""Applying many approved events at once: in order, with the single apply's rules and messages, all or nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from geo_portal.registry import identity
from geo_portal.registry.details import Birth, MoveIn, NewHousehold
from geo_portal.registry.errors import AccessDenied, FieldError, RegistryRefused
from geo_portal.registry.models import EventTransition, Household, Membership, Person, RegistrationEvent
from geo_portal.registry.national_id import synthetic
from geo_portal.registry.services.batch import BatchRefused, events_apply_batch
from geo_portal.registry.services.events import event_apply, event_approve, event_create, event_submit
from tests.registry.conftest import person

DAY = dt.date(2026, 3, 2)


def approved(staff, plate, *, serial: int, number: str, name: str = "鍾翠蘭") -> RegistrationEvent:
    details = MoveIn(
        newcomers=(person(serial, name, "F", dt.date(1975, 4, 4)),),
        new_household=NewHousehold(number=number, kind="single", plate_id=plate.pk),
    )
    event = event_create(actor=staff["ann"], kind="move_in", effective_date=DAY, details=details, declared_on=DAY)
    event = event_submit(event_id=event.pk, actor=staff["ann"], version=event.version)
    return event_approve(event_id=event.pk, actor=staff["bob"], version=event.version)


def test_a_batch_applies_every_event_in_order(street, staff):
    plates = street["plates"]
    events = [approved(staff, plates[k], serial=500 + i, number=f"O95000{i:02d}") for i, k in enumerate([1, 3, "5F2"])]
    result = events_apply_batch(events=[(e.pk, e.version) for e in events], actor=staff["bob"])
    assert result.applied == [e.pk for e in events]
    assert (
        list(RegistrationEvent.objects.order_by("pk").values_list("status", "version", "applied_by__username"))
        == [("applied", 4, "bob")] * 3
    )
    assert list(Household.objects.order_by("number").values_list("number", "plate_id")) == [
        ("O9500000", plates[1].pk),
        ("O9500001", plates[3].pk),
        ("O9500002", plates["5F2"].pk),
    ]
    assert Membership.objects.filter(valid__upper_inf=True).count() == 3
    assert list(EventTransition.objects.filter(to_status="applied").order_by("id").values_list("event_id", flat=True)) == [
        e.pk for e in events
    ]


def test_a_refused_event_refuses_the_batch_with_the_single_apply_message(street, staff):
    plates = street["plates"]
    first = approved(staff, plates[1], serial=600, number="O9600000")
    same_id = approved(staff, plates[3], serial=600, number="O9600001")  # the same new national ID as the first
    same_number = approved(staff, plates[5], serial=601, number="O9600000")  # the first one's household number
    fine = approved(staff, plates[2], serial=602, number="O9600003")
    batch = [(e.pk, e.version) for e in (first, same_id, same_number, fine)]
    with pytest.raises(BatchRefused) as refused:
        events_apply_batch(events=batch, actor=staff["bob"])
    fields = [e.field for e in refused.value.errors]
    assert fields == [
        f"events[1] (#{same_id.pk}).newcomers[0].national_id",
        f"events[2] (#{same_number.pk}).new_household.number",
    ]
    reasons = [e.reason for e in refused.value.errors]
    assert re.fullmatch(r"belongs to person \d+, already in the register", reasons[0])  # the first's, rolled back
    assert reasons[1] == "household number O9600000 is taken"
    # Nothing applied: the events are still approved at their versions, the register is empty.
    assert list(RegistrationEvent.objects.order_by("pk").values_list("status", "version")) == [("approved", 3)] * 4
    assert (Person.objects.count(), Household.objects.count()) == (0, 0)
    # The same messages as applying one after the other.
    event_apply(event_id=first.pk, actor=staff["bob"], version=first.version)
    with pytest.raises(RegistryRefused) as single:
        event_apply(event_id=same_id.pk, actor=staff["bob"], version=same_id.version)
    assert [str(e) for e in single.value.errors] == [
        f"newcomers[0].national_id: belongs to person {Person.objects.get().pk}, already in the register"
    ]


def test_status_version_duplicates_and_rights_are_checked_for_the_whole_batch_first(street, staff):
    plates = street["plates"]
    a = approved(staff, plates[1], serial=700, number="O9700000")
    b = approved(staff, plates[3], serial=701, number="O9700001")
    draft = event_create(
        actor=staff["ann"],
        kind="move_in",
        effective_date=DAY,
        details=MoveIn(
            newcomers=(person(702, "鍾志豪", "M", dt.date(2003, 8, 8)),),
            new_household=NewHousehold(number="O9700002", kind="single", plate_id=plates[5].pk),
        ),
        declared_on=DAY,
    )
    with pytest.raises(BatchRefused) as refused:
        events_apply_batch(events=[(a.pk, a.version), (b.pk, 1), (draft.pk, 1), (999_999, 1)], actor=staff["bob"])
    approved_at = timezone.localtime(EventTransition.objects.get(event=b, to_status="approved").at)
    assert str(refused.value.errors[0]) == (
        f"events[1] (#{b.pk}).version: event #{b.pk} was changed by bob at {approved_at:%Y-%m-%d %H:%M} "
        "(version 3, you saw 1); reload it"
    )
    assert [str(e) for e in refused.value.errors][1:] == [
        f"events[2] (#{draft.pk}).status: event #{draft.pk} is draft: only an approved event can be applied",
        "events[3] (#999999).event_id: there is no registration event 999999",
    ]
    with pytest.raises(BatchRefused) as twice:
        events_apply_batch(events=[(a.pk, a.version), (a.pk, a.version)], actor=staff["bob"])
    assert [str(e) for e in twice.value.errors] == [f"events[1]: event #{a.pk} is already events[0]"]
    with pytest.raises(RegistryRefused) as empty:
        events_apply_batch(events=[], actor=staff["bob"])
    assert empty.value.errors == [FieldError("events", "name at least one event to apply")]
    with pytest.raises(AccessDenied) as denied:
        events_apply_batch(events=[(a.pk, a.version)], actor=staff["clerk"])
    assert str(denied.value) == "carl may not apply registration events."
    assert RegistrationEvent.objects.filter(status="applied").count() == 0


def test_new_households_and_changes_to_existing_ones_mix_in_one_batch(family, street, staff):
    """Move-ins into new households (written together by COPY) beside a birth into an existing household and a
    head change there (written at their turn): all applied, each event's rows and ids as applying one by one."""
    plates, h = street["plates"], family["household"]
    people = family["people"]
    first = approved(staff, plates[3], serial=800, number="O9800000", name="鍾翠蘭")
    born = DAY
    birth = event_create(
        actor=staff["ann"],
        kind="birth",
        effective_date=born,
        details=Birth(household_id=h.pk, child=person(801, "陳小華", "F", born, "daughter")),
        declared_on=DAY,
    )
    birth = event_submit(event_id=birth.pk, actor=staff["ann"], version=birth.version)
    birth = event_approve(event_id=birth.pk, actor=staff["bob"], version=birth.version)
    second = approved(staff, plates[5], serial=802, number="O9800002", name="鍾志豪")
    result = events_apply_batch(events=[(e.pk, e.version) for e in (first, birth, second)], actor=staff["bob"])
    assert result.applied == [first.pk, birth.pk, second.pk]
    newcomers = {p.name: p for p in Person.objects.filter(name__in=["鍾翠蘭", "陳小華", "鍾志豪"])}
    assert sorted(newcomers) == ["鍾志豪", "鍾翠蘭", "陳小華"]
    rows = {
        e.pk: (e.person_ids, e.household_ids, e.plate_ids) for e in RegistrationEvent.objects.filter(pk__in=result.applied)
    }
    h1 = Household.objects.get(number="O9800000")
    h2 = Household.objects.get(number="O9800002")
    assert rows[first.pk] == ([newcomers["鍾翠蘭"].pk], [h1.pk], [plates[3].pk])
    assert rows[second.pk] == ([newcomers["鍾志豪"].pk], [h2.pk], [plates[5].pk])
    assert rows[birth.pk] == ([newcomers["陳小華"].pk], [h.pk], [plates[1].pk])
    assert (h1.head_id, h1.kind, h1.period.lower, h1.period.upper) == (newcomers["鍾翠蘭"].pk, "single", DAY, None)
    assert list(h1.addresses.values_list("plate_id", "valid")) == [(plates[3].pk, h1.period)]
    assert list(
        Membership.objects.filter(household__in=[h1, h2])
        .order_by("household__number")
        .values_list("person__name", "relation")
    ) == [("鍾翠蘭", "head"), ("鍾志豪", "head")]
    assert sorted(
        Membership.objects.filter(household=h, valid__upper_inf=True).values_list("person__name", flat=True)
    ) == sorted([*people, "陳小華"])
    assert newcomers["鍾翠蘭"].synthetic is True
    # The stored national ID is found again by its keyed hash.
    assert identity.find_person_id(synthetic(802)) == newcomers["鍾志豪"].pk


def test_a_batch_national_id_of_an_earlier_event_is_refused_with_its_new_person(street, staff):
    plates = street["plates"]
    first = approved(staff, plates[1], serial=900, number="O9900000")
    again = approved(staff, plates[3], serial=900, number="O9900001")
    with pytest.raises(BatchRefused) as refused:
        events_apply_batch(events=[(first.pk, first.version), (again.pk, again.version)], actor=staff["bob"])
    [error] = refused.value.errors
    assert error.field == f"events[1] (#{again.pk}).newcomers[0].national_id"
    assert re.fullmatch(r"belongs to person \d+, already in the register", error.reason)
    assert Person.objects.count() == 0
