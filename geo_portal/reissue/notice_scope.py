"""Reads of resident notices: which plates of a scope (a village, a census campaign or a road) need a letter, which
of them to skip and why, and the counts the staff page previews before anything is printed.

The skip rule, one place for the page's preview and the batch service: a plate is skipped when it has an open
re-issue case (the resident is already being served), when a letter to it waits in a batch not yet recorded as
sent (whatever its condition), or when a letter about the same condition was sent and no re-issue case of the plate
has closed since (once a new plate went up, a new problem is news). A run that re-sends on purpose (with a reason)
takes the plates of the last group too, each letter naming the one it repeats.

Called by ``services.notices`` and ``views.notices``; reads its own tables, the plates, areas and census campaigns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Road, Village
from geo_portal.census.models import Campaign
from geo_portal.offices.models import ServicePoint
from geo_portal.reissue.models import CasePlate, NoticeBatch, NoticeCondition, NoticeLetter, ScopeKind
from geo_portal.reissue.states import State

CONDITIONS: tuple[str, ...] = tuple(NoticeCondition.values)

# Why a plate of the scope gets no letter in this run.
NEW = "new"
SENT = "sent"
WAITING = "waiting"
OPEN_CASE = "open_case"


@dataclass(frozen=True)
class Scope:
    kind: str
    id: int
    label: str


@dataclass(frozen=True)
class Candidate:
    """A plate of the scope in one of the chosen conditions, and what the skip rule says of it."""

    plate_id: int
    condition: str
    held: str  # NEW, SENT, WAITING or OPEN_CASE
    previous_letter_id: int | None  # the sent letter about this condition (SENT)


@dataclass(frozen=True)
class ConditionCounts:
    condition: str
    label: str
    matching: int
    sent: int
    waiting: int
    open_case: int
    to_print: int


@dataclass(frozen=True)
class Preview:
    scope: Scope
    resend: bool
    rows: list[ConditionCounts]
    total: ConditionCounts


def _campaign_filter(campaign: Campaign) -> Q:
    """The campaign's plates as the census splits them: registered in its villages (or, without a village, lying in
    its area), or lying in its drawn area."""
    village_ids = list(campaign.villages.values_list("pk", flat=True))
    if village_ids:
        return Q(district_id=campaign.district_id) & (
            Q(village_id__in=village_ids) | Q(village__isnull=True, geom__coveredby=campaign.area)
        )
    return Q(district_id=campaign.district_id, geom__coveredby=campaign.area)


def resolve_scope(*, kind: str, scope_id: object) -> tuple[Scope, Q] | None:
    """The scope named by ``kind`` and id, with the filter of its plates; None when there is no such scope."""
    if not isinstance(scope_id, int) or isinstance(scope_id, bool):
        return None
    if kind == ScopeKind.VILLAGE:
        village = Village.objects.select_related("district").filter(pk=scope_id).first()
        if village is None:
            return None
        return Scope(kind, village.pk, f"{village.district.name}{village.name}"), Q(village_id=village.pk)
    if kind == ScopeKind.ROAD:
        road = Road.objects.select_related("district").filter(pk=scope_id).first()
        if road is None:
            return None
        return Scope(kind, road.pk, f"{road.district.name}{road.name}"), Q(road_id=road.pk)
    if kind == ScopeKind.CAMPAIGN:
        campaign = Campaign.objects.filter(pk=scope_id).first()
        if campaign is None:
            return None
        return Scope(kind, campaign.pk, campaign.name), _campaign_filter(campaign)
    return None


def scope_plates(where: Q, conditions: Sequence[str]) -> QuerySet[DoorPlate]:
    """The scope's active plates in one of ``conditions``."""
    return DoorPlate.objects.active().filter(where, condition__in=list(conditions))


def _last_closed(plate_ids: list[int]) -> dict[int, dt.datetime]:
    """Plate id → when the last closed re-issue case of the plate was closed."""
    rows = (
        CasePlate.objects.filter(plate_id__in=plate_ids, case__state=State.CLOSED)
        .values("plate_id")
        .annotate(at=Max("case__state_since"))
        .values_list("plate_id", "at")
    )
    return dict(rows)


def candidates(*, where: Q, conditions: Sequence[str]) -> list[Candidate]:
    """Every plate of the scope in one of ``conditions`` (by id), with what the skip rule says of it."""
    plates = list(scope_plates(where, conditions).order_by("pk").values_list("pk", "condition"))
    ids = [pk for pk, _c in plates]
    open_case = set(CasePlate.objects.filter(plate_id__in=ids, is_open=True).values_list("plate_id", flat=True))
    waiting = set(
        NoticeLetter.objects.filter(plate_id__in=ids, status=NoticeLetter.Status.PREPARED).values_list("plate_id", flat=True)
    )
    closed = _last_closed(ids)
    sent: dict[tuple[int, str], tuple[int, dt.datetime]] = {}
    rows = NoticeLetter.objects.filter(plate_id__in=ids, status=NoticeLetter.Status.SENT).values_list(
        "plate_id", "condition", "pk", "recorded_at"
    )
    for plate_id, condition, letter_id, recorded_at in rows:
        latest = sent.get((plate_id, condition))
        if latest is None or (recorded_at, letter_id) > (latest[1], latest[0]):
            sent[(plate_id, condition)] = (letter_id, recorded_at)
    out = []
    for plate_id, condition in plates:
        previous = sent.get((plate_id, condition))
        if previous is not None and plate_id in closed and closed[plate_id] > previous[1]:
            previous = None  # a new plate went up after that letter: this is a new problem
        if plate_id in open_case:
            held = OPEN_CASE
        elif plate_id in waiting:
            held = WAITING
        elif previous is not None:
            held = SENT
        else:
            held = NEW
        out.append(Candidate(plate_id, condition, held, previous[0] if previous and held == SENT else None))
    return out


def to_print(found: list[Candidate], *, resend: bool) -> list[Candidate]:
    """The candidates that get a letter: the new ones, and on a deliberate re-send those already sent."""
    return [c for c in found if c.held == NEW or (resend and c.held == SENT)]


def preview(*, scope: Scope, where: Q, conditions: Sequence[str], resend: bool = False) -> Preview:
    """Counts per condition: plates in the scope, skipped (sent, waiting in a batch, open case) and to print."""
    found = candidates(where=where, conditions=conditions)
    chosen = {(c.plate_id, c.condition) for c in to_print(found, resend=resend)}
    rows = []
    for condition in [c for c in CONDITIONS if c in conditions]:
        mine = [c for c in found if c.condition == condition]
        held = Counter(c.held for c in mine)
        rows.append(
            ConditionCounts(
                condition=condition,
                label=str(NoticeCondition(condition).label),
                matching=len(mine),
                sent=held[SENT],
                waiting=held[WAITING],
                open_case=held[OPEN_CASE],
                to_print=sum(1 for c in mine if (c.plate_id, c.condition) in chosen),
            )
        )
    total = ConditionCounts(
        condition="",
        label="",
        matching=sum(r.matching for r in rows),
        sent=sum(r.sent for r in rows),
        waiting=sum(r.waiting for r in rows),
        open_case=sum(r.open_case for r in rows),
        to_print=sum(r.to_print for r in rows),
    )
    return Preview(scope=scope, resend=resend, rows=rows, total=total)


@dataclass(frozen=True)
class ScopeOption:
    value: str  # "village:12"
    label: str
    needing: int  # plates in a notice condition


def scope_options() -> dict[str, list[ScopeOption]]:
    """The page's choices: villages and roads with plates in a notice condition (with their counts), and every
    census campaign."""
    bad = Q(plates__status=DoorPlate.Status.ACTIVE, plates__condition__in=list(CONDITIONS))
    villages = (
        Village.objects.select_related("district")
        .annotate(n=Count("plates", filter=bad))
        .filter(n__gt=0)
        .order_by("district__name", "name")
    )
    roads = Road.objects.select_related("district").annotate(n=Count("plates", filter=bad)).filter(n__gt=0)
    campaigns = Campaign.objects.order_by("-starts_on", "-id")
    return {
        ScopeKind.VILLAGE: [ScopeOption(f"village:{v.pk}", f"{v.district.name}{v.name}", v.n) for v in villages],
        ScopeKind.CAMPAIGN: [ScopeOption(f"campaign:{c.pk}", c.name, -1) for c in campaigns],
        ScopeKind.ROAD: [
            ScopeOption(f"road:{r.pk}", f"{r.district.name}{r.name}", r.n)
            for r in sorted(roads, key=lambda r: (r.district.name, r.name))
        ],
    }


def office_service_point() -> ServicePoint | None:
    """Where the letters send the residents: the office's own service point in service (the first by name)."""
    return (
        ServicePoint.objects.select_related("plate__road", "plate__district__county")
        .filter(kind=ServicePoint.Kind.OFFICE, active=True)
        .order_by("name", "pk")
        .first()
    )


def batches() -> QuerySet[NoticeBatch]:
    """Notice batches for the staff page, newest first."""
    return NoticeBatch.objects.select_related("created_by", "recorded_by").order_by("-created_at", "-id")


def batch_letters(batch: NoticeBatch) -> QuerySet[NoticeLetter]:
    """A batch's letters in walking order."""
    return NoticeLetter.objects.filter(batch=batch).select_related("plate", "sent_by").order_by("seq")


def plate_letters(plate_id: int) -> QuerySet[NoticeLetter]:
    """Every letter to a plate, newest first (its sending record: date, method, who)."""
    return (
        NoticeLetter.objects.filter(plate_id=plate_id)
        .select_related("batch", "sent_by")
        .order_by("-batch__created_at", "-id")
    )
