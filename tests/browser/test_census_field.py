"""The census field app in real Chromium on a phone viewport, on the real 東區 data: a surveyor claims a task, works
it offline (the server receives no request meanwhile), closes and reopens the app offline, and syncs when back
online — each finding arrives exactly once, a resend changes nothing, a plate a clerk changed meanwhile is a
conflict, and a claim that lapsed while offline is reported with nothing lost. A revoked device is told to wipe.
axe-core finds no serious or critical violation on the app's screens."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from PIL import Image

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import plate_set_condition
from geo_portal.areas.models import Village
from geo_portal.census.models import Campaign, FieldDevice, Finding, Task
from geo_portal.census.services import campaign_create, campaign_set_status, campaign_split, release_lapsed_claims
from geo_portal.census.sync import device_revoke
from geo_portal.core.geo import transform_point
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
T = TypeVar("T")
REQUEST_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/')


@pytest.fixture(scope="module")
def world(live_site, django_db_blocker, tmp_path_factory):
    """Committed (the live server reads it): a supervisor, two surveyors and a clerk; a campaign over the smallest
    village with at least 60 plates, split and opened. Removed again afterwards."""
    users, passwords = {}, {}
    with django_db_blocker.unblock():
        for key, role in [("sup", "census_supervisor"), ("sur", "surveyor"), ("sur2", "surveyor"), ("clerk", "clerk")]:
            passwords[key] = secrets.token_urlsafe(16)
            users[key], _ = staff_create(actor=None, username=f"field-{key}", roles=[role], password=passwords[key])
        village = (
            Village.objects.annotate(n=Count("plates"))
            .filter(n__gte=60)
            .order_by("n", "code")
            .select_related("district")
            .first()
        )
        today = timezone.localdate()
        campaign = campaign_create(
            name="瀏覽器測試清查",
            district=village.district,
            villages=[village],
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=30),
            created_by=users["sup"],
            target_min_stops=6,
            target_max_stops=12,
            fold_max_stops=6,
            max_tasks_per_surveyor=2,
        )
        campaign_split(campaign_id=campaign.pk, actor=users["sup"])
        campaign_set_status(campaign_id=campaign.pk, status="active", actor=users["sup"])
        tasks = list(
            Task.objects.filter(campaign=campaign, stop_count__gte=6).order_by("number")[:2]
        )  # two tasks of 6+ stops
    logs = sorted(Path(tmp_path_factory.getbasetemp()).glob("server*/gunicorn.log"), key=lambda p: p.stat().st_mtime)
    yield {"users": users, "passwords": passwords, "campaign": campaign, "tasks": tasks, "log": logs[-1]}
    with django_db_blocker.unblock():
        Finding.objects.filter(task__campaign=campaign).delete()
        Campaign.objects.filter(pk=campaign.pk).delete()
        FieldDevice.objects.filter(user__in=list(users.values())).delete()


def committed(write: Callable[[], T]) -> T:
    """Run ``write`` on a connection of its own (autocommit): the test's connection is inside the test's
    transaction, and the live server must see what a clerk or the lapse job did. The test's later reads see it too
    (read committed)."""

    def run() -> T:
        try:
            return write()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def requests_since(log: Path, mark: int) -> list[str]:
    """Requests the live server logged after ``mark`` (a byte offset in its access log)."""
    with log.open(encoding="utf-8") as fh:
        fh.seek(mark)
        return [m.group(1) + " " + m.group(2) for m in REQUEST_LINE.finditer(fh.read())]


def log_mark(log: Path) -> int:
    return log.stat().st_size


def phone(browser, live_site, *, lonlat=None, locale="zh-TW"):
    options = dict(PHONE, locale=locale)
    if lonlat:
        options.update(
            geolocation={"longitude": lonlat[0], "latitude": lonlat[1], "accuracy": 8}, permissions=["geolocation"]
        )
    context = browser.new_context(base_url=live_site["url"], **options)
    return context


def watch(page, problems: list[str]) -> None:
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None,
    )


def sign_in(page, user: str, password: str) -> None:
    page.goto("/census/field/")
    page.wait_for_url("**/staff/login/?next=/census/field/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/census/field/")
    ready(page)


def ready(page) -> None:
    page.wait_for_selector('#offline-ready[data-ready="1"]', state="attached", timeout=30_000)


def pending(page) -> str:
    return page.inner_text("#pending-count")


def jpeg(width: int = 2400, height: int = 1800) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 40)).save(out, "JPEG", quality=90)
    return out.getvalue()


def choose(page, kind: str) -> None:
    page.click(f"label.kind-{kind}")  # the whole label is the touch target
    assert page.is_checked(f'#kind-field input[value="{kind}"]')


def save(page, expected_pending: int) -> None:
    page.click("#save-btn")
    page.wait_for_function(f"() => document.getElementById('pending-count').textContent === '{expected_pending}'")


def open_task(page, task_id: int) -> None:
    page.click(f'[data-task="{task_id}"]')
    page.wait_for_function("() => document.getElementById('stop-title').textContent !== ''")


def stop_title(page) -> str:
    return page.inner_text("#stop-title")


def test_a_day_offline_then_sync_without_loss_or_doubles(browser, live_site, world):
    task = world["tasks"][0]
    stops = list(task.stops.order_by("seq"))
    first = transform_point(stops[0].geom, 4326)
    context = phone(browser, live_site, lonlat=(first.x + 0.00003, first.y + 0.00002))
    problems: list[str] = []
    page = context.new_page()
    watch(page, problems)
    sign_in(page, "field-sur", world["passwords"]["sur"])
    assert page.get_attribute("html", "lang") == "zh-Hant"
    assert axe_violations(page) == []

    page.click(f'[data-claim="{task.pk}"]')
    page.wait_for_selector(f"#task-{task.pk}")
    ready(page)
    assert Task.objects.get(pk=task.pk).assignee.username == "field-sur"
    open_task(page, task.pk)
    assert stop_title(page) == f"1. {stops[0].label}"
    assert re.search(r"\d+:\d\d:\d\d", page.inner_text("#countdown"))
    page.wait_for_function(
        "() => window.geoPortalFieldMap && document.querySelectorAll('#map path.leaflet-interactive').length > 0"
    )
    page.click("#locate-btn")
    page.wait_for_function("() => /±8/.test(document.getElementById('gps-text').textContent)")
    assert axe_violations(page) == []
    shot(page, "field-01-task")

    # --- offline: five findings, one with a photo --------------------------------------------------------------
    mark = log_mark(world["log"])
    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    assert "is-offline" in page.get_attribute("#net", "class")

    choose(page, "ok")
    save(page, 1)
    assert stop_title(page) == f"2. {stops[1].label}"
    choose(page, "missing")
    page.set_input_files("#photo-input", files=[{"name": "plate.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.wait_for_selector("#photo-preview:not([hidden])")
    size = page.evaluate(
        "() => document.getElementById('photo-preview').decode()"
        ".then(() => [document.getElementById('photo-preview').naturalWidth,"
        " document.getElementById('photo-preview').naturalHeight])"
    )
    assert size == [1600, 1200]  # compressed on the device to 1600 px on the long side
    save(page, 2)
    choose(page, "damaged")
    page.fill("#note", "字跡模糊")
    save(page, 3)
    choose(page, "wrong_position")
    page.click("#gps-point-btn")
    assert "±8" in page.inner_text("#point-text")
    save(page, 4)
    choose(page, "skipped")
    page.fill("#skip-reason", "大門深鎖")
    save(page, 5)
    assert stop_title(page) == f"6. {stops[5].label}"
    shot(page, "field-02-offline-five")

    # Close the app and open it again, still offline: served by the service worker, the findings still there.
    page.close()
    page = context.new_page()
    watch(page, problems)
    page.goto("/census/field/")
    page.wait_for_selector(f"#task-{task.pk}")
    assert pending(page) == "5"
    assert "is-offline" in page.get_attribute("#net", "class")
    open_task(page, task.pk)
    assert stop_title(page) == f"6. {stops[5].label}"
    assert page.locator("#stop-select option").evaluate_all("os => os.map(o => o.dataset.done)") == ["1"] * 5 + ["0"] * (
        len(stops) - 5
    )
    shot(page, "field-03-reopened-offline")

    assert requests_since(world["log"], mark) == []
    assert Finding.objects.filter(task=task).count() == 0

    # Meanwhile: a clerk changes the first stop's plate; the claim lapses and the lapse job releases the task.
    plate = DoorPlate.objects.get(pk=stops[0].plate_ids[0])

    def clerk_and_lapse() -> int:
        plate_set_condition(
            plate_id=plate.pk,
            version=plate.version,
            condition="damaged",
            checked_on=timezone.localdate(),
            actor=world["users"]["clerk"],
        )
        Task.objects.filter(pk=task.pk).update(lock_expires_at=timezone.now() - dt.timedelta(minutes=1))
        return release_lapsed_claims()

    assert committed(clerk_and_lapse) == 1

    # --- online again: sync ------------------------------------------------------------------------------------
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('pending-count').textContent === '0'", timeout=30_000)
    findings = list(Finding.objects.filter(task=task).order_by("stop__seq"))
    assert [(f.stop_id, f.kind) for f in findings] == [
        (stops[0].pk, "ok"),
        (stops[1].pk, "missing"),
        (stops[2].pk, "damaged"),
        (stops[3].pk, "wrong_position"),
        (stops[4].pk, "skipped"),
    ]
    assert len({f.uuid for f in findings}) == 5
    assert [f.conflict for f in findings] == [True, False, False, False, False]
    assert findings[1].photo and findings[1].synced
    assert findings[2].note == "字跡模糊" and findings[4].skip_reason == "大門深鎖"
    assert findings[3].accuracy_m == 8
    assert all(f.device.uuid == findings[0].device.uuid for f in findings)
    # The surveyor is told that the claim lapsed; nothing was lost.
    page.wait_for_selector("#lock-lapsed:not([hidden])")
    assert page.inner_text("#lock-lapsed")
    assert f"#{task.number}" in page.inner_text("#status")
    shot(page, "field-04-synced")

    # Resend the very same batch (as if the answer had been lost): nothing new.
    resend = page.evaluate(
        """async () => {
            const config = JSON.parse(document.getElementById('field-config').textContent);
            const db = await idb.openDB('geo-portal-field-' + config.user.id);
            const findings = await db.getAll('findings');
            const device = await db.get('meta', 'device');
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const r = await fetch(config.urls.sync, {method: 'POST', headers: {'Content-Type': 'application/json',
                'X-CSRFToken': token, 'X-Field-Device': device},
                body: JSON.stringify({device, findings: findings.map(f => f.record)})});
            return r.json();
        }"""
    )
    assert (resend["stored"], resend["duplicates"], resend["errors"]) == (0, 5, 0)
    page.click("#sync-btn")
    page.wait_for_function("() => /0/.test(document.getElementById('pending-count').textContent)")
    assert Finding.objects.filter(task=task).count() == 5
    assert problems == []
    context.close()


def test_a_revoked_device_is_told_to_wipe(browser, live_site, world):
    task = world["tasks"][1]
    context = phone(browser, live_site, locale="en-US")
    problems: list[str] = []
    page = context.new_page()
    watch(page, problems)
    sign_in(page, "field-sur2", world["passwords"]["sur2"])
    page.click(f'[data-claim="{task.pk}"]')
    page.wait_for_selector(f"#task-{task.pk}")
    open_task(page, task.pk)
    page.click("#all-ok-btn")  # saved and, online, synced at once
    stored = Finding.objects.filter(task=task, surveyor=world["users"]["sur2"])
    plates = len(task.stops.order_by("seq").first().plate_ids)
    deadline = time.monotonic() + 30
    while stored.count() < plates and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stored.count() == plates
    page.wait_for_function("() => document.getElementById('pending-count').textContent === '0'")

    device = FieldDevice.objects.get(user=world["users"]["sur2"])
    committed(lambda: device_revoke(device_id=device.pk, actor=world["users"]["sup"]))
    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    choose(page, "missing")
    save(page, 1)
    context.set_offline(False)  # the sync on reconnection is refused: wipe
    page.wait_for_selector("#banner:not([hidden])")
    assert page.inner_text("#banner").startswith("This device's access was revoked")
    assert pending(page) == "0"
    left = page.evaluate(
        """async () => {
            const config = JSON.parse(document.getElementById('field-config').textContent);
            const db = await idb.openDB('geo-portal-field-' + config.user.id);
            const n = async (store) => (await db.getAll(store)).length;
            return [await n('tasks'), await n('findings'), await n('photos')];
        }"""
    )
    assert left == [0, 0, 0]
    assert page.locator("#my-tasks .card").count() == 0
    assert stored.count() == plates  # the refused finding never arrived
    assert uuid.UUID(str(device.uuid))
    shot(page, "field-05-revoked")
    assert problems == []
    context.close()
