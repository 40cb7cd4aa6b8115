"""The home-visit demo of ``make demo``: synthetic requests and a day plan, made once through the services."""

from __future__ import annotations

import datetime as dt

from geo_portal.demo.homevisits_demo import DEMO_MARK, ensure_homevisits_demo, next_working_day
from geo_portal.homevisits.models import DayPlan, VisitRequest
from tests.accounts.factories import make_staff


def test_next_working_day_skips_the_weekend():
    assert next_working_day(dt.date(2026, 12, 3)) == dt.date(2026, 12, 4)  # Thursday → Friday
    assert next_working_day(dt.date(2026, 12, 4)) == dt.date(2026, 12, 7)  # Friday → Monday
    assert next_working_day(dt.date(2026, 12, 5)) == dt.date(2026, 12, 7)  # Saturday → Monday


def test_demo_requests_and_plan_made_once(office, staff):
    assert ensure_homevisits_demo().skipped == "no 'registrar' login"
    registrar = make_staff("registrar", "registrar")
    outcome = ensure_homevisits_demo()
    assert (outcome.requests, outcome.skipped) == (6, "")
    requests = VisitRequest.objects.order_by("pk")
    # Typed-in names (never a person of the register) at every fourth plate within 2 km of the office.
    assert [(r.name, r.plate.address, r.urgency, r.person_id) for r in requests] == [
        ("陳示範", "新竹市東區光復路二段3號", "urgent", None),
        ("林示範", "新竹市東區光復路二段7號", "soon", None),
        ("黃示範", "新竹市東區光復路二段11號", "routine", None),
        ("張示範", "新竹市東區光復路二段15號", "routine", None),
        ("李示範", "新竹市東區光復路二段19號", "routine", None),
        ("王示範", "新竹市東區光復路二段23號", "routine", None),
    ]
    assert all(r.notes.startswith(DEMO_MARK) for r in requests)
    plan = outcome.plan
    assert (plan.visitor, plan.service_point, plan.day.isoweekday() <= 5) == (registrar, office, True)
    stops = plan.stops.select_related("request").order_by("position")
    assert [(s.request.name, s.arrive_at.strftime("%H:%M")) for s in stops] == [
        ("陳示範", "08:31"),
        ("林示範", "08:51"),
        ("黃示範", "09:12"),
        ("張示範", "09:32"),
        ("李示範", "09:53"),
        ("王示範", "10:14"),
    ]
    assert set(requests.values_list("status", flat=True)) == {"planned"}
    again = ensure_homevisits_demo()
    assert (again.requests, again.plan, again.skipped) == (0, plan, "the demo requests are already there")
    assert (VisitRequest.objects.count(), DayPlan.objects.count()) == (6, 1)
