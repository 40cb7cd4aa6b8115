"""Households follow their plates through a renumbering (門牌整編): one registration event, set-based writes.

Called only by ``geo_portal.renumbering`` inside the transaction that retires the plan's old plates and creates the
new ones. Every household registered at an old plate today is moved to that plate's successor from the effective
date: its open address period is closed there and a new one opens at the new plate (or, for a household registered
there on that very day, its period simply names the new plate). Persons' memberships and residence dates do not
change — nobody moved; the address was renamed. The change is one ``renumbering`` registration event, applied at
once (the plan's author submitted it, its approver reviewed it: the two-person rule of the plan), which the
private change-log channel publishes with the ids of the households, persons and plates.

``households_affected`` counts households and persons at a set of plates (an aggregate: no person is read), for
the plan's preview.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from geo_portal.registry.errors import FieldError, RegistryRefused
from geo_portal.registry.models import EventTransition, RegistrationEvent

K = RegistrationEvent.Kind
S = RegistrationEvent.Status

_HOUSEHOLDS_AT = """
SELECT h.id, h.plate_id FROM registry_household h
WHERE h.plate_id = ANY(%s) AND upper_inf(h.period) ORDER BY h.id FOR UPDATE
"""
_MEMBERS_OF = "SELECT DISTINCT person_id FROM registry_membership WHERE household_id = ANY(%s) AND upper_inf(valid)"
# Address periods that started before the renumbering end there; the new plate's period starts on the same day.
_CLOSE = """
UPDATE registry_householdaddress a SET valid = daterange(lower(a.valid), %(on)s)
FROM unnest(%(households)s::bigint[]) AS m(household_id)
WHERE a.household_id = m.household_id AND upper_inf(a.valid) AND lower(a.valid) < %(on)s
RETURNING a.household_id
"""
_OPEN = """
INSERT INTO registry_householdaddress (household_id, plate_id, valid)
SELECT m.household_id, m.plate_id, daterange(%(on)s, NULL)
FROM unnest(%(households)s::bigint[], %(plates)s::bigint[]) AS m(household_id, plate_id)
WHERE m.household_id = ANY(%(closed)s::bigint[])
"""
# A household registered at the old plate on the effective date itself: its open period names the new plate.
_RENAME_SAME_DAY = """
UPDATE registry_householdaddress a SET plate_id = m.plate_id
FROM unnest(%(households)s::bigint[], %(plates)s::bigint[]) AS m(household_id, plate_id)
WHERE a.household_id = m.household_id AND upper_inf(a.valid) AND lower(a.valid) >= %(on)s
"""
_MOVE = """
UPDATE registry_household h SET plate_id = m.plate_id, version = h.version + 1
FROM unnest(%(households)s::bigint[], %(plates)s::bigint[]) AS m(household_id, plate_id)
WHERE h.id = m.household_id
"""
_COUNTS = """
SELECT count(DISTINCT h.id), count(DISTINCT m.person_id) FROM registry_household h
LEFT JOIN registry_membership m ON m.household_id = h.id AND m.valid @> %(on)s::date
WHERE h.plate_id = ANY(%(plates)s) AND h.period @> %(on)s::date
"""
_PER_PLATE = """
SELECT h.plate_id, count(DISTINCT h.id), count(DISTINCT m.person_id) FROM registry_household h
LEFT JOIN registry_membership m ON m.household_id = h.id AND m.valid @> %(on)s::date
WHERE h.plate_id = ANY(%(plates)s) AND h.period @> %(on)s::date GROUP BY h.plate_id
"""


@dataclass(frozen=True)
class Affected:
    households: int
    persons: int


def households_affected(*, plate_ids: Sequence[int], on: dt.date) -> Affected:
    """How many households are registered at these plates on ``on`` and how many persons are in them (counts only)."""
    with connection.cursor() as cur:
        cur.execute(_COUNTS, {"plates": list(plate_ids), "on": on})
        households, persons = cur.fetchone()
    return Affected(households, persons)


def households_affected_per_plate(*, plate_ids: Sequence[int], on: dt.date) -> dict[int, Affected]:
    """The same counts per plate (plates without a household are left out)."""
    with connection.cursor() as cur:
        cur.execute(_PER_PLATE, {"plates": list(plate_ids), "on": on})
        return {plate: Affected(h, p) for plate, h, p in cur.fetchall()}


def households_follow_renumbering(
    *,
    moves: Mapping[int, int],
    effective_date: dt.date,
    plan_number: str,
    submitted_by: AbstractBaseUser,
    reviewed_by: AbstractBaseUser,
    applied_by: AbstractBaseUser,
) -> RegistrationEvent | None:
    """Move every household registered at an old plate (a key of ``moves``) to its new plate; one applied
    ``renumbering`` event records it (None when no household is registered at any old plate).

    Must run inside the caller's transaction (the plan's apply), after the new plates exist.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("households_follow_renumbering runs inside the renumbering plan's transaction")
    if submitted_by.pk == reviewed_by.pk:
        raise RegistryRefused(
            FieldError("reviewed_by", "the plan's approver must be another person than the one who submitted it")
        )
    with connection.cursor() as cur:
        cur.execute(_HOUSEHOLDS_AT, [list(moves)])
        households = cur.fetchall()
        if not households:
            return None
        ids = [h for h, _plate in households]
        targets = [moves[plate] for _h, plate in households]
        params = {"households": ids, "plates": targets, "on": effective_date}
        cur.execute(_RENAME_SAME_DAY, params)
        cur.execute(_CLOSE, params)
        closed = [h for (h,) in cur.fetchall()]
        cur.execute(_OPEN, {**params, "closed": closed})
        cur.execute(_MOVE, params)
        cur.execute(_MEMBERS_OF, [ids])
        persons = sorted(p for (p,) in cur.fetchall())
    today = timezone.localdate()
    now = timezone.now()
    plates = sorted({*moves, *moves.values()})
    event = RegistrationEvent.objects.create(
        kind=K.RENUMBERING,
        status=S.APPROVED,
        effective_date=effective_date,
        declared_on=max(today, effective_date),
        details={"plan": plan_number, "moves": [[old, moves[old]] for old in sorted(moves)]},
        person_ids=persons,
        household_ids=sorted(ids),
        plate_ids=plates,
        note=f"門牌整編 {plan_number}",
        created_by=submitted_by,
        submitted_by=submitted_by,
        submitted_at=now,
        reviewed_by=reviewed_by,
        reviewed_at=now,
    )
    # Approved → applied as an update: the private channel's capture publishes applied events on update only.
    RegistrationEvent.objects.filter(pk=event.pk).update(
        status=S.APPLIED, applied_by=applied_by, applied_at=now, version=event.version + 1
    )
    EventTransition.objects.bulk_create(
        [
            EventTransition(event=event, from_status="", to_status=S.APPROVED, actor=reviewed_by, note=plan_number),
            EventTransition(event=event, from_status=S.APPROVED, to_status=S.APPLIED, actor=applied_by, note=plan_number),
        ]
    )
    event.refresh_from_db()
    return event
