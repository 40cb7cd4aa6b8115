"""Home visits in real Chromium on the real 東區 plates: a clerk enters a request by typing an address written
otherwise, a planner builds the day's round and prints its sheet, the visiting clerk takes the round offline on a
phone viewport, marks two visits done and one not at home, reopens the app offline, and syncs once online — the
server receives nothing during the offline steps, and the request list shows each result exactly once. Nothing of
it appears on a public page."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import pytest
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate
from geo_portal.homevisits.models import DayPlan, VisitDevice, VisitRequest, VisitResult
from geo_portal.homevisits.services import request_create
from geo_portal.offices.models import ServicePoint
from geo_portal.registry.access import Access
from tests.accounts.factories import totp_code
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
REQUEST_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/')
NAMES = ("測試甲婆婆", "測試乙伯伯", "測試丙阿姨")
NOTE = "按電鈴無人回應-測試"


@pytest.fixture(scope="module")
def world(live_site, django_db_blocker, tmp_path_factory):
    """Committed: two registrars (the clerk who enters and plans, the visiting clerk) with authenticators, an office
    service point when none is loaded, three plates on the road with the most plates; two requests entered already."""
    users, passwords = {}, {}
    with django_db_blocker.unblock():
        for key in ("clerk", "visitor"):
            passwords[key] = secrets.token_urlsafe(16)
            users[key], _ = staff_create(actor=None, username=f"hv-{key}", roles=["registrar"], password=passwords[key])
            TOTPDevice.objects.create(user=users[key], name="authenticator", confirmed=True)
        road_id = (
            DoorPlate.objects.active()
            .filter(floor__isnull=True, sub_number__isnull=True, road__isnull=False, lane="")
            .values("road_id")
            .annotate(n=Count("id"))
            .order_by("-n")[0]["road_id"]
        )
        row = list(
            DoorPlate.objects.active()
            .filter(road_id=road_id, floor__isnull=True, sub_number__isnull=True, lane="")
            .order_by("number")
        )
        plates = [row[len(row) // 4], row[len(row) // 2], row[3 * len(row) // 4]]
        office = ServicePoint.objects.filter(kind="office", active=True, location__isnull=False).first()
        created_office = office is None
        if created_office:
            office = ServicePoint.objects.create(
                name="到宅測試辦公室", kind="office", address=row[0].address, location=row[0].geom, plate=row[0]
            )
        access = Access(user=users["clerk"], purpose="home_visit", endpoint="tests")
        earlier = [
            request_create(actor=users["clerk"], access=access, address=p.address, name=n, purpose="other")
            for p, n in zip(plates[1:], NAMES[1:], strict=True)
        ]
    logs = sorted(Path(tmp_path_factory.getbasetemp()).glob("server*/gunicorn.log"), key=lambda p: p.stat().st_mtime)
    yield {"users": users, "passwords": passwords, "plates": plates, "earlier": earlier, "log": logs[-1]}
    with django_db_blocker.unblock():
        requests = VisitRequest.objects.filter(name__in=NAMES)
        VisitResult.objects.filter(stop__request__in=requests).delete()
        DayPlan.objects.filter(visitor__in=list(users.values())).delete()
        requests.delete()
        VisitDevice.objects.filter(user__in=list(users.values())).delete()
        if created_office:
            office.delete()


def requests_since(log: Path, mark: int) -> list[str]:
    with log.open(encoding="utf-8") as fh:
        fh.seek(mark)
        return [m.group(1) + " " + m.group(2) for m in REQUEST_LINE.finditer(fh.read())]


def sign_in(page, user, password: str, django_db_blocker) -> None:
    page.wait_for_url("**/staff/login/**")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/two-factor/**")
    with django_db_blocker.unblock():
        device = TOTPDevice.objects.get(user=user)
    now_t = (int(time.time()) - device.t0) // device.step
    page.fill("#id_code", totp_code(device, offset_steps=max(0, (device.last_t or 0) + 1 - now_t)))
    page.click("form[action='/staff/two-factor/'] button[type=submit]")


def written_otherwise(address: str) -> str:
    """No city, the section in digits, full-width numbers: 東區光復路2段１０１號."""
    digits = str.maketrans("0123456789", "０１２３４５６７８９")
    text = address.removeprefix("新竹市")
    for cn, n in (("一段", "1段"), ("二段", "2段"), ("三段", "3段")):
        text = text.replace(cn, n)
    head, _, number = text.rpartition("段")
    return (head + "段" + number.translate(digits)) if head else text.translate(digits)


def test_a_round_planned_carried_offline_and_reported_back(browser, live_site, world, django_db_blocker):
    users, plates = world["users"], world["plates"]
    base = live_site["url"]
    desk = browser.new_context(base_url=base, locale="en-US", viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))

    # --- the clerk enters a request by typing the address as the caller said it ------------------------------
    page.goto("/homevisits/requests/new/")
    sign_in(page, users["clerk"], world["passwords"]["clerk"], django_db_blocker)
    page.wait_for_url("**/homevisits/requests/new/")
    page.fill("#id_address", written_otherwise(plates[0].address))
    page.fill("#id_unit", "2樓")
    page.fill("#id_name", NAMES[0])
    page.select_option("#id_purpose", "id_card")
    page.select_option("#id_urgency", "urgent")
    page.fill("#id_contact", "0912-000-111")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/homevisits/requests/*/")
    assert f"{plates[0].address} 2樓" in page.inner_text("main")
    assert axe_violations(page) == []
    with django_db_blocker.unblock():
        first = VisitRequest.objects.get(name=NAMES[0])
    ids = [first.pk, *(r.pk for r in world["earlier"])]

    # --- the planner builds the day's round for the visiting clerk and prints the sheet -----------------------
    page.goto("/homevisits/plans/")
    page.fill("#id_day", timezone.localdate().isoformat())
    page.select_option("#id_visitor", str(users["visitor"].pk))
    for pk in ids:
        page.check(f"input[name=requests][value='{pk}']")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/homevisits/plans/*/")
    assert page.locator("#stops tbody tr").count() == 3
    assert "no road network is in the data" in page.inner_text("main")
    assert page.locator("#plan-map .leaflet-interactive").count() >= 4  # the line, the office and three stops
    assert axe_violations(page) == []
    shot(page, "homevisits-01-plan")
    sheet = page.request.get(page.get_attribute("#sheet-link", "href"))
    assert sheet.headers["content-type"] == "application/pdf" and sheet.body().startswith(b"%PDF")
    with django_db_blocker.unblock():
        plan = DayPlan.objects.get(visitor=users["visitor"])
        order = list(plan.stops.order_by("position").values_list("id", "request_id"))

    # --- the visiting clerk takes the round on a phone -------------------------------------------------------
    phone = browser.new_context(base_url=base, locale="en-US", **PHONE)
    app = phone.new_page()
    app.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    app.goto("/homevisits/field/")
    sign_in(app, users["visitor"], world["passwords"]["visitor"], django_db_blocker)
    app.wait_for_url("**/homevisits/field/")
    app.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    app.click(f"button[data-plan='{plan.pk}']")
    app.wait_for_selector("#stops li.hv-stop >> nth=2")
    rows = app.evaluate(
        """async (user) => {
            const rows = await (await idb.openDB(`geo-portal-visits-${user}`)).getAll('rounds');
            const text = (r) => JSON.stringify(r) + new TextDecoder().decode(r.data);
            return rows.map(r => ({keys: Object.keys(r).sort(), clear: text(r)}));
        }""",
        users["visitor"].pk,
    )
    assert [r["keys"] for r in rows] == [["data", "day", "expires_at", "iv", "office", "plan", "stops"]]
    in_storage = rows[0]["clear"]
    assert NAMES[0] not in in_storage and "0912" not in in_storage
    assert axe_violations(app) == []

    # --- offline: two visits done, one not at home; the app reopened; nothing reaches the server --------------
    phone.set_offline(True)
    mark = world["log"].stat().st_size
    stop_ids = [s for s, _r in order]
    app.click(f"li[data-stop='{stop_ids[0]}'] button[data-outcome='done']")
    app.wait_for_function("() => document.getElementById('pending-count').textContent === '1'")
    app.click(f"li[data-stop='{stop_ids[1]}'] button[data-outcome='done']")
    app.wait_for_function("() => document.getElementById('pending-count').textContent === '2'")
    app.fill(f"#note-{stop_ids[2]}", NOTE)
    app.click(f"li[data-stop='{stop_ids[2]}'] button[data-outcome='not_home']")
    app.wait_for_function("() => document.getElementById('pending-count').textContent === '3'")
    app.reload()
    app.wait_for_selector(f"button[data-plan='{plan.pk}']")
    app.click(f"button[data-plan='{plan.pk}']")
    app.wait_for_selector(f"li[data-stop='{stop_ids[2]}'][data-outcome='not_home']")
    assert app.inner_text("#pending-count") == "3"
    shot(app, "homevisits-02-offline")
    time.sleep(1)  # anything the app might have sent would be in the server's log by now
    assert requests_since(world["log"], mark) == []
    with django_db_blocker.unblock():
        assert VisitResult.objects.filter(stop__plan=plan).count() == 0

    # --- online again: one sync, each result stored once ------------------------------------------------------
    phone.set_offline(False)
    app.wait_for_function("() => document.getElementById('pending-count').textContent === '0'", timeout=30_000)
    app.click("#sync-btn")  # nothing left: sends nothing twice
    sent = [r for r in requests_since(world["log"], mark) if r.endswith("/api/sync")]
    assert sent == ["POST /homevisits/field/api/sync"]
    with django_db_blocker.unblock():
        results = list(VisitResult.objects.filter(stop__plan=plan).order_by("stop__position").values_list("outcome", "note"))
        assert results == [("done", ""), ("done", ""), ("not_home", NOTE)]
        statuses = dict(VisitRequest.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {order[0][1]: "visited", order[1][1]: "visited", order[2][1]: "open"}

    # --- the request list shows each result exactly once ---------------------------------------------------------
    page.goto("/homevisits/")
    for (_stop, request_id), outcome in zip(order, ("done", "done", "not_home"), strict=True):
        row = page.locator(f"tr[data-request='{request_id}']")
        assert row.locator(".hv-result").count() == 1
        assert row.locator(f".hv-result[data-outcome='{outcome}']").count() == 1
    assert page.locator(f"text={NOTE}").count() == 1
    shot(page, "homevisits-03-requests")

    # --- nothing of it on a public page ------------------------------------------------------------------------
    public = browser.new_context(base_url=base, locale="en-US")
    for path in (
        "/",
        f"/cards/{plates[0].pk}",
        f"/entrances/{plates[0].pk}",
        "/stats/",
        "/homevisits/",
        "/homevisits/field/",
    ):
        body = public.request.get(path).text()
        for secret in (*NAMES, NOTE, "0912-000-111"):
            assert secret not in body, (path, secret)
    public.close()
    phone.close()
    desk.close()
    assert problems == []
