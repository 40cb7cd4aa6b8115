"""Reads for the office's census pages: campaigns with their task counts, the campaign dashboard (task map,
per-village progress, findings by kind, conflicts, work per surveyor, devices), the supervisor's queue of submitted
tasks, a task's findings and map, the clerk's open proposals and the findings export (the paper sheet's reads are
in ``sheets``).

Querysets or frozen dataclasses, nothing written. Called by the office views, the staff home page (counts of work
waiting) and tests. Coordinates leave in WGS84 with 6 decimals.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, FloatField, Func, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from geo_portal.accounts.roles import Role
from geo_portal.accounts.selectors import role_users
from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Campaign, FieldDevice, Finding, Proposal, Stop, Task, TaskTransition
from geo_portal.census.office import sql

WGS84 = 4326
S = Task.State
R = Finding.Review
User = get_user_model()


def lonlat(field: str, axis: str) -> Func:
    """ST_X or ST_Y of a geometry field in WGS84, for output only (a filter on a transformed column loses its index)."""
    return Func(Transform(field, WGS84), function=f"ST_{axis}", output_field=FloatField())


# --- campaigns ------------------------------------------------------------------------------------------------


def campaigns_overview() -> QuerySet[Campaign]:
    """Every campaign, newest first, with its tasks counted by state (split tasks left out)."""
    counts = {f"n_{state}": Count("tasks", filter=Q(tasks__state=state)) for state in S.values if state != S.SPLIT}
    return (
        Campaign.objects.select_related("district")
        .annotate(n_tasks=Count("tasks", filter=~Q(tasks__state=S.SPLIT)), **counts)
        .order_by("-starts_on", "name", "id")
    )


def campaign_tasks_geojson(campaign_id: int) -> str:
    """The campaign's task outlines as a GeoJSON FeatureCollection (text, WGS84, 6 decimals), built by PostGIS."""
    with connection.cursor() as cursor:
        cursor.execute(sql.TASKS_GEOJSON, {"campaign": campaign_id})
        return cursor.fetchone()[0]


def campaign_task_list(campaign_id: int, *, state: str = "") -> QuerySet[Task]:
    """The campaign's tasks by number (optionally in one state) with their findings counted."""
    tasks = Task.objects.filter(campaign_id=campaign_id).exclude(state=S.SPLIT)
    if state:
        tasks = tasks.filter(state=state)
    return (
        tasks.select_related("assignee", "last_assignee")
        .annotate(
            n_findings=Count("findings", filter=~Q(findings__review=R.SUPERSEDED)),
            n_pending=Count("findings", filter=Q(findings__review=R.PENDING)),
            n_conflicts=Count("findings", filter=Q(findings__review=R.PENDING, findings__conflict=True)),
        )
        .order_by("number")
    )


@dataclass(frozen=True)
class VillageProgress:
    village: str  # "" when the entrance plate has no village
    stops: int
    checked: int  # a finding stands (waiting for validation or accepted)
    accepted: int

    @property
    def share_checked(self) -> float:
        return self.checked / self.stops if self.stops else 0.0


def village_progress(campaign_id: int) -> list[VillageProgress]:
    """Per village of the entrance plates: stops, stops checked and stops with an accepted finding."""
    with connection.cursor() as cursor:
        cursor.execute(sql.VILLAGE_PROGRESS, {"campaign": campaign_id})
        return [VillageProgress(name or "", stops, checked, accepted) for name, stops, checked, accepted in cursor]


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    total: int
    pending: int
    accepted: int
    rejected: int
    conflicts: int


def findings_by_kind(campaign_id: int) -> list[KindCount]:
    """Findings (superseded left out) per kind in the order of ``Finding.Kind``, kinds without any included."""
    rows = {
        row["kind"]: row
        for row in Finding.objects.filter(task__campaign_id=campaign_id)
        .exclude(review=R.SUPERSEDED)
        .values("kind")
        .annotate(
            total=Count("id"),
            pending=Count("id", filter=Q(review=R.PENDING)),
            accepted=Count("id", filter=Q(review=R.ACCEPTED)),
            rejected=Count("id", filter=Q(review=R.REJECTED)),
            conflicts=Count("id", filter=Q(review=R.PENDING, conflict=True)),
        )
    }
    empty = {"total": 0, "pending": 0, "accepted": 0, "rejected": 0, "conflicts": 0}
    return [
        KindCount(
            kind.value,
            str(kind.label),
            **{k: v for k, v in rows.get(kind.value, empty).items() if k != "kind"},
        )
        for kind in Finding.Kind
    ]


def conflicts_waiting(*, campaign_id: int | None = None) -> QuerySet[Finding]:
    """Findings in conflict (their plate changed after the download) that wait for a supervisor's decision."""
    found = Finding.objects.filter(review=R.PENDING, conflict=True)
    if campaign_id is not None:
        found = found.filter(task__campaign_id=campaign_id)
    return found.select_related("task__campaign", "plate", "surveyor", "stop").order_by("task__number", "stop__seq", "id")


def conflicts_waiting_count() -> int:
    """Conflicts in submitted tasks: the ones a supervisor can decide now."""
    return Finding.objects.filter(review=R.PENDING, conflict=True, task__state=S.SUBMITTED).count()


@dataclass(frozen=True)
class SurveyorWork:
    username: str
    holding: int  # tasks claimed now
    submitted: int  # waiting for validation
    validated: int
    returned: int  # sent back, to be done again
    findings: int
    accepted: int
    rejected: int
    last_observed: dt.datetime | None


def surveyor_work(campaign_id: int) -> list[SurveyorWork]:
    """Per surveyor who held a task or recorded a finding in the campaign: tasks by state and findings."""
    tasks = Task.objects.filter(campaign_id=campaign_id).exclude(state=S.SPLIT)
    by_task: dict[int, dict[str, int]] = {}
    for row in (
        tasks.exclude(last_assignee=None)
        .values("last_assignee")
        .annotate(
            holding=Count("id", filter=Q(state=S.CLAIMED)),
            submitted=Count("id", filter=Q(state=S.SUBMITTED)),
            validated=Count("id", filter=Q(state=S.VALIDATED)),
            returned=Count("id", filter=Q(state=S.RETURNED)),
        )
    ):
        by_task[row.pop("last_assignee")] = row
    by_finding: dict[int, dict[str, Any]] = {}
    for row in (
        Finding.objects.filter(task__campaign_id=campaign_id)
        .exclude(review=R.SUPERSEDED)
        .values("surveyor")
        .annotate(
            findings=Count("id"),
            accepted=Count("id", filter=Q(review=R.ACCEPTED)),
            rejected=Count("id", filter=Q(review=R.REJECTED)),
            last_observed=Max("observed_at"),
        )
    ):
        by_finding[row.pop("surveyor")] = row
    names = dict(User.objects.filter(pk__in=set(by_task) | set(by_finding)).values_list("pk", "username"))
    no_tasks = {"holding": 0, "submitted": 0, "validated": 0, "returned": 0}
    no_findings = {"findings": 0, "accepted": 0, "rejected": 0, "last_observed": None}
    return sorted(
        (
            SurveyorWork(username=name, **by_task.get(pk, no_tasks), **by_finding.get(pk, no_findings))
            for pk, name in names.items()
        ),
        key=lambda w: w.username,
    )


def campaign_devices(campaign_id: int) -> QuerySet[FieldDevice]:
    """The field devices of the campaign's team and of everyone who held one of its tasks or recorded a finding
    in it, live ones first, most recently seen first."""
    users = (
        set(Campaign.objects.filter(pk=campaign_id).exclude(team=None).values_list("team", flat=True))
        | set(
            Task.objects.filter(campaign_id=campaign_id).exclude(last_assignee=None).values_list("last_assignee", flat=True)
        )
        | set(Finding.objects.filter(task__campaign_id=campaign_id).values_list("surveyor", flat=True))
    )
    return (
        FieldDevice.objects.filter(user_id__in=users)
        .select_related("user", "revoked_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-last_seen", "id")
    )


def assignable_surveyors(campaign: Campaign) -> QuerySet:
    """Who a task of the campaign can be given to: its team, or every active surveyor when it has none."""
    if campaign.team.exists():
        return campaign.team.filter(is_active=True).order_by("username")
    return role_users(Role.SURVEYOR)


def surveyors() -> QuerySet:
    """Active surveyors by user name (the team choices when creating a campaign)."""
    return role_users(Role.SURVEYOR)


# --- the supervisor's queue and a task's review ---------------------------------------------------------------


def submitted_tasks() -> QuerySet[Task]:
    """Tasks waiting for validation, oldest submission first, with pending findings and conflicts counted."""
    submitted_at = TaskTransition.objects.filter(task=OuterRef("pk"), action="submit").order_by("-at").values("at")[:1]
    return (
        Task.objects.filter(state=S.SUBMITTED)
        .select_related("campaign", "submitted_by")
        .annotate(
            n_pending=Count("findings", filter=Q(findings__review=R.PENDING)),
            n_conflicts=Count("findings", filter=Q(findings__review=R.PENDING, findings__conflict=True)),
            submitted_at=Max(submitted_at),
        )
        .order_by("submitted_at", "id")
    )


def submitted_task_count() -> int:
    return Task.objects.filter(state=S.SUBMITTED).count()


def task_findings(task: Task, *, kind: str = "") -> QuerySet[Finding]:
    """A task's findings in walking order (superseded ones last), optionally of one kind."""
    found = Finding.objects.filter(task=task)
    if kind:
        found = found.filter(kind=kind)
    return (
        found.select_related("stop", "plate", "surveyor", "reviewed_by")
        .annotate(proposal_id=Max("proposal__id"))
        .order_by(ExpressionWrapper(Q(review=R.SUPERSEDED), output_field=BooleanField()), "stop__seq", "observed_at", "id")
    )


def task_kinds(task: Task) -> list[tuple[str, str, int]]:
    """(kind, label, count) of the kinds a task's findings have, in the order of ``Finding.Kind``."""
    counts = dict(Finding.objects.filter(task=task).values_list("kind").annotate(n=Count("id")))
    return [(k.value, str(k.label), counts[k.value]) for k in Finding.Kind if k.value in counts]


def task_history(task: Task) -> QuerySet[TaskTransition]:
    return task.transitions.select_related("actor").order_by("-at", "-id")


def task_map(task: Task) -> dict[str, Any]:
    """The review map of a task as GeoJSON (WGS84, 6 decimals): its outline, its stops in walking order and the
    points its findings carry (moved plates, plates found, buildings without a plate)."""
    outline = Task.objects.filter(pk=task.pk).annotate(gj=AsGeoJSON(Transform("geom", WGS84), precision=6))
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": json.loads(outline.values_list("gj", flat=True)[0]),
            "properties": {"role": "outline"},
        }
    ]
    for stop in (
        Stop.objects.filter(task=task)
        .annotate(gj=AsGeoJSON(Transform("geom", WGS84), precision=6))
        .order_by("seq")
        .values("id", "seq", "label", "gj")
    ):
        features.append(
            {
                "type": "Feature",
                "id": f"stop-{stop['id']}",
                "geometry": json.loads(stop["gj"]),
                "properties": {"role": "stop", "seq": stop["seq"], "label": stop["label"]},
            }
        )
    for finding in (
        Finding.objects.filter(task=task)
        .exclude(point=None)
        .exclude(review=R.SUPERSEDED)
        .annotate(gj=AsGeoJSON(Transform("point", WGS84), precision=6))
        .values("id", "kind", "review", "conflict", "gj")
    ):
        features.append(
            {
                "type": "Feature",
                "id": f"finding-{finding['id']}",
                "geometry": json.loads(finding["gj"]),
                "properties": {
                    "role": "finding",
                    "finding": finding["id"],
                    "kind": finding["kind"],
                    "label": str(Finding.Kind(finding["kind"]).label),
                    "review": finding["review"],
                    "conflict": finding["conflict"],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def plate_now(plate_ids: list[int]) -> dict[int, DoorPlate]:
    """The plates as they are now (a conflict is judged against them), by id."""
    return DoorPlate.objects.filter(pk__in=plate_ids).in_bulk()


# --- proposals ------------------------------------------------------------------------------------------------


def open_proposals() -> QuerySet[Proposal]:
    """Proposals waiting for a clerk, oldest first, with the point in WGS84 (the surveyor's, else the plate's)."""
    return (
        Proposal.objects.filter(status=Proposal.Status.OPEN)
        .select_related("finding__task__campaign", "finding__plate", "finding__surveyor", "finding__stop")
        .annotate(
            lon=lonlat("finding__point", "X"),
            lat=lonlat("finding__point", "Y"),
            plate_lon=lonlat("finding__plate__geom", "X"),
            plate_lat=lonlat("finding__plate__geom", "Y"),
        )
        .order_by("created_at", "id")
    )


def open_proposal_count() -> int:
    return Proposal.objects.filter(status=Proposal.Status.OPEN).count()


def proposal_with_photo(finding_id: int) -> bool:
    """True when the finding is behind a proposal (a clerk may then see its photo)."""
    return Proposal.objects.filter(finding_id=finding_id).exists()


# --- export ---------------------------------------------------------------------------------------------------

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("finding_uuid", "text"),
    ("task_number", "int64"),
    ("task", "text"),
    ("stop_seq", "int64"),
    ("stop", "text"),
    ("plate_id", "int64"),
    ("plate_address", "text"),
    ("kind", "text"),
    ("review", "text"),
    ("conflict", "bool"),
    ("conflict_note", "text"),
    ("observed_at", "text"),
    ("received_at", "text"),
    ("surveyor", "text"),
    ("source", "text"),
    ("written_address", "text"),
    ("skip_reason", "text"),
    ("note", "text"),
    ("reviewed_by", "text"),
    ("reviewed_at", "text"),
    ("review_note", "text"),
    ("outcome", "text"),
    ("needs_new_plate", "bool"),
    ("reissue_ref", "text"),
    ("has_photo", "bool"),
    ("point_from", "text"),
    ("lon", "float64"),
    ("lat", "float64"),
]
TIMESTAMP_COLUMNS = {"observed_at", "received_at", "reviewed_at"}


def findings_export_rows(campaign_id: int) -> list[tuple]:
    """The campaign's findings for export (superseded ones left out), each row the ``EXPORT_COLUMNS`` then the
    point as WKB in EPSG:3826; times in ISO 8601 with the Taipei offset."""
    rows = []
    stamp = [i for i, (name, _kind) in enumerate(EXPORT_COLUMNS) if name in TIMESTAMP_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(sql.FINDINGS_EXPORT, {"campaign": campaign_id})
        for row in cursor:
            values = list(row)
            for i in stamp:
                if values[i] is not None:
                    values[i] = timezone.localtime(values[i]).isoformat()
            values[-1] = bytes(values[-1])
            rows.append(tuple(values))
    return rows
