"""Two-step sign-in in the browser (real Chromium, live gunicorn): a registrar on a phone signs in with a password,
enrols an authenticator from the page's key (the QR code's content), notes the backup codes and reaches the
register; next time the code page follows the password. Both pages pass axe."""

from __future__ import annotations

import base64
import re
import secrets
import time

import pytest
from django_otp.oath import TOTP

from geo_portal.accounts.services import staff_create
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

REGISTRAR = "registrar-2fa-browser"


def code_for(key_text: str, *, offset_steps: int = 0) -> str:
    key = base64.b32decode(key_text.replace(" ", "") + "=" * (-len(key_text.replace(" ", "")) % 8))
    generator = TOTP(key, step=30, t0=0, digits=6)
    generator.time = int(time.time()) + offset_steps * 30
    return f"{generator.token():06d}"


@pytest.fixture(scope="module")
def password(live_site, django_db_blocker) -> str:
    """A registrar committed to the test database (outside the test's transaction: the live server reads it)."""
    password = secrets.token_urlsafe(16)
    with django_db_blocker.unblock():
        staff_create(actor=None, username=REGISTRAR, roles=["registrar"], password=password)
    return password


def test_a_registrar_enrols_on_a_phone_and_signs_in_with_a_code(open_page, password):
    page = open_page("/staff/login/?next=/registry/", locale="en", viewport=(390, 844), is_mobile=True, has_touch=True)
    page.fill("#id_username", REGISTRAR)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/two-factor/setup/**")
    assert page.locator(".staff-qr svg").is_visible()
    assert axe_violations(page) == []
    shot(page, "two-factor-setup-phone")
    key = page.inner_text("#totp-key")
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)

    page.fill("#id_code", code_for(key))
    page.click("form[action='/staff/two-factor/setup/'] button[type=submit]")
    page.wait_for_selector("#backup-codes")
    codes = page.locator("#backup-codes code").all_inner_texts()
    assert len(codes) == 10
    assert axe_violations(page) == []
    page.click("text=Continue")
    page.wait_for_url("**/registry/")

    # A new sign-in: the code page follows the password (a code not used yet: the next step's).
    again = open_page("/staff/login/?next=/registry/", locale="en", viewport=(390, 844), is_mobile=True, has_touch=True)
    again.fill("#id_username", REGISTRAR)
    again.fill("#id_password", password)
    again.click("main form button[type=submit]")
    again.wait_for_url("**/staff/two-factor/?next=%2Fregistry%2F")
    assert axe_violations(again) == []
    again.fill("#id_code", "000000")
    again.click("form[action='/staff/two-factor/'] button[type=submit]")
    assert "The code is wrong or has expired." in again.inner_text("main")
    again.fill("#id_code", codes[0])
    again.click("form[action='/staff/two-factor/'] button[type=submit]")
    again.wait_for_url("**/registry/")
