"""What each kind of registration event says: typed details, and their JSON form in ``RegistrationEvent.details``.

Callers (the event services, views, the tests) build one of the dataclasses below; the services check it against
the register and store it with ``to_json`` — the national ID of a new person encrypted (``crypto``), never in
plain text — and read it back with ``from_json``. Relations are ``models.Relation`` values.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import asdict, dataclass, fields

from geo_portal.registry import crypto
from geo_portal.registry.models import RegistrationEvent

K = RegistrationEvent.Kind


@dataclass(frozen=True)
class NewPerson:
    """A person not yet in the register (a birth, or a move-in from outside the district)."""

    name: str
    sex: str
    birth_date: dt.date
    national_id: str
    relation: str


@dataclass(frozen=True)
class Member:
    """A person already in the register and their relation to the head (of the household they are or will be in)."""

    person_id: int
    relation: str


@dataclass(frozen=True)
class NewHousehold:
    number: str
    kind: str
    plate_id: int


@dataclass(frozen=True)
class Birth:
    household_id: int
    child: NewPerson


@dataclass(frozen=True)
class Death:
    person_id: int
    # When the head dies and others remain: the new head and every other member's relation to them.
    new_head_id: int | None = None
    relations: tuple[Member, ...] = ()


@dataclass(frozen=True)
class MoveIn:
    """Newcomers from outside the district and/or returning former residents, into a household or a new one."""

    newcomers: tuple[NewPerson, ...] = ()
    returning: tuple[Member, ...] = ()
    household_id: int | None = None
    new_household: NewHousehold | None = None


@dataclass(frozen=True)
class MoveOut:
    """Members leaving the district; when the head leaves and others stay, the new head and relations."""

    household_id: int
    person_ids: tuple[int, ...]
    new_head_id: int | None = None
    relations: tuple[Member, ...] = ()


@dataclass(frozen=True)
class AddressChange:
    """The whole household moves to another door plate in the district."""

    household_id: int
    plate_id: int


@dataclass(frozen=True)
class Split:
    """Members (not the head) leave to form a new household; ``members`` relate to the new household's head."""

    household_id: int
    members: tuple[Member, ...]
    new_household: NewHousehold


@dataclass(frozen=True)
class Merge:
    """Every member of ``household_id`` joins ``into_household_id`` (relations to its head); the first dissolves."""

    household_id: int
    into_household_id: int
    relations: tuple[Member, ...]


@dataclass(frozen=True)
class HeadChange:
    household_id: int
    head_id: int
    relations: tuple[Member, ...]  # every other member's relation to the new head


@dataclass(frozen=True)
class Renumbering:
    """Written only by a renumbering plan as it is applied (``services.renumbering``): the plan's number and its
    (old plate id, new plate id) moves. Not accepted by ``event_create`` (not in ``DETAILS``)."""

    plan: str
    moves: tuple


Details = Birth | Death | MoveIn | MoveOut | AddressChange | Split | Merge | HeadChange | Renumbering

DETAILS: dict[str, type] = {
    K.BIRTH: Birth,
    K.DEATH: Death,
    K.MOVE_IN: MoveIn,
    K.MOVE_OUT: MoveOut,
    K.ADDRESS_CHANGE: AddressChange,
    K.SPLIT: Split,
    K.MERGE: Merge,
    K.HEAD_CHANGE: HeadChange,
}

# Nested fields: name → (dataclass, is a tuple of them). Fields not listed are plain values.
_NESTED: dict[str, tuple[type, bool]] = {
    "child": (NewPerson, False),
    "newcomers": (NewPerson, True),
    "returning": (Member, True),
    "relations": (Member, True),
    "members": (Member, True),
    "new_household": (NewHousehold, False),
}


def _person_to_json(person: NewPerson) -> dict:
    blob, key = crypto.encrypt(person.national_id)
    data = asdict(person)
    data["birth_date"] = person.birth_date.isoformat()
    data["national_id"] = {"encrypted": base64.b64encode(blob).decode(), "key": key}
    return data


def _value_to_json(name: str, value):
    if isinstance(value, NewPerson):
        return _person_to_json(value)
    if isinstance(value, tuple) and name in _NESTED:
        return [_value_to_json(name, v) for v in value]
    if isinstance(value, Member | NewHousehold):
        return asdict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def to_json(details: Details) -> dict:
    """The JSON stored on the event (a new person's national ID encrypted under the current key)."""
    return {f.name: _value_to_json(f.name, getattr(details, f.name)) for f in fields(details)}


def _person_from_json(data: dict) -> NewPerson:
    secret = data["national_id"]
    return NewPerson(
        name=data["name"],
        sex=data["sex"],
        birth_date=dt.date.fromisoformat(data["birth_date"]),
        national_id=crypto.decrypt(base64.b64decode(secret["encrypted"]), secret["key"]),
        relation=data["relation"],
    )


def _value_from_json(name: str, value):
    if name not in _NESTED:
        return tuple(value) if isinstance(value, list) else value
    cls, many = _NESTED[name]
    if value is None:
        return None
    build = _person_from_json if cls is NewPerson else (lambda d: cls(**d))
    return tuple(build(v) for v in value) if many else build(value)


def from_json(kind: str, data: dict) -> Details:
    cls = Renumbering if kind == K.RENUMBERING else DETAILS[kind]
    return cls(**{f.name: _value_from_json(f.name, data[f.name]) for f in fields(cls) if f.name in data})
