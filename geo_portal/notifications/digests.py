"""Daily digest files for agencies that take files instead of webhooks: one CSV and one JSON per subscription and
day, each with a detached signature, and the day's messages marked as filed.

The signature file (``<file>.sig``) holds ``v1,<base64 HMAC-SHA256 of the file's bytes>`` for every active signing
secret of the subscription (space-separated, as in the ``webhook-signature`` header), so an agency verifies a file
with the same secret as its webhooks: ``hmac.new(base64.b64decode(secret.removeprefix("whsec_")), data, sha256)``.
Re-running a day returns the digest already written. Called by the daily job, ``manage.py notification_digests``
and the tests.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from geo_portal.notifications import conf
from geo_portal.notifications.models import Digest, Message, Subscription
from geo_portal.notifications.services.subscriptions import active_secrets

COLUMNS = ("msg_id", "event_type", "channel", "seq", "timestamp", "data")


def file_signature(data: bytes, secrets: list[str]) -> str:
    """``v1,<base64>`` per secret, newest first, space-separated."""
    sigs = []
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        sigs.append("v1," + base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode())
    return " ".join(sigs)


def _render(messages: list[Message]) -> tuple[bytes, bytes]:
    rows = []
    for m in messages:
        body = json.loads(m.payload)
        rows.append(
            {
                "msg_id": m.msg_id,
                "event_type": m.event_type,
                "channel": m.channel,
                "seq": m.seq,
                "timestamp": body["timestamp"],
                "data": body["data"],
            }
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r["msg_id"],
                r["event_type"],
                r["channel"],
                r["seq"],
                r["timestamp"],
                json.dumps(r["data"], ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            ]
        )
    as_json = json.dumps({"messages": rows}, ensure_ascii=False, sort_keys=True, indent=1)
    return out.getvalue().encode("utf-8-sig"), as_json.encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


@transaction.atomic
def digest_build(*, subscription: Subscription, day: dt.date) -> Digest:
    """The digest of ``day`` (local time) for a digest subscription: written once, then returned as it is."""
    if subscription.mode != Subscription.Mode.DIGEST:
        raise ValueError(f"subscription {subscription.pk} delivers by webhook, not by digest files")
    existing = Digest.objects.filter(subscription=subscription, day=day).first()
    if existing is not None:
        return existing
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    messages = list(
        Message.objects.select_for_update()
        .filter(subscription=subscription, status=Message.Status.PENDING, created_at__lt=start + dt.timedelta(days=1))
        .order_by("id")
    )
    csv_bytes, json_bytes = _render(messages)
    folder = Path(conf.digest_dir()) / subscription.agency.code
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"notifications-{subscription.pk}-{day:%Y%m%d}"
    secrets = active_secrets(subscription.pk)
    csv_path, json_path = folder / f"{stem}.csv", folder / f"{stem}.json"
    signatures = file_signature(csv_bytes, secrets), file_signature(json_bytes, secrets)
    for path, data, sig in ((csv_path, csv_bytes, signatures[0]), (json_path, json_bytes, signatures[1])):
        _write(path, data)
        _write(path.with_suffix(path.suffix + ".sig"), sig.encode() + b"\n")
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(
        status=Message.Status.FILED, delivered_at=timezone.now(), next_attempt_at=None
    )
    return Digest.objects.create(
        subscription=subscription,
        day=day,
        messages=len(messages),
        csv_path=str(csv_path),
        json_path=str(json_path),
        csv_signature=signatures[0][:200],
        json_signature=signatures[1][:200],
    )


def digests_build(*, day: dt.date | None = None) -> list[Digest]:
    """Every active digest subscription's file for ``day`` (default: yesterday, local time)."""
    day = day or (timezone.localdate() - dt.timedelta(days=1))
    subs = Subscription.objects.filter(mode=Subscription.Mode.DIGEST, status=Subscription.Status.ACTIVE).select_related(
        "agency"
    )
    return [digest_build(subscription=sub, day=day) for sub in subs.order_by("id")]
