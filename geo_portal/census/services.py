"""Census campaign and task services: create and split a campaign, and every task transition.

Each service owns its transaction, checks who may act (roles and object rules), locks the task, refuses an illegal
step with ``CensusRefused`` (a message for the person, nothing written) and records a ``TaskTransition`` (who,
when, from, to, note) in the same transaction. The task state machine is ``ALLOWED`` below: the one place that
says which action moves a task from which state. Called by the census views, the worker (lapsed claims) and tests.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

import shapely
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_portal.addresses.selectors import active_plate_rows
from geo_portal.areas.models import District, Road, Village
from geo_portal.buildings.selectors import unplated_building_points
from geo_portal.census import splitting
from geo_portal.census.models import Campaign, Finding, Stop, Task, TaskTransition
from geo_portal.census.sql import CLEAR_CAMPAIGN_SQL
from geo_portal.core.db import copy_rows
from geo_portal.core.geo import STORAGE_SRID
from geo_portal.reports.selectors import open_report_hints

FIELDWORK = "accounts.do_census_fieldwork"
SUPERVISE = "accounts.supervise_census"
S = Task.State

# action → (states it may start from, state it leads to)
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({S.READY, S.RETURNED}), S.CLAIMED),
    "extend": (frozenset({S.CLAIMED}), S.CLAIMED),
    "release": (frozenset({S.CLAIMED}), S.READY),
    "lapse": (frozenset({S.CLAIMED}), S.READY),
    "submit": (frozenset({S.CLAIMED}), S.SUBMITTED),
    "validate": (frozenset({S.SUBMITTED}), S.VALIDATED),
    "send_back": (frozenset({S.SUBMITTED}), S.RETURNED),
    "reassign": (frozenset({S.READY, S.RETURNED, S.CLAIMED}), S.CLAIMED),
    "split": (frozenset({S.READY, S.RETURNED}), S.SPLIT),
}


class CensusRefused(ValueError):
    """A census action that is not allowed or not valid; the message says why. Nothing was written."""


@dataclass(frozen=True)
class SplitSummary:
    tasks: int
    stops: int
    plates: int
    hints: int


# --- campaigns ------------------------------------------------------------------------------------------------


def _require(user: AbstractBaseUser, perm: str, what: str) -> None:
    if not (user.is_active and user.has_perm(perm)):
        raise CensusRefused(_("%(user)s may not %(what)s.") % {"user": user.get_username(), "what": what})


@transaction.atomic
def campaign_create(
    *,
    name: str,
    district: District,
    starts_on: dt.date,
    ends_on: dt.date,
    created_by: AbstractBaseUser,
    villages: list[Village] | None = None,
    area: Polygon | MultiPolygon | None = None,
    scope: str = Campaign.Scope.ALL,
    not_checked_since: dt.date | None = None,
    team: list[AbstractBaseUser] | None = None,
    target_min_stops: int = 40,
    target_max_stops: int = 80,
    fold_max_stops: int = 40,
    max_tasks_per_surveyor: int = 2,
    lock_hours: int = 12,
) -> Campaign:
    """A draft campaign over villages or a drawn area (exactly one of them); split it with ``campaign_split``."""
    _require(created_by, SUPERVISE, _("create census campaigns"))
    errors: list[str] = []
    if not name.strip():
        errors.append(_("name: is required"))
    if ends_on < starts_on:
        errors.append(_("ends_on: is before starts_on"))
    if bool(villages) == (area is not None):
        errors.append(_("area: give either villages or a drawn area, not both and not neither"))
    if scope not in Campaign.Scope.values:
        errors.append(_("scope: unknown scope %(scope)r") % {"scope": scope})
    if scope == Campaign.Scope.NOT_CHECKED_SINCE and not_checked_since is None:
        errors.append(_("not_checked_since: is required for this scope"))
    if not 1 <= target_min_stops <= target_max_stops <= 500:
        errors.append(_("target_max_stops: task sizes must satisfy 1 ≤ smallest ≤ largest ≤ 500"))
    if not 0 <= fold_max_stops <= target_max_stops:
        errors.append(_("fold_max_stops: must be between 0 and the largest task size"))
    if not 1 <= max_tasks_per_surveyor <= 20:
        errors.append(_("max_tasks_per_surveyor: must be between 1 and 20"))
    if not 1 <= lock_hours <= 24 * 14:
        errors.append(_("lock_hours: must be between 1 and 336"))
    geometry = _campaign_area(district, villages, area, errors)
    if errors:
        raise CensusRefused("; ".join(errors))
    campaign = Campaign.objects.create(
        name=name.strip(),
        district=district,
        area=geometry,
        starts_on=starts_on,
        ends_on=ends_on,
        scope=scope,
        not_checked_since=not_checked_since,
        target_min_stops=target_min_stops,
        target_max_stops=target_max_stops,
        fold_max_stops=fold_max_stops,
        max_tasks_per_surveyor=max_tasks_per_surveyor,
        lock_hours=lock_hours,
        created_by=created_by,
    )
    if villages:
        campaign.villages.set(villages)
    if team:
        campaign.team.set(team)
    return campaign


def _campaign_area(district, villages, area, errors: list[str]) -> MultiPolygon | None:
    if villages:
        foreign = [v.name for v in villages if v.district_id != district.pk]
        if foreign:
            errors.append(
                _("villages: not in %(district)s: %(names)s") % {"district": district.name, "names": "、".join(foreign)}
            )
            return None
        union = villages[0].boundary
        for village in villages[1:]:
            union = union.union(village.boundary)
        return union if isinstance(union, MultiPolygon) else MultiPolygon(union, srid=STORAGE_SRID)
    if area is None:
        return None
    if area.srid is None:
        errors.append(_("area: has no coordinate system (SRID)"))
        return None
    geom = area.transform(STORAGE_SRID, clone=True) if area.srid != STORAGE_SRID else area
    if not geom.valid:
        errors.append(_("area: the drawn polygon is not valid (%(reason)s)") % {"reason": geom.valid_reason})
        return None
    if not geom.intersects(district.boundary):
        errors.append(_("area: lies outside %(district)s") % {"district": district.name})
        return None
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon(geom, srid=STORAGE_SRID)


@transaction.atomic
def campaign_split(*, campaign_id: int, actor: AbstractBaseUser) -> SplitSummary:
    """Cut the campaign into tasks (replacing an earlier split while no task has been worked on)."""
    _require(actor, SUPERVISE, _("split census campaigns"))
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status == Campaign.Status.CLOSED:
        raise CensusRefused(_("Campaign %(name)s is closed.") % {"name": campaign.name})
    worked = campaign.tasks.exclude(state=S.READY).exists() or Finding.objects.filter(task__campaign=campaign).exists()
    if worked:
        raise CensusRefused(
            _("Campaign %(name)s cannot be split again: work on its tasks has started.") % {"name": campaign.name}
        )
    with connection.cursor() as cur:
        for statement in CLEAR_CAMPAIGN_SQL:
            cur.execute(statement, [campaign.pk])
    planned = plan_campaign(campaign)
    summary = _write_tasks(campaign, planned)
    campaign.split_at = timezone.now()
    campaign.version += 1
    campaign.save(update_fields=["split_at", "version"])
    return summary


def plan_campaign(campaign: Campaign) -> list[splitting.PlannedTask]:
    """Read the plates and hints of the campaign's area and plan its tasks (no writes)."""
    village_ids = list(campaign.villages.values_list("pk", flat=True))
    rows = active_plate_rows(district_id=campaign.district_id, area=campaign.area, village_ids=village_ids or None)
    reports = [(r.kind, r.plate_id, r.x, r.y) for r in open_report_hints(area=campaign.area)]
    rules = splitting.SplitRules(
        target_min_stops=campaign.target_min_stops,
        target_max_stops=campaign.target_max_stops,
        fold_max_stops=campaign.fold_max_stops,
        scope=campaign.scope,
        not_checked_since=campaign.not_checked_since,
    )
    return splitting.plan_tasks(
        rows,
        rules=rules,
        road_names=dict(Road.objects.filter(district_id=campaign.district_id).values_list("id", "name")),
        village_names=dict(Village.objects.filter(district_id=campaign.district_id).values_list("id", "name")),
        reports=reports,
        unplated_buildings=unplated_building_points(area=campaign.area),
    )


def _write_tasks(campaign: Campaign, planned: list[splitting.PlannedTask]) -> SplitSummary:
    tasks = Task.objects.bulk_create(
        Task(
            campaign=campaign,
            number=i,
            road_id=p.road_id,
            area_name=p.area_name,
            village_id=p.village_id,
            side=p.side,
            label=p.label[:160],
            first_number=p.first_number,
            last_number=p.last_number,
            stop_count=len(p.stops),
            plate_count=sum(len(s.plate_ids) for s in p.stops),
            hint_count=sum(len(s.hints) for s in p.stops),
            geom=GEOSGeometry(memoryview(p.outline.wkb), srid=STORAGE_SRID),
        )
        for i, p in enumerate(planned, start=1)
    )
    rows = (
        (
            task.pk,
            seq,
            "{" + ",".join(map(str, s.plate_ids)) + "}",
            s.number,
            s.label[:160],
            f"SRID={STORAGE_SRID};POINT({s.x} {s.y})",
            json.dumps(s.hints, ensure_ascii=False),
        )
        for task, p in zip(tasks, planned, strict=True)
        for seq, s in enumerate(p.stops, start=1)
    )
    stops = copy_rows(Stop._meta.db_table, ["task_id", "seq", "plate_ids", "number", "label", "geom", "hints"], rows)
    return SplitSummary(
        tasks=len(tasks),
        stops=stops,
        plates=sum(t.plate_count for t in tasks),
        hints=sum(t.hint_count for t in tasks),
    )


@transaction.atomic
def campaign_set_status(*, campaign_id: int, status: str, actor: AbstractBaseUser) -> Campaign:
    """Open a split draft for field work, or close it (claimed tasks must be submitted or released first)."""
    _require(actor, SUPERVISE, _("open or close census campaigns"))
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if status == Campaign.Status.ACTIVE:
        if campaign.status != Campaign.Status.DRAFT:
            raise CensusRefused(_("Only a draft campaign can be opened."))
        if not campaign.tasks.exists():
            raise CensusRefused(_("Split the campaign into tasks before opening it."))
    elif status == Campaign.Status.CLOSED:
        claimed = campaign.tasks.filter(state=S.CLAIMED).count()
        if claimed:
            raise CensusRefused(_("%(n)d tasks are still claimed; release or submit them first.") % {"n": claimed})
    else:
        raise CensusRefused(_("unknown campaign status %(status)r") % {"status": status})
    campaign.status = status
    campaign.version += 1
    campaign.save(update_fields=["status", "version"])
    return campaign


# --- tasks ----------------------------------------------------------------------------------------------------


def _locked_task(task_id: int) -> Task:
    try:
        return Task.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=task_id)
    except Task.DoesNotExist:
        raise CensusRefused(_("There is no census task %(id)s.") % {"id": task_id}) from None


def _lapse_if_due(task: Task, now: dt.datetime) -> None:
    """A claim past its expiry is released (and recorded) before anything else happens to the task."""
    if task.state == S.CLAIMED and task.lock_expires_at <= now:
        _move(task, "lapse", None, _("The claim lapsed at %(when)s.") % {"when": _local(task.lock_expires_at)})


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def _move(task: Task, action: str, actor: AbstractBaseUser | None, note: str = "", **fields) -> Task:
    sources, target = ALLOWED[action]
    if task.state not in sources:
        raise CensusRefused(
            _("Task #%(number)s is %(state)s: it cannot be %(action)s.")
            % {"number": task.number, "state": task.get_state_display(), "action": ACTION_LABELS[action]}
        )
    before = task.state
    task.state = target
    if target != S.CLAIMED:
        fields.setdefault("assignee", None)
        fields.setdefault("lock_expires_at", None)
    for name, value in fields.items():
        setattr(task, name, value)
    task.version += 1
    task.save()
    TaskTransition.objects.create(task=task, from_state=before, to_state=target, action=action, actor=actor, note=note)
    return task


# Lazy: read in the language of the request that is refused, not the one active when the module was imported.
ACTION_LABELS = {
    "claim": gettext_lazy("claimed"),
    "extend": gettext_lazy("extended"),
    "release": gettext_lazy("released"),
    "lapse": gettext_lazy("released"),
    "submit": gettext_lazy("submitted"),
    "validate": gettext_lazy("validated"),
    "send_back": gettext_lazy("sent back"),
    "reassign": gettext_lazy("reassigned"),
    "split": gettext_lazy("split"),
}


def _check_surveyor(task: Task, user: AbstractBaseUser) -> None:
    _require(user, FIELDWORK, _("do census field work"))
    campaign = task.campaign
    if campaign.status != Campaign.Status.ACTIVE:
        raise CensusRefused(_("Campaign %(name)s is not open for field work.") % {"name": campaign.name})
    if campaign.team.exists() and not campaign.team.filter(pk=user.pk).exists():
        raise CensusRefused(
            _("%(user)s is not on the team of %(name)s.") % {"user": user.get_username(), "name": campaign.name}
        )


def _check_capacity(task: Task, user: AbstractBaseUser) -> None:
    held = Task.objects.filter(campaign=task.campaign, assignee=user, state=S.CLAIMED).exclude(pk=task.pk).count()
    if held >= task.campaign.max_tasks_per_surveyor:
        raise CensusRefused(
            _("%(user)s already holds %(n)d tasks, the most this campaign allows; submit or release one first.")
            % {"user": user.get_username(), "n": held}
        )


@transaction.atomic
def task_claim(*, task_id: int, user: AbstractBaseUser, now: dt.datetime | None = None) -> Task:
    """A surveyor claims a ready or sent-back task: a lock until now + the campaign's claim hours."""
    now = now or timezone.now()
    task = _locked_task(task_id)
    _lapse_if_due(task, now)
    _check_surveyor(task, user)
    if task.state == S.CLAIMED:
        if task.assignee_id == user.pk:
            raise CensusRefused(_("You already hold task #%(number)s.") % {"number": task.number})
        raise CensusRefused(
            _("Task #%(number)s is claimed by %(user)s until %(when)s.")
            % {"number": task.number, "user": task.assignee.get_username(), "when": _local(task.lock_expires_at)}
        )
    _check_capacity(task, user)
    expires = now + dt.timedelta(hours=task.campaign.lock_hours)
    return _move(task, "claim", user, assignee=user, last_assignee=user, lock_expires_at=expires)


@transaction.atomic
def task_extend(*, task_id: int, user: AbstractBaseUser, now: dt.datetime | None = None) -> Task:
    """The holder extends a live claim by the campaign's claim hours from now."""
    now = now or timezone.now()
    task = _locked_task(task_id)
    _lapse_if_due(task, now)
    if task.state == S.CLAIMED and task.assignee_id != user.pk:
        raise CensusRefused(
            _("Only %(user)s, who holds task #%(number)s, can extend it.")
            % {"user": task.assignee.get_username(), "number": task.number}
        )
    expires = now + dt.timedelta(hours=task.campaign.lock_hours)
    return _move(task, "extend", user, lock_expires_at=expires)


@transaction.atomic
def task_release(*, task_id: int, user: AbstractBaseUser, note: str = "", now: dt.datetime | None = None) -> Task:
    """The holder (or a supervisor) gives a claimed task back; its findings so far are kept."""
    now = now or timezone.now()
    task = _locked_task(task_id)
    _lapse_if_due(task, now)
    if task.state == S.CLAIMED and task.assignee_id != user.pk:
        _require(user, SUPERVISE, _("release a task someone else holds"))
    return _move(task, "release", user, note)


@transaction.atomic
def task_submit(*, task_id: int, user: AbstractBaseUser, now: dt.datetime | None = None) -> Task:
    """The holder submits a task whose every stop has a finding (or was skipped with a reason)."""
    now = now or timezone.now()
    task = _locked_task(task_id)
    _lapse_if_due(task, now)
    if task.state == S.READY and task.last_assignee_id == user.pk:
        raise CensusRefused(
            _("Your claim on task #%(number)s lapsed; claim it again to submit (your findings are kept).")
            % {"number": task.number}
        )
    if task.state == S.CLAIMED and task.assignee_id != user.pk:
        raise CensusRefused(
            _("Task #%(number)s is held by %(user)s.") % {"number": task.number, "user": task.assignee.get_username()}
        )
    found = Finding.objects.filter(stop=OuterRef("pk")).exclude(review=Finding.Review.SUPERSEDED)
    open_stops = list(task.stops.filter(~Exists(found)).order_by("seq").values_list("label", flat=True))
    if open_stops:
        raise CensusRefused(
            _("%(n)d stops have no finding yet: %(labels)s")
            % {"n": len(open_stops), "labels": "、".join(open_stops[:5]) + ("…" if len(open_stops) > 5 else "")}
        )
    return _move(task, "submit", user, submitted_by=user)


def _check_supervisor(task: Task, user: AbstractBaseUser) -> None:
    _require(user, SUPERVISE, _("supervise census tasks"))
    surveyors = set(task.findings.values_list("surveyor_id", flat=True)) | {task.submitted_by_id}
    if user.pk in surveyors:
        raise CensusRefused(_("You surveyed task #%(number)s: another supervisor must review it.") % {"number": task.number})


@transaction.atomic
def task_validate(*, task_id: int, user: AbstractBaseUser) -> Task:
    """A supervisor (not its surveyor) validates a submitted task once every finding is accepted or rejected."""
    task = _locked_task(task_id)
    _check_supervisor(task, user)
    pending = task.findings.filter(review=Finding.Review.PENDING).count()
    if pending:
        raise CensusRefused(_("%(n)d findings still wait for a decision.") % {"n": pending})
    return _move(task, "validate", user, validated_by=user)


@transaction.atomic
def task_send_back(*, task_id: int, user: AbstractBaseUser, comment: str) -> Task:
    """A supervisor returns a submitted task with comments, shown first when the task is reopened."""
    task = _locked_task(task_id)
    _check_supervisor(task, user)
    if not comment.strip():
        raise CensusRefused(_("Say what must be done again: a comment is required."))
    return _move(task, "send_back", user, comment.strip(), submitted_by=None)


@transaction.atomic
def task_reassign(*, task_id: int, user: AbstractBaseUser, to: AbstractBaseUser, now: dt.datetime | None = None) -> Task:
    """A supervisor gives a task to a surveyor (a new claim for them; the previous holder loses it)."""
    now = now or timezone.now()
    _require(user, SUPERVISE, _("reassign census tasks"))
    task = _locked_task(task_id)
    _lapse_if_due(task, now)
    _check_surveyor(task, to)
    _check_capacity(task, to)
    before = task.assignee.get_username() if task.assignee else ""
    note = _("from %(before)s to %(after)s") % {"before": before or "—", "after": to.get_username()}
    expires = now + dt.timedelta(hours=task.campaign.lock_hours)
    return _move(task, "reassign", user, note, assignee=to, last_assignee=to, lock_expires_at=expires)


@transaction.atomic
def task_split(*, task_id: int, user: AbstractBaseUser, parts: int = 2) -> list[Task]:
    """A supervisor splits a ready task without findings into ``parts`` tasks along its walking order."""
    _require(user, SUPERVISE, _("split census tasks"))
    task = _locked_task(task_id)
    stops = list(task.stops.order_by("seq"))
    if not 2 <= parts <= len(stops):
        raise CensusRefused(_("A task of %(n)d stops can be split into 2 to %(n)d parts.") % {"n": len(stops)})
    if task.findings.exists():
        raise CensusRefused(_("Task #%(number)s has findings already: it cannot be split.") % {"number": task.number})
    _move(task, "split", user, _("into %(n)d parts") % {"n": parts})
    size = math.ceil(len(stops) / parts)
    first = (Task.objects.filter(campaign=task.campaign).aggregate(m=Max("number"))["m"] or 0) + 1
    children = []
    for i in range(parts):
        chunk = stops[i * size : (i + 1) * size]
        if not chunk:
            break
        children.append(_child(task, first + i, chunk, user))
    return children


def _child(task: Task, number: int, stops: list[Stop], user: AbstractBaseUser) -> Task:
    numbers = [s.number for s in stops]
    coords = [s.geom.coords for s in stops]
    outline = splitting._outline([splitting.PlannedStop([], 0, "", x, y, None, None, None) for x, y in coords])
    child = Task.objects.create(
        campaign=task.campaign,
        number=number,
        road=task.road,
        area_name=task.area_name,
        village=task.village,
        side=task.side,
        label=f"{task.label.rsplit(' ', 1)[0]} {min(numbers)}–{max(numbers)}"[:160],
        first_number=min(numbers),
        last_number=max(numbers),
        stop_count=len(stops),
        plate_count=sum(len(s.plate_ids) for s in stops),
        hint_count=sum(len(s.hints) for s in stops),
        geom=GEOSGeometry(memoryview(shapely.to_wkb(outline)), srid=STORAGE_SRID),
        split_from=task,
    )
    Stop.objects.filter(pk__in=[s.pk for s in stops]).update(task=child)
    for seq, stop in enumerate(stops, start=1):
        Stop.objects.filter(pk=stop.pk).update(seq=seq)
    TaskTransition.objects.create(
        task=child, from_state="", to_state=S.READY, action="split", actor=user, note=f"#{task.number}"
    )
    return child


def release_lapsed_claims(*, now: dt.datetime | None = None) -> int:
    """Release every claim past its expiry, each recorded as a lapse (the worker runs this every minute)."""
    now = now or timezone.now()
    released = 0
    for task_id in Task.objects.filter(state=S.CLAIMED, lock_expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            task = _locked_task(task_id)
            if task.state == S.CLAIMED and task.lock_expires_at <= now:
                _lapse_if_due(task, now)
                released += 1
    return released
