"""Agencies, their API tokens and subscriptions, and the delivery record: messages, attempts, digests.

An ``Agency`` (kept by the office) is an account of its own: a Django user without a password stands for it in the
registry's access log, its ``AgencyToken`` rows (hashed, scoped, rotatable, revocable) authenticate it, and the
office authorises which private registration kinds it may receive (``private_kinds``). A ``Subscription`` is one
endpoint (webhook URL, or daily digest files) with the kinds it wants and its signing secrets (two during a
rotation). The dispatcher turns committed change-log transactions into one ``Message`` per matching subscription;
the worker delivers them in order and records every ``Attempt``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    class Kind(models.TextChoices):
        POST = "post", _("post office")
        TAX = "tax", _("tax office")
        LAND = "land", _("land office")
        HEALTH_INSURANCE = "health_insurance", _("health insurance")
        LABOUR_INSURANCE = "labour_insurance", _("labour insurance")
        LIFE_INSURERS = "life_insurers", _("life insurers' association")
        MILITARY_INSURANCE = "military_insurance", _("military insurance")
        UTILITY = "utility", _("utility")
        EXCHANGE = "exchange", _("cross-agency change service")
        OTHER = "other", _("other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # The agency's own account: the registry's access log names it as the reader of what it fetches.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agency", verbose_name=_("account")
    )
    private_kinds = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("authorised registration kinds")
    )
    authorisation_ref = models.CharField(_("authorisation (letter or agreement number)"), max_length=100, blank=True)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("authorised by"),
    )
    authorised_at = models.DateTimeField(_("authorised at"), null=True, blank=True)
    # Onboarding checklist (the admin shows what is still missing).
    agreement_signed_on = models.DateField(_("data agreement signed on"), null=True, blank=True)
    test_delivery_ok_at = models.DateTimeField(_("test delivery acknowledged at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        permissions = [
            ("manage_agencies", "Can manage agencies, tokens and subscriptions"),
            ("authorise_private_kinds", "Can authorise agencies to receive registration events"),
            ("redeliver_messages", "Can re-deliver dead-lettered notifications"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(private_kinds=[]) | Q(authorised_by__isnull=False, authorised_at__isnull=False),
                name="agency_private_kinds_authorised",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgencyToken(models.Model):
    """An API token: shown once; stored as its SHA-256. ``gpa_<prefix>_<secret>``; the prefix finds the row."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("agency"))
    label = models.CharField(_("label"), max_length=80, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(_("SHA-256 of the token"), max_length=64)
    event_kinds = ArrayField(models.CharField(max_length=40), verbose_name=_("event kinds it may read"))
    detail_levels = ArrayField(models.CharField(max_length=10), verbose_name=_("detail levels it may read"))
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces", verbose_name=_("replaced by")
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agency token")
        verbose_name_plural = _("agency tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"gpa_{self.prefix}_…"


class Subscription(models.Model):
    class Mode(models.TextChoices):
        WEBHOOK = "webhook", _("webhook")
        DIGEST = "digest", _("daily digest file")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        DISABLED = "disabled", _("disabled")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("agency"))
    mode = models.CharField(_("delivery"), max_length=10, choices=Mode.choices, default=Mode.WEBHOOK)
    url = models.URLField(_("endpoint URL"), max_length=500, blank=True)
    event_kinds = ArrayField(models.CharField(max_length=40), verbose_name=_("event kinds"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["agency", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(mode="digest") | ~Q(url=""), name="subscription_webhook_has_url"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} → {self.url or self.get_mode_display()}"


class SigningSecret(models.Model):
    """A subscription's signing secret (``whsec_`` + base64); during a rotation two sign every message."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(_("secret"), max_length=100)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing secret")
        verbose_name_plural = _("signing secrets")
        ordering = ["subscription", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.secret[:10]}…"


class Cursor(models.Model):
    """How far the dispatcher has read a change-log channel (the last seq turned into messages)."""

    channel = models.CharField(_("channel"), max_length=20, primary_key=True)
    seq = models.BigIntegerField(_("last seq dispatched"), default=0)
    updated_at = models.DateTimeField(_("updated at"), db_default=Now())

    class Meta:
        verbose_name = _("dispatch cursor")
        verbose_name_plural = _("dispatch cursors")

    def __str__(self) -> str:
        return f"{self.channel} after seq {self.seq}"


class Published(models.Model):
    """What the dispatcher has told about an entity: a plate's retirement (told once), a road's name (to tell a
    renaming and the old name)."""

    entity = models.CharField(max_length=20)
    entity_id = models.BigIntegerField()
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "entity_id"], name="published_entity_uniq")]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id}: {self.value}"


class Message(models.Model):
    """One event for one subscription. ``msg_id`` is the ``webhook-id`` of every attempt (receivers dedupe on it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("dead-lettered")
        FILED = "filed", _("in a digest file")

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="messages")
    msg_id = models.CharField(_("message id (webhook-id)"), max_length=40, unique=True)
    event_type = models.CharField(_("event kind"), max_length=40)
    payload = models.TextField(_("payload (JSON, as signed)"))
    channel = models.CharField(_("channel"), max_length=20)
    seq = models.BigIntegerField(_("change-log seq"))
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts (this round)"), default=0)  # a re-delivery starts a new round
    tries = models.PositiveIntegerField(_("attempts in all"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, db_default=Now())
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    ack_id = models.CharField(_("agency's acknowledgement id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("notification message")
        verbose_name_plural = _("notification messages")
        ordering = ["subscription", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "channel", "seq", "event_type"], name="message_event_uniq"),
        ]
        indexes = [
            models.Index(fields=["subscription", "id"], condition=Q(status="pending"), name="message_pending_idx"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="message_due_idx"),
            models.Index(fields=["created_at"], condition=Q(status="dead"), name="message_dead_idx"),
        ]

    def __str__(self) -> str:
        return self.msg_id


class Attempt(models.Model):
    """One delivery attempt: when, the HTTP status (None: no answer), how long, what went wrong."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True)
    response_ms = models.FloatField(_("response time (ms)"))
    ok = models.BooleanField(_("delivered"))
    error = models.CharField(_("error"), max_length=300, blank=True)
    ack_id = models.CharField(_("acknowledgement id"), max_length=100, blank=True)
    by = models.CharField(_("by"), max_length=150, blank=True)  # "worker", or the staff member's re-delivery

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "number"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="attempt_message_number_uniq")]

    def __str__(self) -> str:
        return f"{self.message} #{self.number}"


class Digest(models.Model):
    """One day's digest file of one digest subscription: CSV and JSON, each with its HMAC-SHA256 signature."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="digests")
    day = models.DateField(_("day"))
    messages = models.PositiveIntegerField(_("messages"))
    csv_path = models.CharField(_("CSV file"), max_length=300)
    json_path = models.CharField(_("JSON file"), max_length=300)
    csv_signature = models.CharField(_("CSV signature"), max_length=200)
    json_signature = models.CharField(_("JSON signature"), max_length=200)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    downloaded_at = models.DateTimeField(_("first downloaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest file")
        verbose_name_plural = _("digest files")
        ordering = ["-day", "subscription"]
        constraints = [models.UniqueConstraint(fields=["subscription", "day"], name="digest_subscription_day_uniq")]

    def __str__(self) -> str:
        return f"{self.subscription} {self.day}"
