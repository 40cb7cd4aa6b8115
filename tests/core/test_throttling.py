"""Per-client throttles on plain views: admin login attempts, the language switch, the sliding window itself."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from geo_portal.core import throttling


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


def test_sliding_window_weighs_the_previous_window_and_says_how_long_to_wait(rates, monkeypatch):
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


def test_scope_without_a_rate_is_not_throttled(rates):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9")
    throttle = throttling.ClientThrottle("no-such-scope")
    assert [throttle.allow_request(request, None) for _ in range(3)] == [True, True, True]
