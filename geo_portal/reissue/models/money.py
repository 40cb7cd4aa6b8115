"""Fees, payments and receipts of re-issue cases.

The office keeps a fee schedule (a fee per plate kind, valid from a date; the entry in force on a day is the latest
one valid by then). A payment (cash, EasyCard 悠遊卡, bank transfer with its reference) is recorded with exactly one
receipt, numbered consecutively per office and year from a counter row taken at the end of the paying transaction
(so a rolled-back payment leaves no gap and two clerks never get one number). A voided receipt stays with who voided
it, when and why; nothing here is ever deleted (database triggers refuse it).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from geo_portal.reissue.models.cases import Case, PlateKind

MAX_FEE = 100_000  # NT$: a fee above this is a typing error, not a plate


class FeeSchedule(models.Model):
    """The fee for one plate kind from a date on (NT$, whole dollars)."""

    plate_kind = models.CharField(_("plate kind"), max_length=12, choices=PlateKind.choices)
    amount = models.PositiveIntegerField(_("fee (NT$)"))
    valid_from = models.DateField(_("valid from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee schedule entry")
        verbose_name_plural = _("fee schedule")
        ordering = ["plate_kind", "-valid_from"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["plate_kind", "valid_from"], name="reissuefee_kind_from_uniq"),
            models.CheckConstraint(condition=Q(amount__lte=MAX_FEE), name="reissuefee_amount_range"),
        ]
        triggers = [pgtrigger.Protect(name="reissuefee_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.plate_kind} NT${self.amount} from {self.valid_from}"


class Payment(models.Model):
    """The fee of one case as paid; refunded (with a reason) when the case is refunded."""

    class Method(models.TextChoices):
        CASH = "cash", _("cash")
        EASYCARD = "easycard", _("EasyCard (悠遊卡)")
        BANK_TRANSFER = "bank_transfer", _("bank transfer")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments", verbose_name=_("case"))
    method = models.CharField(_("payment method"), max_length=14, choices=Method.choices)
    # EasyCard transaction number or the bank transfer's reference; empty for cash.
    reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    amount = models.PositiveIntegerField(_("amount (NT$)"))
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    # Set when its receipt is voided (the payment no longer counts) …
    voided = models.BooleanField(_("voided"), default=False)
    # … or when the fee is given back.
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refunded by"),
    )
    refund_reason = models.CharField(_("reason for the refund"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["case", "received_at", "id"]
        default_permissions = ()
        constraints = [
            # A card or transfer reference is recorded once (a second entry of the same transfer is a mistake).
            models.UniqueConstraint(
                fields=["method", "reference"], condition=~Q(reference="") & Q(voided=False), name="reissuepay_ref_uniq"
            ),
            # At most one payment of a case counts at a time.
            models.UniqueConstraint(fields=["case"], condition=Q(voided=False), name="reissuepay_one_valid_per_case"),
            models.CheckConstraint(condition=Q(method="cash") | ~Q(reference=""), name="reissuepay_reference_needed"),
            models.CheckConstraint(
                condition=Q(refunded_at__isnull=True) | ~Q(refund_reason=""), name="reissuepay_refund_has_reason"
            ),
        ]
        triggers = [pgtrigger.Protect(name="reissuepay_no_delete", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_method_display()} NT${self.amount} (case {self.case_id})"


class ReceiptCounter(models.Model):
    """The last receipt number issued per office and year; its row lock orders concurrent payments."""

    office = models.CharField(_("office"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="reissuecounter_office_year_uniq")]

    def __str__(self) -> str:
        return f"{self.office} {self.year}: {self.last_number}"


class Receipt(models.Model):
    """The receipt of one payment: office, year (Gregorian) and number consecutive within them."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt", verbose_name=_("payment"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("case"))
    office = models.CharField(_("office"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    amount = models.PositiveIntegerField(_("amount (NT$)"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)
    # When the receipt was e-mailed to the applicant (by the job), if they gave an address.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["office", "year", "number"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["office", "year", "number"], name="reissuereceipt_number_uniq"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="reissuereceipt_void_complete",
            ),
            # Two people: whoever issued a receipt does not void it.
            models.CheckConstraint(
                condition=Q(voided_by__isnull=True) | ~Q(voided_by=F("issued_by")), name="reissuereceipt_voider_not_issuer"
            ),
        ]
        triggers = [pgtrigger.Protect(name="reissuereceipt_no_delete", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        """HCE-115-000042: office, ROC year, number."""
        return f"{self.office}-{self.year - 1911}-{self.number:06d}"
