"""Reads of the delivery record for staff and health checks: dead-lettered count, delivery receipts per message.

``dead_letter_count`` is what ``/healthz`` shows (registered as a health hook when ``geo_portal.core`` offers one).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from geo_portal.notifications.models import Attempt, Message, Subscription


def dead_letter_count() -> int:
    """Messages that failed every attempt and wait for staff (the partial index on dead messages)."""
    return Message.objects.filter(status=Message.Status.DEAD).count()


@dataclass(frozen=True)
class DeliveryHealth:
    dead: int
    pending: int
    disabled_endpoints: int

    def as_json(self) -> dict[str, int]:
        return {"dead_lettered": self.dead, "pending": self.pending, "disabled_endpoints": self.disabled_endpoints}


def delivery_health() -> DeliveryHealth:
    counts = Message.objects.aggregate(
        dead=Count("id", filter=Q(status=Message.Status.DEAD)), pending=Count("id", filter=Q(status=Message.Status.PENDING))
    )
    disabled = Subscription.objects.filter(status=Subscription.Status.DISABLED).count()
    return DeliveryHealth(dead=counts["dead"], pending=counts["pending"], disabled_endpoints=disabled)


def message_receipts(*, message: Message) -> QuerySet[Attempt]:
    """Every attempt of a message, first first."""
    return Attempt.objects.filter(message=message).order_by("number")


@dataclass(frozen=True)
class ChecklistStep:
    label: str
    done: bool


def onboarding_checklist(*, agency) -> list[ChecklistStep]:
    """What an agency still needs before it receives notifications (the admin's checklist)."""
    subs = list(Subscription.objects.filter(agency=agency))
    return [
        ChecklistStep(_("contact e-mail recorded"), bool(agency.contact_email)),
        ChecklistStep(_("data agreement signed"), agency.agreement_signed_on is not None),
        ChecklistStep(_("API token issued"), agency.tokens.filter(revoked_at__isnull=True).exists()),
        ChecklistStep(_("subscription set up"), any(s.status == Subscription.Status.ACTIVE for s in subs)),
        ChecklistStep(
            _("a delivery acknowledged"),
            agency.test_delivery_ok_at is not None
            or Message.objects.filter(subscription__agency=agency).exclude(ack_id="").exists(),
        ),
    ]
