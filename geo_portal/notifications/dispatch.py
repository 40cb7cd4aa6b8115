"""The dispatcher: committed change-log transactions → one ``Message`` per matching subscription, in order.

``dispatch_once`` reads each channel after its ``Cursor`` (the change log's own selectors: only committed,
numbered transactions, a gap-free prefix), takes each entity's final state per transaction, classifies it
(``kinds.classify``), writes the messages and moves the cursor in one transaction — so an event is turned into
messages exactly once, whatever crashes — and, after commit, queues a delivery job per webhook subscription that
got messages. ``sweep`` re-queues subscriptions whose due messages wait without a job (a worker killed mid-run).
Run by the ``notifications.dispatch`` job (``tasks``), the tests and the bench.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Road
from geo_portal.changes.selectors import channel_state, events_after
from geo_portal.notifications import kinds
from geo_portal.notifications.models import Agency, Cursor, Message, Published, Subscription
from geo_portal.notifications.queueing import queue_delivery

PAGE = 5_000
DISPATCH_LOCK = 0x6770_0014  # advisory lock: one dispatcher at a time


@dataclass(frozen=True)
class _Target:
    id: int
    mode: str
    kinds: frozenset[str]
    since: datetime  # events committed before the subscription was made are not its business


def _targets() -> list[_Target]:
    out = []
    subs = Subscription.objects.filter(status=Subscription.Status.ACTIVE, agency__active=True).select_related("agency")
    for sub in subs:
        agency: Agency = sub.agency
        allowed = {k for k in sub.event_kinds if k not in kinds.PRIVATE_KINDS or k in agency.private_kinds}
        out.append(_Target(sub.pk, sub.mode, frozenset(allowed), sub.created_at))
    return out


def _final_states(channel: str, events: list) -> list[kinds.Change]:
    """Each entity's last event per transaction, in the order of those last events."""
    last: dict[tuple[int, str, int], object] = {}
    for e in events:
        last[(e.txid, e.entity, e.entity_id)] = e
    changes = [
        kinds.Change(
            channel=channel,
            txid=e.txid,
            seq=e.seq,
            committed_at=e.committed_at.isoformat(),
            cause=e.cause.split(":", 1)[0],
            entity=e.entity,
            entity_id=e.entity_id,
            operation=e.operation,
            data=json.loads(e.data) if e.operation != "delete" else None,
        )
        for e in last.values()
    ]
    return sorted(changes, key=lambda c: c.seq)


def _renamed_by_plans(changes: list[kinds.Change]) -> dict[tuple[int, int], str]:
    """Roads a renumbering plan made by renaming a road: {(txid, new road id): the old road's name}.

    A plan that renames a road creates the road under its new name (the old one keeps its retired plates), so the
    change log shows a road inserted, not renamed. It is a renaming when, in that transaction, the plates on the new
    road are successors of retired plates of one single old road, and that road has no active plate left.
    """
    new_roads = {
        (c.txid, c.entity_id)
        for c in changes
        if c.entity == "road" and c.operation == "insert" and c.cause == "renumbering_plan"
    }
    if not new_roads:
        return {}
    road_of_new_plate = {
        (c.txid, c.entity_id): (c.data or {}).get("road_id")
        for c in changes
        if c.entity == "plate" and c.operation == "insert" and (c.txid, (c.data or {}).get("road_id")) in new_roads
    }
    old_roads: dict[tuple[int, int], set] = {}
    for c in changes:
        data = c.data or {}
        if c.entity != "plate" or c.operation != "update" or data.get("status") != "retired":
            continue
        for successor in data.get("successors") or []:
            new_road = road_of_new_plate.get((c.txid, successor))
            if new_road is not None:
                old_roads.setdefault((c.txid, new_road), set()).add(data.get("road_id"))
    out = {}
    for key, olds in old_roads.items():
        if len(olds) != 1 or None in olds:
            continue  # plates of several roads joined (or a lane promoted from several): not one road's new name
        (old,) = olds
        if old == key[1] or DoorPlate.objects.active().filter(road_id=old).exists():
            continue  # the old road lives on (a lane promoted out of it): a new road, not a renaming
        name = Road.objects.filter(pk=old).values_list("name", flat=True).first()
        if name:
            out[key] = name
    return out


def _classified(changes: list[kinds.Change]) -> list[tuple[kinds.Change, str, str | None]]:
    """(change, kind, old road name) for every kind the changes stand for; remembers what was told."""
    renamed = _renamed_by_plans(changes)
    plate_ids = [c.entity_id for c in changes if c.entity == "plate"]
    road_ids = [c.entity_id for c in changes if c.entity == "road"]
    told: dict[tuple[str, int], str] = {
        (p.entity, p.entity_id): p.value
        for p in Published.objects.filter(
            Q(entity="plate", entity_id__in=plate_ids) | Q(entity="road", entity_id__in=road_ids)
        )
    }
    out = []
    remember: dict[tuple[str, int], str] = {}
    for c in changes:
        key = (c.entity, c.entity_id)
        known = remember.get(key, told.get(key))
        road_name = known if c.entity == "road" else None
        found = kinds.classify(c, known_road_name=road_name, plate_was_retired=c.entity == "plate" and known == "retired")
        if (c.txid, c.entity_id) in renamed and c.entity == "road":
            road_name, found = renamed[(c.txid, c.entity_id)], [kinds.ROAD_RENAMED]
        out.extend((c, kind, road_name) for kind in found)
        data = c.data or {}
        if c.entity == "road" and data.get("name"):
            remember[key] = data["name"]
        elif c.entity == "plate" and data.get("status") == "retired":
            remember[key] = "retired"
        elif c.entity == "plate" and known == "retired" and data.get("status") == "active":
            remember[key] = "active"  # restored: a later retirement is told again
    Published.objects.bulk_create(
        [
            Published(entity=entity, entity_id=entity_id, value=value[:200])
            for (entity, entity_id), value in remember.items()
        ],
        update_conflicts=True,
        unique_fields=["entity", "entity_id"],
        update_fields=["value"],
        batch_size=2000,
    )
    return out


def _payload(change: kinds.Change, kind: str, old_name: str | None) -> str:
    body = {"type": kind, "timestamp": change.committed_at, "data": kinds.thin_data(change, kind, old_road_name=old_name)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _dispatch_channel(channel: str, targets: list[_Target], limit: int) -> tuple[int, set[int]]:
    cursor, _ = Cursor.objects.select_for_update().get_or_create(channel=channel)
    events = events_after(after_seq=cursor.seq, limit=limit, channel=channel)
    if not events:
        return 0, set()
    if len(events) == limit and events[0].txid != events[-1].txid:
        # A full page may end inside a transaction: leave that transaction whole for the next page.
        events = [e for e in events if e.txid != events[-1].txid]
    changes = _final_states(channel, events)
    rows: list[Message] = []
    touched: set[int] = set()
    for change, kind, old_name in _classified(changes):
        payload = None
        committed = datetime.fromisoformat(change.committed_at)
        for t in targets:
            if kind not in t.kinds or committed < t.since:
                continue
            payload = payload or _payload(change, kind, old_name)
            rows.append(
                Message(
                    subscription_id=t.id,
                    msg_id=f"msg_{uuid.uuid4().hex}",
                    event_type=kind,
                    payload=payload,
                    channel=channel,
                    seq=change.seq,
                    status=Message.Status.PENDING,
                    next_attempt_at=timezone.now() if t.mode == "webhook" else None,
                )
            )
            if t.mode == Subscription.Mode.WEBHOOK:
                touched.add(t.id)
    Message.objects.bulk_create(rows, batch_size=2000)
    cursor.seq = events[-1].seq
    cursor.updated_at = timezone.now()
    cursor.save(update_fields=["seq", "updated_at"])
    return len(rows), touched


def queue_deliveries(subscription_ids: set[int] | list[int], *, hurry: bool = False) -> None:
    """A delivery job per subscription (one waits per subscription at most)."""
    for sub_id in sorted(subscription_ids):
        queue_delivery(sub_id, hurry=hurry)


def dispatch_once(*, limit: int = PAGE) -> int:
    """Turn what each channel committed since its cursor into messages; returns how many were written."""
    written = 0
    touched: set[int] = set()
    # The idle case in three small reads (the dispatcher asks five times a second): nothing committed since.
    cursors = dict(Cursor.objects.values_list("channel", "seq"))
    channels = (kinds.PUBLIC_CHANNEL, kinds.PRIVATE_CHANNEL)
    if all(ch in cursors and channel_state(ch).seq <= cursors[ch] for ch in channels):
        return 0
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [DISPATCH_LOCK])
            if not cur.fetchone()[0]:
                return 0
        targets = _targets()
        if not targets:
            return 0
        for channel in (kinds.PUBLIC_CHANNEL, kinds.PRIVATE_CHANNEL):
            n, subs = _dispatch_channel(channel, targets, limit)
            written += n
            touched |= subs
        # After commit: a job that ran before the messages were visible would find nothing to send.
        transaction.on_commit(lambda: queue_deliveries(touched))
    return written


def sweep(*, stranded_after: timedelta = timedelta(seconds=5)) -> list[int]:
    """Queue a delivery job for every active webhook subscription whose first due message has waited longer than
    ``stranded_after`` (its job was lost with a killed worker); returns their ids."""
    cutoff = timezone.now() - stranded_after
    subs = list(
        Message.objects.filter(
            status=Message.Status.PENDING,
            next_attempt_at__lte=cutoff,
            subscription__status=Subscription.Status.ACTIVE,
            subscription__mode=Subscription.Mode.WEBHOOK,
        )
        .values("subscription_id")
        .annotate(first=Min("id"))
        .values_list("subscription_id", flat=True)
    )
    queue_deliveries(subs, hurry=True)
    return subs
