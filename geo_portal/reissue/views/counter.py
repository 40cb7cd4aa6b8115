"""The counter: a clerk types the address in any written form, the geocoder offers the plates it matches (graded,
with suggestions when nothing matches), the clerk picks one and opens a case; the page then shows the reference to
give the resident. Also the office's own initiatives (old-style plates) start here."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from geo_portal.addresses.search import geocode
from geo_portal.reissue import selectors
from geo_portal.reissue.errors import CaseRefused
from geo_portal.reissue.forms import CounterSearchForm, OpenCaseForm
from geo_portal.reissue.services import Applicant, PlateRequest, case_open
from geo_portal.reissue.services.common import HANDLE
from geo_portal.reissue.views.common import FOR_CLERKS, show_form_errors, show_refusal, staff_only

CANDIDATES = 10


@require_http_methods(["GET", "POST"])
@staff_only(HANDLE, message=FOR_CLERKS)
def counter(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _open(request)
    search = CounterSearchForm(request.GET or None)
    result = None
    candidates = []
    if search.is_valid():
        result = geocode(search.cleaned_data["q"], limit=CANDIDATES)
        open_cases = selectors.open_cases_of([hit.plate_id for hit in result.hits if hit.plate_id])
        candidates = [(hit, open_cases.get(hit.plate_id)) for hit in result.hits]
    return render(
        request,
        "reissue/counter.html",
        {"search": search, "result": result, "candidates": candidates, "form": OpenCaseForm(), "nav": "counter"},
    )


def _open(request: HttpRequest) -> HttpResponse:
    form = OpenCaseForm(request.POST)
    query = request.POST.get("q", "")
    back = reverse("reissue:counter") + (f"?{urlencode({'q': query})}" if query else "")
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect(back)
    data = form.cleaned_data
    try:
        case = case_open(
            source=data["source"],
            plates=[PlateRequest(data["plate"], data["plate_kind"], data["quantity"])],
            reason=data["reason"],
            reason_note=data["reason_note"],
            applicant=Applicant(name=data["name"], phone=data["phone"], email=data["email"]),
            actor=request.user,
            note=data["note"],
        )
    except CaseRefused as exc:
        show_refusal(request, exc)
        return redirect(back)
    messages.success(
        request,
        _("Case %(ref)s opened. Give the resident this reference number to follow the case.") % {"ref": case.reference},
    )
    return redirect("reissue:case", pk=case.pk)
