"""Done when, in real Chromium on the real 東區 data: a plate found missing in the census followed on the staff pages to
a new plate on the wall. The census has found the plate missing (its public card says so); the clerk turns the finding
into a case in one step on the "findings and reports" page, recording the resident who came with the census's letter;
the fee and the payment, whose receipt arrives with its PDF at a real local SMTP server (aiosmtpd) through the real
job worker; the production order and its sheet; the plate maker is late — the daily overdue job, deferred on the real
queue, e-mails the clerk, and the supervisors' dashboard lists the case; the delivery, an installation photo with its
GPS position, the case closed; the public card says ok. After every step the resident's status page (a phone, 390 px)
shows the step and never the applicant's name, phone or e-mail, nor a staff name; axe-core finds no serious or
critical violation on any page."""

from __future__ import annotations

import datetime as dt
import email
import io
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from procrastinate.contrib.django import app
from pypdf import PdfReader

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Village
from geo_portal.census.models import Campaign, FieldDevice, Finding, Proposal, Task
from geo_portal.census.review import finding_accept
from geo_portal.census.services import campaign_create, campaign_set_status, campaign_split, task_claim
from geo_portal.census.sync import sync_findings
from geo_portal.reissue.models import Case, FeeSchedule
from geo_portal.reissue.services import fee_schedule_add
from geo_portal.reissue.tasks import remind_overdue
from tests.accounts.factories import totp_code
from tests.browser.conftest import axe_violations, shot
from tests.reissue.conftest import Inbox, free_port, jpeg, lonlat_of

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

APPLICANT = {"name": "牆上測試住戶", "phone": "03-5712345", "email": "wall-resident@example.tw"}
CLERK_EMAIL = "wall-clerk@office.example.tw"
FEE = 200
# The public-map tests read this plate's card as it is; the census tests take the two smallest villages of 60+ plates.
KEEP_OUT = "新竹市東區光復路二段101號"


@pytest.fixture(scope="module")
def world(live_site, django_db_blocker):
    """Committed (the live server reads it): a clerk (with an e-mail address) and a reviewer, each with an
    authenticator (both roles sign in with a second factor); a door-plate fee in force; a census over the third
    smallest village of 60+ plates whose first task the surveyor walked — the entrance plate of the first stop on a
    road of more than 30 plates (the renumbering test renumbers a short road) found missing, the rest ok — and the
    supervisor accepted the finding (the plate is now missing)."""
    passwords = {key: secrets.token_urlsafe(16) for key in ("clerk", "boss")}
    with django_db_blocker.unblock():
        clerk, _ = staff_create(actor=None, username="wall-clerk", roles=["clerk"], password=passwords["clerk"])
        clerk.email = CLERK_EMAIL
        clerk.save(update_fields=["email"])
        boss, _ = staff_create(actor=None, username="wall-boss", roles=["reviewer"], password=passwords["boss"])
        for user in (clerk, boss):
            TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        sup, _ = staff_create(actor=None, username="wall-sup", roles=["census_supervisor"], password=passwords["boss"])
        sur, _ = staff_create(actor=None, username="wall-sur", roles=["surveyor"], password=passwords["boss"])
        today = timezone.localdate()
        if not FeeSchedule.objects.filter(plate_kind="standard", valid_from__lte=today).exists():
            fee_schedule_add(plate_kind="standard", amount=FEE, valid_from=today - dt.timedelta(days=30), actor=boss)
        busy = DoorPlate.objects.filter(address=KEEP_OUT, status="active").values_list("village_id", flat=True)
        village = (
            Village.objects.annotate(n=Count("plates"))
            .filter(n__gte=60)
            .exclude(pk__in=list(busy))
            .order_by("n", "code")
            .select_related("district")[2]
        )
        campaign = campaign_create(
            name="瀏覽器補發全程測試",
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
        long_roads = {
            road
            for road, n in DoorPlate.objects.active()
            .filter(village=village, road__isnull=False)
            .values_list("road")
            .annotate(n=Count("id"))
            if n > 30
        }
        task, stop = next(
            (task, stop)
            for task in Task.objects.filter(campaign=campaign).order_by("number")
            for stop in task.stops.order_by("seq")
            if DoorPlate.objects.filter(pk=stop.plate_ids[0], road__in=long_roads).exclude(address=KEEP_OUT).exists()
        )
        task_claim(task_id=task.pk, user=sur)
        stops = list(task.stops.order_by("seq"))
        versions = dict(DoorPlate.objects.filter(pk__in=[s.plate_ids[0] for s in stops]).values_list("pk", "version"))
        observed = (timezone.now() - dt.timedelta(hours=1)).isoformat()
        records = [
            {
                "uuid": str(uuid.uuid4()),
                "task": task.pk,
                "stop": s.pk,
                "plate": s.plate_ids[0],
                "plate_version": versions[s.plate_ids[0]],
                "kind": "missing" if s.pk == stop.pk else "ok",
                "observed_at": observed,
            }
            for s in stops
        ]
        result = sync_findings(user=sur, device=None, records=records, submit=[task.pk])
        assert result.submitted == {task.pk: "submitted"}, result.as_dict()
        finding = finding_accept(finding_id=Finding.objects.get(task=task, kind="missing").pk, user=sup)
        plate = DoorPlate.objects.select_related("road").get(pk=finding.plate_id)
        assert plate.condition == "missing"
    yield {"passwords": passwords, "finding": finding, "plate": plate}
    with django_db_blocker.unblock():
        Proposal.objects.filter(finding__task__campaign=campaign).delete()
        Finding.objects.filter(task__campaign=campaign).delete()
        Campaign.objects.filter(pk=campaign.pk).delete()
        FieldDevice.objects.filter(user__in=[sup, sur]).delete()


@pytest.fixture
def inbox(settings):
    """A real SMTP server on a free local port; this process's job worker sends through it."""
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "戶政事務所 <office@example.tw>"
    settings.SITE_URL = "https://plates.example.tw"
    yield box
    controller.stop()


@pytest.fixture
def run_jobs(monkeypatch):
    """Run the real procrastinate worker (its own connections) until no job is ready; periodic jobs left out (the
    overdue job is deferred by the test itself, as its schedule does every morning)."""
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    app.perform_import_paths()  # the task modules' schedules, registered before they are left out
    for key in list(app.periodic_registry.periodic_tasks):
        monkeypatch.delitem(app.periodic_registry.periodic_tasks, key)

    def work() -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    def run() -> None:
        # In a thread of its own: Playwright's sync API keeps an event loop running in the test's thread.
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(120)
        assert not thread.is_alive(), "the job worker did not finish"

    return run


def committed(write: Callable[[], object]) -> None:
    """Run ``write`` on a database connection of its own (a thread's), committed at once: the test's own transaction
    is never committed (and would hold the rows it wrote locked), while the live server and the job worker read only
    what is committed."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as exc:  # re-raised in the test's thread
            failed.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if failed:
        raise failed[0]


def sign_in(page, username: str, password: str, django_db_blocker) -> None:
    """The password, then the code the user's authenticator shows (one not used yet: a code is accepted once)."""
    page.wait_for_url("**/staff/login/**")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/two-factor/**")
    with django_db_blocker.unblock():
        device = TOTPDevice.objects.get(user__username=username)
    now_t = (int(time.time()) - device.t0) // device.step
    page.fill("#id_code", totp_code(device, offset_steps=max(0, (device.last_t or 0) + 1 - now_t)))
    page.click("form[action='/staff/two-factor/'] button[type=submit]")


def message(page) -> str:
    page.wait_for_selector(".reissue-message")
    return " ".join(page.locator(".reissue-message").first.inner_text().split())


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def card_condition(open_page, plate_id: int) -> str:
    card = open_page(f"/?plate={plate_id}", locale="en-US")
    card.wait_for_selector("#plate-card dd.condition")
    return " ".join(card.inner_text("#plate-card dd.condition").split())


def check_status(open_page, reference: str, step: str) -> list[tuple[str, str]]:
    """The resident's status page on a phone: the current step, no personal data nor staff name, no sideways
    scrolling, axe clean; returns (step, date or 'not yet') of every step shown."""
    page = open_page(f"/reissue/status/?ref={reference}", locale="en-US", viewport=(390, 844), is_mobile=True)
    assert page.inner_text("#status-title") == f"{reference}: {step}"
    assert page.inner_text("li[aria-current=step] .reissue-step-label") == step
    html = page.content()
    for value in (*APPLICANT.values(), "wall-clerk", "wall-boss", "wall-sup", "wall-sur", CLERK_EMAIL):
        assert value not in html, value
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    rows = page.locator(".reissue-progress li")
    return [
        (rows.nth(i).locator(".reissue-step-label").inner_text(), rows.nth(i).locator(".reissue-step-date").inner_text())
        for i in range(rows.count())
    ]


def test_a_plate_found_missing_in_the_census_is_followed_to_a_new_plate_on_the_wall(
    open_page, world, inbox, run_jobs, django_db_blocker
):
    plate, finding, today = world["plate"], world["finding"], timezone.localdate()
    assert card_condition(open_page, plate.pk).startswith("missing")  # what the census found, on the public card

    # The finding becomes a case in one step; the resident who came with the census's letter is its applicant.
    page = open_page("/reissue/sources/", locale="en-US")
    sign_in(page, "wall-clerk", world["passwords"]["clerk"], django_db_blocker)
    page.wait_for_url("**/reissue/sources/")
    item = page.locator("ul.reissue-waiting li", has=page.locator(f'form[action="/reissue/findings/{finding.pk}/open"]'))
    assert " ".join(item.inner_text().split()).startswith(f"{plate.address} · missing · task #")
    form = item.locator("form")
    form.locator("summary").click()
    for field, value in APPLICANT.items():
        form.locator(f"input[name={field}]").fill(value)
    assert axe_violations(page) == []
    shot(page, "reissue-wall-01-finding")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/reissue/cases/*/")
    reference = re.fullmatch(r"Case (RI-\d{8}-[2-9A-HJKMNP-Z]{5}) opened\.", message(page)).group(1)
    with django_db_blocker.unblock():
        case = Case.objects.get(reference=reference)
        assert (case.source, case.source_id, case.reason) == ("census_finding", finding.pk, "missing")
        assert Finding.objects.get(pk=finding.pk).reissue_ref == reference
    assert check_status(open_page, reference, "requested")[:2] == [("requested", today.isoformat()),
                                                                    ("fee assessed", "not yet")]  # fmt: skip

    # The fee and the payment; the receipt goes out by e-mail through the job worker.
    page.click('form[action$="/assess"] button')
    assert message(page) == f"Fee assessed: NT${FEE}."
    page.select_option("#id_method", "easycard")
    page.fill("#id_reference", "EC-WALL-0001")
    assert page.input_value("#id_amount") == str(FEE)
    page.click('form[action$="/pay"] button[type=submit]')
    number = re.fullmatch(r"Payment recorded; receipt (HCE-\d{3}-\d{6}) issued\.", message(page)).group(1)
    assert axe_violations(page) == []
    run_jobs()
    [(sender, recipients, raw)] = inbox.messages
    receipt = email.message_from_bytes(raw, policy=policy.default)
    assert (sender, recipients) == ("office@example.tw", [APPLICANT["email"]])
    assert " ".join(receipt["Subject"].split()) == f"規費收據 Fee receipt {number} ({reference})"
    [attachment] = list(receipt.iter_attachments())
    assert attachment.get_filename() == f"receipt-{number}.pdf"
    receipt_text = pdf_text(attachment.get_content())
    for part in (number, reference, plate.address, f"NT${FEE}", APPLICANT["name"]):
        assert part in receipt_text, part
    assert check_status(open_page, reference, "paid")[2] == ("paid", today.isoformat())

    # The production order and its sheet for the plate maker.
    site = page.url.split("/reissue/")[0]
    page.goto(site + "/reissue/orders/")
    for box in page.locator("input[name=case]").all():
        box.set_checked(box.get_attribute("value") == str(case.pk))
    page.click("form.reissue-form button[type=submit]")
    page.wait_for_url("**/reissue/orders/*/")
    order_url = page.url
    with django_db_blocker.unblock():
        order_id = Case.objects.get(pk=case.pk).order_id
    assert message(page) == f"Order {order_id} made; print its sheet for the plate maker."
    sheet = page.request.get(site + page.locator("a", has_text="Order sheet (PDF)").get_attribute("href"))
    assert (sheet.status, sheet.headers["content-type"]) == (200, "application/pdf")
    sheet_text = pdf_text(sheet.body())
    assert "門牌製作單" in sheet_text and reference in sheet_text and plate.road.name in sheet_text
    assert axe_violations(page) == []
    shot(page, "reissue-wall-02-order")
    assert check_status(open_page, reference, "ordered from the plate maker")[3][1] == today.isoformat()

    # The plate maker is late: the step was due yesterday. The daily job, on the real queue, reminds the clerk.
    committed(lambda: Case.objects.filter(pk=case.pk).update(due_on=today - dt.timedelta(days=1)))
    committed(lambda: remind_overdue.defer(timestamp=int(timezone.now().timestamp())))
    run_jobs()
    reminders = [email.message_from_bytes(raw, policy=policy.default) for _s, rcpt, raw in inbox.messages
                 if rcpt == [CLERK_EMAIL]]  # fmt: skip
    [reminder] = reminders
    assert reminder["Subject"].strip() == "逾期補發案件 Overdue re-issue cases: 1"
    [line] = [x for x in reminder.get_body(preferencelist=("plain",)).get_content().splitlines() if x.startswith("- ")]
    assert line.startswith(f"- {reference} · ") and f"({(today - dt.timedelta(days=1)).isoformat()})" in line
    assert line.endswith(f"https://plates.example.tw/reissue/cases/{case.pk}/")
    assert [rcpt for _s, rcpt, _raw in inbox.messages].count([APPLICANT["email"]]) == 1  # the receipt only
    # The supervisors' dashboard lists it, reminded today.
    board = open_page("/reissue/dashboard/", locale="en-US")
    sign_in(board, "wall-boss", world["passwords"]["boss"], django_db_blocker)
    board.wait_for_url("**/reissue/dashboard/")
    row = board.locator("table.reissue-table tr", has=board.locator(f'a:text-is("{reference}")'))
    cells = [" ".join(c.split()) for c in row.locator("td").all_inner_texts()]
    assert cells == [reference, "ordered from the plate maker", (today - dt.timedelta(days=1)).isoformat(), "1",
                     "wall-clerk", today.isoformat()]  # fmt: skip
    assert axe_violations(board) == []
    shot(board, "reissue-wall-03-dashboard")

    # The delivery, then the installation: a photo taken at the plate (GPS in its EXIF) and the installer.
    page.goto(order_url)
    page.click('form[action$="/delivered"] button')
    assert message(page) == "Delivery recorded; the plates can be installed or collected."
    check_status(open_page, reference, "plate delivered to the office")
    page.goto(site + f"/reissue/cases/{case.pk}/")
    photo = jpeg(lonlat=lonlat_of(plate, dx=2, dy=3)).getvalue()
    page.set_input_files("#id_photo", {"name": "plate.jpg", "mimeType": "image/jpeg", "buffer": photo})
    page.fill("#id_installer", "安裝員 B")
    page.click('form[action$="/install"] button[type=submit]')
    assert message(page) == "Installation recorded; the plate is shown as ok."
    page.click('form[action$="/close"] button')
    assert message(page) == "Case closed."
    assert axe_violations(page) == []
    shot(page, "reissue-wall-04-closed")

    # On the wall: the public card says ok, and the status page shows every step with its date.
    assert card_condition(open_page, plate.pk) == f"ok (checked on {today.isoformat()})"
    steps = ["requested", "fee assessed", "paid", "ordered from the plate maker", "plate delivered to the office",
             "installed", "closed"]  # fmt: skip
    assert check_status(open_page, reference, "closed") == [(step, today.isoformat()) for step in steps]
