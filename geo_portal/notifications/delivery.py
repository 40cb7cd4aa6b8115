"""The worker's side of a subscription: send its pending messages in order, signed, and record every attempt.

``deliver_subscription`` holds a session advisory lock on the subscription while it runs (one sender per endpoint,
so order is kept; a killed worker's connection drops and frees it), sends the oldest pending message first and
stops at the first failure: that message waits for its next attempt (``conf.retry_schedule``: about three days),
later ones wait behind it, and other endpoints are not held up — each has its own job, and an attempt ends at the
connect/read timeouts. A message that fails every attempt is dead-lettered and the next one goes. HTTP 410 disables
the subscription. 2xx is delivered; a JSON body ``{"ack_id": "…"}`` or a ``webhook-ack-id`` header is kept as the
agency's acknowledgement. Each message keeps its ``webhook-id`` over all its attempts, so a receiver that got a
message twice (a worker killed after sending, before recording) sees the same id.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import urllib3
from django.db import connection, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from geo_portal.notifications import conf, sql
from geo_portal.notifications.models import Attempt, Message, Subscription
from geo_portal.notifications.queueing import queue_delivery
from geo_portal.notifications.services.subscriptions import subscription_disable

logger = logging.getLogger(__name__)

DELIVER_LOCK = 0x6770_0015  # advisory lock class: (DELIVER_LOCK, subscription id)
USER_AGENT = "geo-portal-notifications/1 (Standard Webhooks)"
MAX_BODY = 65_536
CHUNK = 50  # messages sent before their attempts are written
# One pool per process; urllib3 pools are thread-safe. No automatic retries or redirects: our schedule decides.
_POOL = urllib3.PoolManager(num_pools=64, maxsize=8, retries=False, block=False)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    response_ms: float
    error: str
    ack_id: str


@dataclass
class RunResult:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    stopped: str = ""  # why the run ended: empty, "waiting", "disabled", "busy", "batch"


def sign(*, msg_id: str, at: datetime, payload: str, secrets: list[str]) -> str:
    """The ``webhook-signature`` header: one ``v1,<base64>`` per active secret, space-separated."""
    return " ".join(Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=payload) for secret in secrets)


def _ack(response: urllib3.BaseHTTPResponse, body: bytes) -> str:
    header = response.headers.get("webhook-ack-id", "")
    if header:
        return header[:100]
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("ack_id", ""))[:100] if isinstance(data, dict) else ""


def send(*, url: str, msg_id: str, payload: str, secrets: list[str]) -> Outcome:
    """One attempt: POST the payload with the Standard Webhooks headers; never raises for the receiver's faults."""
    at = datetime.now(UTC).replace(microsecond=0)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign(msg_id=msg_id, at=at, payload=payload, secrets=secrets),
    }
    timeout = urllib3.Timeout(connect=conf.connect_timeout(), read=conf.read_timeout())
    start = time.perf_counter()
    try:
        response = _POOL.request(
            "POST", url, body=payload.encode(), headers=headers, timeout=timeout, redirect=False, preload_content=False
        )
        try:
            body = response.read(MAX_BODY)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:  # refused, timed out, not HTTP at all (garbage), reset
        return Outcome(False, None, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}"[:300], "")
    ms = (time.perf_counter() - start) * 1000
    status = response.status
    if 200 <= status < 300:
        return Outcome(True, status, ms, "", _ack(response, body))
    return Outcome(False, status, ms, f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"[:300], "")


@dataclass
class _Pending:
    """A pending message as the sender reads it (raw SQL: the ORM's query building was most of a short run's CPU)."""

    pk: int
    msg_id: str
    payload: str
    attempts: int
    tries: int
    next_attempt_at: datetime | None
    subscription_id: int


def _record_delivered(sent: list[tuple[_Pending, datetime, Outcome]], *, by: str) -> None:
    """The attempts of messages delivered one after another, and their new state: one statement."""
    if not sent:
        return
    with connection.cursor() as cur:
        cur.execute(
            sql.RECORD_DELIVERED,
            {
                "ids": [m.pk for m, _, _ in sent],
                "numbers": [m.tries + 1 for m, _, _ in sent],
                "ats": [at for _, at, _ in sent],
                "codes": [o.status_code for _, _, o in sent],
                "ms": [o.response_ms for _, _, o in sent],
                "acks": [o.ack_id for _, _, o in sent],
                "by": by[:150],
            },
        )


def _record_failure(message: _Pending, outcome: Outcome, *, at: datetime, by: str) -> str:
    """A failed attempt and what follows: ``retry`` (the next attempt's time set), ``dead`` or ``gone`` (410)."""
    schedule = conf.retry_schedule()
    with transaction.atomic():
        Attempt.objects.create(
            message_id=message.pk, number=message.tries + 1, at=at, status_code=outcome.status_code,
            response_ms=outcome.response_ms, ok=False, error=outcome.error, by=by[:150],
        )  # fmt: skip
        failures = message.attempts + 1
        common = {"attempts": failures, "tries": message.tries + 1, "last_error": outcome.error}
        if outcome.status_code == 410:
            Message.objects.filter(pk=message.pk).update(**common)
            reason = f"the receiver answered HTTP 410 Gone ({at:%Y-%m-%d %H:%M} UTC)"
            subscription_disable(subscription_id=message.subscription_id, reason=reason)
            return "gone"
        if failures > len(schedule):
            Message.objects.filter(pk=message.pk).update(status=Message.Status.DEAD, next_attempt_at=None, **common)
            return "dead"
        retry_at = at + timedelta(seconds=schedule[failures - 1])
        Message.objects.filter(pk=message.pk).update(next_attempt_at=retry_at, **common)
        message.next_attempt_at = retry_at
        return "retry"


def _try_lock(subscription_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [DELIVER_LOCK, subscription_id])
        return cur.fetchone()[0]


def _unlock(subscription_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(%s, %s)", [DELIVER_LOCK, subscription_id])


def deliver_subscription(*, subscription_id: int, batch: int | None = None, by: str = "worker") -> RunResult:
    """Send the subscription's due messages in order until none is due, one fails, or ``batch`` were sent.

    Messages go one after another; their attempts are recorded per chunk (a worker killed before recording sends
    the chunk again, each message with its same webhook-id), a failure at once. A job that finds another sender
    holding the subscription leaves it; so the sender, having found nothing more and let go, looks once more (a
    message that came in that moment would otherwise wait for the sweep).
    """
    total = RunResult()
    while True:
        run = _deliver_locked(subscription_id=subscription_id, batch=batch, by=by)
        total.delivered += run.delivered
        total.failed += run.failed
        total.dead += run.dead
        total.stopped = run.stopped
        if run.stopped or not _due(subscription_id):
            return total


def _due(subscription_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute(sql.DUE, [subscription_id])
        return cur.fetchone()[0]


def _sender(subscription_id: int) -> tuple[str, str, str, list[str]] | None:
    """(status, mode, url, the secrets that sign now) of the subscription, or None."""
    with connection.cursor() as cur:
        cur.execute(sql.SENDER, [subscription_id])
        return cur.fetchone()


def _pending(subscription_id: int, limit: int) -> list[_Pending]:
    with connection.cursor() as cur:
        cur.execute(sql.PENDING, [subscription_id, limit])
        return [_Pending(*row, subscription_id=subscription_id) for row in cur.fetchall()]


def _deliver_locked(*, subscription_id: int, batch: int | None, by: str) -> RunResult:
    result = RunResult()
    limit = batch or conf.batch_size()
    if not _try_lock(subscription_id):
        result.stopped = "busy"  # another sender has it; it sends what is due
        return result
    try:
        sender = _sender(subscription_id)
        if sender is None or sender[0] != Subscription.Status.ACTIVE or sender[1] != Subscription.Mode.WEBHOOK:
            result.stopped = "disabled"
            return result
        _status, _mode, url, secrets = sender
        short = False  # the last chunk was not full: nothing more was pending when it was read
        while result.delivered + result.failed + result.dead < limit:
            room = limit - (result.delivered + result.failed + result.dead)
            chunk = [] if short else _pending(subscription_id, min(CHUNK, room))
            if not chunk:
                return result
            short = len(chunk) < min(CHUNK, room)
            delivered: list[tuple[_Pending, datetime, Outcome]] = []
            stop = ""
            for message in chunk:
                now = timezone.now()
                if message.next_attempt_at is None or message.next_attempt_at > now:
                    stop = "waiting"
                    break
                outcome = send(url=url, msg_id=message.msg_id, payload=message.payload, secrets=secrets)
                if outcome.ok:
                    delivered.append((message, now, outcome))
                    continue
                _record_delivered(delivered, by=by)
                result.delivered += len(delivered)
                delivered = []
                state = _record_failure(message, outcome, at=now, by=by)
                if state == "dead":
                    result.dead += 1
                    continue  # the next message goes
                result.failed += 1
                stop = "disabled" if state == "gone" else "waiting"
                break
            _record_delivered(delivered, by=by)
            result.delivered += len(delivered)
            if stop:
                result.stopped = stop
                if stop == "waiting" and message.next_attempt_at is not None:
                    queue_delivery(subscription_id, at=message.next_attempt_at)
                return result
        result.stopped = "batch"
        queue_delivery(subscription_id)  # the rest in a new job: others get a turn
        return result
    finally:
        _unlock(subscription_id)
