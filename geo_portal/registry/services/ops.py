"""The writes a registration event makes, planned first (``planners``) and executed here in one transaction.

A ``Plan`` is an ordered list of small operations on households, persons and memberships; a ``Ref`` points at a
row that exists or at one the plan creates (a newborn, a new household). ``execute`` runs them in an order that
the exclusion constraints accept (new persons, new households, closed memberships, then opened ones) and
returns the ids the event touched. Called only by ``events.event_apply`` inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import F

from geo_portal.registry.identity import StoredId, is_synthetic
from geo_portal.registry.models import Household, HouseholdAddress, Membership, Person


@dataclass(frozen=True)
class Ref:
    """An existing row (``id``) or one the plan creates (``key``)."""

    id: int | None = None
    key: str | None = None

    @classmethod
    def existing(cls, pk: int) -> Ref:
        return cls(id=pk)


@dataclass(frozen=True)
class CreatePerson:
    key: str
    person: object  # details.NewPerson
    secret: StoredId


@dataclass(frozen=True)
class SetDeath:
    person_id: int
    on: dt.date


@dataclass(frozen=True)
class CreateHousehold:
    key: str
    household: object  # details.NewHousehold
    head: Ref
    start: dt.date


@dataclass(frozen=True)
class CloseMembership:
    membership_id: int
    end: dt.date


@dataclass(frozen=True)
class OpenMembership:
    person: Ref
    household: Ref
    relation: str
    start: dt.date


@dataclass(frozen=True)
class DissolveHousehold:
    household_id: int
    end: dt.date


@dataclass(frozen=True)
class MoveHousehold:
    household_id: int
    plate_id: int
    on: dt.date


@dataclass(frozen=True)
class SetHead:
    household_id: int
    head: Ref


# Execution order (stable within a phase): rows that others refer to first; memberships closed before any opens,
# so a person's old and new periods never overlap even for a moment; heads set after their memberships exist.
PHASES = (CreatePerson, SetDeath, CreateHousehold, CloseMembership, MoveHousehold, OpenMembership, SetHead,
          DissolveHousehold)  # fmt: skip


@dataclass
class Plan:
    writes: list = field(default_factory=list)
    person_ids: set[int] = field(default_factory=set)
    household_ids: set[int] = field(default_factory=set)
    plate_ids: set[int] = field(default_factory=set)
    created: dict[str, int] = field(default_factory=dict)  # filled by ``execute``: key → id of each created row

    def add(self, step) -> Ref:
        self.writes.append(step)
        return Ref(key=step.key) if isinstance(step, CreatePerson | CreateHousehold) else Ref()

    def touch(self, *, persons=(), households=(), plates=()) -> None:
        self.person_ids.update(p for p in persons if p is not None)
        self.household_ids.update(h for h in households if h is not None)
        self.plate_ids.update(p for p in plates if p is not None)


def _range_end(table: str, column_filter: str, value: int, end: dt.date) -> None:
    """Close an open period at ``end`` (the tables and columns are code constants)."""
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET valid = daterange(lower(valid), %s) WHERE {column_filter} = %s AND upper_inf(valid)",
            [end, value],
        )


def execute(plan: Plan) -> Plan:
    """Run the plan's steps; fills in the ids of created rows in the plan's touched sets and ``created``."""
    created = plan.created

    def resolve(ref: Ref) -> int:
        return ref.id if ref.id is not None else created[ref.key]

    for phase in PHASES:
        for step in (s for s in plan.writes if isinstance(s, phase)):
            if isinstance(step, CreatePerson):
                p, secret = step.person, step.secret
                row = Person.objects.create(
                    national_id_encrypted=secret.encrypted,
                    national_id_key=secret.key,
                    national_id_hash=secret.hash,
                    national_id_hash_key=secret.hash_key,
                    name=p.name.strip(),
                    sex=p.sex,
                    birth_date=p.birth_date,
                    synthetic=is_synthetic(p.national_id),
                )
                created[step.key] = row.pk
                plan.person_ids.add(row.pk)
            elif isinstance(step, SetDeath):
                Person.objects.filter(pk=step.person_id).update(death_date=step.on, version=F("version") + 1)
            elif isinstance(step, CreateHousehold):
                h = step.household
                row = Household.objects.create(
                    number=h.number,
                    kind=h.kind,
                    head_id=resolve(step.head),
                    plate_id=h.plate_id,
                    period=DateRange(step.start, None),
                )
                HouseholdAddress.objects.create(household=row, plate_id=h.plate_id, valid=DateRange(step.start, None))
                created[step.key] = row.pk
                plan.household_ids.add(row.pk)
            elif isinstance(step, CloseMembership):
                _range_end("registry_membership", "id", step.membership_id, step.end)
            elif isinstance(step, MoveHousehold):
                _range_end("registry_householdaddress", "household_id", step.household_id, step.on)
                HouseholdAddress.objects.create(
                    household_id=step.household_id, plate_id=step.plate_id, valid=DateRange(step.on, None)
                )
                Household.objects.filter(pk=step.household_id).update(plate_id=step.plate_id, version=F("version") + 1)
            elif isinstance(step, OpenMembership):
                person_id = resolve(step.person)
                Membership.objects.create(
                    person_id=person_id,
                    household_id=resolve(step.household),
                    relation=step.relation,
                    valid=DateRange(step.start, None),
                )
                plan.person_ids.add(person_id)
            elif isinstance(step, SetHead):
                Household.objects.filter(pk=step.household_id).update(head_id=resolve(step.head), version=F("version") + 1)
            elif isinstance(step, DissolveHousehold):
                with connection.cursor() as cur:
                    cur.execute(
                        "UPDATE registry_household SET period = daterange(lower(period), %s), version = version + 1 "
                        "WHERE id = %s",
                        [step.end, step.household_id],
                    )
                _range_end("registry_householdaddress", "household_id", step.household_id, step.end)
    return plan
