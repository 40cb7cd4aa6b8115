"""Resident notices (宣導, 一(六)): letters telling the residents of a plate that is missing, damaged or of the old
style to come and have it re-issued.

A ``NoticeBatch`` is one printing run over a scope (a village, a census campaign or a road): its letters in walking
order, printed in parts, then recorded as sent (date, method, who) — or discarded unsent. A ``NoticeLetter`` is
one plate's letter: the condition it is about, its place on the route, the plate's address as on the plate and in
English (fixed when the batch is made, so a reprint is the same letter), and what became of it. Sending is
recorded per letter, so a later run over the same scope skips plates already told about the same condition; a
letter repeated on purpose names the letter it repeats and why.

Written only by ``services.notices``; read through ``notice_scope`` and the views.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScopeKind(models.TextChoices):
    VILLAGE = "village", _("village")
    CAMPAIGN = "campaign", _("census campaign")
    ROAD = "road", _("road")


class NoticeCondition(models.TextChoices):
    """The plate conditions a letter is about (the plate's ``condition`` values that call for a new plate)."""

    MISSING = "missing", _("missing")
    DAMAGED = "damaged", _("damaged or illegible")
    OLD_STYLE = "old_style", _("old style")


class SendMethod(models.TextChoices):
    POST = "post", _("by post")
    HAND = "hand", _("delivered by hand")
    VILLAGE_CHIEF = "village_chief", _("through the village chief (里長)")


class NoticeBatch(models.Model):
    """One printing run of notice letters over a scope, in walking order."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared (not sent yet)")
        SENT = "sent", _("sent")
        DISCARDED = "discarded", _("discarded unsent")

    scope_kind = models.CharField(_("scope"), max_length=10, choices=ScopeKind.choices)
    scope_id = models.BigIntegerField(_("scope id"))
    scope_label = models.CharField(_("scope name"), max_length=200)
    conditions = ArrayField(models.CharField(max_length=10, choices=NoticeCondition.choices), verbose_name=_("conditions"))
    # Set when the batch repeats letters already sent, on purpose (empty for a first run).
    resend_reason = models.CharField(_("reason for sending again"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARED)
    letter_count = models.PositiveIntegerField(_("letters"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    created_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    method = models.CharField(_("sent"), max_length=14, choices=SendMethod.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sending recorded by"),
    )
    recorded_at = models.DateTimeField(_("sending recorded at"), null=True, blank=True)
    discard_reason = models.CharField(_("reason for discarding"), max_length=500, blank=True)
    updated_by = models.CharField(_("last changed by"), max_length=150)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Incremented by every change; a writer says which version it saw (StaleBatch otherwise).
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("notice batch")
        verbose_name_plural = _("notice batches")
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_on__isnull=False, recorded_by__isnull=False, recorded_at__isnull=False)
                & ~Q(method="")
                | ~Q(status="sent") & Q(sent_on__isnull=True, method=""),
                name="reissuenotice_batch_sent_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="discarded") | ~Q(discard_reason=""), name="reissuenotice_batch_discard_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"notice batch {self.pk} ({self.scope_label})"


class NoticeLetter(models.Model):
    """One plate's letter in a batch: what it is about, where it comes on the route, what became of it."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared")
        SENT = "sent", _("sent")
        NOT_SENT = "not_sent", _("not sent")

    batch = models.ForeignKey(
        NoticeBatch, on_delete=models.CASCADE, related_name="letters", verbose_name=_("batch"), db_index=False
    )
    seq = models.PositiveIntegerField(_("place in the batch"))
    plate = models.ForeignKey(
        "addresses.DoorPlate", on_delete=models.PROTECT, related_name="+", verbose_name=_("door plate"), db_index=False
    )
    condition = models.CharField(_("condition"), max_length=10, choices=NoticeCondition.choices)
    route_group = models.CharField(_("street"), max_length=160)
    # The address as the plate carries it (header, street, number lines) and in English, as when the batch was made.
    lines = models.CharField(_("address as on the plate"), max_length=200)
    address_en = models.CharField(_("English address"), max_length=250)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARED)
    # Copied from the batch when its sending is recorded: each plate's own record (date, method, who).
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    method = models.CharField(_("sent"), max_length=14, choices=SendMethod.choices, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    # A letter sent again on purpose: the one it repeats.
    resend_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("repeats")
    )

    class Meta:
        verbose_name = _("notice letter")
        verbose_name_plural = _("notice letters")
        ordering = ["batch", "seq"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="reissuenotice_letter_seq_uniq"),
            models.UniqueConstraint(fields=["batch", "plate"], name="reissuenotice_letter_plate_uniq"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_on__isnull=False, sent_by__isnull=False, recorded_at__isnull=False)
                & ~Q(method="")
                | ~Q(status="sent") & Q(sent_on__isnull=True, method=""),
                name="reissuenotice_letter_sent_complete",
            ),
        ]
        indexes = [
            # A plate's letters: the skip rule of every new batch reads them.
            models.Index(fields=["plate", "condition"], name="reissuenotice_letter_plate_idx"),
        ]

    def __str__(self) -> str:
        return f"letter {self.batch_id}-{self.seq} (plate {self.plate_id}, {self.condition})"

    @property
    def number(self) -> str:
        """The number printed on the letter: batch and place (N-12-0034)."""
        return f"N-{self.batch_id}-{self.seq:04d}"
