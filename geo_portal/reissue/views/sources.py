"""Work that comes to re-issuance from elsewhere: accepted census findings that call for a new plate and open
citizen reports of a missing or damaged plate (never the reporter's contact); a clerk turns each into a case in one
step, choosing the plate kind and quantity and, when the resident is there, recording them as the applicant (the
receipt is e-mailed to them)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from geo_portal.reissue import selectors
from geo_portal.reissue.errors import CaseRefused
from geo_portal.reissue.forms import SourceCaseForm
from geo_portal.reissue.services import Applicant, case_open_from_finding, case_open_from_report
from geo_portal.reissue.services.common import HANDLE
from geo_portal.reissue.views.common import READ, show_form_errors, show_refusal, staff_only


@require_GET
@staff_only(*READ)
def sources(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reissue/sources.html",
        {
            "findings": selectors.findings_waiting(),
            "reports": selectors.reports_waiting(),
            "form": SourceCaseForm(),
            "nav": "sources",
        },
    )


def _open(request: HttpRequest, service, **ids) -> HttpResponse:
    form = SourceCaseForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("reissue:sources")
    data = form.cleaned_data
    person = Applicant(name=data["name"], phone=data["phone"], email=data["email"])
    try:
        case = service(**ids, actor=request.user, plate_kind=data["plate_kind"], quantity=data["quantity"],
                       applicant=person if any((person.name, person.phone, person.email)) else None)  # fmt: skip
    except CaseRefused as exc:
        show_refusal(request, exc)
        return redirect("reissue:sources")
    messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
    return redirect("reissue:case", pk=case.pk)


@require_POST
@staff_only(HANDLE)
def open_from_finding(request: HttpRequest, pk: int) -> HttpResponse:
    return _open(request, case_open_from_finding, finding_id=pk)


@require_POST
@staff_only(HANDLE)
def open_from_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _open(request, case_open_from_report, report_id=pk)
