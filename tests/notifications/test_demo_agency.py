"""The demo's notified agency: made once, its secret kept for the reference receiver, which then gets a plate's
change signed and receipted (the receiver started as the printed command starts it, on the demo's port)."""

from __future__ import annotations

import pytest

from geo_portal.demo.notifications_demo import RECEIVER_PORT, RECEIVER_URL, ensure_demo_agency
from geo_portal.notifications.models import Agency, Message, Subscription
from tests.notifications.conftest import deliver_all, new_plate

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_agency_is_made_once_and_its_receiver_gets_signed_changes(office, tmp_path, street, receivers, run_worker):
    secret_file = tmp_path / ".data" / "demo-agency-secret"
    first = ensure_demo_agency(office=office, secret_file=secret_file)
    assert first.created
    assert (first.agency.code, first.subscription.url) == ("demo-agency", RECEIVER_URL)
    assert first.subscription.event_kinds == ["plate.created", "plate.retired", "plate.renumbered", "road.renamed"]
    secret = secret_file.read_text().strip()
    assert secret.startswith("whsec_") and secret_file.stat().st_mode & 0o777 == 0o600
    assert first.receiver_command.endswith(f"--secret $(cat {secret_file}) --port 8765")
    again = ensure_demo_agency(office=office, secret_file=secret_file)
    assert not again.created and again.subscription.pk == first.subscription.pk
    assert (Agency.objects.count(), Subscription.objects.count(), secret_file.read_text().strip()) == (1, 1, secret)

    receiver = receivers([secret], port=RECEIVER_PORT)
    plate = new_plate(street, 11)
    deliver_all(run_worker)
    [got] = receiver.received.messages.values()
    assert (got["type"], got["data"]["plate_id"], receiver.received.rejected) == ("plate.created", plate.pk, 0)
    message = Message.objects.get()
    assert (message.status, message.ack_id[:4]) == ("delivered", "ack-")
