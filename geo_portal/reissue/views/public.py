"""The public status page of a re-issue case by its reference number ("track and trace"): the step it is at, the
date it is expected to move on, the steps passed with their dates, the plates' public addresses — never the
applicant, a note or a name of staff. Throttled per client (``case_status``); references are random enough that
guessing one is hopeless within the rate."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from geo_portal.core.throttling import client_throttled
from geo_portal.reissue.selectors import normalise_reference, public_status


@require_GET
@client_throttled("case_status")
def status(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("ref", "")
    asked = bool(text.strip())
    found = public_status(text) if asked else None
    context = {
        "ref": text.strip()[:40],
        "asked": asked,
        "malformed": asked and normalise_reference(text) is None,
        "status": found,
    }
    return render(request, "reissue/status.html", context, status=404 if asked and found is None else 200)
