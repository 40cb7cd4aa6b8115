"""The notifications' health check, registered in core.health for /healthz, the staff home and the alert job."""

from __future__ import annotations

import pytest

from geo_portal.core.health import registered
from geo_portal.notifications.models import Message
from geo_portal.notifications.services import subscription_create

pytestmark = pytest.mark.django_db


def test_the_health_check_counts_dead_letters(office, make_agency):
    check = {c.name: c for c in registered()}["notification_dead_letters"]
    assert check.run().ok and check.run().count == 0
    sub, _ = subscription_create(
        actor=office, agency=make_agency(), event_kinds=["plate.created"], url="http://127.0.0.1:9/"
    )
    Message.objects.create(subscription=sub, msg_id="msg_dead2", event_type="plate.created", payload="{}",
                           channel="public", seq=1, status="dead", attempts=4, next_attempt_at=None)  # fmt: skip
    result = check.run()
    assert (result.ok, result.count, result.summary) == (
        False, 1, "1 dead-lettered notifications, 0 endpoints disabled; re-deliver them in the admin"
    )  # fmt: skip
