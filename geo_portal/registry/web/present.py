"""Event details as the review page shows them: labelled rows (households by number and address, persons by name,
relations by their labels) and the new persons of a birth or move-in. Reads only what ``event_reads`` loaded,
plus plate addresses (public data)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.registry.details import Member, NewHousehold, NewPerson
from geo_portal.registry.event_reads import EventView
from geo_portal.registry.models import Household, Relation


@dataclass(frozen=True)
class Row:
    label: str
    text: str


def _person(view: EventView, pk: int) -> str:
    person = view.persons.get(pk)
    return f"{person.name} ({pk})" if person else str(pk)


def _household(view: EventView, pk: int) -> str:
    household = view.households.get(pk)
    return f"{household.number} · {household.plate.address}" if household else str(pk)


def _plate(pk: int) -> str:
    return DoorPlate.objects.filter(pk=pk).values_list("address", flat=True).first() or str(pk)


def _relation(value: str) -> str:
    return Relation(value).label if value in Relation.values else value


def _members(view: EventView, members: tuple[Member, ...]) -> str:
    return "; ".join(f"{_person(view, m.person_id)}: {_relation(m.relation)}" for m in members)


def rows(view: EventView) -> list[Row]:
    labels = {
        "household_id": _("Household"),
        "into_household_id": _("Into household"),
        "person_id": _("Person"),
        "person_ids": _("Persons"),
        "new_head_id": _("New head"),
        "head_id": _("New head"),
        "relations": _("Relations to the head"),
        "members": _("Members and their relations"),
        "returning": _("Former residents moving back"),
        "new_household": _("New household"),
        "plate_id": _("Door plate"),
    }
    out = []
    for f in fields(view.details):
        value = getattr(view.details, f.name)
        if value in (None, ()) or f.name not in labels:
            continue
        if f.name in ("household_id", "into_household_id"):
            text = _household(view, value)
        elif f.name in ("person_id", "new_head_id", "head_id"):
            text = _person(view, value)
        elif f.name == "person_ids":
            text = "; ".join(_person(view, pk) for pk in value)
        elif f.name in ("relations", "members", "returning"):
            text = _members(view, value)
        elif isinstance(value, NewHousehold):
            kind = Household.Kind(value.kind).label if value.kind in Household.Kind.values else value.kind
            text = f"{value.number} · {kind} · {_plate(value.plate_id)}"
        else:
            text = _plate(value)
        out.append(Row(str(labels[f.name]), text))
    return out


def new_persons(view: EventView) -> list[tuple[NewPerson, str]]:
    """The persons a birth or move-in adds, with their relation's label."""
    people = [view.details.child] if getattr(view.details, "child", None) else list(getattr(view.details, "newcomers", ()))
    return [(p, _relation(p.relation)) for p in people]
