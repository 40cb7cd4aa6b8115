"""Fixtures for change notifications: the office (a superuser), agencies, real receivers on 127.0.0.1, the real
procrastinate worker (in a thread here, as a separate process in the kill -9 test), and the small register world of
the registry's tests (a road with plates, two registrars, the 陳 family).

Delivery tests commit for real (the change log numbers transactions at commit, the worker needs committed rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import translation

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.notifications.dispatch import dispatch_once
from geo_portal.notifications.models import Message
from geo_portal.notifications.receiver import Receiver
from geo_portal.notifications.services import agency_authorise, agency_create, subscription_create
from tests.conftest import X0, Y0
from tests.jobs.conftest import queue, run_worker  # noqa: F401 (fixtures)
from tests.registry.conftest import _documents, family, staff, street  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages asserted in English: in the test's own code, and in requests that name no language (an agency's
    client sending no Accept-Language gets the site's default, which the test makes English)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_retries(settings, tmp_path):
    """Retries after 0.2 s (three of them) instead of about three days; short timeouts; digests in a temp folder."""
    settings.NOTIFICATIONS_RETRY_SCHEDULE = [0.2, 0.2, 0.2]
    settings.NOTIFICATIONS_CONNECT_TIMEOUT = 1
    settings.NOTIFICATIONS_READ_TIMEOUT = 1
    settings.NOTIFICATIONS_DIGEST_DIR = str(tmp_path / "digests")


@pytest.fixture
def office(db):
    return get_user_model().objects.create_superuser("office-admin", "admin@example.tw", "x-not-used-42")


@pytest.fixture
def make_agency(office) -> Callable:
    def make(code: str = "nhi", kind: str = "health_insurance", private: tuple[str, ...] = ()):
        agency = agency_create(actor=office, code=code, name=f"Agency {code}", kind=kind)
        if private:
            agency = agency_authorise(
                actor=office, agency=agency, private_kinds=list(private), reference="府授民字第1號", version=agency.version
            )
        return agency

    return make


@pytest.fixture
def receivers():
    """``start(secrets, fail=None)`` → a started Receiver; all stopped at the end."""
    started: list[Receiver] = []

    def start(secrets: list[str], **kwargs) -> Receiver:
        r = Receiver(secrets, **kwargs)
        r.start()
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def subscribe(office, receivers):
    """A webhook subscription of ``agency`` to ``kinds`` with its own receiver: (subscription, receiver, secret)."""

    def make(agency, kinds: list[str], **receiver_kwargs):
        probe = Receiver(["whsec_" + "A" * 44])  # a free port first: the subscription names the URL
        url = probe.url
        probe.server.server_close()
        sub, secret = subscription_create(actor=office, agency=agency, event_kinds=kinds, url=url)
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        return sub, receivers([secret], port=port, **receiver_kwargs), secret

    return make


def new_plate(place: dict, number: int):
    """A new plate on the street's road (a change event on the public channel)."""
    return plate_create(
        district=place["district"], components=Components(number=number, road=place["road"]),
        point=Point(X0 + 100 + (number % 150) * 10, Y0 + (520 if number % 2 else 480), srid=3826), actor="t",
    ).plate  # fmt: skip


def deliver_all(run_worker, *, timeout: float = 30.0) -> None:  # noqa: F811
    """Dispatch, then run the worker until no message is pending and due soon (retries are 0.2 s apart here)."""
    end = time.monotonic() + timeout
    dispatch_once()
    while time.monotonic() < end:
        run_worker()
        if not Message.objects.filter(
            status="pending", subscription__status="active", subscription__mode="webhook"
        ).exists():
            return
        time.sleep(0.25)
    raise AssertionError("messages still pending after the timeout")
