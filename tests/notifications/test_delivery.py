"""Delivery against real receivers on 127.0.0.1 by the real job worker: signed (verified with the standardwebhooks
library), in order per subscriber, retried, dead-lettered, disabled by 410, recorded attempt by attempt."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from geo_portal.addresses.plates import plate_retire
from geo_portal.areas.models import Road
from geo_portal.notifications.dispatch import dispatch_once
from geo_portal.notifications.models import Attempt, Message, Subscription
from geo_portal.notifications.selectors import dead_letter_count, delivery_health
from geo_portal.notifications.services import (
    message_redeliver,
    secret_rotate,
    subscription_create,
    subscription_enable,
)
from geo_portal.registry.details import Death
from tests.notifications.conftest import deliver_all, new_plate
from tests.registry.conftest import through_review

pytestmark = pytest.mark.django_db(transaction=True)


def payloads(receiver) -> list[dict]:
    """The messages a receiver kept, in the order they first arrived."""
    return list(receiver.received.messages.values())


def test_plate_events_arrive_signed_in_order_with_receipts(street, make_agency, subscribe, run_worker):
    agency = make_agency()
    sub, receiver, secret = subscribe(agency, ["plate.created", "plate.retired"])
    p7 = new_plate(street, 7)
    p9 = new_plate(street, 9)
    plate_retire(plate_id=p7.pk, version=p7.version, retired_on=dt.date(2026, 12, 1), reason="拆除", actor="t")
    deliver_all(run_worker)

    got = payloads(receiver)
    assert [(m["type"], m["data"].get("plate_id"), m["data"].get("status")) for m in got] == [
        ("plate.created", p7.pk, "active"),
        ("plate.created", p9.pk, "active"),
        ("plate.retired", p7.pk, "retired"),
    ]
    assert (got[0]["data"]["address"], got[1]["data"]["address"]) == (p7.address, p9.address)
    assert p7.address.endswith("光復路二段7號")
    fields = {"channel", "txid", "seq", "committed_at", "plate_id", "address", "status", "retired_on", "successors"}
    assert set(got[2]["data"]) == fields | {"village_id", "neighborhood", "road_id", "zip_code"}
    assert got[2]["data"]["retired_on"] == "2026-12-01"
    assert receiver.received.rejected == 0
    messages = list(Message.objects.filter(subscription=sub).order_by("id"))
    assert [m.status for m in messages] == ["delivered"] * 3
    assert [m.msg_id for m in messages] == list(receiver.received.messages)
    for m in messages:
        [attempt] = Attempt.objects.filter(message=m)
        assert (attempt.number, attempt.status_code, attempt.ok, attempt.error) == (1, 200, True, "")
        assert attempt.response_ms > 0 and attempt.ack_id == m.ack_id and m.ack_id.startswith("ack-")
        assert json.loads(m.payload)["type"] == m.event_type
    # The library verifies a message as signed, and refuses it under another secret.
    m = messages[0]
    now = timezone.now()
    headers = {"webhook-id": m.msg_id, "webhook-timestamp": str(int(now.timestamp()))}
    headers["webhook-signature"] = Webhook(secret).sign(m.msg_id, now, m.payload)
    assert Webhook(secret).verify(m.payload, headers)["type"] == "plate.created"
    with pytest.raises(Exception, match="No matching signature found"):
        Webhook("whsec_" + "B" * 44).verify(m.payload, headers)


def test_an_event_kind_not_subscribed_is_not_sent(street, make_agency, subscribe, run_worker):
    _sub, receiver, _ = subscribe(make_agency(), ["plate.retired"])
    new_plate(street, 7)
    deliver_all(run_worker)
    assert payloads(receiver) == [] and Message.objects.count() == 0


def test_two_signatures_during_a_secret_rotation(street, make_agency, subscribe, receivers, office, run_worker):
    sub, old_receiver, old_secret = subscribe(make_agency(), ["plate.created"])
    new_secret = secret_rotate(actor=office, subscription=sub)
    old_receiver.stop()
    # Receivers that know only one of the two secrets both verify the same deliveries.
    port = int(sub.url.rsplit(":", 1)[1].split("/")[0])
    seen: list[dict] = []

    def check(msg_id, payload):
        seen.append(payload)

    only_new = receivers([new_secret], port=port, on_message=check)
    p = new_plate(street, 11)
    deliver_all(run_worker)
    assert [m["data"]["plate_id"] for m in seen] == [p.pk] and only_new.received.rejected == 0
    [message] = Message.objects.filter(subscription=sub)
    ts = timezone.now()
    signature = " ".join(Webhook(s).sign(message.msg_id, ts, message.payload) for s in (new_secret, old_secret))
    headers = {"webhook-id": message.msg_id, "webhook-timestamp": str(int(ts.timestamp())), "webhook-signature": signature}
    for secret in (old_secret, new_secret):
        assert Webhook(secret).verify(message.payload, headers)["data"]["plate_id"] == p.pk


def test_a_receiver_failing_half_the_requests_still_gets_every_event_in_order(
    street, make_agency, subscribe, run_worker, settings
):
    settings.NOTIFICATIONS_RETRY_SCHEDULE = [0.1] * 8
    sub, receiver, _ = subscribe(make_agency(), ["plate.created"], fail=lambda n, msg_id: 503 if n % 2 else None)
    plates = [new_plate(street, n) for n in range(21, 41, 2)]
    deliver_all(run_worker)
    got = payloads(receiver)
    assert [m["data"]["plate_id"] for m in got] == [p.pk for p in plates]
    assert receiver.received.failed_on_purpose == 10
    # Every message: a failed attempt (503) then a delivered one, the webhook-id the same over both.
    rows = list(Attempt.objects.filter(message__subscription=sub).order_by("message_id", "number"))
    assert [(a.number, a.status_code, a.ok) for a in rows] == [(1, 503, False), (2, 200, True)] * 10
    assert rows[0].error == 'HTTP 503: {"error": "failing on purpose"}'


def test_failing_every_attempt_dead_letters_and_the_next_goes_on(street, make_agency, subscribe, run_worker, office):
    broken = {"on": True}
    sub, receiver, _ = subscribe(make_agency(), ["plate.created"], fail=lambda n, mid: 500 if broken["on"] else None)
    first = new_plate(street, 51)
    deliver_all(run_worker)
    [message] = Message.objects.filter(subscription=sub)
    assert (message.status, message.attempts, message.last_error) == ("dead", 4, 'HTTP 500: {"error": "failing on purpose"}')
    assert Attempt.objects.filter(message=message).count() == 4  # the first try and three retries
    assert dead_letter_count() == 1
    assert delivery_health().as_json() == {"dead_lettered": 1, "pending": 0, "disabled_endpoints": 0}
    broken["on"] = False
    second = new_plate(street, 53)
    deliver_all(run_worker)
    assert [m["data"]["plate_id"] for m in payloads(receiver)] == [second.pk]
    # Staff send the dead letter again; it arrives with its own webhook-id.
    assert message_redeliver(actor=office, message_ids=[message.pk]) == 1
    deliver_all(run_worker)
    assert [m["data"]["plate_id"] for m in payloads(receiver)] == [second.pk, first.pk]
    assert list(receiver.received.messages)[-1] == message.msg_id
    assert dead_letter_count() == 0
    message.refresh_from_db()
    assert (message.status, Attempt.objects.filter(message=message).count()) == ("delivered", 5)


def test_410_disables_the_endpoint_until_staff_enable_it(street, make_agency, subscribe, run_worker, office):
    gone = {"on": True}
    sub, receiver, _ = subscribe(make_agency(), ["plate.created"], fail=lambda n, mid: 410 if gone["on"] else None)
    a, b = new_plate(street, 61), new_plate(street, 63)
    deliver_all(run_worker)
    sub.refresh_from_db()
    assert sub.status == "disabled" and sub.disabled_reason.startswith("the receiver answered HTTP 410 Gone")
    assert list(Message.objects.filter(subscription=sub).values_list("status", "attempts").order_by("id")) == [
        ("pending", 1), ("pending", 0)
    ]  # fmt: skip
    gone["on"] = False
    subscription_enable(actor=office, subscription=sub, version=sub.version)
    deliver_all(run_worker)
    assert [m["data"]["plate_id"] for m in payloads(receiver)] == [a.pk, b.pk]


def _garbage_server() -> tuple[socket.socket, str]:
    """A TCP server that answers every connection with bytes that are not HTTP, then closes it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(b"\x00\x01 garbage, not HTTP\r\n\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, f"http://127.0.0.1:{server.getsockname()[1]}/hooks"


def test_a_receiver_answering_garbage_is_a_recorded_failed_attempt(street, make_agency, office, run_worker):
    server, url = _garbage_server()
    try:
        sub, _ = subscription_create(actor=office, agency=make_agency(), event_kinds=["plate.created"], url=url)
        new_plate(street, 71)
        deliver_all(run_worker)
    finally:
        server.close()
    [message] = Message.objects.filter(subscription=sub)
    attempts = list(Attempt.objects.filter(message=message).order_by("number"))
    assert message.status == "dead" and len(attempts) == 4
    assert all(a.status_code is None and not a.ok and a.error.startswith("ProtocolError") for a in attempts)


def test_a_slow_receiver_does_not_hold_up_the_others(street, make_agency, subscribe, run_worker, settings):
    settings.NOTIFICATIONS_RETRY_SCHEDULE = [3600]
    settings.NOTIFICATIONS_READ_TIMEOUT = 0.3
    slow_sub, _slow, _ = subscribe(make_agency("slow"), ["plate.created"], fail=lambda n, mid: time.sleep(2))
    _fast_sub, fast, _ = subscribe(make_agency("fast"), ["plate.created"])
    plates = [new_plate(street, n) for n in (81, 83, 85)]
    dispatch_once()
    run_worker()
    assert [m["data"]["plate_id"] for m in payloads(fast)] == [p.pk for p in plates]
    # The slow one: its first message timed out once and waits an hour; the other two wait behind it.
    rows = list(Message.objects.filter(subscription=slow_sub).order_by("id").values_list("status", "attempts"))
    assert rows == [("pending", 1), ("pending", 0), ("pending", 0)]
    [attempt] = Attempt.objects.filter(message__subscription=slow_sub)
    assert attempt.status_code is None and attempt.error.startswith("ReadTimeoutError")


def test_registration_events_reach_only_authorised_agencies_with_ids_only(family, staff, make_agency, subscribe, run_worker):
    authorised = make_agency("nhi", private=("registration.death",))
    other = make_agency("post", kind="post")
    sub, receiver, _ = subscribe(authorised, ["registration.death", "plate.created"])
    _, other_receiver, _ = subscribe(other, ["plate.created"])
    son = family["people"]["陳小明"]
    event = through_review("death", Death(person_id=son.pk), dt.date(2026, 11, 30), by=staff["ann"], reviewer=staff["bob"])
    deliver_all(run_worker)
    [got] = payloads(receiver)
    assert got["type"] == "registration.death"
    assert {k: v for k, v in got["data"].items() if k not in ("txid", "seq", "committed_at")} == {
        "channel": "registry", "event_id": event.pk, "effective_date": "2026-11-30", "person_ids": [son.pk],
        "household_ids": [family["household"].pk], "plate_ids": event.plate_ids,
    }  # fmt: skip
    raw = Message.objects.get(subscription=sub).payload
    assert "陳小明" not in raw and "national" not in raw
    assert payloads(other_receiver) == []
    assert Subscription.objects.get(pk=sub.pk).status == "active"


def test_a_road_renamed_is_told_with_its_old_name(street, make_agency, subscribe, run_worker):
    road = street["road"]
    _sub, receiver, _ = subscribe(make_agency(), ["road.renamed"])
    Road.objects.filter(pk=road.pk).update(name="復興路二段", base_name="復興路")
    Road.objects.filter(pk=road.pk).update(name_en="Sec. 2, Fuxing Rd.")  # not a renaming
    deliver_all(run_worker)
    [got] = payloads(receiver)
    assert got["type"] == "road.renamed"
    assert (got["data"]["road_id"], got["data"]["name"], got["data"]["old_name"]) == (road.pk, "復興路二段", "光復路二段")
