"""Forms of the re-issuance pages: they read what was typed (dates in either calendar, amounts in whole NT dollars)
and leave every rule to the services. Labels are lazy (English msgids, zh-Hant in the catalogue)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo_portal.reissue.dates import parse_date
from geo_portal.reissue.models import NoticeCondition, Payment, PlateKind, Reason, ScopeKind, SendMethod, Source

DATE_HELP = _("For example 115/12/02, 民國115年12月2日 or 2026-12-02.")


class FlexibleDateField(forms.Field):
    """A date typed in the ROC or the Gregorian calendar (see ``dates.parse_date``)."""

    default_error_messages = {"invalid": _("Enter a date such as 115/12/02, 民國115年12月2日 or 2026-12-02.")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", DATE_HELP)
        super().__init__(**kwargs)

    def to_python(self, value: object) -> dt.date | None:
        text = str(value or "").strip()[:40]
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class AmountField(forms.CharField):
    """Whole NT dollars as typed (``1,200``, ``NT$200`` and ``200元`` read as numbers; anything else is refused)."""

    default_error_messages = {"invalid": _("Enter a whole number of NT dollars, such as 200.")}

    def to_python(self, value: object) -> int | None:
        text = (super().to_python(value) or "").replace(",", "").replace("NT$", "").removesuffix("元").strip()
        if not text:
            return None
        if not re.fullmatch(r"-?\d{1,9}", text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


def _today() -> str:
    return timezone.localdate().isoformat()


class CounterSearchForm(forms.Form):
    q = forms.CharField(label=_("Address (any written form)"), max_length=200)


class OpenCaseForm(forms.Form):
    plate = forms.IntegerField(widget=forms.HiddenInput)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (Source.COUNTER.value, Source.COUNTER.label),
            (Source.OFFICE_INITIATIVE.value, Source.OFFICE_INITIATIVE.label),
        ],
    )
    plate_kind = forms.ChoiceField(label=_("Plate kind"), choices=PlateKind.choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10, initial=1)
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    reason_note = forms.CharField(label=_("Reason note"), max_length=500, required=False)
    name = forms.CharField(label=_("Applicant's name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Applicant's phone"), max_length=30, required=False)
    email = forms.CharField(label=_("Applicant's e-mail (the receipt is sent there)"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class SourceCaseForm(forms.Form):
    """A case from a census finding or a citizen report: the kind and quantity, optionally the applicant."""

    plate_kind = forms.ChoiceField(label=_("Plate kind"), choices=PlateKind.choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10, initial=1)
    # The resident who came with the census's letter or about their report, when present: the receipt goes to the
    # e-mail address (checked by the service, like the counter's).
    name = forms.CharField(label=_("Applicant's name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Applicant's phone"), max_length=30, required=False)
    email = forms.CharField(label=_("Applicant's e-mail (the receipt is sent there)"), max_length=200, required=False)


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("Payment method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("EasyCard or transfer reference"), max_length=60, required=False)
    amount = AmountField(label=_("Amount (NT$)"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class InstallForm(forms.Form):
    photo = forms.FileField(label=_("Photo of the plate on the wall"))
    installer = forms.CharField(label=_("Installer"), max_length=100)
    installed_on = FlexibleDateField(label=_("Installed on"), initial=_today)
    lon = forms.CharField(label=_("Longitude (if the photo has no GPS)"), max_length=30, required=False)
    lat = forms.CharField(label=_("Latitude (if the photo has no GPS)"), max_length=30, required=False)


class CollectForm(forms.Form):
    collected_on = FlexibleDateField(label=_("Collected on"), initial=_today)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class FeeForm(forms.Form):
    plate_kind = forms.ChoiceField(label=_("Plate kind"), choices=PlateKind.choices)
    amount = AmountField(label=_("Fee (NT$)"))
    valid_from = FlexibleDateField(label=_("Valid from"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DeliveryForm(forms.Form):
    delivered_on = FlexibleDateField(label=_("Delivered on"), initial=_today)


class NoticeScopeForm(forms.Form):
    """The scope of resident notices (``village:12``, ``campaign:3``, ``road:40``) and the plate conditions."""

    scope = forms.CharField(label=_("Village, census campaign or road"), max_length=40)
    conditions = forms.MultipleChoiceField(
        label=_("Plates found"), choices=NoticeCondition.choices, widget=forms.CheckboxSelectMultiple
    )

    def clean_scope(self) -> tuple[str, int]:
        kind, _sep, number = self.cleaned_data["scope"].partition(":")
        if kind not in ScopeKind.values or not number.isdigit() or len(number) > 18:
            raise forms.ValidationError(_("Choose a village, census campaign or road from the list."), code="invalid")
        return kind, int(number)


class NoticeBatchForm(NoticeScopeForm):
    resend = forms.BooleanField(label=_("Send again to plates already told"), required=False)
    resend_reason = forms.CharField(label=_("Why they are told again"), max_length=500, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("resend") and not (data.get("resend_reason") or "").strip():
            self.add_error("resend_reason", _("Say why the letters are sent again."))
        if not data.get("resend"):
            data["resend_reason"] = ""
        return data


class NoticeSentForm(forms.Form):
    sent_on = FlexibleDateField(label=_("Sent on"), initial=_today)
    method = forms.ChoiceField(label=_("How"), choices=SendMethod.choices)
    not_sent = forms.CharField(label=_("Letters not sent (their numbers in the batch, e.g. 3, 17)"), max_length=2000,
                               required=False)  # fmt: skip

    def clean_not_sent(self) -> list[int]:
        text = self.cleaned_data["not_sent"].replace("，", ",").replace("、", ",")
        parts = [p.strip() for p in re.split(r"[,\s]+", text) if p.strip()]
        if any(not p.isdigit() or len(p) > 6 for p in parts):
            raise forms.ValidationError(_("Write the letters' numbers in the batch, separated by commas."), code="invalid")
        return [int(p) for p in parts]
