"""Browser tests: a live gunicorn server on the test database (with the real 東區 data) driven by Playwright in
Debian's Chromium. Screenshots of the main states go to ``test-artifacts/`` (kept by CI as artifacts).

The server is a separate process, so what it reads must be committed: the session fixture ``loaded_real``
commits the real data, and ``live_site`` commits a staff account. The basemap URL points at a closed local port,
as on a machine without internet: the page must still show plates, buildings and villages.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from geo_portal.core.dsn import database_url
from support.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(settings.BASE_DIR)
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
STAFF_USER = "staff-browser"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    """The test database's URL, for the server process."""
    return database_url(connection.settings_dict)


@pytest.fixture(scope="session")
def live_site(loaded_real, django_db_blocker, tmp_path_factory):
    """Base URL of a gunicorn server on the test database, plus the staff login it accepts."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI is set but /usr/bin/chromium is missing (scripts/bootstrap.sh installs it)")
        pytest.skip("Debian's chromium is not installed (make setup installs it)")
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    password = secrets.token_urlsafe(16)
    with django_db_blocker.unblock():
        user, _ = get_user_model().objects.get_or_create(username=STAFF_USER)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        # A superuser signs in with a second factor: the authenticator whose codes two_factor_step types.
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.test",
        "DATABASE_URL": _database_url(),
        "GEO_PORTAL_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",  # no basemap, as offline
        "GEO_PORTAL_MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "GEO_PORTAL_THROTTLE_ANON": "100000/minute",
        "GEO_PORTAL_THROTTLE_PAGES": "100000/minute",
        **{f"GEO_PORTAL_THROTTLE_{family}": "100000/minute" for family in ("GEOCODE", "AUTOCOMPLETE", "REVERSE", "PLATES")},
        "GEO_PORTAL_THROTTLE_REPORTS": "1000/hour",
    }
    log = (tmp_path_factory.mktemp("server") / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:geo_portal.config.gunicorn",
            "geo_portal.config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)  # our own local server
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"live server did not start; see {log.name}")
            time.sleep(0.2)
    yield {"url": base, "user": STAFF_USER, "password": password, "totp_device_id": device.pk}
    server.terminate()
    server.wait(10)
    log.close()
    # The server's persistent connections may outlive it by a moment; the test database is dropped next.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def two_factor_step(live_site, django_db_blocker):
    """Type the code of ``live_site``'s authenticator on the two-factor page that follows its password (a code not
    used yet: a code is accepted once, and two sign-ins may fall in one 30-second step)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.factories import totp_code

    def step(page) -> None:
        page.wait_for_url("**/staff/two-factor/**")
        with django_db_blocker.unblock():
            device = TOTPDevice.objects.get(pk=live_site["totp_device_id"])
        now_t = (int(time.time()) - device.t0) // device.step
        page.fill("#id_code", totp_code(device, offset_steps=max(0, (device.last_t or 0) + 1 - now_t)))
        page.click("form[action='/staff/two-factor/'] button[type=submit]")

    return step


@pytest.fixture(scope="session")
def browser(live_site):
    """Debian's Chromium. Playwright's sync API runs an event loop in this thread, which Django's async-safety
    check mistakes for async code: the tests' own ORM reads are synchronous, so the check is lifted meanwhile."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class PageProblems(list):
    """Console errors that mean a broken page: script errors and Content-Security-Policy refusals."""


@pytest.fixture
def open_page(live_site, browser):
    """Factory: a new page (own context) at a path; fails the test on script errors or CSP refusals."""
    contexts, problems = [], PageProblems()

    def _open(path: str = "/", *, locale: str = "zh-TW", viewport=(1280, 800), **context_options):
        context = browser.new_context(
            locale=locale, viewport={"width": viewport[0], "height": viewport[1]}, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                problems.append(msg.text)
                if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused" in msg.text)
                else None
            ),
        )
        page.goto(live_site["url"] + path)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert problems == []


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core (WCAG 2.1 A/AA) violations on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # DevTools evaluation: not subject to the page's CSP
    result = page.evaluate(
        """async () => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', '));
        }"""
    )
    return result


# Authenticators of the staff the browser tests create for roles that sign in with a second factor (clerks,
# reviewers …): the key and the last time step typed, so that each sign-in types a code not used yet.
_AUTHENTICATORS: dict[str, dict] = {}


def enrol_authenticator(user) -> None:
    """Give ``user`` a confirmed authenticator, as if enrolled on an earlier day (call inside ``unblock()``)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    _AUTHENTICATORS[user.username] = {"key": device.bin_key, "step": device.step, "t0": device.t0, "last_t": -1}


def type_code_if_enrolled(page, username: str) -> None:
    """After the password: the two-factor page and the code of ``username``'s authenticator (nothing for a user
    enrolled by no test: a role that signs in with a password alone)."""
    from django_otp.oath import TOTP

    entry = _AUTHENTICATORS.get(username)
    if entry is None:
        return
    page.wait_for_url("**/staff/two-factor/**")
    step = max((int(time.time()) - entry["t0"]) // entry["step"], entry["last_t"] + 1)
    entry["last_t"] = step
    generator = TOTP(entry["key"], step=entry["step"], t0=entry["t0"], digits=6)
    generator.time = entry["t0"] + step * entry["step"]
    page.fill("#id_code", f"{generator.token():06d}")
    page.click("form[action='/staff/two-factor/'] button[type=submit]")
