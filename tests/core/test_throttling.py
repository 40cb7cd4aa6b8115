"""Per-client throttles: admin login attempts, the language switch, the sliding window itself, the counters shared
by processes (in PostgreSQL, atomic under concurrency) and each endpoint family on its own counter."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory

from geo_portal.core import throttling
from geo_portal.core.dsn import database_url


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test (DRF reloads its settings when the setting changes and is restored)."""
    caches["default"].clear()

    def set_rates(**overrides):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **overrides},
        }

    yield set_rates
    caches["default"].clear()


def test_admin_login_attempts_are_limited_per_client(client, db, rates):
    rates(login="3/minute")
    assert client.get("/admin/login/").status_code == 200  # viewing the form does not count
    codes = [client.post("/admin/login/", {"username": "x", "password": "y"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.post("/admin/login/", {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.content.decode() == "Too many requests. Please wait a minute and try again."
    assert int(refused["Retry-After"]) > 0
    other = client.post("/admin/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200  # another client has its own counter


def test_language_switch_is_throttled(client, db, rates):
    rates(pages="2/minute")
    codes = [client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


def test_sliding_window_weighs_the_previous_window_and_says_how_long_to_wait(db, rates, monkeypatch):
    rates(tiles="10/minute")
    clock = Clock(6000.0)  # the start of a one-minute window (index 100)
    monkeypatch.setattr(throttling, "time", clock)
    request = RequestFactory().get("/tiles/plates/0/0/0.mvt", REMOTE_ADDR="10.0.0.7")
    other = RequestFactory().get("/tiles/plates/0/0/0.mvt", REMOTE_ADDR="10.0.0.8")
    throttle = throttling.ClientThrottle("tiles")

    assert [throttle.allow_request(request, None) for _ in range(11)] == [True] * 10 + [False]
    assert throttle.wait() == 60  # this window alone is full: wait for its end
    clock.now = 6045.5
    assert throttle.allow_request(request, None) is False
    assert throttle.wait() == 15
    assert throttling.ClientThrottle("tiles").allow_request(other, None) is True  # another client, its own count

    # 12 s into the next window the previous one still weighs 10 × 48/60 = 8: two more requests, then refused.
    clock.now = 6072.0
    assert [throttle.allow_request(request, None) for _ in range(3)] == [True, True, False]
    # 2 + 10 × (1 − t/60) < 10 once t > 12 s: one second from now.
    assert throttle.wait() == 1
    clock.now = 6080.0  # 20 s in: 2 + 10 × 40/60 ≈ 8.7, so two more (the third would make ≈ 10.7)
    assert [throttle.allow_request(request, None) for _ in range(3)] == [True, True, False]
    assert throttle.wait() == 4  # 4 + 10 × (1 − t/60) < 10 once t > 24 s


def test_scope_without_a_rate_is_not_throttled(db, rates):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9")
    throttle = throttling.ClientThrottle("no-such-scope")
    assert [throttle.allow_request(request, None) for _ in range(3)] == [True, True, True]


# --- shared counters and endpoint families ---------------------------------------------------------------------

COUNT_IN_ANOTHER_PROCESS = """
import django, sys
django.setup()
from django.core.cache import cache
from django.test import RequestFactory
from geo_portal.core.throttling import ClientThrottle
request = RequestFactory().get("/tiles/plates/0/0/0.mvt", REMOTE_ADDR="10.0.0.40")
throttle = ClientThrottle("tiles")
print(",".join("1" if throttle.allow_request(request, None) else "0" for _ in range(int(sys.argv[1]))))
cache.set("written-by-the-other-process", "hello", 60)
"""


def _other_process(hits: int, rates: dict[str, str]) -> str:
    """Run ``hits`` tile requests of one client in a separate Python process on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        **{f"GEO_PORTAL_THROTTLE_{scope.upper()}": rate for scope, rate in rates.items()},
    }
    done = subprocess.run(
        [sys.executable, "-c", COUNT_IN_ANOTHER_PROCESS, str(hits)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return done.stdout.strip()


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_counter(rates):
    rates(tiles="5/day")  # a day's window: no window ends between the two processes
    assert _other_process(3, {"tiles": "5/day"}) == "1,1,1"
    request = RequestFactory().get("/tiles/plates/0/0/0.mvt", REMOTE_ADDR="10.0.0.40")
    throttle = throttling.ClientThrottle("tiles")
    # This process sees the other one's three requests: two more, then refused.
    assert [throttle.allow_request(request, None) for _ in range(3)] == [True, True, False]
    assert _other_process(1, {"tiles": "5/day"}) == "0"  # and the other process sees this one's
    # DRF's own rate throttles (reports, exports, batch) keep their histories in the same shared cache.
    assert caches["default"].get("written-by-the-other-process") == "hello"


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_counted_exactly(rates):
    """Two threads (two database connections) hammer one client's counter: exactly the limit gets through."""
    rates(tiles="60/minute")
    request = RequestFactory().get("/tiles/plates/0/0/0.mvt", REMOTE_ADDR="10.0.0.41")
    start = threading.Barrier(2)
    results: list[list[bool]] = []

    def worker() -> None:
        start.wait()
        try:
            results.append([throttling.ClientThrottle("tiles").allow_request(request, None) for _ in range(50)])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sum(r) for r in results) == 60
    with connection.cursor() as cursor:
        cursor.execute("SELECT hits FROM core_throttle_counter WHERE key LIKE 'throttle:tiles:10.0.0.41:%%'")
        assert [row[0] for row in cursor.fetchall()] == [60]  # refused requests are not counted


def test_each_api_family_has_its_own_counter(client, db, rates):
    rates(geocode="2/minute", autocomplete="3/minute", reverse="2/minute", plates="2/minute", anon="1/minute")
    geocode = [client.get("/api/v1/geocode", {"q": "光復路1號"}).status_code for _ in range(3)]
    assert geocode == [200, 200, 429]
    # Geocode's budget is spent; the other families still answer, each up to its own limit.
    autocomplete = [client.get("/api/v1/autocomplete", {"q": "光復"}).status_code for _ in range(4)]
    assert autocomplete == [200, 200, 200, 429]
    reverse = [client.get("/api/v1/reverse", {"lon": "120.99", "lat": "24.79"}).status_code for _ in range(3)]
    assert reverse == [200, 200, 429]
    plates = [client.get("/api/v1/plates/999999999").status_code for _ in range(3)]
    assert plates == [404, 404, 429]
    refused = client.get("/api/v1/geocode", {"q": "光復路1號"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT split_part(key, ':', 2), hits FROM core_throttle_counter ORDER BY 1")
        assert cursor.fetchall() == [("autocomplete", 3), ("geocode", 2), ("plates", 2), ("reverse", 2)]


def test_tiles_and_pages_count_apart_from_the_api(client, db, rates):
    rates(geocode="1/minute", pages="1/minute")
    assert [client.get("/api/v1/geocode", {"q": "光復路1號"}).status_code for _ in range(2)] == [200, 429]
    assert [client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code for _ in range(2)] == [302, 429]


def test_signed_in_staff_get_the_factor_and_their_own_counter(client, db, rates, settings):
    rates(geocode="2/minute")
    settings.THROTTLE_SIGNED_IN_FACTOR = 3
    user = get_user_model().objects.create_user(username="counter-staff", password="x")
    client.force_login(user)
    codes = [client.get("/api/v1/geocode", {"q": "光復路1號"}).status_code for _ in range(7)]
    assert codes == [200] * 6 + [429]
    with connection.cursor() as cursor:
        cursor.execute("SELECT split_part(key, ':', 3), hits FROM core_throttle_counter")
        assert cursor.fetchall() == [(f"user-{user.pk}", 6)]


def test_clearing_the_cache_resets_the_counters(db, rates):
    rates(tiles="1/minute")
    request = RequestFactory().get("/tiles/plates/0/0/0.mvt", REMOTE_ADDR="10.0.0.42")
    assert [throttling.ClientThrottle("tiles").allow_request(request, None) for _ in range(2)] == [True, False]
    caches["default"].clear()
    assert throttling.ClientThrottle("tiles").allow_request(request, None) is True


def test_large_limits_are_taken_in_leases_and_small_ones_exactly(db, rates):
    rates(tiles="1000/minute", pages="99/minute")
    request = RequestFactory().get("/tiles/plates/0/0/0.mvt", REMOTE_ADDR="10.0.0.43")

    def hits(scope: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT hits FROM core_throttle_counter WHERE key LIKE %s", [f"throttle:{scope}:%"])
            return [row[0] for row in cursor.fetchall()]

    throttle = throttling.ClientThrottle("tiles")
    assert throttle.allow_request(request, None) is True
    assert hits("tiles") == [10]  # a lease of 1000 ÷ 100 requests, one served
    assert all(throttle.allow_request(request, None) for _ in range(9))
    assert hits("tiles") == [10]  # served from the lease: no database call
    assert throttle.allow_request(request, None) is True
    assert hits("tiles") == [20]
    pages = throttling.ClientThrottle("pages")
    assert all(pages.allow_request(request, None) for _ in range(3))
    assert hits("pages") == [3]  # below 100 per window: every request counted at once
    # The whole limit, never more, whatever the leases: 1000 granted, then refused.
    assert sum(throttle.allow_request(request, None) for _ in range(1200)) == 989  # 11 served above
