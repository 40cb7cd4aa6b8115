"""A door plate's history as a list of changes (what changed from what to what, who, why), for the plate admin.

The database triggers (django-pghistory, ``models.DoorPlate``) store one event per write: the new row for an
insert, the *old* row for an update. A change is therefore the difference between one update event's old values
and the next snapshot (the next update's old values, or the plate as it is now). Successor links added and removed
are events of their own. Read-only; called by ``addresses.admin`` (the change page's latest changes and the full
history view).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate, PlateSuccessor
from geo_portal.areas.models import Neighborhood, Village

# The values a change is told by, in the order they are shown. Address components are told by the address.
SHOWN = (
    "address",
    "status",
    "retired_on",
    "retired_reason",
    "geom",
    "village",
    "neighborhood",
    "condition",
    "last_checked_on",
    "condition_evidence",
)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class PlateChange:
    """One write to a plate: when, what kind, who, through what, why; its version after; what changed."""

    at: dt.datetime
    event: str  # plate.create, plate.update, successor.add, successor.remove
    actor: str
    cause: str
    reason: str
    version: int | None
    changes: list[FieldChange] = field(default_factory=list)


def _label(name: str) -> str:
    return str(DoorPlate._meta.get_field(name).verbose_name)


def _names(values: list[dict]) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the villages and 鄰 the snapshots mention (one query each)."""
    village_ids = {v["village_id"] for v in values if v["village_id"]}
    hood_ids = {v["neighborhood_id"] for v in values if v["neighborhood_id"]}
    villages = dict(Village.objects.filter(pk__in=village_ids).values_list("pk", "name"))
    hoods = {pk: f"{n}鄰" for pk, n in Neighborhood.objects.filter(pk__in=hood_ids).values_list("pk", "number")}
    return villages, hoods


def _shown(name: str, value: Any, villages: dict[int, str], hoods: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    if name == "village":
        return villages.get(value, str(value))
    if name == "neighborhood":
        return hoods.get(value, str(value))
    if name in ("status", "condition"):
        choices = DoorPlate.Status if name == "status" else DoorPlate.Condition
        return str(choices(value).label) if value in choices.values else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _diff(old: dict, new: dict, villages: dict[int, str], hoods: dict[int, str]) -> list[FieldChange]:
    out = []
    for name in SHOWN:
        key = f"{name}_id" if name in ("village", "neighborhood") else name
        a, b = old[key], new[key]
        if name == "geom":
            if a is not None and b is not None and a.distance(b) >= 0.01:
                out.append(FieldChange(_label("geom"), "", _("moved %(metres).1f m") % {"metres": a.distance(b)}))
            continue
        if a != b:
            out.append(FieldChange(_label(name), _shown(name, a, villages, hoods), _shown(name, b, villages, hoods)))
    return out


def plate_changes(*, plate: DoorPlate, limit: int | None = None) -> list[PlateChange]:
    """The plate's changes, newest first (``limit`` of them when given)."""
    columns = ["version", "updated_by", *SHOWN]
    columns = [f"{c}_id" if c in ("village", "neighborhood") else c for c in columns]
    events = list(
        plate.events.select_related("pgh_context")
        .order_by("pgh_id")
        .only("pgh_label", "pgh_created_at", "pgh_context", *columns)
    )
    snapshots = [{c: getattr(e, c) for c in columns} for e in events]
    now = {c: getattr(plate, c) for c in columns}
    villages, hoods = _names([*snapshots, now])
    changes = []
    for i, e in enumerate(events):
        context = e.pgh_context.metadata if e.pgh_context_id and e.pgh_context else {}
        if e.pgh_label == "plate.create":
            after, diff = snapshots[i], [FieldChange(_label("address"), "", snapshots[i]["address"])]
        else:  # an update event holds the row before the update: compare with the next snapshot
            after = next((s for j, s in enumerate(snapshots) if j > i and events[j].pgh_label != "plate.create"), now)
            diff = _diff(snapshots[i], after, villages, hoods) or [
                FieldChange(_("recorded values"), "", _("none changed (a derived value such as the zip code)"))
            ]
        changes.append(
            PlateChange(
                at=e.pgh_created_at,
                event=e.pgh_label,
                actor=context.get("actor") or after["updated_by"] or "—",
                cause=context.get("cause") or "",
                reason=context.get("reason") or "",
                version=after["version"],
                changes=diff,
            )
        )
    # Newest first; writes of one transaction share its timestamp, so the events' own order breaks the tie.
    ordered = list(enumerate([*changes, *_successor_changes(plate)]))
    ordered.sort(key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    changes = [c for _i, c in ordered]
    return changes[:limit] if limit else changes


def _successor_changes(plate: DoorPlate) -> list[PlateChange]:
    """Successor links added to or removed from the plate (who replaces it), from their own events."""
    events = (
        apps.get_model("addresses", "PlateSuccessorEvent")
        .objects.filter(from_doorplate_id=plate.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    out = []
    for e in events:
        context = e.pgh_context.metadata if e.pgh_context_id and e.pgh_context else {}
        added = e.pgh_label == "successor.add"
        out.append(
            PlateChange(
                at=e.pgh_created_at,
                event=e.pgh_label,
                actor=context.get("actor") or "—",
                cause=context.get("cause") or "",
                reason=context.get("reason") or "",
                version=None,
                changes=[
                    FieldChange(
                        str(PlateSuccessor._meta.get_field("to_doorplate").verbose_name),
                        "" if added else str(e.to_doorplate_id),
                        str(e.to_doorplate_id) if added else "—",
                    )
                ],
            )
        )
    return out
