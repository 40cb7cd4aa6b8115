"""Re-issue cases: the case (reference, source, reason, state, version, responsible clerk, due date), its plates
(kind and quantity per plate, the exact text once ordered, its place on the installation route), its applicant
(personal data, a table of its own that no public read joins) and its steps (who, when, from → to, note).

Written only by ``services``; read through ``selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo_portal.reissue.states import FINAL, State


class Source(models.TextChoices):
    CENSUS_FINDING = "census_finding", _("census finding")
    CITIZEN_REPORT = "citizen_report", _("citizen report")
    COUNTER = "counter", _("request at the counter")
    OFFICE_INITIATIVE = "office_initiative", _("office initiative")


class Reason(models.TextChoices):
    MISSING = "missing", _("plate missing")
    DAMAGED = "damaged", _("plate damaged or illegible")
    OLD_STYLE = "old_style", _("old-style plate (unifying the city's style)")
    OTHER = "other", _("other reason")


class PlateKind(models.TextChoices):
    """What is made; the fee schedule has a fee per kind."""

    STANDARD = "standard", _("door plate")
    FLOOR = "floor", _("floor or unit plate")
    LANE_SIGN = "lane_sign", _("lane or alley sign")


class Case(models.Model):
    """One re-issue case: the plate(s) to make and put up, why, for whom, and where the case stands."""

    State = State

    reference = models.CharField(_("reference number"), max_length=24, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # The census finding's or citizen report's id (none for the counter and office initiatives).
    source_id = models.BigIntegerField(_("source id"), null=True, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    reason_note = models.CharField(_("reason note"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.REQUESTED)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible clerk"),
        db_index=False,  # named index in Meta
    )
    # When the case entered its current step, and when that step should be done (REISSUE_STEP_DAYS; none once over).
    state_since = models.DateTimeField(_("in this step since"), default=timezone.now)
    due_on = models.DateField(_("current step due on"), null=True, blank=True)
    fee_amount = models.PositiveIntegerField(_("fee (NT$)"), null=True, blank=True)
    fee_waived = models.BooleanField(_("fee waived"), default=False)
    order = models.ForeignKey(
        "reissue.ProductionOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("production order"),
        db_index=False,  # named index in Meta
    )
    # Why a case was cancelled or refunded.
    end_reason = models.CharField(_("reason for cancelling or refunding"), max_length=500, blank=True)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.CharField(_("last changed by"), max_length=150)
    # Incremented by every step; a writer says which version it saw (StaleCase otherwise).
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("re-issue case")
        verbose_name_plural = _("re-issue cases")
        ordering = ["-opened_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("handle_cases", "Can open and work on re-issue cases"),
            ("approve_money", "Can void receipts and refund re-issue fees"),
            ("manage_fees", "Can keep the re-issue fee schedule"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="reissuecase_reference_uniq"),
            # One case per census finding or citizen report.
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=Q(source__in=["census_finding", "citizen_report"]),
                name="reissuecase_source_uniq",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["census_finding", "citizen_report"], source_id__isnull=False)
                | Q(source__in=["counter", "office_initiative"], source_id__isnull=True),
                name="reissuecase_source_id_where_needed",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["cancelled", "refunded"]) | ~Q(end_reason=""), name="reissuecase_end_has_reason"
            ),
            models.CheckConstraint(condition=~Q(fee_waived=True) | Q(fee_amount=0), name="reissuecase_waived_is_zero"),
            models.CheckConstraint(condition=~Q(reason="other") | ~Q(reason_note=""), name="reissuecase_other_has_note"),
        ]
        indexes = [
            # Open cases by step and due date: the counter's lists, the overdue follow-up.
            models.Index(fields=["state", "due_on"], name="reissuecase_open_due_idx", condition=~Q(state__in=FINAL)),
            models.Index(fields=["clerk", "state"], name="reissuecase_clerk_idx"),
            models.Index(fields=["order"], name="reissuecase_order_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseApplicant(models.Model):
    """Who asked (personal data): seen by staff on the case page and used to send the receipt; never public."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="applicant", verbose_name=_("case")
    )
    name = models.CharField(_("applicant's name"), max_length=100, blank=True)
    phone = models.CharField(_("applicant's phone"), max_length=30, blank=True)
    email = models.EmailField(_("applicant's e-mail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        default_permissions = ()

    def __str__(self) -> str:
        return f"applicant of case {self.case_id}"  # never the person's name (admin lists, logs)


class CasePlate(models.Model):
    """One door plate of a case: the kind and how many to make; the exact text and route place once ordered."""

    # Indexed by the unique (case, plate) constraint and the named plate index in Meta.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plates", verbose_name=_("case"), db_index=False)
    plate = models.ForeignKey(
        "addresses.DoorPlate", on_delete=models.PROTECT, related_name="+", verbose_name=_("door plate"), db_index=False
    )
    plate_kind = models.CharField(_("plate kind"), max_length=12, choices=PlateKind.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    unit_fee = models.PositiveIntegerField(_("fee per plate (NT$)"), null=True, blank=True)
    # True while the case is open: one open case per plate (a partial unique index).
    is_open = models.BooleanField(_("case open"), default=True)
    # Filled when the case is ordered: the text the maker puts on the plate, and the installation route.
    # One line per line of the plate: city and district, street, number, floor (see plate_text).
    text = models.CharField(_("text on the plate"), max_length=160, blank=True)
    route_seq = models.PositiveIntegerField(_("place on the route"), null=True, blank=True)
    route_group = models.CharField(_("route group"), max_length=160, blank=True)

    class Meta:
        verbose_name = _("plate of a case")
        verbose_name_plural = _("plates of cases")
        ordering = ["case", "id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["plate"], condition=Q(is_open=True), name="reissueplate_one_open_case"),
            models.UniqueConstraint(fields=["case", "plate"], name="reissueplate_case_plate_uniq"),
            models.CheckConstraint(condition=Q(quantity__gte=1, quantity__lte=10), name="reissueplate_quantity_range"),
        ]
        indexes = [models.Index(fields=["plate"], name="reissueplate_plate_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: plate {self.plate_id} × {self.quantity}"


class CaseStep(models.Model):
    """One step of a case: the action, from and to, who (none for the system), when, the note, the new due date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case"), db_index=False)
    action = models.CharField(_("action"), max_length=14)
    from_state = models.CharField(_("from"), max_length=14, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=14, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    due_on = models.DateField(_("next step due on"), null=True, blank=True)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "at", "id"]
        default_permissions = ()
        indexes = [models.Index(fields=["case", "at"], name="reissuestep_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state or '—'} → {self.to_state}"
