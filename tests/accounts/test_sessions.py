"""Staff sessions: the idle timeout (activity extends it), a disabled account's session ends at once, and the
per-account sign-in lockout with exponential backoff (whatever the client address; staff sign-in and admin)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from geo_portal.accounts.lockout import lock_seconds, locked_until, record_failure
from geo_portal.accounts.middleware import LAST_SEEN_KEY
from geo_portal.accounts.models import LoginFailure, RoleChange
from geo_portal.accounts.services import staff_disable, staff_unlock_sign_in
from tests.accounts.factories import PASSWORD, make_staff, verified_login

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor_steps]


@pytest.fixture(autouse=True)
def _lenient_login_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "1000/minute"},
    }
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    settings.LOGIN_LOCKOUT_BASE_S = 60
    settings.LOGIN_LOCKOUT_MAX_S = 3600


def _last_seen(client, seconds_ago: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_an_idle_session_ends_and_activity_extends_it(client, settings):
    settings.STAFF_IDLE_TIMEOUT_S = 1800
    make_staff("surveyor-idle", "surveyor")  # a role that signs in with a password alone
    client.post("/staff/login/", {"username": "surveyor-idle", "password": PASSWORD})
    assert client.get("/staff/").status_code == 200
    _last_seen(client, 1790)  # 29 min 50 s: still within
    assert client.get("/staff/").status_code == 200
    assert abs(client.session[LAST_SEEN_KEY] - time.time()) < 5  # the request counted as activity
    _last_seen(client, 1801)
    assert client.get("/staff/")["Location"] == "/staff/login/?next=/staff/"
    page = client.get("/staff/login/?next=/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You were signed out after a while without activity." in page
    again = client.get("/staff/login/?next=/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "without activity" not in again  # said once


def test_a_verified_registrar_also_times_out(client, settings):
    settings.STAFF_IDLE_TIMEOUT_S = 600
    registrar = make_staff("reg-idle", "registrar")
    verified_login(client, registrar)
    assert client.get("/staff/").status_code == 200
    _last_seen(client, 601)
    assert client.get("/staff/").status_code == 302
    assert client.get("/staff/two-factor/")["Location"].startswith("/staff/login/")  # the second factor is gone too


def test_disabling_an_account_ends_its_session_at_once(client):
    admin_user = make_staff("adm-dis", "administrator")
    surveyor = make_staff("surveyor-dis", "surveyor")
    client.force_login(surveyor)
    assert client.get("/staff/").status_code == 200
    staff_disable(actor=admin_user, user=surveyor, reason="left the office")
    assert client.get("/staff/")["Location"] == "/staff/login/?next=/staff/"


def test_backoff_doubles_with_each_failure_past_the_threshold():
    assert [lock_seconds(n) for n in range(1, 10)] == [0, 0, 60, 120, 240, 480, 960, 1920, 3600]
    now = timezone.now()
    for _ in range(2):
        record_failure(username="Somebody", now=now)
    assert locked_until("somebody", now=now) is None
    failure = record_failure(username="SOMEBODY ", now=now)
    assert (failure.username, failure.failures, failure.locked_until) == ("somebody", 3, now + timedelta(seconds=60))
    assert locked_until("Somebody", now=now + timedelta(seconds=59)) == now + timedelta(seconds=60)
    assert locked_until("Somebody", now=now + timedelta(seconds=61)) is None
    # The next failure after the lockout doubles it: the count survives until a successful sign-in.
    later = now + timedelta(seconds=61)
    assert record_failure(username="somebody", now=later).locked_until == later + timedelta(seconds=120)


def test_an_account_is_locked_whatever_the_address_and_unlocks_with_backoff(client):
    make_staff("clerk-lock", "clerk")
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # one per address: a per-IP limit would never trip
        response = client.post("/staff/login/", {"username": "clerk-lock", "password": "wrong"}, REMOTE_ADDR=address)
        assert response.status_code == 200
    refused = client.post(
        "/staff/login/", {"username": "clerk-lock", "password": PASSWORD}, REMOTE_ADDR="10.0.0.4", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 200
    assert "Too many failed sign-ins for this account. Try again after" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Attempts while locked are not counted (nobody can keep a colleague locked out longer).
    assert LoginFailure.objects.get(username="clerk-lock").failures == 3

    LoginFailure.objects.filter(username="clerk-lock").update(locked_until=timezone.now() - timedelta(seconds=1))
    again = client.post("/staff/login/", {"username": "clerk-lock", "password": "wrong"})
    assert again.status_code == 200
    failure = LoginFailure.objects.get(username="clerk-lock")
    assert failure.failures == 4
    assert 115 <= (failure.locked_until - timezone.now()).total_seconds() <= 120  # doubled

    LoginFailure.objects.filter(username="clerk-lock").update(locked_until=None)
    assert client.post("/staff/login/", {"username": "clerk-lock", "password": PASSWORD})["Location"] == "/staff/"
    assert not LoginFailure.objects.filter(username="clerk-lock").exists()  # success clears the count


def test_the_admin_sign_in_respects_the_lockout(client):
    make_staff("clerk-admin-lock", "clerk")
    for _ in range(3):
        client.post("/admin/login/", {"username": "clerk-admin-lock", "password": "wrong"})
    refused = client.post("/admin/login/", {"username": "clerk-admin-lock", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many failed sign-ins for this account." in refused.content.decode()


def test_unknown_names_lock_alike_and_an_administrator_unlocks(client):
    for _ in range(3):
        client.post("/staff/login/", {"username": "nobody-here", "password": "x"})
    assert locked_until("nobody-here") is not None  # no difference between existing and unknown names

    admin_user = make_staff("adm-unlock", "administrator")
    clerk = make_staff("clerk-unlock", "clerk")
    for _ in range(3):
        client.post("/staff/login/", {"username": "clerk-unlock", "password": "wrong"})
    assert locked_until("clerk-unlock") is not None
    change = staff_unlock_sign_in(actor=admin_user, user=clerk)
    assert (change.kind, change.actor) == (RoleChange.Kind.UNLOCKED, admin_user)
    assert locked_until("clerk-unlock") is None
    assert staff_unlock_sign_in(actor=admin_user, user=clerk) is None
    assert client.post("/staff/login/", {"username": "clerk-unlock", "password": PASSWORD})["Location"] == "/staff/"
