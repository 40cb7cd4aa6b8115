"""Queueing a subscription's delivery job: at most one waits per subscription (a queueing lock per id).

``queue_delivery(subscription_id)`` queues one now unless one waits already; ``at`` schedules it (the next attempt
after a failure); ``hurry`` replaces a job waiting for a later time by one now (staff re-delivery, a re-enabled
endpoint, the sweep of stranded messages). Called by the dispatcher, the delivery loop and the services.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued

logger = logging.getLogger(__name__)

QUEUE = "notifications"
DELIVER_TASK = "notifications.deliver"
DISPATCH_TASK = "notifications.dispatch"
DIGEST_TASK = "notifications.digests"


def lock_name(subscription_id: int) -> str:
    return f"{DELIVER_TASK}:{subscription_id}"


def _defer(subscription_id: int, at: datetime | None) -> int:
    deferrer = app.configure_task(
        name=DELIVER_TASK, allow_unknown=False, queueing_lock=lock_name(subscription_id), schedule_at=at
    )
    return deferrer.defer(subscription_id=subscription_id)


def queue_delivery(subscription_id: int, *, at: datetime | None = None, hurry: bool = False) -> int | None:
    """The id of the job queued, or None when one waits already (and is kept)."""
    try:
        return _defer(subscription_id, at)
    except AlreadyEnqueued:
        if not hurry:
            return None
    # Only a job waiting for a later time is replaced; one already due just waits for a free worker.
    waiting = ProcrastinateJob.objects.filter(
        queueing_lock=lock_name(subscription_id), status="todo", scheduled_at__gt=timezone.now()
    ).first()
    if waiting is None:
        return None
    app.job_manager.cancel_job_by_id(waiting.id)
    try:
        return _defer(subscription_id, at)
    except AlreadyEnqueued:  # another process queued one meanwhile: it runs now as well
        return None
