"""Census reads: a surveyor's tasks, a task's offline package, the re-issuance hand-off.

``task_package`` is everything the field app needs to walk a task without a connection (stops in walking order
with their plates and versions, hints, the outline, the claim's expiry, the supervisor's comments first). Called by
the census views and the re-issuance workflow (``findings_needing_new_plate``).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db.models import FloatField, Func, QuerySet

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Finding, Task, TaskTransition

WGS84 = 4326


def _lonlat(field: str, axis: str) -> Func:
    return Func(Transform(field, WGS84), function=f"ST_{axis}", output_field=FloatField())


def tasks_of(user: AbstractBaseUser) -> QuerySet[Task]:
    """The tasks a surveyor holds now, then those sent back to them, then their submitted ones (newest first)."""
    return (
        Task.objects.filter(last_assignee=user)
        .exclude(state__in=[Task.State.SPLIT])
        .select_related("campaign")
        .order_by("-updated_at")
    )


def return_comments(task: Task) -> list[dict[str, Any]]:
    """The supervisors' comments on a task, newest first (shown first when the task is reopened)."""
    rows = TaskTransition.objects.filter(task=task, action="send_back").select_related("actor").order_by("-at", "-id")
    return [{"by": t.actor.get_username() if t.actor else "", "at": t.at.isoformat(), "note": t.note} for t in rows]


def task_package(task: Task, user: AbstractBaseUser) -> dict[str, Any]:
    """The offline package of a task: JSON-ready, coordinates in WGS84 with 6 decimals."""
    stops = list(
        task.stops.annotate(lon=_lonlat("geom", "X"), lat=_lonlat("geom", "Y"))
        .order_by("seq")
        .values("id", "seq", "number", "label", "plate_ids", "hints", "lon", "lat")
    )
    plate_ids = [pid for stop in stops for pid in stop["plate_ids"]]
    plates = {
        p["id"]: p
        for p in DoorPlate.objects.filter(pk__in=plate_ids).values(
            "id", "address", "street_key", "version", "condition", "last_checked_on", "status", "floor"
        )
    }
    outline = (
        Task.objects.filter(pk=task.pk)
        .annotate(gj=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .values_list("gj", flat=True)[0]
    )
    received = Finding.objects.filter(task=task, surveyor=user).values("uuid", "kind", "plate_id", "stop_id", "review")
    return {
        "task": {
            "id": task.pk,
            "number": task.number,
            "label": task.label,
            "state": task.state,
            "side": task.side,
            "version": task.version,
            "campaign": {"id": task.campaign_id, "name": task.campaign.name},
            "lock_expires_at": task.lock_expires_at.isoformat() if task.lock_expires_at else None,
            "outline": json.loads(outline),
            "comments": return_comments(task),
        },
        "stops": [
            {
                "id": s["id"],
                "seq": s["seq"],
                "number": s["number"],
                "label": s["label"],
                "lon": round(s["lon"], 6),
                "lat": round(s["lat"], 6),
                "hints": s["hints"],
                "plates": [_plate(plates[pid]) for pid in s["plate_ids"] if pid in plates],
            }
            for s in stops
        ],
        "received": [
            {"uuid": str(f["uuid"]), "kind": f["kind"], "plate": f["plate_id"], "stop": f["stop_id"], "review": f["review"]}
            for f in received
        ],
    }


def _plate(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "address": p["street_key"],
        "version": p["version"],
        "condition": p["condition"],
        "last_checked_on": p["last_checked_on"].isoformat() if p["last_checked_on"] else None,
        "active": p["status"] == DoorPlate.Status.ACTIVE,
    }


def findings_needing_new_plate() -> QuerySet[Finding]:
    """Accepted findings that mean a new plate must be made and that no re-issue case has taken yet — the
    hand-off to re-issuance, which sets ``reissue_ref`` when it opens a case."""
    return (
        Finding.objects.filter(needs_new_plate=True, reissue_ref="", review=Finding.Review.ACCEPTED)
        .select_related("plate", "task")
        .order_by("reviewed_at", "id")
    )
