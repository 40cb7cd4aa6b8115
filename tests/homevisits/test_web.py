"""The staff pages and the visit sheet's API through Django's test client: sign-in and the right role, a request
entered from an address written otherwise, a plan with its map data and PDF sheet, the package and key only for the
round's own clerk on a device not revoked, the sync, the statistics with small numbers withheld."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from geo_portal.homevisits.models import DayPlan, VisitDevice, VisitRequest
from geo_portal.homevisits.planning import plan_create
from geo_portal.homevisits.services import request_create
from geo_portal.homevisits.stats import village_months
from geo_portal.registry.models import AccessLog
from tests.accounts.factories import PASSWORD
from tests.homevisits.conftest import access


def today() -> dt.date:
    """The office's date now (not at import: a run that crosses midnight in Taipei changed days under a constant)."""
    return timezone.localdate()


def client_for(user, **extra) -> Client:
    client = Client(enforce_csrf_checks=False, **extra)
    client.cookies["django_language"] = "en"
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def test_pages_need_sign_in_and_the_registry_role(street, staff):
    for name in ("homevisits:home", "homevisits:plans", "homevisits:request-new", "homevisits_field:app"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))
        denied = client_for(staff["clerk"]).get(reverse(name))
        assert denied.status_code == 403
    assert Client().get(reverse("homevisits_field:sw")).status_code == 302
    assert client_for(staff["clerk"]).get(reverse("homevisits:statistics")).status_code == 403


def test_a_request_typed_in_and_a_plan_with_its_sheet(office, staff):
    ann = client_for(staff["ann"])
    response = ann.post(
        reverse("homevisits:request-new"),
        {"address": "新竹市東區光復路2段11號", "unit": "3樓", "name": "李阿婆", "purpose": "id_card", "urgency": "soon",
         "preferred_days": [str(today().isoweekday())], "contact": "0912-345-678", "notes": "wheelchair"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    made = VisitRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("homevisits:request", args=[made.pk])
    assert (made.name, made.plate.address, made.unit, made.preferred_days) == (
        "李阿婆",
        "新竹市東區光復路二段11號",
        "3樓",
        [today().isoweekday()],
    )
    page = ann.get(reverse("homevisits:home")).content.decode()
    assert "李阿婆" in page and "新竹市東區光復路二段11號 3樓" in page
    bad = {"address": "光復路二段999號", "name": "x", "purpose": "other", "urgency": "routine"}
    refused = ann.post(reverse("homevisits:request-new"), bad, follow=True)
    assert "address: 光復路二段999號 is not a door plate of the district" in refused.content.decode()
    assert VisitRequest.objects.count() == 1
    response = ann.post(
        reverse("homevisits:plans"),
        {"day": timezone.localdate().isoformat(), "visitor": staff["ann"].pk, "start_time": "08:30", "end_time": "17:00",
         "service_minutes": "20", "speed_kmh": "20", "requests": [str(made.pk)]},
    )  # fmt: skip
    plan = DayPlan.objects.get()
    assert response["Location"] == reverse("homevisits:plan", args=[plan.pk])
    page = ann.get(reverse("homevisits:plan", args=[plan.pk])).content.decode()
    assert "Distances are straight lines between the points: no road network is in the data." in page
    assert 'id="plan-geo" type="application/json">{"office": [' in page and '"stops": [[1, ' in page, page[
        page.find("plan-geo") :
    ][:300]
    sheet = ann.get(reverse("homevisits:plan-sheet", args=[plan.pk]))
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf" and sheet.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(username="ann", selector="homevisits.plan_view").count() == 2
    staff_home = ann.get(reverse("staff:home")).content.decode()
    assert f'href="{reverse("homevisits:home")}"' in staff_home


@pytest.fixture
def plan(office, family, staff):
    ann = staff["ann"]
    request = request_create(
        actor=ann, access=access(ann), address="光復路二段7號", person_id=family["lin"].pk, purpose="other"
    )
    return plan_create(actor=ann, day=timezone.localdate(), visitor=ann, request_ids=[request.pk])


def test_the_package_only_for_the_rounds_clerk_on_a_live_device(plan, staff):
    device = str(uuid.uuid4())
    ann = client_for(staff["ann"], HTTP_X_VISIT_DEVICE=device)
    rounds = ann.get(reverse("homevisits_field:rounds")).json()["rounds"]
    assert [(r["id"], r["stops"]) for r in rounds] == [(plan.pk, 1)]
    assert "林美玲" not in json.dumps(rounds, ensure_ascii=False)
    got = ann.post(reverse("homevisits_field:package", args=[plan.pk])).json()
    assert [s["name"] for s in got["package"]["stops"]] == ["林美玲"]
    assert len(got["key"]) == 44
    assert ann.post(reverse("homevisits_field:key", args=[plan.pk])).json()["key"] == got["key"]
    bob = client_for(staff["bob"], HTTP_X_VISIT_DEVICE=str(uuid.uuid4()))
    assert bob.post(reverse("homevisits_field:package", args=[plan.pk])).json() == {
        "detail": "this round is planned for another clerk"
    }
    stop = plan.stops.get()
    result = {"uuid": str(uuid.uuid4()), "stop": stop.pk, "outcome": "done", "note": "", "at": timezone.now().isoformat()}
    body = json.dumps({"results": [result]})
    first = ann.post(reverse("homevisits_field:sync"), body, content_type="application/json").json()
    again = ann.post(reverse("homevisits_field:sync"), body, content_type="application/json").json()
    assert (first["stored"], again["duplicates"]) == (1, 1)
    device_pk = VisitDevice.objects.get(uuid=device).pk
    revoke = client_for(staff["bob"]).post(reverse("homevisits:device-revoke", args=[device_pk]), {"plan": plan.pk})
    assert revoke.status_code == 302
    gone = ann.post(reverse("homevisits_field:package", args=[plan.pk]))
    assert gone.status_code == 410 and gone.json()["wipe"] is True
    assert ann.post(reverse("homevisits_field:key", args=[plan.pk])).status_code == 410


def test_statistics_withhold_small_numbers(office, staff):
    ann = staff["ann"]
    for number in (3, 5, 7, 9):
        request_create(actor=ann, access=access(ann), address=f"光復路二段{number}號", name="x", purpose="other")
    VisitRequest.objects.filter(plate__number__in=[3, 5]).update(
        status="visited", visited_at=timezone.now(), requested_on=timezone.localdate() - dt.timedelta(days=2)
    )
    cells, totals = village_months()
    month = timezone.localdate().replace(day=1)
    assert [(c.month, c.village, c.requests, c.visits, c.median_days) for c in cells] == [(month, "甲里", 4, None, None)]
    assert [(t.requests, t.visits, t.withheld_cells) for t in totals] == [(4, 0, 1)]
    page = client_for(staff["bob"]).get(reverse("homevisits:statistics")).content.decode()
    assert '<td lang="zh-Hant">甲里</td><td>4</td><td>–</td><td>–</td><td>–</td>' in page
