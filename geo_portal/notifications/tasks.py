"""Jobs of change notifications, run by the procrastinate worker.

- ``notifications.dispatch``: polls the change log every ``conf.poll_seconds()`` for up to ``conf.dispatch_seconds()``
  and turns what committed into messages (``dispatch.dispatch_once``), sweeping stranded subscriptions every few
  seconds; it then queues its successor and ends, so with a single worker slot the jobs queued meanwhile (deliveries,
  e-mails) run between two dispatchers. A pass that wrote messages ends the job early for the same reason. The
  successor is queued (for the end of this one's time) when a dispatcher starts, so a killed worker's chain goes on
  at the next worker; the every-minute schedule restarts it otherwise (one dispatcher at a time: an advisory lock).
- ``notifications.deliver``: one subscription's due messages, in order (``delivery.deliver_subscription``).
- ``notifications.digests``: yesterday's digest files, daily (``digests.digests_build``).

All on the queue ``notifications``: the demo's worker runs every queue; a site with many agencies can give them a
worker of their own (``manage.py procrastinate worker --queues notifications --concurrency 12``: a slot per agency,
plus the dispatcher and a spare).
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued

from geo_portal.notifications import conf
from geo_portal.notifications.delivery import deliver_subscription
from geo_portal.notifications.digests import digests_build
from geo_portal.notifications.dispatch import DISPATCH_LOCK, dispatch_once, sweep
from geo_portal.notifications.queueing import DELIVER_TASK, DIGEST_TASK, DISPATCH_TASK, QUEUE

logger = logging.getLogger(__name__)
SWEEP_EVERY_S = 3.0


def _holding_dispatch_lock() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [DISPATCH_LOCK + 1])
        return cur.fetchone()[0]


def _release_dispatch_lock() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(%s)", [DISPATCH_LOCK + 1])


def dispatch_loop(*, seconds: float, poll: float) -> dict[str, int]:
    """Dispatch until ``seconds`` have passed or a pass wrote messages; returns the counts."""
    written = passes = 0
    end = time.monotonic() + seconds
    last_sweep = 0.0
    while True:
        passes += 1
        written += dispatch_once()
        if time.monotonic() - last_sweep >= SWEEP_EVERY_S:
            sweep()
            last_sweep = time.monotonic()
        if (written and conf.dispatch_yield()) or time.monotonic() + poll > end:
            return {"passes": passes, "messages": written}
        time.sleep(poll)


def _queue_successor(at: datetime | None) -> None:
    """The next dispatcher: queued at the start for when this one should end (so a killed dispatcher has one), and
    moved to now when this one ends (or the schedule queued one meanwhile)."""
    deferrer = app.configure_task(name=DISPATCH_TASK, allow_unknown=False, schedule_at=at)
    try:
        deferrer.defer(timestamp=0)
        return
    except AlreadyEnqueued:
        if at is not None:
            return
    later = ProcrastinateJob.objects.filter(queueing_lock=DISPATCH_TASK, status="todo", scheduled_at__gt=timezone.now())
    for job in later:
        app.job_manager.cancel_job_by_id(job.id)
    with contextlib.suppress(AlreadyEnqueued):
        deferrer.defer(timestamp=0)


@app.periodic(cron="* * * * *")
@app.task(name=DISPATCH_TASK, queue=QUEUE, queueing_lock=DISPATCH_TASK)
def dispatch(timestamp: int) -> dict[str, int]:
    """Poll the change log for a while and write messages (see the module's docstring)."""
    if not _holding_dispatch_lock():
        return {"passes": 0, "messages": 0}  # another dispatcher runs and keeps the chain going
    seconds = conf.dispatch_seconds()
    chained = seconds > 0
    try:
        if chained:
            _queue_successor(timezone.now() + timedelta(seconds=seconds + 1))
        counts = dispatch_loop(seconds=seconds, poll=conf.poll_seconds())
    finally:
        _release_dispatch_lock()
    if chained:
        _queue_successor(None)
    return counts


@app.task(name=DELIVER_TASK, queue=QUEUE)
def deliver(subscription_id: int) -> dict[str, int | str]:
    """Send one subscription's due messages in order."""
    run = deliver_subscription(subscription_id=subscription_id)
    return {"delivered": run.delivered, "failed": run.failed, "dead": run.dead, "stopped": run.stopped}


@app.periodic(cron="17 0 * * *")  # 00:17 local time: the day before is complete
@app.task(name=DIGEST_TASK, queue=QUEUE, queueing_lock=DIGEST_TASK)
def digests(timestamp: int) -> int:
    """Write yesterday's digest file of every digest subscription; returns how many files were written."""
    return len(digests_build())
