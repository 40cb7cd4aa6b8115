"""Reads of the household register. Every one takes an ``access.Access`` and logs what it returned.

Each selector is one transaction: it checks the access (registry read permission, a purpose), reads, and writes one
access-log row per person returned, naming the fields it returned — so a read and its log row commit together or
not at all. They return frozen dataclasses; national IDs are decrypted only where asked for (and then logged as
read). Called by the registry's staff pages and endpoints, the tests and the bench.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Village, VillagePopulation
from geo_portal.registry import crypto, identity, national_id, sql
from geo_portal.registry.access import (
    ADDRESS,
    COUNT,
    HOUSEHOLD,
    NATIONAL_ID,
    PERIOD,
    PERSON_FIELDS,
    RELATION,
    Access,
    checked,
    log_params,
    log_reads,
)
from geo_portal.registry.errors import FieldError, RegistryRefused
from geo_portal.registry.models import Household, Person, Relation

MAX_NAME_MATCHES = 200


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    sex: str
    birth_date: dt.date
    death_date: dt.date | None
    synthetic: bool
    national_id: str | None = None  # only when asked for


@dataclass(frozen=True)
class MemberView:
    person: PersonView
    relation: str
    since: dt.date

    @property
    def relation_label(self) -> str:
        return Relation(self.relation).label


@dataclass(frozen=True)
class HouseholdView:
    id: int
    number: str
    kind: str
    head_id: int
    registered_here_since: dt.date
    members: tuple[MemberView, ...]

    @property
    def kind_label(self) -> str:
        return Household.Kind(self.kind).label


@dataclass(frozen=True)
class PlateHouseholds:
    plate_id: int
    address: str
    households: tuple[HouseholdView, ...]


@dataclass(frozen=True)
class Resident:
    person: PersonView
    relation: str
    household_number: str
    plate_id: int


@dataclass(frozen=True)
class ResidentStretch:
    """A person at a plate for a stretch of the period asked for: ``[since, until)``."""

    person: PersonView
    relation: str
    household_number: str
    plate_id: int
    since: dt.date
    until: dt.date | None


@dataclass(frozen=True)
class AddressPeriod:
    household_number: str
    relation: str
    plate_id: int
    address: str
    since: dt.date
    until: dt.date | None

    @property
    def relation_label(self) -> str:
        return Relation(self.relation).label


@dataclass(frozen=True)
class PersonMatch:
    person: PersonView
    household_number: str | None
    address: str | None


@dataclass(frozen=True)
class VillageCount:
    village_id: int | None
    code: str
    name: str
    households: int
    persons: int
    male: int
    female: int
    report_households: int | None
    report_population: int | None
    report_male: int | None
    report_female: int | None


@dataclass(frozen=True)
class PlateRef:
    id: int
    address: str
    floor: int | None


# What an entrance shares (its plates differ only by floor and unit); read as values, not models (no geometries).
_ENTRANCE = ("district_id", "road_id", "area", "lane", "alley", "number_prefix", "number", "sub_number", "number_suffix")


def _missing_plate(plate_id: int) -> RegistryRefused:
    return RegistryRefused(FieldError("plate_id", _("there is no door plate %(id)s") % {"id": plate_id}))


def entrance_plates(plate_id: int) -> list[PlateRef]:
    """A plate's entrance with its floors and units — the entrance first, then by floor and unit — whatever their
    status: a retired unit still had residents in the past."""
    key = DoorPlate.objects.filter(pk=plate_id).values(*_ENTRANCE).first()
    if key is None:
        raise _missing_plate(plate_id)
    rows = (
        DoorPlate.objects.filter(**key)
        .order_by("floor", "floor_unit", "floor_sub", "pk")
        .values_list("pk", "address", "floor")
    )
    plates = [PlateRef(*row) for row in rows]
    return [p for p in plates if p.floor is None] + [p for p in plates if p.floor is not None]


def _plates(plate_id: int, include_units: bool) -> list[int]:
    return [p.id for p in entrance_plates(plate_id)] if include_units else [plate_id]


def _check_found(rows: list, plate_id: int) -> None:
    """An empty answer for a plate that does not exist is an error, not "nobody lived there" (checked only when
    empty: the common case costs no extra query)."""
    if not rows and not DoorPlate.objects.filter(pk=plate_id).exists():
        raise _missing_plate(plate_id)


def _person(row, national=None) -> PersonView:
    return PersonView(*row[:6], national_id=national)


@transaction.atomic
def households_at_entrance(
    *, plate_id: int, access: Access, on: dt.date | None = None, with_national_id: bool = False
) -> list[PlateHouseholds]:
    """The households registered at a plate's entrance and its floors and units on a date (today by default), each
    with its members on that date; plates without households are listed too (a clerk sees the whole building)."""
    access = checked(access)
    day = on or timezone.localdate()
    plates = entrance_plates(plate_id)
    with connection.cursor() as cur:
        cur.execute(sql.RESIDENTS_ON, {"plates": [p.id for p in plates], "on": day})
        rows = cur.fetchall()
    by_plate: dict[int, dict[int, list]] = {p.id: {} for p in plates}
    heads: dict[int, tuple] = {}
    for row in rows:
        national = identity.reveal(row[6], row[7]) if with_national_id else None
        member = MemberView(person=_person(row, national), relation=row[8], since=row[9])
        by_plate[row[15]].setdefault(row[11], []).append(member)
        heads[row[11]] = (row[12], row[13], row[14], row[16])
    out = [
        PlateHouseholds(
            plate_id=p.id,
            address=p.address,
            households=tuple(
                HouseholdView(hid, *heads[hid], members=tuple(members)) for hid, members in by_plate[p.id].items()
            ),
        )
        for p in plates
    ]
    fields = (*PERSON_FIELDS, RELATION, HOUSEHOLD) + ((NATIONAL_ID,) if with_national_id else ())
    log_reads(access, selector="households_at_entrance", person_ids=[r[0] for r in rows], fields=fields)
    return out


@transaction.atomic
def household_members(*, household_id: int, access: Access, on: dt.date | None = None) -> HouseholdView:
    """A household and its members on a date (today by default), head first."""
    access = checked(access)
    day = on or timezone.localdate()
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise RegistryRefused(FieldError("household_id", _("there is no household %(id)s") % {"id": household_id}))
    with connection.cursor() as cur:
        cur.execute(sql.HOUSEHOLD_MEMBERS, {"household": household.pk, "on": day})
        rows = cur.fetchall()
    members = tuple(MemberView(person=_person(r), relation=r[6], since=r[7]) for r in rows)
    log_reads(
        access, selector="household_members", person_ids=[r[0] for r in rows], fields=(*PERSON_FIELDS, RELATION, HOUSEHOLD)
    )
    return HouseholdView(household.pk, household.number, household.kind, household.head_id, household.period.lower, members)


@transaction.atomic
def residents_on(*, plate_id: int, on: dt.date, access: Access, include_units: bool = False) -> list[Resident]:
    """Who was registered at an address on a date (with ``include_units``: at its entrance, floors and units)."""
    access = checked(access)
    fields = (*PERSON_FIELDS, RELATION, HOUSEHOLD)
    if include_units:
        with connection.cursor() as cur:
            cur.execute(sql.RESIDENTS_ON, {"plates": _plates(plate_id, include_units), "on": on})
            rows = cur.fetchall()
        out = [Resident(person=_person(r), relation=r[8], household_number=r[12], plate_id=r[15]) for r in rows]
        log_reads(access, selector="residents_on", person_ids=[r[0] for r in rows], fields=fields)
        return out
    # One plate, the hot path: the read writes its own log rows in the same statement.
    with connection.cursor() as cur:
        cur.execute(
            sql.RESIDENTS_ON_LOGGED,
            {**log_params(access, selector="residents_on", fields=fields), "plate": plate_id, "on": on},
        )
        rows = cur.fetchall()
    _check_found(rows, plate_id)
    return [Resident(person=_person(r), relation=r[6], household_number=r[7], plate_id=plate_id) for r in rows]


@transaction.atomic
def residents_during(
    *, plate_id: int, start: dt.date, end: dt.date, access: Access, include_units: bool = False
) -> list[ResidentStretch]:
    """Who was registered at an address at some time in ``[start, end)``, with the stretch each was there."""
    access = checked(access)
    if end <= start:
        raise RegistryRefused(FieldError("end", _("must be after the start (%(start)s)") % {"start": start}))
    with connection.cursor() as cur:
        cur.execute(sql.RESIDENTS_DURING, {"plates": _plates(plate_id, include_units), "start": start, "end": end})
        rows = cur.fetchall()
    _check_found(rows, plate_id)
    out = [ResidentStretch(_person(r), r[6], r[7], r[8], r[9], r[10]) for r in rows]
    log_reads(
        access,
        selector="residents_during",
        person_ids=sorted({r[0] for r in rows}),
        fields=(*PERSON_FIELDS, RELATION, HOUSEHOLD, PERIOD),
    )
    return out


@transaction.atomic
def person_history(*, person_id: int, access: Access) -> tuple[PersonView, list[AddressPeriod]]:
    """A person and every address they were registered at, in order (household, relation, plate, dates)."""
    access = checked(access)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise RegistryRefused(FieldError("person_id", _("there is no person %(id)s") % {"id": person_id}))
    with connection.cursor() as cur:
        cur.execute(sql.PERSON_HISTORY, {"person": person_id})
        periods = [AddressPeriod(*row) for row in cur.fetchall()]
    view = PersonView(person.pk, person.name, person.sex, person.birth_date, person.death_date, person.synthetic)
    log_reads(
        access,
        selector="person_history",
        person_ids=[person.pk],
        fields=(*PERSON_FIELDS, HOUSEHOLD, RELATION, ADDRESS, PERIOD),
    )
    return view, periods


@transaction.atomic
def persons_by_name(*, name: str, access: Access, limit: int = 50) -> list[PersonMatch]:
    """Persons whose name starts with ``name`` (a full name finds that name first), with their current address."""
    access = checked(access)
    text = name.strip()
    if not text:
        raise RegistryRefused(FieldError("name", _("is required")))
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cur:
        cur.execute(sql.PERSONS_BY_NAME, {"pattern": pattern, "limit": max(1, min(limit, MAX_NAME_MATCHES))})
        rows = cur.fetchall()
    out = [PersonMatch(person=_person(r), household_number=r[6], address=r[7]) for r in rows]
    log_reads(
        access, selector="persons_by_name", person_ids=[r[0] for r in rows], fields=(*PERSON_FIELDS, HOUSEHOLD, ADDRESS)
    )
    return out


@transaction.atomic
def person_by_national_id(*, national_id_text: str, access: Access) -> PersonMatch | None:
    """The person with this national ID (exact, through the keyed hash), or None. A miss is logged too (person
    empty): asking whether an ID is registered is itself a read."""
    access = checked(access)
    try:
        value = national_id.parse(national_id_text).value
    except national_id.InvalidNationalId as exc:
        raise RegistryRefused(FieldError("national_id", identity.invalid_reason(exc))) from None
    with connection.cursor() as cur:
        cur.execute(sql.PERSON_BY_HASH, {"hashes": crypto.lookup_hashes(value)})
        row = cur.fetchone()
    if row is None:
        log_reads(access, selector="person_by_national_id", person_ids=[None], fields=(NATIONAL_ID,), note="no match")
        return None
    match = PersonMatch(person=_person(row, identity.reveal(row[6], row[7])), household_number=row[8], address=row[9])
    log_reads(
        access,
        selector="person_by_national_id",
        person_ids=[row[0]],
        fields=(NATIONAL_ID, *PERSON_FIELDS, HOUSEHOLD, ADDRESS),
    )
    return match


@transaction.atomic
def village_counts(*, district_id: int, on: dt.date, month: dt.date, access: Access) -> list[VillageCount]:
    """Per village: households and persons in the register on ``on`` beside the imported monthly report for
    ``month``; plates outside every village come last (code ``""``). One aggregate log row."""
    access = checked(access)
    with connection.cursor() as cur:
        cur.execute(sql.REGISTER_COUNTS, {"on": on, "district": district_id})
        counts = {row[0]: row[1:] for row in cur.fetchall()}
    reports = {r.village_id: r for r in VillagePopulation.objects.filter(village__district_id=district_id, month=month)}
    out = []
    for village in Village.objects.filter(district_id=district_id).order_by("code"):
        households, persons, male, female = counts.get(village.pk, (0, 0, 0, 0))
        report = reports.get(village.pk)
        out.append(
            VillageCount(
                village.pk,
                village.code,
                village.name,
                households,
                persons,
                male,
                female,
                *((report.households, report.population, report.male, report.female) if report else (None,) * 4),
            )
        )
    if None in counts:
        out.append(VillageCount(None, "", "", *counts[None], None, None, None, None))
    total = sum(c.persons for c in out)
    log_reads(
        access, selector="village_counts", person_ids=[None], fields=(COUNT,), note=f"aggregate of {total} persons on {on}"
    )
    return out
