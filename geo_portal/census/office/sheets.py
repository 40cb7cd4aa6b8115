"""Reads for the paper fallback: a task's stops in walking order with their plates as they are now (the sheet and
the key-in form), and who may print or key in a task's sheet. Frozen dataclasses; called by the paper views,
``printing`` and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Finding, Task
from geo_portal.census.office.selectors import lonlat

R = Finding.Review


@dataclass(frozen=True)
class SheetPlate:
    id: int
    address: str  # the street address (without county and district), as on the plate
    version: int
    condition: str


@dataclass(frozen=True)
class SheetStop:
    id: int
    seq: int
    label: str
    hints: list[dict[str, Any]]
    plates: list[SheetPlate]
    recorded: list[str]  # kinds already recorded for it (standing findings)
    lon: float
    lat: float


def task_sheet(task: Task) -> list[SheetStop]:
    """A task's stops in walking order with their plates (entrance plate first) as they are now, and the kinds
    already recorded at each stop."""
    stops = list(
        task.stops.annotate(lon=lonlat("geom", "X"), lat=lonlat("geom", "Y"))
        .order_by("seq")
        .values("id", "seq", "label", "hints", "plate_ids", "lon", "lat")
    )
    plates = {
        p["id"]: p
        for p in DoorPlate.objects.filter(pk__in=[pid for s in stops for pid in s["plate_ids"]]).values(
            "id", "street_key", "version", "condition"
        )
    }
    recorded: dict[int, list[str]] = {}
    for stop_id, kind in (
        Finding.objects.filter(task=task, review__in=[R.PENDING, R.ACCEPTED])
        .order_by("observed_at", "id")
        .values_list("stop_id", "kind")
    ):
        recorded.setdefault(stop_id, []).append(kind)
    return [
        SheetStop(
            id=s["id"],
            seq=s["seq"],
            label=s["label"],
            hints=s["hints"],
            plates=[
                SheetPlate(pid, plates[pid]["street_key"], plates[pid]["version"], plates[pid]["condition"])
                for pid in s["plate_ids"]
                if pid in plates
            ],
            recorded=recorded.get(s["id"], []),
            lon=round(s["lon"], 6),
            lat=round(s["lat"], 6),
        )
        for s in stops
    ]


def may_work_on_paper(task: Task, user: AbstractBaseUser) -> bool:
    """A supervisor, or the surveyor who holds (or last held) the task."""
    if not user.is_active:
        return False
    if user.has_perm("accounts.supervise_census"):
        return True
    return user.has_perm("accounts.do_census_fieldwork") and user.pk in (task.assignee_id, task.last_assignee_id)
