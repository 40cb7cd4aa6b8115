"""Household registration in real Chromium on the real 東區 plates (issue 13, "Browser tests"): a registrar enters a
move-in at a door plate and submits it; the same registrar is not offered the approval and a forged approval is
refused; a second registrar reviews, approves and applies it; the household appears at the plate; the access log —
read on the supervisor's page by an administrator — shows both registrars' reads of the newcomer with their
purposes; the plate's public card and the public API show nothing of the registration. axe-core finds no serious
or critical violation on the registrars' and the supervisor's pages."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
import urllib.request

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate
from geo_portal.registry.models import Household, HouseholdAddress, Person, RegistrationEvent
from geo_portal.registry.national_id import synthetic
from tests.accounts.factories import totp_code
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

NEWCOMER = "測試遷入者"
NUMBER = "O7700001"
USERS = {"ann": "registrar", "bob": "registrar", "ada": "administrator"}


@pytest.fixture(scope="module")
def world(live_site, django_db_blocker):
    """Committed (the live server reads it): two registrars and an administrator, each with an authenticator; an
    active numbered plate without a household; a synthetic national ID nobody holds."""
    passwords = {name: secrets.token_urlsafe(16) for name in USERS}
    devices = {}
    with django_db_blocker.unblock():
        for name, role in USERS.items():
            user, _ = staff_create(actor=None, username=f"registry-{name}", roles=[role], password=passwords[name])
            devices[name] = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True).pk
        taken = HouseholdAddress.objects.values("plate_id")
        plate = (
            DoorPlate.objects.active()
            .filter(road__isnull=False, floor__isnull=True, sub_number__isnull=True, lane="", area="")
            .exclude(pk__in=taken)
            .order_by("pk")
            .first()
        )
        if Person.objects.filter(name=NEWCOMER).exists() or Household.objects.filter(number=NUMBER).exists():
            pytest.fail("the registry browser test's person or household exists already")
    return {"passwords": passwords, "devices": devices, "plate": plate, "national_id": synthetic(7_700_001, "A")}


def sign_in(page, world, name: str, django_db_blocker) -> None:
    """The staff sign-in as a person does it: user name and password, then the code of their authenticator app."""
    page.wait_for_url("**/staff/login/**")
    page.fill("#id_username", f"registry-{name}")
    page.fill("#id_password", world["passwords"][name])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/two-factor/**")
    with django_db_blocker.unblock():
        device = TOTPDevice.objects.get(pk=world["devices"][name])
    now_t = (int(time.time()) - device.t0) // device.step
    page.fill("#id_code", totp_code(device, offset_steps=max(0, (device.last_t or 0) + 1 - now_t)))
    page.click("form[action='/staff/two-factor/'] button[type=submit]")


def messages_text(page) -> str:
    page.wait_for_selector(".registry-messages")
    return " ".join(page.locator(".registry-messages").inner_text().split())


def read_plate(page, plate_id: int, purpose: str, note: str) -> None:
    """The plate's page: the purpose first, then the households (a logged read)."""
    page.goto(page.url.split("/registry/")[0] + f"/registry/plates/{plate_id}/")
    page.select_option("#id_purpose", purpose)
    page.fill("#id_note", note)
    page.click("form.registry-form button[type=submit]")
    page.wait_for_selector(f"h3:has-text('{NUMBER}')")


def test_a_move_in_entered_reviewed_applied_and_logged_and_never_public(open_page, live_site, world, django_db_blocker):
    plate = world["plate"]
    today = timezone.localdate()
    day = today - dt.timedelta(days=2)

    # 1. The first registrar enters the move-in at the plate and submits it.
    ann = open_page(f"/registry/plates/{plate.pk}/move-in/", locale="en-US")
    sign_in(ann, world, "ann", django_db_blocker)
    ann.wait_for_url(f"**/registry/plates/{plate.pk}/move-in/")
    assert axe_violations(ann) == []
    ann.fill("#id_effective_date", day.isoformat())
    ann.fill("#id_declared_on", today.isoformat())
    ann.fill("#id_new_number", NUMBER)
    ann.select_option("#id_kind", "single")
    ann.fill("#id_person-0-name", NEWCOMER)
    ann.select_option("#id_person-0-sex", "F")
    ann.fill("#id_person-0-birth_date", "1990-04-04")
    ann.fill("#id_person-0-national_id", world["national_id"])
    ann.select_option("#id_person-0-relation", "head")
    ann.click("button:has-text('Enter as a draft')")
    ann.wait_for_load_state()
    problems = ann.locator(".registry-messages, .errorlist").all_inner_texts()
    assert "/registry/events/" in ann.url, problems
    event_id = int(re.search(r"/registry/events/(\d+)/", ann.url).group(1))
    assert messages_text(ann) == f"Event #{event_id} entered as a draft; submit it for review."
    ann.click("button:has-text('Submit for review')")
    assert messages_text(ann) == f"Event #{event_id} submitted for review by another registrar."

    # 2. The same registrar cannot approve it: no approval offered, and a forged one is refused.
    assert ann.locator("text=You submitted this event: another registrar reviews it.").count() == 1
    assert ann.locator("button:has-text('Approve')").count() == 0
    with django_db_blocker.unblock():
        version = RegistrationEvent.objects.get(pk=event_id).version
    ann.evaluate(
        """([url, version]) => {
            const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
            const form = document.createElement('form');
            form.method = 'post'; form.action = url;
            for (const [k, v] of [['csrfmiddlewaretoken', token], ['version', version], ['note', 'mine']]) {
                const input = document.createElement('input'); input.type = 'hidden'; input.name = k; input.value = v;
                form.appendChild(input);
            }
            document.body.appendChild(form); form.submit();
        }""",
        [f"/registry/events/{event_id}/approve/", str(version)],
    )
    ann.wait_for_load_state()
    assert f"registry-ann submitted event #{event_id}: another registrar must approve it" in messages_text(ann)
    with django_db_blocker.unblock():
        assert RegistrationEvent.objects.get(pk=event_id).status == "submitted"
    shot(ann, "registry-own-event-not-approvable")

    # 3. The second registrar reviews, approves and applies it.
    bob = open_page(f"/registry/events/{event_id}/", locale="en-US")
    sign_in(bob, world, "bob", django_db_blocker)
    bob.wait_for_url(f"**/registry/events/{event_id}/")
    assert axe_violations(bob) == []
    bob.fill("#approve-note", "documents checked")
    bob.click("button:has-text('Approve')")
    bob.wait_for_selector("button:has-text('Apply to the register')")
    assert messages_text(bob) == f"Event #{event_id} approved; it can be applied now."
    bob.click("button:has-text('Apply to the register')")
    bob.wait_for_selector(f"text=Event #{event_id} applied to the register.")
    with django_db_blocker.unblock():
        event = RegistrationEvent.objects.get(pk=event_id)
        assert (event.status, event.submitted_by.username, event.reviewed_by.username, event.applied_by.username) == (
            "applied", "registry-ann", "registry-bob", "registry-bob"
        )  # fmt: skip
        person = Person.objects.get(name=NEWCOMER)

    # 4. The household is at the plate: each registrar reads it, with a purpose.
    read_plate(bob, plate.pk, "verification", "check after apply")
    table = " ".join(bob.locator("section table").first.inner_text().split())
    assert NEWCOMER in table and "head of household (戶長)" in table
    assert axe_violations(bob) == []
    shot(bob, "registry-household-at-plate")
    read_plate(ann, plate.pk, "registration", f"case {event_id}")

    # 5. The access log on the supervisor's page: both reads of the newcomer, with their purposes.
    ada = open_page(f"/registry/audit/?person={person.pk}", locale="en-US")
    sign_in(ada, world, "ada", django_db_blocker)
    ada.wait_for_url("**/registry/audit/**")
    rows = [" ".join(r.split()) for r in ada.locator("#log-heading ~ table tbody tr").all_inner_texts()]
    plate_reads = [r for r in rows if "households_at_entrance" in r]
    assert len(plate_reads) == 2
    assert "registry-ann" in plate_reads[0] and "registration case (登記案件)" in plate_reads[0]
    assert f"case {event_id}" in plate_reads[0]
    assert "registry-bob" in plate_reads[1] and "data verification (資料查核)" in plate_reads[1]
    assert "check after apply" in plate_reads[1]
    assert NEWCOMER not in ada.content()  # the log page shows ids, not names
    assert axe_violations(ada) == []
    shot(ada, "registry-access-log")

    # 6. Nothing of it on the public side: the plate's card, the public API's plate and reverse answers, the feed.
    lonlat = plate.geom.transform(4326, clone=True)
    public = [
        f"/cards/{plate.pk}",
        f"/api/v1/plates/{plate.pk}",
        f"/api/v1/reverse?lon={lonlat.x}&lat={lonlat.y}&radius=50&limit=20",
        "/api/v1/changes?after=0&limit=1000",
    ]
    card = open_page(f"/cards/{plate.pk}", locale="zh-TW")
    assert card.locator("body").inner_text().strip() != ""
    for path in public:
        with urllib.request.urlopen(live_site["url"] + path, timeout=10) as response:  # our own local server
            body = response.read().decode()
        assert response.status == 200, path
        for secret in (NEWCOMER, world["national_id"], NUMBER):
            assert secret not in body, f"{path} shows {secret}"
    assert NEWCOMER not in card.content() and NUMBER not in card.content()
