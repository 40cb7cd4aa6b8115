"""The citizen report model: what a citizen saw wrong with a door plate, where, an optional photo and contact.

Written only by ``services`` (``create_report``; ``report_mark_duplicate`` for staff); read by staff in the admin
and, without anything personal, by the public status page of a reference. The contact is personal data: it is
shown to staff in the admin and nowhere else (no public page, JSON response or log line carries it).
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo_portal.core.geo import STORAGE_SRID

DESCRIPTION_MAX_LENGTH = 2000
CONTACT_MAX_LENGTH = 200
SUBMISSION_KEY_MAX_LENGTH = 64


class CitizenReport(models.Model):
    """One report from a citizen, linked to a door plate, a point on the map, or both."""

    class Kind(models.TextChoices):
        MISSING = "missing", _("plate missing")
        DAMAGED = "damaged", _("plate damaged or illegible")
        WRONG_POSITION = "wrong_position", _("plate in the wrong position")
        NO_PLATE = "no_plate", _("building without a plate")
        OTHER = "other", _("other problem")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        IN_REVIEW = "in_review", _("in review")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("duplicate of another report")

    reference = models.CharField(_("reference number"), max_length=16, editable=False)
    kind = models.CharField(_("kind of problem"), max_length=20, choices=Kind.choices)
    plate = models.ForeignKey(
        "addresses.DoorPlate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="citizen_reports",
        verbose_name=_("door plate"),
        db_index=False,  # named index in Meta
    )
    location = models.PointField(_("location"), srid=STORAGE_SRID, spatial_index=False)
    description = models.CharField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    photo = models.FileField(_("photo"), upload_to="reports/%Y/%m/", max_length=200, blank=True)
    photo_keeps_location = models.BooleanField(
        _("photo keeps its location"),
        default=False,
        help_text=_("The reporter chose to keep the GPS position in the photo's EXIF data."),
    )
    contact = models.CharField(_("contact"), max_length=CONTACT_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
        help_text=_("The report this one repeats; its status is then “duplicate”."),
        db_index=False,  # named index in Meta
    )
    staff_note = models.TextField(_("staff note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Keyed hash of the client address: ties reports from one client together without storing the address.
    client_hash = models.CharField(_("client hash"), max_length=64, editable=False)
    # A random key the report form makes once per filled-in form: a double tap or a resend stores one report.
    submission_key = models.CharField(_("submission key"), max_length=SUBMISSION_KEY_MAX_LENGTH, blank=True, editable=False)

    class Meta:
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="citizenreport_reference_uniq"),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(description=""), name="citizenreport_other_has_description"
            ),
            models.UniqueConstraint(
                fields=["submission_key"], condition=~Q(submission_key=""), name="citizenreport_submission_uniq"
            ),
            # A duplicate names the report it repeats, and only a duplicate does (never itself).
            models.CheckConstraint(
                condition=Q(status="duplicate", duplicate_of__isnull=False)
                | Q(~Q(status="duplicate"), duplicate_of__isnull=True),
                name="citizenreport_duplicate_names_original",
            ),
            models.CheckConstraint(condition=~Q(duplicate_of=models.F("pk")), name="citizenreport_not_own_duplicate"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="citizenreport_status_idx"),
            models.Index(fields=["created_at"], name="citizenreport_created_idx"),
            models.Index(fields=["plate"], name="citizenreport_plate_idx"),
            models.Index(fields=["client_hash", "created_at"], name="citizenreport_client_idx"),
            models.Index(
                fields=["duplicate_of"], name="citizenreport_duplicate_idx", condition=Q(duplicate_of__isnull=False)
            ),
            GistIndex(fields=["location"], name="citizenreport_location_gist"),
        ]

    def __str__(self) -> str:
        return self.reference
