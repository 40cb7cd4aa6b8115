"""Demo home visits for ``make demo``: six synthetic requests and a day plan, so a newcomer sees the feature.

The requests are made up, never taken from the register: names typed in and marked 示範 (demo), a phone number that
rings nowhere, and notes that say they are synthetic; at active plates within two kilometres of the office's service
point, one urgent, one soon, one held to a morning window. The day plan serves them on the next working day, for
the demo registrar login, so the request list, the round on its map and the printable sheet have something to show.
Everything goes through the home-visit services (and their checks and access log); made once, recognised by the marker
in the notes, so a second run changes nothing. Like every request, staff only: nothing of it is on a public page.
Called by ``demo_setup`` after the re-issuance demo, which places the office's service point when none is loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.gis.measure import D
from django.db import transaction
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.homevisits.models import DayPlan, VisitRequest
from geo_portal.homevisits.planning import plan_create, service_point_for
from geo_portal.homevisits.services import request_create
from geo_portal.registry.access import Access

DEMO_MARK = "示範資料 demo: synthetic request, not a real person"
RADIUS_M = 2000
# (name, purpose, urgency, window, unit, notes after the marker)
DEMO_REQUESTS: tuple[tuple[str, str, str, tuple[dt.time, dt.time] | None, str, str], ...] = (
    ("陳示範", "id_card", "urgent", None, "", "行動不便，請先來電"),
    ("林示範", "registration", "soon", None, "3樓", "臥床，家屬在場"),
    ("黃示範", "id_card", "routine", (dt.time(9, 0), dt.time(11, 0)), "", "上午較方便"),
    ("張示範", "other", "routine", None, "", "輪椅使用者"),
    ("李示範", "registration", "routine", None, "", "需手語翻譯"),
    ("王示範", "id_card", "routine", None, "", ""),
)


@dataclass(frozen=True)
class HomeVisitsDemo:
    requests: int  # requests made now
    plan: DayPlan | None  # the demo plan (made now or before)
    skipped: str = ""


def next_working_day(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


def _plates(around) -> list[DoorPlate]:
    """Six entrance plates spread over the plates within ``RADIUS_M`` of the office (every n-th by id: fixed)."""
    near = list(
        DoorPlate.objects.active()
        .filter(floor__isnull=True, geom__dwithin=(around, D(m=RADIUS_M)))
        .order_by("pk")
        .only("pk", "address")
    )
    if len(near) < len(DEMO_REQUESTS):
        return []
    step = len(near) // len(DEMO_REQUESTS)
    return [near[i * step + step // 2] for i in range(len(DEMO_REQUESTS))]


def ensure_homevisits_demo(*, registrar_username: str = "registrar") -> HomeVisitsDemo:
    """The demo requests and their plan, once; ``skipped`` says why nothing was made."""
    existing = VisitRequest.objects.filter(notes__startswith=DEMO_MARK)
    if existing.exists():
        plan = DayPlan.objects.filter(stops__request__in=existing).distinct().order_by("pk").first()
        return HomeVisitsDemo(requests=0, plan=plan, skipped="the demo requests are already there")
    registrar = get_user_model().objects.filter(username=registrar_username).first()
    if registrar is None:
        return HomeVisitsDemo(requests=0, plan=None, skipped=f"no '{registrar_username}' login")
    point, why = service_point_for(None)
    if point is None:
        return HomeVisitsDemo(requests=0, plan=None, skipped=why)
    plates = _plates(point.location)
    if not plates:
        return HomeVisitsDemo(requests=0, plan=None, skipped=f"fewer than six plates within {RADIUS_M} m of the office")
    access = Access(user=registrar, purpose="home_visit", endpoint="demo_setup")
    with transaction.atomic():
        made = []
        for i, (plate, (name, purpose, urgency, window, unit, note)) in enumerate(zip(plates, DEMO_REQUESTS, strict=True)):
            made.append(
                request_create(
                    actor=registrar,
                    access=access,
                    address=plate.address,
                    name=name,
                    purpose=purpose,
                    urgency=urgency,
                    unit=unit,
                    window_start=window[0] if window else None,
                    window_end=window[1] if window else None,
                    contact=f"0900-000-00{i + 1}",
                    notes=f"{DEMO_MARK}. {note}" if note else DEMO_MARK,
                )
            )
        plan = plan_create(
            actor=registrar,
            day=next_working_day(timezone.localdate()),
            visitor=registrar,
            request_ids=[r.pk for r in made],
        )
    return HomeVisitsDemo(requests=len(made), plan=plan)
