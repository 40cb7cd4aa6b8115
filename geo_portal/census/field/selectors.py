"""Reads for the field app: task summaries, the tasks a surveyor may claim (optionally nearest first), and what
surrounds a task on its offline map (building footprints and the neighbouring plates, compact, WGS84).

Only reads; the task package itself is ``census.selectors.task_package``. Called by the field app's API views.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.db.models.functions import AsGeoJSON, GeometryDistance, Transform
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Case, Exists, FloatField, Func, IntegerField, OuterRef, QuerySet, Value, When

from geo_portal.addresses.models import DoorPlate
from geo_portal.buildings.models import Building
from geo_portal.census.models import Campaign, Task
from geo_portal.core.geo import STORAGE_SRID, to_storage, to_wgs84

WGS84 = 4326
# The offline map shows what lies this far around the task's outline (footprints and other plates).
SURROUNDINGS_M = 80.0
MAX_BUILDINGS = 1500
MAX_NEIGHBOUR_PLATES = 2000
CLAIMABLE_LIMIT = 60
NEAR_RADIUS_M = 5000.0


def task_summary(task: Task, user: AbstractBaseUser) -> dict[str, Any]:
    """What a task list shows of a task (JSON-ready)."""
    return {
        "id": task.pk,
        "number": task.number,
        "label": task.label,
        "state": task.state,
        "state_label": str(task.get_state_display()),
        "side": task.side,
        "campaign": {"id": task.campaign_id, "name": task.campaign.name},
        "stop_count": task.stop_count,
        "plate_count": task.plate_count,
        "hint_count": task.hint_count,
        "lock_expires_at": task.lock_expires_at.isoformat() if task.lock_expires_at else None,
        "mine": task.assignee_id == user.pk,
        "returned": task.state == Task.State.RETURNED,
        "distance_m": round(float(task.distance), 1) if getattr(task, "distance", None) is not None else None,
    }


def claimable_tasks(user: AbstractBaseUser, *, near: Point | None = None) -> QuerySet[Task]:
    """Ready and sent-back tasks of active campaigns whose team is open or includes the user: the tasks sent
    back to this user first, then the nearest (within ``NEAR_RADIUS_M`` of ``near``) or in campaign order."""
    team = Campaign.team.through.objects.filter(campaign_id=OuterRef("campaign_id"))
    tasks = (
        Task.objects.filter(campaign__status=Campaign.Status.ACTIVE, state__in=[Task.State.READY, Task.State.RETURNED])
        .filter(~Exists(team) | Exists(team.filter(user_id=user.pk)))
        .select_related("campaign")
        .annotate(
            returned_to_me=Case(
                When(state=Task.State.RETURNED, last_assignee=user, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    )
    if near is not None:
        point = to_storage(near)
        return (
            tasks.filter(geom__dwithin=(point, D(m=NEAR_RADIUS_M)))
            .annotate(distance=GeometryDistance("geom", point))
            .order_by("returned_to_me", "distance", "number")[:CLAIMABLE_LIMIT]
        )
    return tasks.order_by("returned_to_me", "-campaign__starts_on", "campaign_id", "number")[:CLAIMABLE_LIMIT]


def package_task(task_id: int) -> Task | None:
    return Task.objects.select_related("campaign").filter(pk=task_id).first()


def may_download(task: Task, user: AbstractBaseUser) -> bool:
    """The holder, or the last holder of a claim that lapsed or was submitted (their late findings still count)."""
    if task.state == Task.State.CLAIMED:
        return task.assignee_id == user.pk
    return task.last_assignee_id == user.pk and task.state in (
        Task.State.READY,
        Task.State.RETURNED,
        Task.State.SUBMITTED,
    )


def _xy(field: str, axis: str) -> Func:
    return Func(Transform(field, WGS84), function=f"ST_{axis}", output_field=FloatField())


def surroundings(task: Task) -> dict[str, Any]:
    """Building footprints and the other active plates within ``SURROUNDINGS_M`` of the task, for the offline
    map: ``buildings`` a GeoJSON FeatureCollection (6 decimals), ``plates`` rows of [lon, lat, street address]."""
    area = task.geom.buffer(SURROUNDINGS_M)
    own = {pid for ids in task.stops.values_list("plate_ids", flat=True) for pid in ids}
    buildings = (
        Building.objects.filter(geom__intersects=area)
        .annotate(gj=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .order_by("id")
        .values_list("id", "gj")[:MAX_BUILDINGS]
    )
    plates = (
        DoorPlate.objects.active()
        .filter(geom__intersects=area)
        .exclude(pk__in=own)
        .annotate(lon=_xy("geom", "X"), lat=_xy("geom", "Y"))
        .order_by("street_key", "id")
        .values_list("lon", "lat", "street_key")[:MAX_NEIGHBOUR_PLATES]
    )
    w, s, e, n = area.transform(WGS84, clone=True).extent
    return {
        "bbox": [round(w, 6), round(s, 6), round(e, 6), round(n, 6)],
        "buildings": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": bid, "properties": {}, "geometry": json.loads(gj)} for bid, gj in buildings
            ],
        },
        "plates": [[round(lon, 6), round(lat, 6), key] for lon, lat, key in plates],
    }


def placed_hints(hints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stop hints with a point of their own (a building without a plate, in EPSG:3826) get ``lon``/``lat``."""
    out = []
    for hint in hints:
        if isinstance(hint.get("x"), int | float) and isinstance(hint.get("y"), int | float):
            lon, lat = to_wgs84(float(hint["x"]), float(hint["y"]), STORAGE_SRID)
            hint = {**hint, "lon": round(lon, 6), "lat": round(lat, 6)}
        out.append(hint)
    return out
