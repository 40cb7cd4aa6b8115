"""Census models: campaigns, tasks (one side of one road in walking order), stops (entrances), findings.

A **campaign** covers an area (villages or a drawn polygon) with a scope; it is split into **tasks**, each one side
(odd 單號 / even 雙號) of one road — short lanes and alleys folded into the side they open onto — or the plates of
one area name (地區) in one village. A task's **stops** are entrances: the plates that share a point (floors and 之
units) in walking order. Surveyors record **findings** per plate of a stop on an offline device; each finding has
a client-made UUID (a resend changes nothing) and the plate version it was based on. Every task state change is a
**transition** row. Written only by ``services``; read through ``selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from geo_portal.core.geo import STORAGE_SRID


class Campaign(models.Model):
    """A census of an area: what to check, when, by whom, and how to cut it into tasks."""

    class Scope(models.TextChoices):
        ALL = "all", _("all plates")
        NOT_CHECKED_SINCE = "not_checked_since", _("plates not checked since a date")
        HINTS_ONLY = "hints_only", _("plates with hints only")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=120)
    district = models.ForeignKey("areas.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    villages = models.ManyToManyField("areas.Village", blank=True, related_name="+", verbose_name=_("villages"))
    # The area as drawn, or the union of the villages: the plates inside it are the campaign's.
    area = models.MultiPolygonField(_("area"), srid=STORAGE_SRID)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.ALL)
    not_checked_since = models.DateField(_("not checked since"), null=True, blank=True)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="census_campaigns", verbose_name=_("team")
    )
    target_min_stops = models.PositiveSmallIntegerField(_("smallest task (stops)"), default=40)
    target_max_stops = models.PositiveSmallIntegerField(_("largest task (stops)"), default=80)
    # A lane or alley with at most this many entrances is walked as part of the road side it opens onto.
    fold_max_stops = models.PositiveSmallIntegerField(_("fold lanes up to (stops)"), default=40)
    max_tasks_per_surveyor = models.PositiveSmallIntegerField(_("tasks a surveyor may hold"), default=2)
    lock_hours = models.PositiveSmallIntegerField(_("claim lasts (hours)"), default=12)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    split_at = models.DateTimeField(_("split at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("census campaign")
        verbose_name_plural = _("census campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_dates_ordered"),
            models.CheckConstraint(
                condition=Q(target_min_stops__gte=1, target_max_stops__gte=F("target_min_stops")),
                name="campaign_task_size_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(scope="not_checked_since") | Q(not_checked_since__isnull=False),
                name="campaign_scope_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    """One side of one road (or one area name in a village), in walking order, claimed by one surveyor at a time."""

    class State(models.TextChoices):
        READY = "ready", _("ready")
        CLAIMED = "claimed", _("claimed")
        SUBMITTED = "submitted", _("submitted")
        VALIDATED = "validated", _("validated")
        RETURNED = "returned", _("sent back")
        SPLIT = "split", _("split into smaller tasks")

    class Side(models.TextChoices):
        ODD = "odd", _("odd numbers (單號)")
        EVEN = "even", _("even numbers (雙號)")
        AREA = "area", _("area name (地區)")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("campaign"))
    number = models.PositiveIntegerField(_("task number"))
    road = models.ForeignKey(
        "areas.Road", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("road")
    )
    area_name = models.CharField(_("area name (地區)"), max_length=40, blank=True)
    village = models.ForeignKey(
        "areas.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    # "光復路二段 雙號 2–88": the street, side and number range, as the surveyor reads it.
    label = models.CharField(_("label"), max_length=160)
    first_number = models.PositiveIntegerField(_("first number"))
    last_number = models.PositiveIntegerField(_("last number"))
    stop_count = models.PositiveIntegerField(_("stops"))
    plate_count = models.PositiveIntegerField(_("plates"))
    hint_count = models.PositiveIntegerField(_("hints"), default=0)
    geom = models.PolygonField(_("area walked"), srid=STORAGE_SRID)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.READY)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="census_tasks",
        verbose_name=_("claimed by"),
    )
    lock_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    # The surveyor who last held the task (kept after the claim ends: their late findings are still theirs).
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last surveyor"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validated by"),
    )
    split_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="parts", verbose_name=_("split from")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("census task")
        verbose_name_plural = _("census tasks")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="censustask_number_uniq"),
            models.CheckConstraint(
                condition=Q(state="claimed", assignee__isnull=False, lock_expires_at__isnull=False)
                | (~Q(state="claimed") & Q(lock_expires_at__isnull=True)),
                name="censustask_claim_has_lock",
            ),
            models.CheckConstraint(condition=Q(road__isnull=False) | ~Q(area_name=""), name="censustask_road_or_area"),
            # A supervisor never validates a task they submitted.
            models.CheckConstraint(
                condition=Q(validated_by__isnull=True) | ~Q(validated_by=F("submitted_by")),
                name="censustask_validator_not_submitter",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"], name="censustask_campaign_state_idx"),
            models.Index(fields=["assignee", "state"], name="censustask_assignee_idx"),
            models.Index(fields=["lock_expires_at"], name="censustask_lock_idx", condition=Q(state="claimed")),
            GistIndex(fields=["geom"], name="censustask_geom_gist"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.label}"


class Stop(models.Model):
    """An entrance on a task: the plates at one point (entrance plate first, then floors and 之 units)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="stops", verbose_name=_("task"))
    seq = models.PositiveIntegerField(_("walking order"))
    plate_ids = ArrayField(models.BigIntegerField(), verbose_name=_("plates"))
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(_("entrance"), max_length=160)
    geom = models.PointField(_("location"), srid=STORAGE_SRID, spatial_index=False)
    # Where a census should look first: [{"kind": "gap_after", ...}, {"kind": "report", ...}, ...].
    hints = models.JSONField(_("hints"), default=list, blank=True)

    class Meta:
        verbose_name = _("census stop")
        verbose_name_plural = _("census stops")
        ordering = ["task", "seq"]
        constraints = [models.UniqueConstraint(fields=["task", "seq"], name="censusstop_seq_uniq")]
        indexes = [GistIndex(fields=["geom"], name="censusstop_geom_gist")]

    def __str__(self) -> str:
        return self.label


class TaskTransition(models.Model):
    """One change of a task's state: who, when, from and to, and the note (a sent-back task's comments)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("task"))
    from_state = models.CharField(_("from"), max_length=10, choices=Task.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=10, choices=Task.State.choices)
    action = models.CharField(_("action"), max_length=20)
    # Null for the system (a lapsed claim released by the worker).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("task transition")
        verbose_name_plural = _("task transitions")
        ordering = ["task", "at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="censustransition_task_idx")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_state} → {self.to_state}"


class FieldDevice(models.Model):
    """A surveyor's phone or tablet, known by the UUID its app made; a supervisor can revoke it (wipe on next sync)."""

    uuid = models.UUIDField(_("device id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("surveyor")
    )
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), auto_now=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("field device")
        verbose_name_plural = _("field devices")
        constraints = [models.UniqueConstraint(fields=["uuid", "user"], name="fielddevice_uuid_user_uniq")]

    def __str__(self) -> str:
        return f"{self.user} {str(self.uuid)[:8]}"


class Finding(models.Model):
    """What a surveyor found at one plate of a stop (or a plate found that is not registered)."""

    class Kind(models.TextChoices):
        OK = "ok", _("ok")
        MISSING = "missing", _("missing")
        DAMAGED = "damaged", _("damaged or illegible")
        OLD_STYLE = "old_style", _("old style")
        WRONG_POSITION = "wrong_position", _("wrong position")
        NUMBER_DIFFERS = "number_differs", _("number differs")
        UNREGISTERED = "unregistered", _("unregistered plate found")
        NO_PLATE = "no_plate", _("building without a plate")
        SKIPPED = "skipped", _("skipped")

    class Review(models.TextChoices):
        PENDING = "pending", _("waiting for validation")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("superseded by a later finding")

    class Source(models.TextChoices):
        DEVICE = "device", _("field app")
        PAPER = "paper", _("paper sheet keyed in")

    uuid = models.UUIDField(_("finding id"))
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="findings", verbose_name=_("task"))
    stop = models.ForeignKey(
        Stop, on_delete=models.PROTECT, null=True, blank=True, related_name="findings", verbose_name=_("stop")
    )
    plate = models.ForeignKey(
        "addresses.DoorPlate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door plate"),
    )
    plate_version = models.PositiveIntegerField(_("plate version seen"), null=True, blank=True)
    kind = models.CharField(_("finding"), max_length=16, choices=Kind.choices)
    observed_at = models.DateTimeField(_("observed at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    surveyor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("surveyor")
    )
    device = models.ForeignKey(
        FieldDevice, on_delete=models.PROTECT, null=True, blank=True, related_name="findings", verbose_name=_("device")
    )
    # Hash of what the device sent: a resend with the same UUID but other contents is refused as tampered.
    payload_hash = models.CharField(_("payload hash"), max_length=64)
    source = models.CharField(_("source"), max_length=6, choices=Source.choices, default=Source.DEVICE)
    # The right point (wrong position: dragged or GPS; unregistered plate / building without a plate: where).
    point = models.PointField(_("point"), srid=STORAGE_SRID, null=True, blank=True, spatial_index=False)
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    written_address = models.CharField(_("address as written on the plate"), max_length=160, blank=True)
    skip_reason = models.CharField(_("reason for skipping"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    photo_expected = models.BooleanField(_("photo expected"), default=False)
    photo = models.FileField(_("photo"), upload_to="census/%Y/%m/", max_length=200, blank=True)
    photo_sha256 = models.CharField(_("photo checksum"), max_length=64, blank=True)
    # The plate had changed on the server since the device downloaded it: never applied blindly.
    conflict = models.BooleanField(_("conflict"), default=False)
    conflict_note = models.CharField(_("conflict"), max_length=300, blank=True)
    review = models.CharField(_("validation"), max_length=10, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validated by"),
    )
    reviewed_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    review_note = models.CharField(_("validation note"), max_length=500, blank=True)
    # What accepting did ("condition set to missing", "moved 12.3 m", "proposal 5") — shown in the review table.
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    # Hand-off to re-issuance: an accepted finding that means a new plate must be made (missing, damaged, old style).
    needs_new_plate = models.BooleanField(_("needs a new plate"), default=False)
    reissue_ref = models.CharField(_("re-issue case"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("census finding")
        verbose_name_plural = _("census findings")
        ordering = ["task", "stop__seq", "observed_at"]
        constraints = [
            models.UniqueConstraint(fields=["uuid"], name="finding_uuid_uniq"),
            models.CheckConstraint(condition=~Q(kind="skipped") | ~Q(skip_reason=""), name="finding_skip_has_reason"),
            models.CheckConstraint(
                condition=~Q(kind__in=["wrong_position", "unregistered", "no_plate"]) | Q(point__isnull=False),
                name="finding_point_where_needed",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["number_differs", "unregistered"]) | ~Q(written_address=""),
                name="finding_written_address_where_needed",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["unregistered", "no_plate"]) | Q(plate__isnull=False),
                name="finding_plate_where_needed",
            ),
        ]
        indexes = [
            models.Index(fields=["task", "review"], name="finding_task_review_idx"),
            models.Index(fields=["plate"], name="finding_plate_idx"),
            models.Index(
                fields=["needs_new_plate"], name="finding_new_plate_idx", condition=Q(needs_new_plate=True, reissue_ref="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.uuid})"

    @property
    def synced(self) -> bool:
        """On the server with everything: a finding with a photo counts only once its photo has arrived."""
        return not self.photo_expected or bool(self.photo)


class Proposal(models.Model):
    """A plate to create or change that a surveyor found (number differs, unregistered, no plate); a clerk decides."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a clerk")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="proposal", verbose_name=_("finding"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The plate created or changed on confirmation.
    plate = models.ForeignKey(
        "addresses.DoorPlate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door plate"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plate proposal")
        verbose_name_plural = _("plate proposals")
        ordering = ["status", "created_at"]
        indexes = [models.Index(fields=["status"], name="proposal_status_idx")]

    def __str__(self) -> str:
        return f"{self.finding.get_kind_display()}: {self.finding.written_address}"
