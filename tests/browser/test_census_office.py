"""The office's census pages in real Chromium (desktop) on the real 東區 data: a supervisor finds a submitted task
from the staff home, reviews it on its map and table, accepts a finding, accepts the rest and validates — and the
plate's condition on the public card changes accordingly. The campaign dashboard and the new-campaign form (with
its drawing map) load too. axe-core finds no serious or critical violation on any of them."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

import pytest
from django.db.models import Count
from django.utils import timezone

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Village
from geo_portal.census.models import Campaign, FieldDevice, Finding, Proposal, Task
from geo_portal.census.services import campaign_create, campaign_set_status, campaign_split, task_claim
from geo_portal.census.sync import sync_findings
from geo_portal.core.geo import transform_point
from tests.browser.conftest import axe_violations, enrol_authenticator, shot, type_code_if_enrolled

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

# The public-map tests read 光復路二段101號's card as it is: this test works in another village.
KEEP_OUT = "新竹市東區光復路二段101號"


@pytest.fixture(scope="module")
def world(live_site, django_db_blocker):
    """Committed (the live server reads it): a supervisor and a surveyor; a campaign over the second-smallest
    village with at least 60 plates (the field-app test takes the smallest), split and opened; its first task of
    4+ stops submitted by the surveyor with the entrance plate of the first stop damaged and the others ok."""
    passwords = {key: secrets.token_urlsafe(16) for key in ("sup", "sur", "clerk")}
    with django_db_blocker.unblock():
        sup, _ = staff_create(actor=None, username="office-sup", roles=["census_supervisor"], password=passwords["sup"])
        sur, _ = staff_create(actor=None, username="office-sur", roles=["surveyor"], password=passwords["sur"])
        clerk, _ = staff_create(actor=None, username="office-clerk", roles=["clerk"], password=passwords["clerk"])
        enrol_authenticator(clerk)  # clerks sign in with a second factor
        busy = DoorPlate.objects.filter(address=KEEP_OUT, status="active").values_list("village_id", flat=True)
        village = (
            Village.objects.annotate(n=Count("plates"))
            .filter(n__gte=60)
            .exclude(pk__in=list(busy))
            .order_by("n", "code")
            .select_related("district")[1]
        )
        today = timezone.localdate()
        campaign = campaign_create(
            name="瀏覽器審核測試",
            district=village.district,
            villages=[village],
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=30),
            created_by=sup,
            target_min_stops=4,
            target_max_stops=8,
            fold_max_stops=4,
        )
        campaign_split(campaign_id=campaign.pk, actor=sup)
        campaign_set_status(campaign_id=campaign.pk, status="active", actor=sup)
        task = Task.objects.filter(campaign=campaign, stop_count__gte=4).order_by("number").first()
        task_claim(task_id=task.pk, user=sur)
        stops = list(task.stops.order_by("seq"))
        versions = dict(DoorPlate.objects.filter(pk__in=[s.plate_ids[0] for s in stops]).values_list("pk", "version"))
        observed = (timezone.now() - dt.timedelta(hours=1)).isoformat()
        records = [
            {
                "uuid": str(uuid.uuid4()),
                "task": task.pk,
                "stop": stop.pk,
                "plate": stop.plate_ids[0],
                "plate_version": versions[stop.plate_ids[0]],
                "kind": "damaged" if i == 0 else "ok",
                "note": "字跡模糊" if i == 0 else "",
                "observed_at": observed,
            }
            for i, stop in enumerate(stops)
        ]
        last = transform_point(stops[-1].geom, 4326)
        records.append(
            {
                "uuid": str(uuid.uuid4()),
                "task": task.pk,
                "kind": "unregistered",
                "written_address": stops[-1].label.replace("號", "之1號"),
                "point": {"lon": last.x + 0.00005, "lat": last.y},
                "observed_at": observed,
            }
        )
        result = sync_findings(user=sur, device=None, records=records, submit=[task.pk])
        assert result.submitted == {task.pk: "submitted"}, result.as_dict()
        damaged = Finding.objects.get(task=task, kind="damaged")
    yield {"campaign": campaign, "task": task, "damaged": damaged, "passwords": passwords, "stops": len(stops)}
    with django_db_blocker.unblock():
        Proposal.objects.filter(finding__task__campaign=campaign).delete()
        Finding.objects.filter(task__campaign=campaign).delete()
        Campaign.objects.filter(pk=campaign.pk).delete()
        FieldDevice.objects.filter(user__in=[sup, sur]).delete()


def sign_in(page, user: str, password: str) -> None:
    page.wait_for_url("**/staff/login/**")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    type_code_if_enrolled(page, user)


def card_condition(open_page, plate_id: int) -> str:
    page = open_page(f"/?plate={plate_id}", locale="en-US")
    page.wait_for_selector("#plate-card dd.condition")
    return " ".join(page.inner_text("#plate-card dd.condition").split())


def test_a_supervisor_validates_a_task_and_the_public_card_follows(open_page, world):
    damaged = world["damaged"]
    before = card_condition(open_page, damaged.plate_id)
    assert not before.startswith("damaged or illegible")

    page = open_page("/staff/", locale="en-US")
    sign_in(page, "office-sup", world["passwords"]["sup"])
    page.wait_for_url("**/staff/")
    section = page.locator("#role-census_supervisor")
    waiting = " ".join(section.locator("li", has_text="Submitted census tasks").inner_text().split())
    assert re.fullmatch(r"Submitted census tasks \d+ waiting", waiting) and waiting != "Submitted census tasks 0 waiting"
    assert axe_violations(page) == []
    section.locator("a", has_text="Submitted census tasks").click()
    page.wait_for_url("**/census/tasks/submitted/")
    assert axe_violations(page) == []
    task = world["task"]
    page.click(f'#submitted-tasks a[href="/census/tasks/{task.pk}/"]')
    page.wait_for_url(f"**/census/tasks/{task.pk}/")
    page.wait_for_selector("#task-map[data-loaded]")
    assert page.get_attribute("#task-map", "data-loaded") == str(2 + world["stops"])  # outline, stops, plate found
    assert page.locator("#findings tbody tr.finding").count() == world["stops"] + 1
    assert page.inner_text("#task-state") == "submitted"
    assert axe_violations(page) == []
    shot(page, "census-office-01-review")

    row = page.locator(f"#finding-{damaged.pk}")
    assert "damaged or illegible" in row.inner_text() and "字跡模糊" in row.inner_text()
    row.locator('form[action$="/accept"] button').click()
    page.wait_for_selector(".census-message")
    message = page.inner_text(".census-message")
    assert re.fullmatch(r"Finding accepted: condition set to damaged or illegible \(version \d+\)\.", message)
    assert page.locator(f"#finding-{damaged.pk} .census-review").inner_text() == "accepted"
    assert axe_violations(page) == []

    page.click("#accept-all")
    page.wait_for_selector(".census-message")
    assert page.inner_text(".census-message") == f"{world['stops']} findings accepted."  # the rest and the plate found
    page.click("#validate")
    page.wait_for_selector(".census-message")
    assert page.inner_text(".census-message") == f"Task #{task.number} validated."
    assert page.inner_text("#task-state") == "validated"
    assert axe_violations(page) == []
    shot(page, "census-office-02-validated")

    checked = timezone.localdate(damaged.observed_at).isoformat()
    assert card_condition(open_page, damaged.plate_id) == f"damaged or illegible (checked on {checked})"

    page.goto(page.url.split("/census/")[0] + f"/census/campaigns/{world['campaign'].pk}/")
    page.wait_for_selector("#tasks-map[data-loaded]")
    tasks = Task.objects.filter(campaign=world["campaign"]).exclude(state="split").count()
    assert page.get_attribute("#tasks-map", "data-loaded") == str(tasks)
    assert page.locator("#tasks-map path.leaflet-interactive").count() == tasks
    validated = " ".join(page.locator(".census-legend li", has_text="validated").inner_text().split())
    assert validated == "validated 1"
    assert axe_violations(page) == []
    shot(page, "census-office-03-dashboard")

    page.goto(page.url.split("/census/")[0] + "/census/campaigns/new/")
    page.wait_for_selector("#draw-map .leaflet-draw-draw-polygon")
    assert axe_violations(page) == []
    shot(page, "census-office-04-new-campaign")

    page.goto(page.url.split("/census/")[0] + f"/census/tasks/{task.pk}/key-in/")
    assert page.locator("#keyin tbody tr").count() == world["stops"]
    assert axe_violations(page) == []


def test_a_clerk_sees_the_plate_found_and_rejects_it(open_page, world):
    proposal = Proposal.objects.filter(finding__task=world["task"]).first()
    if proposal is None:
        pytest.skip("runs after the supervisor's review, which makes the proposal")
    page = open_page("/census/proposals/", locale="en-US")
    sign_in(page, "office-clerk", world["passwords"]["clerk"])
    page.wait_for_url("**/census/proposals/")
    item = page.locator(f"#proposal-{proposal.pk}")
    assert "unregistered plate found" in item.inner_text()
    assert proposal.finding.written_address in item.inner_text()
    page.wait_for_selector("#proposals-map .census-marker")
    assert axe_violations(page) == []
    shot(page, "census-office-05-proposals")
    item.locator(f"#reject-note-{proposal.pk}").fill("招牌，不是門牌")
    item.locator('form[action$="/reject"] button').click()
    page.wait_for_selector(".census-message")
    assert page.inner_text(".census-message") == f"Proposal {proposal.pk} rejected."
    assert Proposal.objects.get(pk=proposal.pk).status == "rejected"
