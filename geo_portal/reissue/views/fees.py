"""The fee schedule: every staff member of re-issuance sees the fee in force per plate kind, those to come and
those replaced; reviewers add an entry (a kind, an amount, the date it applies from, in either calendar)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from geo_portal.reissue import selectors
from geo_portal.reissue.errors import CaseRefused
from geo_portal.reissue.forms import FeeForm
from geo_portal.reissue.models import PlateKind
from geo_portal.reissue.services import fee_schedule_add
from geo_portal.reissue.services.common import MANAGE_FEES
from geo_portal.reissue.views.common import READ, forbidden, show_form_errors, show_refusal, staff_only


@require_http_methods(["GET", "POST"])
@staff_only(*READ)
def fee_schedule(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.has_perm(MANAGE_FEES):
            return forbidden(request, _("Only reviewers keep the fee schedule."))
        form = FeeForm(request.POST)
        if not form.is_valid():
            show_form_errors(request, form)
            return redirect("reissue:fees")
        data = form.cleaned_data
        try:
            entry = fee_schedule_add(
                plate_kind=data["plate_kind"],
                amount=data["amount"],
                valid_from=data["valid_from"],
                note=data["note"],
                actor=request.user,
            )
        except CaseRefused as exc:
            show_refusal(request, exc)
            return redirect("reissue:fees")
        messages.success(
            request,
            _("Fee for %(kind)s: NT$%(n)d from %(day)s.")
            % {"kind": PlateKind(entry.plate_kind).label, "n": entry.amount, "day": entry.valid_from.isoformat()},
        )
        return redirect("reissue:fees")
    return render(
        request,
        "reissue/fees.html",
        {"rows": selectors.fee_table(), "form": FeeForm(), "can_edit": request.user.has_perm(MANAGE_FEES), "nav": "fees"},
    )
