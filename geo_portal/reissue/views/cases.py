"""A case's staff page (its plates, applicant, fee, payments and receipts, installation and every step) and the
actions it offers for its state, each a POST that calls one service with the version the page was rendered with;
the case list by state."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from geo_portal.reissue import selectors
from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.forms import CollectForm, InstallForm, PaymentForm, ReasonForm
from geo_portal.reissue.models import Receipt
from geo_portal.reissue.services import (
    case_cancel,
    case_close,
    case_collected,
    case_installed,
    case_refund,
    fee_assess,
    payment_record,
    receipt_void,
)
from geo_portal.reissue.services.common import APPROVE_MONEY, HANDLE
from geo_portal.reissue.states import State, allowed_actions
from geo_portal.reissue.views.common import READ, posted_version, show_form_errors, show_refusal, staff_only


@require_GET
@staff_only(*READ)
def case_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state and state not in State.values:
        state = ""
    return render(
        request,
        "reissue/case_list.html",
        {
            "cases": selectors.case_list(state=state or None)[:500],
            "counts": selectors.state_counts(),
            "states": State.choices,
            "state": state,
            "nav": "cases",
        },
    )


@require_GET
@staff_only(*READ)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_page(pk)
    if case is None:
        raise Http404
    actions = set(allowed_actions(case.state))
    user = request.user
    handles, approves = user.has_perm(HANDLE), user.has_perm(APPROVE_MONEY)
    valid_receipt = next((r for r in case.receipts.all() if r.voided_at is None), None)
    return render(
        request,
        "reissue/case_detail.html",
        {
            "case": case,
            "applicant": getattr(case, "applicant", None),
            "installation": getattr(case, "installation", None),
            "can": {
                "assess": handles and "assess_fee" in actions,
                "pay": handles and "pay" in actions and not case.fee_waived,
                "void": approves and "void_receipt" in actions and valid_receipt is not None,
                "install": handles and "install" in actions,
                "collect": handles and "collect" in actions,
                "close": handles and "close" in actions,
                "cancel": handles and "cancel" in actions,
                "refund": approves and "refund" in actions,
            },
            "valid_receipt": valid_receipt,
            "payment_form": PaymentForm(initial={"amount": case.fee_amount}),
            "install_form": InstallForm(),
            "collect_form": CollectForm(),
            "reason_form": ReasonForm(),
            "nav": "cases",
        },
    )


def _run(request: HttpRequest, pk: int, call) -> HttpResponse:
    """Run one service call; show its refusal, or the success message it returns."""
    try:
        message = call()
    except (CaseRefused, StaleCase) as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, message)
    return redirect("reissue:case", pk=pk)


@require_POST
@staff_only(HANDLE)
def case_assess(request: HttpRequest, pk: int) -> HttpResponse:
    def call() -> str:
        case = fee_assess(case_id=pk, version=posted_version(request), actor=request.user)
        if case.fee_waived:
            return _("Fee waived (office initiative).")
        return _("Fee assessed: NT$%(n)d.") % {"n": case.fee_amount}

    return _run(request, pk, call)


@require_POST
@staff_only(HANDLE)
def case_pay(request: HttpRequest, pk: int) -> HttpResponse:
    form = PaymentForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("reissue:case", pk=pk)

    def call() -> str:
        receipt = payment_record(
            case_id=pk,
            version=posted_version(request),
            method=form.cleaned_data["method"],
            reference=form.cleaned_data["reference"],
            amount=form.cleaned_data["amount"],
            actor=request.user,
        )
        return _("Payment recorded; receipt %(n)s issued.") % {"n": receipt.display_number}

    return _run(request, pk, call)


@require_POST
@staff_only(APPROVE_MONEY)
def case_void_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("reissue:case", pk=pk)
    receipt = get_object_or_404(Receipt, pk=request.POST.get("receipt") or 0, case_id=pk)

    def call() -> str:
        voided = receipt_void(
            receipt_id=receipt.pk,
            case_version=posted_version(request),
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        return _("Receipt %(n)s voided.") % {"n": voided.display_number}

    return _run(request, pk, call)


@require_POST
@staff_only(HANDLE)
def case_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call() -> str:
        case_cancel(case_id=pk, version=posted_version(request), actor=request.user, reason=request.POST.get("reason", ""))
        return _("Case cancelled.")

    return _run(request, pk, call)


@require_POST
@staff_only(APPROVE_MONEY)
def case_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call() -> str:
        case_refund(case_id=pk, version=posted_version(request), actor=request.user, reason=request.POST.get("reason", ""))
        return _("Fee refunded; case ended.")

    return _run(request, pk, call)


@require_POST
@staff_only(HANDLE)
def case_install(request: HttpRequest, pk: int) -> HttpResponse:
    form = InstallForm(request.POST, request.FILES)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("reissue:case", pk=pk)
    data = form.cleaned_data

    def call() -> str:
        case_installed(
            case_id=pk,
            version=posted_version(request),
            actor=request.user,
            photo=data["photo"],
            installer=data["installer"],
            installed_on=data["installed_on"],
            lon=data["lon"] or None,
            lat=data["lat"] or None,
        )
        return _("Installation recorded; the plate is shown as ok.")

    return _run(request, pk, call)


@require_POST
@staff_only(HANDLE)
def case_collect(request: HttpRequest, pk: int) -> HttpResponse:
    form = CollectForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("reissue:case", pk=pk)

    def call() -> str:
        case_collected(
            case_id=pk,
            version=posted_version(request),
            actor=request.user,
            collected_on=form.cleaned_data["collected_on"],
            note=form.cleaned_data["note"],
        )
        return _("Collection recorded; the plate is shown as ok.")

    return _run(request, pk, call)


@require_POST
@staff_only(HANDLE)
def case_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call() -> str:
        case_close(case_id=pk, version=posted_version(request), actor=request.user, note=request.POST.get("note", ""))
        return _("Case closed.")

    return _run(request, pk, call)
