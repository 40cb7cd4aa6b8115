"""Day plans: a planner picks a day and requests, the round is ordered from the office's service point and back
(``routing``, straight-line distance), and re-planned when a request is added or cancelled — the visits already
made keep their places. Requests the round cannot serve are listed on the plan with the reason.

Keyword-only services, each in its own transaction, the requests and the plan locked while they change; a plan
carries ``version`` (a stale change names who planned it and when). Called by the staff pages and tests.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.homevisits import routing
from geo_portal.homevisits.errors import HomeVisitRefused
from geo_portal.homevisits.models import DayPlan, PlanStop, UnfitRequest, VisitRequest
from geo_portal.homevisits.permissions import may_handle
from geo_portal.homevisits.services import locked_request, require_handler
from geo_portal.offices.models import ServicePoint

PRIORITY = {VisitRequest.Urgency.URGENT: 0, VisitRequest.Urgency.SOON: 1, VisitRequest.Urgency.ROUTINE: 2}
DEFAULT_START, DEFAULT_END = dt.time(8, 30), dt.time(17, 0)
MAX_STOPS = 300
S = VisitRequest.Status
OUT = PlanStop.Outcome


def minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def clock(value: float) -> dt.time:
    total = min(round(value), 24 * 60 - 1)
    return dt.time(total // 60, total % 60)


def service_point_for(service_point_id: int | None) -> tuple[ServicePoint | None, str]:
    """The service point a round starts from: the one asked for, else the office; None and why when missing."""
    points = ServicePoint.objects.filter(active=True)
    point = (
        points.filter(pk=service_point_id).first()
        if service_point_id is not None
        else points.filter(kind=ServicePoint.Kind.OFFICE, location__isnull=False).order_by("pk").first()
    )
    if point is None:
        return None, _(
            "no service point is configured for the office; enter the office's own address in its service points first"
        )
    if point.location is None:
        return None, _("%(name)s has no located address (%(note)s); correct its address first") % {
            "name": point.name,
            "note": point.geocode_note or _("not geocoded"),
        }
    return point, ""


def _stop(request: VisitRequest, plan: DayPlan) -> routing.Stop:
    window = None
    if request.window_start or request.window_end:
        window = (
            minutes(request.window_start) if request.window_start else 0,
            minutes(request.window_end) if request.window_end else 24 * 60,
        )
    point = request.plate.geom
    return routing.Stop(
        key=request.pk,
        x=point.x,
        y=point.y,
        priority=PRIORITY[request.urgency],
        window=window,
        service_min=plan.service_minutes,
    )


def _day(plan: DayPlan) -> routing.Day:
    here = plan.service_point.location
    return routing.Day(
        x=here.x,
        y=here.y,
        start_min=minutes(plan.start_time),
        end_min=minutes(plan.end_time),
        speed_kmh=plan.speed_kmh,
    )


def _unfit_detail(unfit: routing.Unfit, request: VisitRequest, resumed: bool) -> str:
    if unfit.reason == "window" and resumed:
        return _("window %(start)s–%(end)s; from the last visit made it is reached at %(earliest)s at the earliest") % {
            "start": request.window_start.strftime("%H:%M") if request.window_start else "—",
            "end": request.window_end.strftime("%H:%M") if request.window_end else "—",
            "earliest": clock(unfit.earliest_min).strftime("%H:%M"),
        }
    if unfit.reason == "window":
        return _("window %(start)s–%(end)s; straight from the office it is reached at %(earliest)s at the earliest") % {
            "start": request.window_start.strftime("%H:%M") if request.window_start else "—",
            "end": request.window_end.strftime("%H:%M") if request.window_end else "—",
            "earliest": clock(unfit.earliest_min).strftime("%H:%M"),
        }
    return _("the round is full for its urgency or its window clashes with the others' windows")


def _made_order(stop: PlanStop) -> tuple[float, int]:
    return (stop.outcome_at.timestamp() if stop.outcome_at else -math.inf, stop.position)


def _resume(plan: DayPlan, made: Sequence[PlanStop], now: dt.datetime | None) -> routing.Resume | None:
    """On the plan's day, once a visit has been reported, the rest of the round starts from the last visit made at
    the current time (or when that visit was reported, if later); before that, and on another day, from the office at
    the day's start (the server cannot know that the clerk has set out)."""
    at = timezone.localtime(now or timezone.now())
    if not made or plan.day != at.date():
        return None
    last = made[-1].outcome_at
    since = max(at, timezone.localtime(last)) if last else at
    return routing.Resume(
        at_min=since.hour * 60 + since.minute + since.second / 60,
        arrivals_min=tuple(float(minutes(s.arrive_at)) for s in made),
    )


def replan(*, plan: DayPlan, add: Sequence[VisitRequest], now: dt.datetime | None = None) -> DayPlan:
    """Order the plan's round again with ``add`` (locked, open requests) joining it; visits made stay first, in the
    order they were made, and on the plan's day the rest is timed from the last of them at ``now`` (``_resume``).
    Stops keep their rows (and ids, which devices hold): a stop that no longer fits is marked removed, never
    deleted. Runs inside the caller's transaction."""
    every = list(plan.stops.select_related("request__plate").order_by("position"))
    live = [s for s in every if s.outcome != OUT.REMOVED]
    made = sorted((s for s in live if s.outcome != OUT.PENDING), key=_made_order)
    waiting = [s.request for s in live if s.outcome == OUT.PENDING]
    candidates = waiting + list(add)
    by_id = {r.pk: r for r in [*candidates, *(s.request for s in made)]}
    resume = _resume(plan, made, now)
    result = routing.plan_round(
        _day(plan),
        [_stop(r, plan) for r in candidates],
        fixed=[_stop(s.request, plan) for s in made],
        resume=resume,
    )
    rows = {s.request_id: s for s in every}
    top = max((s.position for s in every), default=0)
    # Every row out of the way of the new positions first (unique per plan); removed stops stay up there.
    for offset, stop in enumerate(every):
        PlanStop.objects.filter(pk=stop.pk).update(position=top + 1 + offset)
    new_stops = []
    for position, (key, arrival, leg) in enumerate(zip(result.order, result.arrivals_min, result.legs_m, strict=False)):
        row = rows.get(key)
        if row is not None:
            outcome = OUT.PENDING if row.outcome == OUT.REMOVED else row.outcome
            PlanStop.objects.filter(pk=row.pk).update(
                position=position + 1, arrive_at=clock(arrival), leg_m=leg, outcome=outcome
            )
        else:
            new_stops.append(
                PlanStop(plan=plan, request=by_id[key], position=position + 1, arrive_at=clock(arrival), leg_m=leg)
            )
    PlanStop.objects.bulk_create(new_stops)
    served = set(result.order)
    PlanStop.objects.filter(plan=plan, outcome=OUT.PENDING).exclude(request_id__in=served).update(outcome=OUT.REMOVED)
    VisitRequest.objects.filter(pk__in=served, status=S.OPEN).update(status=S.PLANNED)
    dropped = [r.pk for r in candidates if r.pk not in served]
    VisitRequest.objects.filter(pk__in=dropped, status=S.PLANNED).update(status=S.OPEN)
    plan.unfit.filter(reason__in=[UnfitRequest.Reason.WINDOW, UnfitRequest.Reason.NO_ROOM]).delete()
    UnfitRequest.objects.bulk_create(
        UnfitRequest(
            plan=plan, request=by_id[u.key], reason=u.reason, detail=_unfit_detail(u, by_id[u.key], resume is not None)[:300]
        )
        for u in result.unfit
    )
    plan.unfit.filter(request_id__in=served).delete()
    plan.total_m = result.length_m
    plan.return_time = clock(result.return_min)
    plan.version += 1
    plan.updated_at = timezone.now()
    plan.save(update_fields=["total_m", "return_time", "version", "updated_at"])
    return plan


def _pick(
    request_ids: Sequence[int], day: dt.date, errors: list, plan: DayPlan | None = None
) -> tuple[list[VisitRequest], list[tuple]]:
    """The requests (locked): those that can join a round, and those that cannot with the reason."""
    ids = list(dict.fromkeys(request_ids))
    found = {
        r.pk: r for r in VisitRequest.objects.select_for_update(of=("self",)).select_related("plate").filter(pk__in=ids)
    }
    missing = [i for i in ids if i not in found]
    if missing:
        errors.append(("requests", _("unknown requests: %(ids)s") % {"ids": ", ".join(f"#{i}" for i in missing)}))
    usable, refused = [], []
    already = set(plan.stops.exclude(outcome=OUT.REMOVED).values_list("request_id", flat=True)) if plan else set()
    for i in ids:
        request = found.get(i)
        if request is None:
            continue
        if request.pk in already:
            errors.append(("requests", _("#%(id)s is already in this round") % {"id": request.pk}))
        elif request.status != S.OPEN:
            refused.append((request, UnfitRequest.Reason.NOT_OPEN, request.get_status_display()))
        elif request.preferred_days and day.isoweekday() not in request.preferred_days:
            names = ", ".join(_weekday(d) for d in request.preferred_days)
            refused.append((request, UnfitRequest.Reason.DAY, _("prefers %(days)s") % {"days": names}))
        else:
            usable.append(request)
    return usable, refused


def _weekday(iso: int) -> str:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")][iso - 1]


@transaction.atomic
def plan_create(
    *,
    actor: AbstractBaseUser,
    day: dt.date,
    visitor: AbstractBaseUser,
    request_ids: Sequence[int],
    service_point_id: int | None = None,
    start_time: dt.time = DEFAULT_START,
    end_time: dt.time = DEFAULT_END,
    speed_kmh: float = 20.0,
    service_minutes: int = 20,
) -> DayPlan:
    """A day's round through the requests that fit, ordered from the service point and back."""
    require_handler(actor)
    errors: list[tuple[str, str]] = []
    point, why = service_point_for(service_point_id)
    if point is None:
        errors.append(("service_point", why))
    if day < timezone.localdate():
        errors.append(("day", _("%(day)s has passed") % {"day": day}))
    if not may_handle(visitor):
        errors.append(("visitor", _("%(user)s may not make home visits") % {"user": visitor.get_username()}))
    if start_time >= end_time:
        errors.append(("end_time", _("must be later than %(start)s") % {"start": start_time.strftime("%H:%M")}))
    if not (1 <= speed_kmh <= 80):
        errors.append(("speed_kmh", _("between 1 and 80 km/h")))
    if not (1 <= service_minutes <= 240):
        errors.append(("service_minutes", _("between 1 and 240 minutes")))
    if not request_ids:
        errors.append(("requests", _("pick at least one request")))
    if len(request_ids) > MAX_STOPS:
        errors.append(("requests", _("at most %(n)d per plan") % {"n": MAX_STOPS}))
    usable, refused = _pick(request_ids, day, errors)
    if errors:
        raise HomeVisitRefused(errors)
    plan = DayPlan.objects.create(
        day=day,
        service_point=point,
        visitor=visitor,
        start_time=start_time,
        end_time=end_time,
        speed_kmh=speed_kmh,
        service_minutes=service_minutes,
        created_by=actor,
    )
    UnfitRequest.objects.bulk_create(
        UnfitRequest(plan=plan, request=r, reason=reason, detail=str(detail)[:300]) for r, reason, detail in refused
    )
    return replan(plan=plan, add=usable)


def locked_plan(plan_id: int, version: int) -> DayPlan:
    plan = DayPlan.objects.select_for_update().select_related("service_point", "created_by").filter(pk=plan_id).first()
    if plan is None:
        raise HomeVisitRefused([("plan", _("there is no day plan %(id)s") % {"id": plan_id})])
    if plan.version != version:
        raise HomeVisitRefused(
            [
                (
                    "version",
                    _("the plan was changed at %(when)s; reload it and try again")
                    % {"when": timezone.localtime(plan.updated_at).strftime("%Y-%m-%d %H:%M")},
                )
            ]
        )
    return plan


@transaction.atomic
def plan_add_requests(
    *, actor: AbstractBaseUser, plan_id: int, version: int, request_ids: Sequence[int], now: dt.datetime | None = None
) -> DayPlan:
    """Requests join a plan: the round is ordered again, the visits already made keep their places and, during the
    plan's day, the rest starts from the last of them at ``now`` (the current time unless given)."""
    require_handler(actor)
    plan = locked_plan(plan_id, version)
    errors: list[tuple[str, str]] = []
    if plan.day < timezone.localtime(now or timezone.now()).date():
        errors.append(("plan", _("the plan's day %(day)s has passed") % {"day": plan.day}))
    if not request_ids:
        errors.append(("requests", _("pick at least one request")))
    usable, refused = _pick(request_ids, plan.day, errors, plan)
    if errors:
        raise HomeVisitRefused(errors)
    plan.unfit.filter(request__in=[r for r, _reason, _d in refused]).delete()
    UnfitRequest.objects.bulk_create(
        UnfitRequest(plan=plan, request=r, reason=reason, detail=str(detail)[:300]) for r, reason, detail in refused
    )
    return replan(plan=plan, add=usable, now=now)


@transaction.atomic
def request_cancel(
    *, actor: AbstractBaseUser, request_id: int, version: int, reason: str, now: dt.datetime | None = None
) -> VisitRequest:
    """Cancel a request not yet visited; a planned one leaves its round, which is ordered again (the visits
    already made stay as they were; during the plan's day the rest starts from the last of them at ``now``)."""
    require_handler(actor)
    found = locked_request(request_id, version)
    errors = []
    if not reason.strip():
        errors.append(("reason", _("say why the request is cancelled")))
    if found.status in (S.VISITED, S.CANCELLED):
        errors.append(
            ("status", _("request #%(id)s is %(status)s") % {"id": found.pk, "status": found.get_status_display()})
        )
    if errors:
        raise HomeVisitRefused(errors)
    pending = list(PlanStop.objects.filter(request=found, outcome=OUT.PENDING))
    found.status, found.cancel_reason = S.CANCELLED, reason.strip()[:200]
    found.version += 1
    found.updated_by, found.updated_at = actor, timezone.now()
    found.save(update_fields=["status", "cancel_reason", "version", "updated_by", "updated_at"])
    for stop in pending:
        plan = DayPlan.objects.select_for_update().select_related("service_point").get(pk=stop.plan_id)
        PlanStop.objects.filter(pk=stop.pk).update(outcome=OUT.REMOVED)
        replan(plan=plan, add=[], now=now)
    return found
