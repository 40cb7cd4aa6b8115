"""The checks every registration event goes through: loading what it names and collecting what is wrong.

``Check`` reads the households, persons, memberships and plates an event names (locking them when the event is
applied) and collects every problem as a ``FieldError`` — field and reason, all of them, not only the first.
The planners (``planners``) call it, so an event that became invalid since it was entered — a plate retired, a
person registered elsewhere — is refused at every step. Messages name persons by id, never by name or national
ID (they may reach logs).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.registry import crypto, identity
from geo_portal.registry.details import Member, NewHousehold, NewPerson
from geo_portal.registry.errors import FieldError
from geo_portal.registry.models import HOUSEHOLD_NUMBER_PATTERN, Household, Membership, Person, Relation

ONE_DAY = dt.timedelta(days=1)
NAME_MAX = 40
# Read once: an enum's ``values`` is rebuilt at every access (a third of a batch's planning time).
RELATIONS = frozenset(Relation.values)
HOUSEHOLD_KINDS = frozenset(Household.Kind.values)


@dataclass
class Known:
    """What a batch of events looked up at once (``batch.events_apply_batch``), kept up to date as its events are
    planned: the holders of the newcomers' national IDs (keyed hash under any key → person id), the household
    numbers taken, the door plates named. A ``Check`` with ``known`` asks these instead of the database."""

    holders: dict[bytes, int] = field(default_factory=dict)
    numbers: set[str] = field(default_factory=set)
    plates: dict[int, DoorPlate] = field(default_factory=dict)

    def holder(self, value: str) -> int | None:
        for digest in crypto.lookup_hashes(value):
            if digest in self.holders:
                return self.holders[digest]
        return None


@dataclass
class Check:
    """Loads what an event names (locking it when applying) and collects the problems found."""

    on: dt.date
    lock: bool
    errors: list[FieldError] = field(default_factory=list)
    known: Known | None = None

    def fail(self, where: str, reason: str) -> None:
        self.errors.append(FieldError(where, reason))

    # --- loading ------------------------------------------------------------------------------------------------

    def household(self, where: str, household_id: int | None) -> Household | None:
        qs = Household.objects.select_related("plate")
        if self.lock:
            qs = qs.select_for_update(of=("self",))
        found = qs.filter(pk=household_id).first() if isinstance(household_id, int) else None
        if found is None:
            self.fail(where, _("there is no household %(id)s") % {"id": household_id})
            return None
        if found.period.upper is not None:
            self.fail(
                where,
                _("household %(number)s was dissolved on %(date)s") % {"number": found.number, "date": found.period.upper},
            )
            return None
        if found.period.lower > self.on:
            self.fail(
                "effective_date",
                _("is before household %(number)s was established (%(date)s)")
                % {"number": found.number, "date": found.period.lower},
            )
        return found

    def members(self, household: Household) -> list[Membership]:
        """The household's current members (open memberships), head first."""
        qs = Membership.objects.filter(household=household, valid__upper_inf=True).select_related("person")
        if self.lock:
            qs = qs.select_for_update(of=("self", "person"))
        return sorted(qs, key=lambda m: (m.relation != Relation.HEAD, m.person.birth_date, m.person_id))

    def person(self, where: str, person_id: int | None) -> Person | None:
        qs = Person.objects.select_for_update() if self.lock else Person.objects.all()
        found = qs.filter(pk=person_id).first() if isinstance(person_id, int) else None
        if found is None:
            self.fail(where, _("there is no person %(id)s") % {"id": person_id})
            return None
        if found.death_date is not None:
            self.fail(where, _("person %(id)s died on %(date)s") % {"id": found.pk, "date": found.death_date})
        if found.birth_date > self.on:
            self.fail(
                "effective_date",
                _("is before the birth of person %(id)s (%(date)s)") % {"id": found.pk, "date": found.birth_date},
            )
        return found

    def plate(self, where: str, plate_id: int | None) -> DoorPlate | None:
        if self.known is not None and plate_id in self.known.plates:
            found = self.known.plates[plate_id]
        else:
            found = DoorPlate.objects.filter(pk=plate_id).first() if isinstance(plate_id, int) else None
        if found is None:
            self.fail(where, _("there is no door plate %(id)s") % {"id": plate_id})
            return None
        if found.status != DoorPlate.Status.ACTIVE:
            self.fail(
                where,
                _("%(address)s is retired (since %(date)s); register at an active door plate")
                % {"address": found.address, "date": found.retired_on},
            )
        return found

    # --- values -------------------------------------------------------------------------------------------------

    def relation(self, where: str, value: str, *, head: bool) -> None:
        if value not in RELATIONS:
            self.fail(where, _("unknown relation %(value)r") % {"value": value})
        elif value == Relation.HEAD and not head:
            self.fail(where, _("only the head's own entry is 'head'; give the relation to the head"))

    def leaving(self, where: str, membership: Membership) -> None:
        """A membership that ends on the effective date must have begun before it."""
        if membership.valid.lower >= self.on:
            self.fail(
                "effective_date",
                _("person %(id)s was registered in household %(number)s only on %(date)s; the change must be later")
                % {"id": membership.person_id, "number": membership.household.number, "date": membership.valid.lower},
            )

    def new_person(self, where: str, person: NewPerson, seen: set[str]) -> identity.StoredId | None:
        if not person.name.strip():
            self.fail(f"{where}.name", _("is required"))
        elif len(person.name.strip()) > NAME_MAX:
            self.fail(f"{where}.name", _("is longer than %(max)d characters") % {"max": NAME_MAX})
        if person.sex not in ("M", "F"):
            self.fail(f"{where}.sex", _("must be M or F"))
        if not isinstance(person.birth_date, dt.date):
            self.fail(f"{where}.birth_date", _("is required"))
        elif person.birth_date > self.on:
            self.fail(f"{where}.birth_date", _("is after the effective date"))
        value, reasons = identity.acceptance_errors(person.national_id, sex=person.sex)
        for reason in reasons:
            self.fail(f"{where}.national_id", reason)
        if value is None or reasons:
            return None
        if value in seen:
            self.fail(f"{where}.national_id", _("is given twice in this event"))
            return None
        seen.add(value)
        holder = self.known.holder(value) if self.known is not None else identity.find_person_id(value)
        if holder is not None:
            self.fail(f"{where}.national_id", _("belongs to person %(id)s, already in the register") % {"id": holder})
            return None
        return identity.stored(value)

    def new_household(self, where: str, household: NewHousehold | None, size: int) -> DoorPlate | None:
        if household is None:
            return None
        if not re.fullmatch(HOUSEHOLD_NUMBER_PATTERN, household.number or "") or len(household.number) != 8:
            self.fail(f"{where}.number", _("must be 8 characters: a letter code and a number code (e.g. O1234567)"))
        elif (
            household.number in self.known.numbers
            if self.known is not None
            else Household.objects.filter(number=household.number).exists()
        ):
            self.fail(f"{where}.number", _("household number %(number)s is taken") % {"number": household.number})
        if household.kind not in HOUSEHOLD_KINDS:
            self.fail(f"{where}.kind", _("unknown household kind %(value)r") % {"value": household.kind})
        elif household.kind == Household.Kind.SINGLE and size != 1:
            self.fail(f"{where}.kind", _("a single living household has exactly one member, not %(n)d") % {"n": size})
        return self.plate(f"{where}.plate_id", household.plate_id)

    def one_head(self, where: str, relations: list[str]) -> None:
        heads = sum(1 for r in relations if r == Relation.HEAD)
        if heads != 1:
            self.fail(
                where, _("a new household needs exactly one member whose relation is 'head' (%(n)d given)") % {"n": heads}
            )

    def relations_cover(self, where: str, given: tuple[Member, ...], expected: set[int]) -> dict[int, str]:
        """``given`` names every person of ``expected`` once, each with a relation that is not 'head'."""
        out: dict[int, str] = {}
        for i, member in enumerate(given):
            self.relation(f"{where}[{i}].relation", member.relation, head=False)
            if member.person_id in out:
                self.fail(f"{where}[{i}].person_id", _("person %(id)s is listed twice") % {"id": member.person_id})
            out[member.person_id] = member.relation
        missing, extra = sorted(expected - out.keys()), sorted(out.keys() - expected)
        if missing:
            self.fail(where, _("give the relation of person(s) %(ids)s") % {"ids": ", ".join(map(str, missing))})
        if extra:
            self.fail(where, _("person(s) %(ids)s are not members concerned") % {"ids": ", ".join(map(str, extra))})
        return out


def check_dates(check: Check, *, effective_date: dt.date, declared_on: dt.date) -> None:
    today = timezone.localdate()
    if effective_date > today:
        check.fail(
            "effective_date", _("is in the future (%(date)s; today is %(today)s)") % {"date": effective_date, "today": today}
        )
    if declared_on > today:
        check.fail(
            "declared_on", _("is in the future (%(date)s; today is %(today)s)") % {"date": declared_on, "today": today}
        )
    if declared_on < effective_date:
        check.fail("declared_on", _("is before the effective date"))
