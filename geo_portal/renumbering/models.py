"""Renumbering plans (門牌整編): a plan, its items (one old plate → its new address) and its steps.

A plan is drafted by a clerk (from a rule on the map or from a CSV), submitted, approved by a second person (the
service checks it, and a check constraint holds it in the database), then applied — at once or by the daily job
on its effective date — in one transaction (``services.apply``). Items keep what the new plate will be (road by
name, so a road renamed or a lane promoted needs no road row before the plan is applied; village, 鄰, an optional
corrected point) and, once applied, the new plate. Written only by ``services``; read by ``selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from geo_portal.core.geo import STORAGE_SRID


class Plan(models.Model):
    """One renumbering plan of a district; ``number`` (RN-2026-0007) is what letters and certificates cite."""

    class Kind(models.TextChoices):
        RENAME_ROAD = "rename_road", _("rename a road (路名變更)")
        RENUMBER = "renumber", _("renumber a stretch by rule (整編門牌號)")
        ADD_SUB_NUMBERS = "add_sub_numbers", _("add 之 numbers (增編之號)")
        REMOVE_SUB_NUMBERS = "remove_sub_numbers", _("remove 之 numbers (取消之號)")
        PROMOTE_LANE = "promote_lane", _("promote a lane to a road (巷改路)")
        MOVE_AREA = "move_area", _("move plates to another village or 鄰 (鄰里調整)")
        CSV = "csv", _("list of old and new addresses (CSV)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        APPLIED = "applied", _("applied")
        CANCELLED = "cancelled", _("cancelled")

    district = models.ForeignKey("areas.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    parameters = models.JSONField(_("rule"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField(_("effective date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    registration_event = models.ForeignKey(
        "registry.RegistrationEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registration event"),
    )
    # Why the last attempt to apply failed (written after the failed transaction rolled back; cleared on success).
    last_failure = models.TextField(_("last failure"), blank=True, default="")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("renumbering plan")
        verbose_name_plural = _("renumbering plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two people: whoever drafted or submitted the plan never approves it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (~Q(approved_by=F("created_by")) & (Q(submitted_by__isnull=True) | ~Q(approved_by=F("submitted_by")))),
                name="renumberingplan_approver_not_author",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "applied"]) | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="renumberingplan_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applied_by__isnull=False, applied_at__isnull=False),
                name="renumberingplan_applied_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_date"], name="renumberingplan_status_idx")]

    @property
    def number(self) -> str:
        return f"RN-{self.created_at:%Y}-{self.pk:04d}"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PlanItem(models.Model):
    """One old plate and its new address (components as ``addresses.plates.Components``, the road by name)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    position = models.PositiveIntegerField(_("position"))
    old_plate = models.ForeignKey(
        "addresses.DoorPlate", on_delete=models.PROTECT, related_name="+", verbose_name=_("old plate")
    )
    old_version = models.PositiveIntegerField(_("version of the old plate seen"))
    old_address = models.CharField(_("old address"), max_length=160)
    road_name = models.CharField(_("new road"), max_length=40, blank=True)
    area = models.CharField(_("area name (地區)"), max_length=40, blank=True)
    lane = models.CharField(_("lane (巷)"), max_length=12, blank=True)
    alley = models.CharField(_("alley (弄)"), max_length=12, blank=True)
    number_prefix = models.CharField(_("number prefix (附/臨)"), max_length=1, blank=True)
    number = models.PositiveIntegerField(_("number (號)"))
    sub_number = models.PositiveIntegerField(_("sub-number (之, before 號)"), null=True, blank=True)
    number_suffix = models.PositiveIntegerField(_("sub-number (之, after 號)"), null=True, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    floor_unit = models.CharField(_("floor unit"), max_length=1, blank=True)
    floor_sub = models.PositiveIntegerField(_("floor sub-number (樓之)"), null=True, blank=True)
    village = models.ForeignKey(
        "areas.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("new village")
    )
    neighborhood = models.PositiveSmallIntegerField(_("new 鄰"), null=True, blank=True)
    point = models.PointField(_("corrected point"), srid=STORAGE_SRID, null=True, blank=True, spatial_index=False)
    new_plate = models.ForeignKey(
        "addresses.DoorPlate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new plate"),
    )

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "old_plate"], name="renumberingitem_plan_plate_uniq"),
            models.UniqueConstraint(fields=["plan", "position"], name="renumberingitem_plan_position_uniq"),
        ]
        indexes = [models.Index(fields=["old_plate"], name="renumberingitem_old_plate_idx")]

    def __str__(self) -> str:
        return f"{self.old_address} → #{self.position}"


class PlanTransition(models.Model):
    """One step of a plan: who moved it from which status to which, when, with what note."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("plan"))
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"
