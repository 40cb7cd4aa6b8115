"""Staff actions on deliveries: send a dead-lettered message again, enable a disabled endpoint again; and the
receipt of a digest file (its first download).

Both queue the subscription's delivery job at once (replacing one that waits for a later retry). Called by the
admin's actions and the tests.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.notifications.errors import NotificationRefused
from geo_portal.notifications.models import Digest, Message, Subscription
from geo_portal.notifications.queueing import queue_delivery
from geo_portal.notifications.services.agencies import require

REDELIVER = "notifications.redeliver_messages"


@transaction.atomic
def message_redeliver(*, actor: AbstractBaseUser, message_ids: list[int]) -> int:
    """Dead-lettered messages back to pending, due now, with a fresh round of retries; returns how many."""
    require(actor, REDELIVER)
    messages = list(Message.objects.select_for_update().filter(pk__in=message_ids).order_by("id"))
    missing = sorted(set(message_ids) - {m.pk for m in messages})
    not_dead = [m.msg_id for m in messages if m.status != Message.Status.DEAD]
    if missing or not_dead:
        errors = {}
        if missing:
            errors["messages"] = _("no such message: %(ids)s") % {"ids": ", ".join(map(str, missing))}
        if not_dead:
            errors["status"] = _("only dead-lettered messages are re-delivered by hand: %(ids)s") % {
                "ids": ", ".join(not_dead)
            }
        raise NotificationRefused(errors)
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(
        status=Message.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    for sub_id in sorted({m.subscription_id for m in messages}):
        transaction.on_commit(lambda s=sub_id: queue_delivery(s, hurry=True))
    return len(messages)


def digest_mark_downloaded(*, digest_id: int) -> None:
    """The first download of a digest file (the agency's receipt for files)."""
    Digest.objects.filter(pk=digest_id, downloaded_at__isnull=True).update(downloaded_at=timezone.now())


@transaction.atomic
def subscription_enable(*, actor: AbstractBaseUser, subscription: Subscription, version: int) -> Subscription:
    """A disabled endpoint (410, or by staff) active again; its waiting messages go out in order."""
    require(actor, "notifications.manage_agencies")
    updated = Subscription.objects.filter(pk=subscription.pk, version=version).update(
        status=Subscription.Status.ACTIVE, disabled_reason="", disabled_at=None, version=F("version") + 1
    )
    if not updated:
        raise NotificationRefused({"version": _("the subscription was changed by someone else meanwhile; reload it")})
    Message.objects.filter(subscription=subscription, status=Message.Status.PENDING).update(next_attempt_at=timezone.now())
    transaction.on_commit(lambda: queue_delivery(subscription.pk, hurry=True))
    return Subscription.objects.get(pk=subscription.pk)
