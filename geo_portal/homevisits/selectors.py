"""Reads of home-visit data that carries personal data (names, contacts, health needs): the request list, one
request, a plan and the round's offline package. Each takes the registry's ``Access`` (purpose ``home_visit``),
checks it and writes one access-log row per person shown, in the same transaction as the read (``log_reads``; a
person typed in, not in the register, is logged without a person id and with the request's number). Called by the
staff pages and the field API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from geo_portal.core.geo import WGS84_SRID
from geo_portal.homevisits.models import DayPlan, PlanStop, UnfitRequest, VisitRequest, VisitResult
from geo_portal.homevisits.sync import end_of_day
from geo_portal.registry.access import Access, checked, log_reads

FIELDS = ("name", "address", "contact", "notes")


def _log(access: Access, selector: str, requests: list[VisitRequest]) -> None:
    if not requests:
        log_reads(access, selector=selector, person_ids=[None], fields=FIELDS, note="no request")
        return
    persons = [r.person_id for r in requests if r.person_id is not None]
    if persons:
        log_reads(access, selector=selector, person_ids=persons, fields=FIELDS)
    for r in requests:
        if r.person_id is None:
            log_reads(access, selector=selector, person_ids=[None], fields=FIELDS, note=f"home visit request #{r.pk}")


@dataclass(frozen=True)
class RequestRow:
    request: VisitRequest
    results: tuple[VisitResult, ...]  # every result received for the request, in the order observed

    @property
    def address(self) -> str:
        return " ".join(part for part in (self.request.plate.address, self.request.unit) if part)


def _requests() -> QuerySet[VisitRequest]:
    return VisitRequest.objects.select_related("plate", "created_by").order_by("-requested_on", "-id")


@transaction.atomic
def request_rows(*, access: Access, status: str = "", limit: int = 200) -> list[RequestRow]:
    """The request list (newest first, optionally one status) with each request's visit results."""
    access = checked(access)
    found = _requests()
    if status:
        found = found.filter(status=status)
    requests = list(found[:limit])
    results: dict[int, list[VisitResult]] = {}
    for result in (
        VisitResult.objects.filter(stop__request__in=requests).select_related("stop").order_by("observed_at", "id")
    ):
        results.setdefault(result.stop.request_id, []).append(result)
    _log(access, "homevisits.request_rows", requests)
    return [RequestRow(r, tuple(results.get(r.pk, ()))) for r in requests]


@transaction.atomic
def request_detail(*, access: Access, request_id: int) -> RequestRow | None:
    access = checked(access)
    request = _requests().filter(pk=request_id).first()
    if request is None:
        return None
    results = VisitResult.objects.filter(stop__request=request).select_related("stop__plan", "registration_event")
    _log(access, "homevisits.request_detail", [request])
    return RequestRow(request, tuple(results.order_by("observed_at", "id")))


@dataclass(frozen=True)
class PlanView:
    plan: DayPlan
    stops: tuple[PlanStop, ...]
    unfit: tuple[UnfitRequest, ...]


def plans_list(*, limit: int = 60) -> list[DayPlan]:
    """Plans newest day first (no personal data: days, clerks, counts)."""
    return list(DayPlan.objects.select_related("service_point", "visitor").order_by("-day", "-id")[:limit])


@transaction.atomic
def plan_view(*, access: Access, plan_id: int) -> PlanView | None:
    access = checked(access)
    plan = DayPlan.objects.select_related("service_point", "visitor", "created_by").filter(pk=plan_id).first()
    if plan is None:
        return None
    stops = tuple(plan.stops.exclude(outcome=PlanStop.Outcome.REMOVED).select_related("request__plate").order_by("position"))
    unfit = tuple(plan.unfit.select_related("request__plate").order_by("request_id"))
    _log(access, "homevisits.plan_view", [s.request for s in stops] + [u.request for u in unfit])
    return PlanView(plan, stops, unfit)


@transaction.atomic
def open_requests(*, access: Access) -> list[VisitRequest]:
    """Requests waiting for a plan, most urgent and oldest first (for the planner's choice)."""
    access = checked(access)
    order = {"urgent": 0, "soon": 1, "routine": 2}
    found = sorted(
        VisitRequest.objects.filter(status=VisitRequest.Status.OPEN).select_related("plate"),
        key=lambda r: (order[r.urgency], r.requested_on, r.pk),
    )
    _log(access, "homevisits.open_requests", found)
    return found


def lonlat(point) -> tuple[float, float]:
    p = point.transform(WGS84_SRID, clone=True)
    return round(p.x, 6), round(p.y, 6)


def rounds_of(user) -> list[DayPlan]:
    """The user's rounds from today on (what the device may take)."""
    today = timezone.localdate()
    return list(
        DayPlan.objects.filter(visitor=user, day__gte=today)
        .select_related("service_point")
        .prefetch_related(
            Prefetch("stops", queryset=PlanStop.objects.exclude(outcome=PlanStop.Outcome.REMOVED).only("id", "plan_id"))
        )
        .order_by("day", "id")
    )


@transaction.atomic
def round_package(*, access: Access, plan: DayPlan) -> dict[str, Any]:
    """The round as the device keeps it (encrypted there): the office, the stops in order with each request's
    details and position, the straight-line length, and when the sheet expires."""
    access = checked(access)
    stops = list(plan.stops.exclude(outcome=PlanStop.Outcome.REMOVED).select_related("request__plate").order_by("position"))
    office = plan.service_point
    out_stops = []
    for stop in stops:
        r = stop.request
        lon, lat = lonlat(r.plate.geom)
        out_stops.append(
            {
                "id": stop.id,
                "position": stop.position,
                "arrive_at": stop.arrive_at.strftime("%H:%M"),
                "leg_m": round(stop.leg_m),
                "outcome": stop.outcome,
                "request": r.pk,
                "name": r.name,
                "address": r.plate.address,
                "unit": r.unit,
                "purpose": r.get_purpose_display(),
                "purpose_note": r.purpose_note,
                "urgency": r.urgency,
                "urgency_label": r.get_urgency_display(),
                "window": [
                    r.window_start.strftime("%H:%M") if r.window_start else "",
                    r.window_end.strftime("%H:%M") if r.window_end else "",
                ],
                "contact": r.contact,
                "notes": r.notes,
                "registered": r.person_id is not None,
                "lon": lon,
                "lat": lat,
            }
        )
    olon, olat = lonlat(office.location)
    _log(access, "homevisits.round_package", [s.request for s in stops])
    return {
        "plan": plan.pk,
        "version": plan.version,
        "day": plan.day.isoformat(),
        "expires_at": end_of_day(plan.day).isoformat(),
        "office": {"name": office.name, "address": office.address, "lon": olon, "lat": olat},
        "start": plan.start_time.strftime("%H:%M"),
        "back": plan.return_time.strftime("%H:%M") if plan.return_time else "",
        "total_m": round(plan.total_m),
        "stops": out_stops,
        "downloaded_at": timezone.now().isoformat(),
    }
