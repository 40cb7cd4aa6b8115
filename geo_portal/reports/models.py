"""The citizen report model: what a citizen saw wrong with a door plate, where, an optional photo and contact.

Written only by ``services`` (``create_report``; ``report_mark_duplicate`` for staff); read by staff in the admin
and, without anything personal, by the public status page of a reference. The contact is personal data: it is
shown to staff in the admin and nowhere else (no public page, JSON response or log line carries it); every staff
read of it or of the photo is logged (``PersonalDataRead``), and both are removed a while after the report is closed
(``PersonalDataPurge``, the retention job).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
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


class PersonalDataRead(models.Model):
    """A staff member saw a report's personal data (the contact, the photo, the photo's kept GPS position): who,
    when, which report, which fields, on which page. Written by ``access.log_read`` in the same request that shows
    them; append-only (a database trigger refuses updates and deletes)."""

    class Field(models.TextChoices):
        CONTACT = "contact", _("contact")
        PHOTO = "photo", _("photo")
        PHOTO_LOCATION = "photo_location", _("where the photo was taken")

    at = models.DateTimeField(_("read at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    # The report may be deleted later; the row keeps its reference (no foreign key that a deletion would cascade).
    report_id = models.BigIntegerField(_("report id"))
    reference = models.CharField(_("reference number"), max_length=16)
    fields = ArrayField(models.CharField(max_length=20, choices=Field.choices), verbose_name=_("fields"))
    path = models.CharField(_("page"), max_length=300)

    class Meta:
        verbose_name = _("read of a report's personal data")
        verbose_name_plural = _("reads of reports' personal data")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["report_id", "-at"], name="reportread_report_at_idx"),
            models.Index(fields=["user", "-at"], name="reportread_user_at_idx"),
        ]
        triggers = [pgtrigger.Protect(name="reportread_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.reference}: {', '.join(self.fields)} ({self.at:%Y-%m-%d %H:%M})"


class PersonalDataPurge(models.Model):
    """One run of the retention job: the contacts and photos of reports closed longer than
    ``REPORTS_PERSONAL_DATA_RETENTION_DAYS`` before ``cutoff`` were removed (the reports themselves stay)."""

    at = models.DateTimeField(_("purged at"), auto_now_add=True)
    cutoff = models.DateTimeField(_("closed before"))
    report_ids = ArrayField(models.BigIntegerField(), verbose_name=_("reports"), default=list)
    contacts = models.PositiveIntegerField(_("contacts removed"))
    photos = models.PositiveIntegerField(_("photos removed"))

    class Meta:
        verbose_name = _("purge of reports' personal data")
        verbose_name_plural = _("purges of reports' personal data")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        triggers = [pgtrigger.Protect(name="reportpurge_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}: {len(self.report_ids)}"
