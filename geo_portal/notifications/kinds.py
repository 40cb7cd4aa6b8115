"""Event kinds agencies subscribe to, and how a committed change-log event becomes one (pure: no database).

Public kinds come from the change log's public channel (plates, roads); private kinds from the registry's private
channel (applied registration events: ids, kind and dates only). ``classify`` maps one entity's final state in one
committed transaction to the kinds it stands for; ``thin_data`` builds what a message carries — ids and what changed,
never a name or a national ID. Called by the dispatcher, the subscription services (validation) and the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PUBLIC_CHANNEL = "public"
PRIVATE_CHANNEL = "registry"

PLATE_CREATED = "plate.created"
PLATE_RETIRED = "plate.retired"
PLATE_RENUMBERED = "plate.renumbered"
ROAD_RENAMED = "road.renamed"
REG_BIRTH = "registration.birth"
REG_DEATH = "registration.death"
REG_MOVE_IN = "registration.move_in"
REG_MOVE_OUT = "registration.move_out"
REG_ADDRESS_CHANGE = "registration.address_change"
REG_RENUMBERING = "registration.renumbering"

PUBLIC_KINDS = {
    PLATE_CREATED: _("door plate created"),
    PLATE_RETIRED: _("door plate retired"),
    PLATE_RENUMBERED: _("door plate renumbered"),
    ROAD_RENAMED: _("road renamed"),
}
# Registration events an agency receives only where the office has authorised it (Agency.private_kinds).
PRIVATE_KINDS = {
    REG_DEATH: _("death (registration)"),
    REG_MOVE_IN: _("move-in (registration)"),
    REG_MOVE_OUT: _("move-out (registration)"),
    REG_ADDRESS_CHANGE: _("address change within the district (registration)"),
    REG_BIRTH: _("birth (registration)"),
    REG_RENUMBERING: _("renumbering of a household's address (registration)"),
}
ALL_KINDS = {**PUBLIC_KINDS, **PRIVATE_KINDS}

# What an agency's token may read through the registry's details endpoint, per registration event.
DETAIL_IDS = "ids"  # the event's ids, kind and dates (no more than the message)
DETAIL_ADDRESS = "address"  # plus the door plates' addresses before and after
DETAIL_PERSON = "person"  # plus the persons' names, sex, dates of birth and death (logged per person)
DETAIL_LEVELS = {
    DETAIL_IDS: _("ids and dates only"),
    DETAIL_ADDRESS: _("addresses of the plates"),
    DETAIL_PERSON: _("names and dates of the persons"),
}


class UnknownEventKind(ValueError):
    """An event kind the platform does not publish; the message lists the known ones."""

    def __init__(self, kinds: list[str]):
        self.kinds = kinds
        super().__init__(f"unknown event kind(s) {', '.join(repr(k) for k in kinds)}; known kinds: {', '.join(ALL_KINDS)}")


def check_kinds(kinds: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The kinds in canonical order, refused with ``UnknownEventKind`` if any is not published (or none given)."""
    unknown = sorted({k for k in kinds if k not in ALL_KINDS})
    if unknown:
        raise UnknownEventKind(unknown)
    return tuple(k for k in ALL_KINDS if k in set(kinds))


@dataclass(frozen=True)
class Change:
    """One entity's final state in one committed transaction of a channel (its last event there)."""

    channel: str
    txid: int
    seq: int  # the seq of that last event
    committed_at: str  # ISO 8601
    cause: str  # kind of cause only (``renumbering_plan``), never the actor
    entity: str
    entity_id: int
    operation: str
    data: dict | None


def classify(change: Change, *, known_road_name: str | None, plate_was_retired: bool) -> list[str]:
    """The kinds ``change`` stands for. ``known_road_name`` is the road's name as last published (None: not known);
    ``plate_was_retired`` whether a retirement of the plate was already published (a retirement is told once)."""
    data = change.data or {}
    if change.channel == PRIVATE_CHANNEL:
        kind = f"registration.{data.get('kind', '')}"
        return [kind] if change.entity == "registration" and kind in PRIVATE_KINDS else []
    if change.entity == "plate":
        if change.operation == "insert":
            return [PLATE_CREATED]
        if change.operation != "update":
            return []
        renumbering = change.cause == "renumbering_plan"
        if data.get("status") == "retired":
            if plate_was_retired:
                return []
            return [PLATE_RENUMBERED if renumbering or data.get("successors") else PLATE_RETIRED]
        return [PLATE_RENUMBERED] if renumbering else []
    if change.entity == "road" and change.operation == "update":
        name = data.get("name")
        if known_road_name is not None and name != known_road_name:
            return [ROAD_RENAMED]
    return []


_PLATE_FIELDS = ("address", "status", "retired_on", "successors", "village_id", "neighborhood", "road_id", "zip_code")


def thin_data(change: Change, kind: str, *, old_road_name: str | None = None) -> dict:
    """What the message about ``change`` carries: ids and what changed (public fields only for public kinds)."""
    data = change.data or {}
    base = {"channel": change.channel, "txid": change.txid, "seq": change.seq, "committed_at": change.committed_at}
    if kind in PRIVATE_KINDS:
        return {
            **base,
            "event_id": change.entity_id,
            "effective_date": data.get("effective_date"),
            "person_ids": data.get("persons") or [],
            "household_ids": data.get("households") or [],
            "plate_ids": data.get("plates") or [],
        }
    if change.entity == "road":
        return {
            **base,
            "road_id": change.entity_id,
            "name": data.get("name"),
            "old_name": old_road_name,
            "name_en": data.get("name_en"),
        }
    return {**base, "plate_id": change.entity_id, **{f: data.get(f) for f in _PLATE_FIELDS if f in data}}
