"""One planner per kind of registration event: what it must satisfy and what applying it writes.

``plan_event`` is the entry point (the event services call it at every step, with row locks when applying): it
runs the common date checks and the kind's planner over a ``checks.Check``, and returns the ``ops.Plan`` or
raises ``RegistryRefused`` with every problem found.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from geo_portal.registry.details import (
    DETAILS,
    AddressChange,
    Birth,
    Death,
    Details,
    HeadChange,
    Member,
    Merge,
    MoveIn,
    MoveOut,
    Split,
)
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.models import Household, Membership, Relation
from geo_portal.registry.services import ops
from geo_portal.registry.services.checks import ONE_DAY, Check, Known, check_dates
from geo_portal.registry.services.ops import Plan, Ref


def plan_event(
    *,
    kind: str,
    details: Details,
    effective_date: dt.date,
    declared_on: dt.date,
    lock: bool = False,
    known: Known | None = None,
) -> Plan:
    """Check an event; its ``Plan`` when valid, else ``RegistryRefused`` with every problem found (``known``: a
    batch's lookups made at once, asked instead of the database)."""
    check = Check(on=effective_date, lock=lock, known=known)
    check_dates(check, effective_date=effective_date, declared_on=declared_on)
    expected = DETAILS.get(kind)
    if expected is None:
        check.fail("kind", _("renumbering events come only from an applied renumbering plan"))
        raise RegistryRefused(check.errors)
    if not isinstance(details, expected):
        check.fail("details", _("do not match the kind %(kind)s") % {"kind": kind})
        raise RegistryRefused(check.errors)
    plan = PLANNERS[type(details)](check, details)
    if check.errors:
        raise RegistryRefused(check.errors)
    return plan


# --- one planner per kind ------------------------------------------------------------------------------------------


def _departure(
    check: Check,
    household: Household,
    members: list[Membership],
    leaving: set[int],
    end: dt.date,
    new_head_id: int | None,
    relations: tuple[Member, ...],
    plan: Plan,
) -> None:
    """Members leave ``household`` at ``end``: a new head when the head leaves and others stay; dissolve when
    nobody stays."""
    staying = [m for m in members if m.person_id not in leaving]
    head_leaves = household.head_id in leaving
    for m in members:
        if m.person_id in leaving:
            plan.add(ops.CloseMembership(m.pk, end))
    if not staying:
        if new_head_id is not None or relations:
            check.fail(
                "new_head_id", _("nobody stays in household %(number)s: give no new head") % {"number": household.number}
            )
        plan.add(ops.DissolveHousehold(household.pk, end))
        return
    if not head_leaves:
        if new_head_id is not None or relations:
            check.fail("new_head_id", _("only when the head leaves or dies"))
        return
    staying_ids = {m.person_id for m in staying}
    if new_head_id not in staying_ids:
        check.fail(
            "new_head_id",
            _("the head of household %(number)s leaves: name the new head among the members who stay (%(ids)s)")
            % {"number": household.number, "ids": ", ".join(map(str, sorted(staying_ids)))},
        )
        return
    given = check.relations_cover("relations", relations, staying_ids - {new_head_id})
    for m in staying:
        check.leaving("relations", m)
        plan.add(ops.CloseMembership(m.pk, end))
        relation = Relation.HEAD if m.person_id == new_head_id else given.get(m.person_id, Relation.RELATIVE)
        plan.add(ops.OpenMembership(Ref.existing(m.person_id), Ref.existing(household.pk), relation, end))
    plan.add(ops.SetHead(household.pk, Ref.existing(new_head_id)))


def _birth(check: Check, d: Birth) -> Plan:
    plan = Plan()
    household = check.household("household_id", d.household_id)
    if d.child.birth_date != check.on:
        check.fail("child.birth_date", _("must be the effective date (a birth takes effect on the date of birth)"))
    check.relation("child.relation", d.child.relation, head=False)
    secret = check.new_person("child", d.child, set())
    if household is None or secret is None:
        return plan
    child = plan.add(ops.CreatePerson("child", d.child, secret))
    start = max(check.on, household.period.lower)
    plan.add(ops.OpenMembership(child, Ref.existing(household.pk), d.child.relation, start))
    plan.touch(households=[household.pk], plates=[household.plate_id])
    return plan


def _death(check: Check, d: Death) -> Plan:
    plan = Plan()
    person = check.person("person_id", d.person_id)
    if person is None:
        return plan
    membership = Membership.objects.filter(person=person, valid__upper_inf=True).select_related("household").first()
    if membership is None:
        check.fail("person_id", _("person %(id)s is not registered in this district now") % {"id": person.pk})
        return plan
    household = check.household("person_id", membership.household_id)
    if household is None:
        return plan
    plan.add(ops.SetDeath(person.pk, check.on))
    end = check.on + ONE_DAY  # listed through the day of death
    _departure(check, household, check.members(household), {person.pk}, end, d.new_head_id, d.relations, plan)
    plan.touch(persons=[person.pk], households=[household.pk], plates=[household.plate_id])
    return plan


def _move_in(check: Check, d: MoveIn) -> Plan:
    plan = Plan()
    if (d.household_id is None) == (d.new_household is None):
        check.fail("household_id", _("give either an existing household or a new one"))
        return plan
    if not d.newcomers and not d.returning:
        check.fail("newcomers", _("name at least one person moving in"))
        return plan
    relations: list[str] = []
    people: list[tuple[Ref, str]] = []
    seen: set[str] = set()
    for i, newcomer in enumerate(d.newcomers):
        check.relation(f"newcomers[{i}].relation", newcomer.relation, head=d.new_household is not None)
        secret = check.new_person(f"newcomers[{i}]", newcomer, seen)
        if secret is not None:
            people.append((plan.add(ops.CreatePerson(f"newcomer{i}", newcomer, secret)), newcomer.relation))
        relations.append(newcomer.relation)
    for i, member in enumerate(d.returning):
        where = f"returning[{i}].person_id"
        check.relation(f"returning[{i}].relation", member.relation, head=d.new_household is not None)
        relations.append(member.relation)
        person = check.person(where, member.person_id)
        if person is None:
            continue
        current = Membership.objects.filter(person=person, valid__upper_inf=True).select_related("household").first()
        if current is not None:
            check.fail(
                where,
                _(
                    "person %(id)s is already registered in household %(number)s (since %(date)s); register the move-out "
                    "there first, or use an address change"
                )
                % {"id": person.pk, "number": current.household.number, "date": current.valid.lower},
            )
            continue
        last = Membership.objects.filter(person=person).order_by("-valid").first()
        if last is not None and last.valid.upper > check.on:
            check.fail(
                "effective_date",
                _("is before person %(id)s left the district (%(date)s)") % {"id": person.pk, "date": last.valid.upper},
            )
        people.append((Ref.existing(person.pk), member.relation))
        plan.touch(persons=[person.pk])
    if d.new_household is not None:
        check.one_head("newcomers", relations)
        plate = check.new_household("new_household", d.new_household, len(relations))
        if check.errors or plate is None:
            return plan
        head = next(ref for ref, relation in people if relation == Relation.HEAD)
        target = plan.add(ops.CreateHousehold("household", d.new_household, head, check.on))
        plan.touch(plates=[plate.pk])
    else:
        household = check.household("household_id", d.household_id)
        if household is None:
            return plan
        target = Ref.existing(household.pk)
        plan.touch(households=[household.pk], plates=[household.plate_id])
    for ref, relation in people:
        plan.add(ops.OpenMembership(ref, target, relation, check.on))
    return plan


def _move_out(check: Check, d: MoveOut) -> Plan:
    plan = Plan()
    household = check.household("household_id", d.household_id)
    if household is None:
        return plan
    members = check.members(household)
    by_person = {m.person_id: m for m in members}
    leaving: set[int] = set()
    if not d.person_ids:
        check.fail("person_ids", _("name at least one person moving out"))
    for i, person_id in enumerate(d.person_ids):
        if person_id in leaving:
            check.fail(f"person_ids[{i}]", _("person %(id)s is listed twice") % {"id": person_id})
        elif person_id not in by_person:
            check.fail(
                f"person_ids[{i}]",
                _("person %(id)s is not a member of household %(number)s") % {"id": person_id, "number": household.number},
            )
        else:
            check.leaving(f"person_ids[{i}]", by_person[person_id])
            leaving.add(person_id)
    if check.errors:
        return plan
    _departure(check, household, members, leaving, check.on, d.new_head_id, d.relations, plan)
    plan.touch(persons=sorted(leaving), households=[household.pk], plates=[household.plate_id])
    return plan


def _address_change(check: Check, d: AddressChange) -> Plan:
    plan = Plan()
    household = check.household("household_id", d.household_id)
    plate = check.plate("plate_id", d.plate_id)
    if household is None or plate is None:
        return plan
    if plate.pk == household.plate_id:
        check.fail(
            "plate_id",
            _("household %(number)s is registered at %(address)s already")
            % {"number": household.number, "address": plate.address},
        )
    current = household.addresses.filter(valid__upper_inf=True).first()
    if current is not None and current.valid.lower >= check.on:
        check.fail(
            "effective_date",
            _("household %(number)s moved to its current address only on %(date)s")
            % {"number": household.number, "date": current.valid.lower},
        )
    plan.add(ops.MoveHousehold(household.pk, plate.pk, check.on))
    members = check.members(household)
    plan.touch(persons=[m.person_id for m in members], households=[household.pk], plates=[household.plate_id, plate.pk])
    return plan


def _split(check: Check, d: Split) -> Plan:
    plan = Plan()
    household = check.household("household_id", d.household_id)
    if household is None:
        return plan
    members = {m.person_id: m for m in check.members(household)}
    check.one_head("members", [m.relation for m in d.members])
    leaving: list[tuple[Membership, str]] = []
    for i, member in enumerate(d.members):
        check.relation(f"members[{i}].relation", member.relation, head=True)
        current = members.get(member.person_id)
        if current is None:
            check.fail(
                f"members[{i}].person_id",
                _("person %(id)s is not a member of household %(number)s")
                % {"id": member.person_id, "number": household.number},
            )
        elif member.person_id == household.head_id:
            check.fail(f"members[{i}].person_id", _("the head cannot leave by a split; change the head first"))
        else:
            check.leaving(f"members[{i}].person_id", current)
            leaving.append((current, member.relation))
    if len({m.person_id for m in d.members}) != len(d.members):
        check.fail("members", _("a person is listed twice"))
    plate = check.new_household("new_household", d.new_household, len(d.members))
    if check.errors or plate is None:
        return plan
    head = next(Ref.existing(m.person_id) for m, relation in leaving if relation == Relation.HEAD)
    target = plan.add(ops.CreateHousehold("household", d.new_household, head, check.on))
    for membership, relation in leaving:
        plan.add(ops.CloseMembership(membership.pk, check.on))
        plan.add(ops.OpenMembership(Ref.existing(membership.person_id), target, relation, check.on))
    plan.touch(persons=[m.person_id for m, _r in leaving], households=[household.pk], plates=[household.plate_id, plate.pk])
    return plan


def _merge(check: Check, d: Merge) -> Plan:
    plan = Plan()
    source = check.household("household_id", d.household_id)
    target = check.household("into_household_id", d.into_household_id)
    if source is None or target is None:
        return plan
    if source.pk == target.pk:
        check.fail("into_household_id", _("is the household being merged"))
        return plan
    members = check.members(source)
    given = check.relations_cover("relations", d.relations, {m.person_id for m in members})
    for m in members:
        check.leaving("relations", m)
        plan.add(ops.CloseMembership(m.pk, check.on))
        plan.add(
            ops.OpenMembership(Ref.existing(m.person_id), Ref.existing(target.pk), given.get(m.person_id, ""), check.on)
        )
    plan.add(ops.DissolveHousehold(source.pk, check.on))
    plan.touch(
        persons=[m.person_id for m in members], households=[source.pk, target.pk], plates=[source.plate_id, target.plate_id]
    )
    return plan


def _head_change(check: Check, d: HeadChange) -> Plan:
    plan = Plan()
    household = check.household("household_id", d.household_id)
    if household is None:
        return plan
    members = check.members(household)
    ids = {m.person_id for m in members}
    if d.head_id not in ids:
        check.fail(
            "head_id",
            _("person %(id)s is not a member of household %(number)s") % {"id": d.head_id, "number": household.number},
        )
        return plan
    if d.head_id == household.head_id:
        check.fail("head_id", _("person %(id)s is the head already") % {"id": d.head_id})
        return plan
    given = check.relations_cover("relations", d.relations, ids - {d.head_id})
    for m in members:
        check.leaving("relations", m)
        plan.add(ops.CloseMembership(m.pk, check.on))
        relation = Relation.HEAD if m.person_id == d.head_id else given.get(m.person_id, "")
        plan.add(ops.OpenMembership(Ref.existing(m.person_id), Ref.existing(household.pk), relation, check.on))
    plan.add(ops.SetHead(household.pk, Ref.existing(d.head_id)))
    plan.touch(persons=sorted(ids), households=[household.pk], plates=[household.plate_id])
    return plan


PLANNERS = {
    Birth: _birth,
    Death: _death,
    MoveIn: _move_in,
    MoveOut: _move_out,
    AddressChange: _address_change,
    Split: _split,
    Merge: _merge,
    HeadChange: _head_change,
}
