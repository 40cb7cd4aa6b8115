"""The making and putting up of plates: production orders (a batch of cases for the plate maker, delivered as a
whole), the proof that a case's plates reached the wall (photo, GPS position and installer) or the resident
(collected at the counter), and the reminders about overdue cases (to the responsible clerk; to the resident
whose plate waits at the office)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo_portal.core.geo import STORAGE_SRID
from geo_portal.reissue.models.cases import Case


class ProductionOrder(models.Model):
    """A batch of cases sent to the plate maker; its sheet lists every plate's exact text in route order."""

    maker = models.CharField(_("plate maker"), max_length=120)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordered by")
    )
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery recorded by"),
    )

    class Meta:
        verbose_name = _("production order")
        verbose_name_plural = _("production orders")
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True, delivered_by__isnull=True)
                | Q(delivered_on__isnull=False, delivered_by__isnull=False),
                name="reissueorder_delivery_complete",
            )
        ]

    def __str__(self) -> str:
        return f"order {self.pk}"


class Installation(models.Model):
    """How a case's plates reached their place: installed (photo, GPS position, installer) or collected."""

    class Kind(models.TextChoices):
        INSTALLED = "installed", _("installed on the wall")
        COLLECTED = "collected", _("collected at the counter")

    class GpsSource(models.TextChoices):
        PHOTO = "photo", _("the photo's GPS data")
        DEVICE = "device", _("the installer's device")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="installation", verbose_name=_("case"))
    kind = models.CharField(_("how"), max_length=10, choices=Kind.choices)
    done_on = models.DateField(_("on"))
    installer = models.CharField(_("installer"), max_length=100, blank=True)
    photo = models.FileField(_("photo"), upload_to="reissue/%Y/%m/", max_length=200, blank=True)
    photo_sha256 = models.CharField(_("photo checksum"), max_length=64, blank=True)
    point = models.PointField(_("GPS position"), srid=STORAGE_SRID, null=True, blank=True, spatial_index=False)
    gps_source = models.CharField(_("position from"), max_length=6, choices=GpsSource.choices, blank=True)
    distance_m = models.FloatField(_("distance from the plate (m)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="collected") | (~Q(photo="") & ~Q(installer="")),
                name="reissueinstall_proof_when_installed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (case {self.case_id})"


class OverdueNotice(models.Model):
    """One reminder that a case is past its step's due date: to its clerk (on the first overdue day, then every
    REISSUE_REMIND_EVERY_DAYS while it stays there) or, once, to the resident whose plate waits at the office.

    Written set-based by the daily job (one per case, step, due date, recipient and round, whatever the number of
    runs), then sent; ``done_at`` and ``outcome`` say what became of it.
    """

    class Recipient(models.TextChoices):
        CLERK = "clerk", _("responsible clerk")
        RESIDENT = "resident", _("resident")

    class Outcome(models.TextChoices):
        WAITING = "", _("waiting to be sent")
        SENT = "sent", _("sent")
        NO_ADDRESS = "no_address", _("no e-mail address")
        MOVED_ON = "moved_on", _("the case moved on before it was sent")

    # Indexed by the unique constraint, which starts with it.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="overdue_notices", verbose_name=_("case"), db_index=False
    )
    state = models.CharField(_("step"), max_length=14, choices=Case.State.choices)
    due_on = models.DateField(_("due on"))
    recipient = models.CharField(_("to"), max_length=10, choices=Recipient.choices)
    round = models.PositiveSmallIntegerField(_("reminder round"))
    created_at = models.DateTimeField(_("noticed at"), auto_now_add=True)
    done_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True, default="")

    class Meta:
        verbose_name = _("overdue reminder")
        verbose_name_plural = _("overdue reminders")
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["case", "state", "due_on", "recipient", "round"], name="reissuenotice_once_per_round"
            )
        ]
        indexes = [models.Index(fields=["recipient"], name="reissuenotice_waiting_idx", condition=Q(done_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.recipient} reminder of case {self.case_id} ({self.state}, due {self.due_on})"
