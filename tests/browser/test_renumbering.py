"""Renumbering in real Chromium on the real 東區 data: a clerk drafts the renumbering of a short road on screen (the
road chosen, its plates on the map), reads the preview (old → new, conflicts, counts), submits it; a reviewer
approves it (the clerk is offered no approval); the clerk applies it. The public map's card of a new plate and the
public change feed then show the new addresses, the old plates are retired with successors. axe-core finds no
serious or critical violation on the plan's page."""

from __future__ import annotations

import json
import secrets

import pytest
from django.db.models import Count, Min, Q
from django.utils import timezone

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate, PlateSuccessor
from geo_portal.areas.models import Road
from geo_portal.changes.selectors import channel_state
from geo_portal.renumbering.models import Plan
from tests.browser.conftest import axe_violations, enrol_authenticator, shot, type_code_if_enrolled

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

# Roads the other browser tests read as they are.
KEEP_OUT = ("光復路二段", "關新路")


@pytest.fixture(scope="module")
def world(live_site, django_db_blocker):
    """Committed: a clerk and a reviewer; the road — the shortest of one street only (no lane, alley, area, 之 or
    prefix) with 6–30 plates on both sides whose numbers do not already start at 1 or 2."""
    passwords = {key: secrets.token_urlsafe(16) for key in ("clerk", "boss")}
    with django_db_blocker.unblock():
        clerk, _ = staff_create(actor=None, username="renumbering-clerk", roles=["clerk"], password=passwords["clerk"])
        boss, _ = staff_create(actor=None, username="renumbering-boss", roles=["reviewer"], password=passwords["boss"])
        enrol_authenticator(clerk)  # clerks and reviewers sign in with a second factor
        enrol_authenticator(boss)
        irregular = (
            ~Q(plates__lane="")
            | ~Q(plates__alley="")
            | ~Q(plates__area="")
            | Q(plates__sub_number__isnull=False)
            | Q(plates__number_suffix__isnull=False)
            | ~Q(plates__number_prefix="")
        )
        candidates = (
            Road.objects.filter(plates__status="active")
            .exclude(name__in=KEEP_OUT)
            .annotate(n=Count("plates"), irregular=Count("plates", filter=irregular), low=Min("plates__number"))
            .filter(n__gte=6, n__lte=30, irregular=0, low__gt=2)
            .order_by("n", "name")
        )
        for road in candidates:  # the first with plates on both sides
            plates = list(DoorPlate.objects.active().filter(road=road).order_by("number", "floor", "pk"))
            if {p.number % 2 for p in plates} == {0, 1}:
                break
        else:
            pytest.fail("no short single-street road with both sides in the real data")
    return {"passwords": passwords, "road": road, "plates": plates}


def sign_in(page, user: str, password: str) -> None:
    page.wait_for_url("**/staff/login/**")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    type_code_if_enrolled(page, user)


def test_a_road_is_renumbered_on_screen_and_the_public_map_and_feed_follow(world, open_page, live_site, django_db_blocker):
    road, plates = world["road"], world["plates"]
    page = open_page("/renumbering/new/", locale="en-US")
    sign_in(page, "renumbering-clerk", world["passwords"]["clerk"])
    page.wait_for_url("**/renumbering/new/")
    page.fill("#id_title", f"{road.name} renumbered from 1")
    page.select_option("#id_kind", "renumber")
    page.select_option("#id_road", str(road.pk))
    page.wait_for_selector(f"#draft-map[data-loaded='{len(plates)}']")
    page.fill("#id_first_odd", "1")
    page.fill("#id_first_even", "2")
    shot(page, "renumbering-draft")
    page.click("#plan-rule button[type=submit]")
    page.wait_for_url("**/renumbering/plans/*/")
    with django_db_blocker.unblock():
        plan = Plan.objects.get(title=f"{road.name} renumbered from 1")
    assert page.inner_text("#count-plates") == str(len(plates))
    assert page.locator("#preview tbody tr").count() == len(plates)
    assert page.locator("#conflicts li.renumbering-error").count() == 0
    page.wait_for_selector(f"#plan-map[data-loaded='{len(plates)}']")
    first = page.locator("#preview tbody tr").first.locator("td")
    assert first.nth(2).inner_text().startswith(f"新竹市東區{road.name}1號")
    assert axe_violations(page) == []
    shot(page, "renumbering-preview")
    page.click("#submit-plan")
    page.wait_for_selector("#plan-status")
    assert page.inner_text("#plan-status") == "submitted for approval"
    assert page.locator("#approve-plan").count() == 0  # the author is offered no approval

    boss = open_page(f"/renumbering/plans/{plan.pk}/", locale="en-US")
    sign_in(boss, "renumbering-boss", world["passwords"]["boss"])
    boss.wait_for_selector("#approve-plan")
    boss.click("#approve-plan")
    boss.wait_for_selector("#plan-status")
    assert boss.inner_text("#plan-status") == "approved"
    assert boss.locator("#apply-plan").count() == 0  # reviewers approve, clerks apply

    public_before = channel_state().txid
    page.reload()
    page.click("#apply-plan")
    page.wait_for_selector("#plan-status")
    assert page.inner_text("#plan-status") == "applied"
    assert page.locator("#conflicts-none").count() == 1  # the new plates are the plan's own, not conflicts
    shot(page, "renumbering-applied")

    with django_db_blocker.unblock():
        items = list(plan.items.select_related("new_plate").order_by("position"))
        assert all(
            PlateSuccessor.objects.filter(from_doorplate_id=i.old_plate_id, to_doorplate_id=i.new_plate_id).exists()
            for i in items
        )
        assert DoorPlate.objects.filter(pk__in=[p.pk for p in plates], status="retired").count() == len(plates)
        odd = sorted({i.new_plate.number for i in items if i.new_plate.number % 2})
    assert odd == list(range(1, 2 * len(odd), 2))
    new = items[0].new_plate
    card = open_page(f"/?plate={new.pk}", locale="en-US")
    card.wait_for_selector("#plate-card")
    assert card.inner_text("#card-title").replace("\n", "") in (new.address, new.address.removeprefix("新竹市東區"))
    feed = open_page(f"/api/v1/changes?after={public_before}&limit=1000", locale="en-US")
    events = json.loads(feed.inner_text("body"))["events"]
    inserted = {e["data"]["address"] for e in events if e["entity"] == "plate" and e["operation"] == "insert"}
    assert inserted == {i.new_plate.address for i in items}
    assert {e["cause"] for e in events} == {"renumbering_plan"}
    assert timezone.localdate().isoformat() in {e["data"].get("retired_on") for e in events if e["operation"] == "update"}
