"""Per-client throttles on plain views: admin login attempts, the language switch."""

from __future__ import annotations

import pytest
from django.core.cache import caches


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
