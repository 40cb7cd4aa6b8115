"""Re-issuance in real Chromium on the real 東區 data, from the counter to the new plate on the wall: a clerk (desktop)
types an address in a form of their own, opens a case, assesses the fee and records the payment; the receipt arrives
with its PDF at a real local SMTP server (aiosmtpd), sent by the real job worker; the case goes into a production
order whose sheet is printed, the delivery is recorded, an installation photo with its GPS position closes the case,
and the plate's public card says ok. After every step the resident's status page (a phone, 390 px wide) shows where
the case is — and never the applicant's name, phone or e-mail. axe-core finds no serious or critical violation."""

from __future__ import annotations

import datetime as dt
import email
import io
import re
import secrets
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from django.db.models import Count
from django.utils import timezone
from procrastinate.contrib.django import app
from pypdf import PdfReader

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import plate_set_condition
from geo_portal.areas.models import Village
from geo_portal.offices.models import ServicePoint
from geo_portal.reissue.models import Case, FeeSchedule
from geo_portal.reissue.services import fee_schedule_add
from tests.browser.conftest import axe_violations, enrol_authenticator, shot, type_code_if_enrolled
from tests.reissue.conftest import Inbox, free_port, jpeg, lonlat_of

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

APPLICANT = {"name": "測試申請人", "phone": "03-5718888", "email": "applicant-browser@example.tw"}
FEE = 200
# The other browser tests read these plates' cards as they are.
KEEP_OUT = ("新竹市東區光復路二段101號",)


@pytest.fixture(scope="module")
def world(live_site, django_db_blocker):
    """Committed (the live server reads it): a clerk and a reviewer; a door-plate fee in force; the plate to re-issue
    — the last numbered plate without floor of the village with the most plates."""
    passwords = {key: secrets.token_urlsafe(16) for key in ("clerk", "boss")}
    with django_db_blocker.unblock():
        clerk, _ = staff_create(actor=None, username="reissue-clerk", roles=["clerk"], password=passwords["clerk"])
        boss, _ = staff_create(actor=None, username="reissue-boss", roles=["reviewer"], password=passwords["boss"])
        enrol_authenticator(clerk)  # clerks and reviewers sign in with a second factor
        enrol_authenticator(boss)
        today = timezone.localdate()
        if not FeeSchedule.objects.filter(plate_kind="standard", valid_from__lte=today).exists():
            fee_schedule_add(plate_kind="standard", amount=FEE, valid_from=today - dt.timedelta(days=30), actor=boss)
        village = Village.objects.annotate(n=Count("plates")).order_by("-n", "code").first()
        plate = (
            DoorPlate.objects.active()
            .filter(village=village, road__isnull=False, floor__isnull=True, sub_number__isnull=True, lane="", area="")
            .exclude(address__in=KEEP_OUT)
            .select_related("road", "district__county")
            .order_by("-pk")
            .first()
        )
    return {"passwords": passwords, "plate": plate}


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
    yield box
    controller.stop()


@pytest.fixture
def run_jobs(monkeypatch):
    """Run the real procrastinate worker (its own connections) until no job is ready; periodic jobs left out."""
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


def written_otherwise(address: str) -> str:
    """The address as a resident might write it: no city, full-width digits (東區光復路二段７號)."""
    return address.removeprefix("新竹市").translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def sign_in(page, user: str, password: str) -> None:
    page.wait_for_url("**/staff/login/**")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    type_code_if_enrolled(page, user)


def message(page) -> str:
    page.wait_for_selector(".reissue-message")
    return " ".join(page.locator(".reissue-message").first.inner_text().split())


def check_status(open_page, reference: str, step: str, *, screenshot: str = "") -> list[tuple[str, str]]:
    """The resident's status page on a phone: the current step, no personal data, no sideways scrolling, axe clean;
    returns (step, date or 'not yet') of every step shown."""
    page = open_page(f"/reissue/status/?ref={reference}", locale="en-US", viewport=(390, 844), is_mobile=True)
    assert page.inner_text("#status-title") == f"{reference}: {step}"
    assert page.inner_text("li[aria-current=step] .reissue-step-label") == step
    html = page.content()
    for value in APPLICANT.values():
        assert value not in html
    assert "reissue-clerk" not in html  # nor a staff name
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    if screenshot:
        shot(page, screenshot)
    rows = page.locator(".reissue-progress li")
    return [
        (rows.nth(i).locator(".reissue-step-label").inner_text(), rows.nth(i).locator(".reissue-step-date").inner_text())
        for i in range(rows.count())
    ]


def test_a_counter_request_is_followed_to_the_new_plate_on_the_wall(open_page, world, inbox, run_jobs):
    plate, today = world["plate"], timezone.localdate().isoformat()
    page = open_page("/reissue/counter/", locale="en-US")
    sign_in(page, "reissue-clerk", world["passwords"]["clerk"])
    page.wait_for_url("**/reissue/counter/")
    # The counter: the address as the resident writes it, through the geocoder.
    page.fill("#id_q", written_otherwise(plate.address))
    page.click("form[role=search] button[type=submit]")
    form = page.locator(f'form:has(input[name=plate][value="{plate.pk}"])')
    form.wait_for()
    assert page.locator(".reissue-candidate .reissue-address").first.inner_text() == plate.address
    assert axe_violations(page) == []
    shot(page, "reissue-01-counter")
    form.locator("select[name=reason]").select_option("missing")
    for field, value in APPLICANT.items():
        form.locator(f"input[name={field}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/reissue/cases/*/")
    opened = message(page)
    reference = re.fullmatch(r"Case (RI-\d{8}-[2-9A-HJKMNP-Z]{5}) opened\. .*", opened).group(1)
    case = Case.objects.get(reference=reference)
    assert check_status(open_page, reference, "requested", screenshot="reissue-02-status-phone")[:2] == [
        ("requested", today),
        ("fee assessed", "not yet"),
    ]

    # Fee and payment; the receipt goes out by e-mail through the job worker.
    page.click('form[action$="/assess"] button')
    assert message(page) == f"Fee assessed: NT${FEE}."
    page.select_option("#id_method", "cash")
    assert page.input_value("#id_amount") == str(FEE)
    page.click('form[action$="/pay"] button[type=submit]')
    paid = message(page)
    number = re.fullmatch(r"Payment recorded; receipt (HCE-\d{3}-\d{6}) issued\.", paid).group(1)
    assert axe_violations(page) == []
    shot(page, "reissue-03-paid")
    run_jobs()
    [(sender, recipients, raw)] = inbox.messages
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert (sender, recipients) == ("office@example.tw", [APPLICANT["email"]])
    assert " ".join(mail["Subject"].split()) == f"規費收據 Fee receipt {number} ({reference})"
    [attachment] = list(mail.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == (f"receipt-{number}.pdf", "application/pdf")
    receipt_text = " ".join(PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text().split())
    for part in (number, reference, plate.address, f"NT${FEE}", APPLICANT["name"]):
        assert part in receipt_text, part
    assert check_status(open_page, reference, "paid")[2] == ("paid", today)

    # A production order with its sheet; the delivery.
    page.goto(page.url.split("/reissue/")[0] + "/reissue/orders/")
    for box in page.locator("input[name=case]").all():
        box.set_checked(box.get_attribute("value") == str(case.pk))
    page.click("form.reissue-form button[type=submit]")
    page.wait_for_url("**/reissue/orders/*/")
    assert message(page) == f"Order {Case.objects.get(pk=case.pk).order_id} made; print its sheet for the plate maker."
    site = page.url.split("/reissue/")[0]
    sheet = page.request.get(site + page.locator("a", has_text="Order sheet (PDF)").get_attribute("href"))
    assert (sheet.status, sheet.headers["content-type"]) == (200, "application/pdf")
    sheet_text = " ".join(PdfReader(io.BytesIO(sheet.body())).pages[0].extract_text().split())
    number_line = plate.address.split(plate.road.name)[-1]
    assert "門牌製作單" in sheet_text and plate.road.name in sheet_text and number_line in sheet_text
    assert reference in sheet_text
    assert axe_violations(page) == []
    shot(page, "reissue-04-order")
    assert check_status(open_page, reference, "ordered from the plate maker")[3] == ("ordered from the plate maker", today)
    page.click('form[action$="/delivered"] button')
    assert message(page) == "Delivery recorded; the plates can be installed or collected."
    check_status(open_page, reference, "plate delivered to the office")

    # The installation: a photo taken at the plate (GPS in its EXIF) closes the case.
    page.goto(site + f"/reissue/cases/{case.pk}/")
    photo = jpeg(lonlat=lonlat_of(plate, dx=3, dy=-2)).getvalue()
    page.set_input_files("#id_photo", {"name": "plate.jpg", "mimeType": "image/jpeg", "buffer": photo})
    page.fill("#id_installer", "安裝員 A")
    page.click('form[action$="/install"] button[type=submit]')
    assert message(page) == "Installation recorded; the plate is shown as ok."
    page.click('form[action$="/close"] button')
    assert message(page) == "Case closed."
    assert axe_violations(page) == []
    shot(page, "reissue-05-closed")

    card = open_page(f"/?plate={plate.pk}", locale="en-US")
    card.wait_for_selector("#plate-card dd.condition")
    assert " ".join(card.inner_text("#plate-card dd.condition").split()) == f"ok (checked on {today})"
    steps = check_status(open_page, reference, "closed", screenshot="reissue-06-status-closed")
    assert steps == [
        ("requested", today),
        ("fee assessed", today),
        ("paid", today),
        ("ordered from the plate maker", today),
        ("plate delivered to the office", today),
        ("installed", today),
        ("closed", today),
    ]


@pytest.fixture(scope="module")
def notice_world(world, django_db_blocker):
    """Committed: the office's service point (at the re-issued plate's neighbour) and four plates of a road of the
    same village marked missing, damaged or old style by a census."""
    with django_db_blocker.unblock():
        plate = world["plate"]
        office = ServicePoint.objects.filter(kind="office", active=True).first() or ServicePoint.objects.create(
            name="新竹市東區戶政事務所（測試）", name_en="East District office (test)", kind="office",
            address=plate.address, location=plate.geom, plate=plate,
        )  # fmt: skip
        road_plates = list(
            DoorPlate.objects.active()
            .filter(road=plate.road, village=plate.village, condition="unknown")
            .exclude(pk=plate.pk)
            .exclude(address__in=KEEP_OUT)
            .order_by("number", "pk")[:4]
        )
        for p, condition in zip(road_plates, ("missing", "damaged", "old_style", "missing"), strict=True):
            plate_set_condition(plate_id=p.pk, version=p.version, condition=condition,
                                checked_on=timezone.localdate(), actor="census")  # fmt: skip
    return {"office": office, "plates": road_plates}


def test_a_clerk_prepares_prints_and_records_resident_notices(open_page, world, notice_world):
    road = world["plate"].road
    page = open_page("/reissue/notices/", locale="en-US")
    sign_in(page, "reissue-clerk", world["passwords"]["clerk"])
    page.wait_for_url("**/reissue/notices/")
    page.select_option("#id_scope", f"road:{road.pk}")
    page.click("#notice-scope button[type=submit]")
    page.wait_for_selector("#notice-preview")
    total = page.locator("#notice-preview tfoot td").all_inner_texts()
    assert total[0] == total[-1] and int(total[-1]) >= 4  # every plate of the road in the three conditions, none skipped
    assert axe_violations(page) == []
    shot(page, "reissue-07-notices-preview")
    page.click("#notice-prepare button[type=submit]")
    page.wait_for_url("**/reissue/notices/*/")
    assert re.fullmatch(r"\d+ letters? prepared in walking order: print (it|them), then record the sending\.", message(page))
    ours = [str(p.pk) for p in notice_world["plates"]]
    addresses = page.locator("#notice-letters tbody td:nth-child(2)").all_inner_texts()
    assert {p.address for p in notice_world["plates"]} <= set(addresses)
    assert axe_violations(page) == []
    shot(page, "reissue-08-notice-batch")
    site = page.url.split("/reissue/")[0]
    pdf = page.request.get(site + page.locator("#notice-parts a").first.get_attribute("href"))
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "門牌補發通知" in text and "Notice: your door plate needs replacing" in text
    # The QR code leads to the plate's public card: the same URL opens it.
    card = open_page(f"/?plate={ours[0]}", locale="en-US")
    card.wait_for_selector("#plate-card dd.condition")
    assert " ".join(card.inner_text("#plate-card dd.condition").split()).startswith("missing")
    page.fill("#id_not_sent", "1")
    page.select_option("#id_method", "village_chief")
    page.click("#notice-sent button[type=submit]")
    assert re.fullmatch(r"Sending recorded: \d+ letters?\.", message(page))
    statuses = page.locator("#notice-letters tbody td:nth-child(4)").all_inner_texts()
    assert statuses[0] == "not sent" and set(statuses[1:]) == {"sent"}
    assert axe_violations(page) == []
